"""HTTP behaviour of the API: CORS for reads from any origin (and none on HTML pages),
conditional GET with ETags, and JSON answers for unknown routes and methods.

The ETags are the page cache's (directory/cache.py), given even with the cache's storing
off, as in these tests: the registry's generation, the minute and the address.
"""

from datetime import UTC, datetime, time

import pytest
import time_machine

from tests.support import make_user, token_client

pytestmark = pytest.mark.django_db
ORIGIN = "https://research.example.edu"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/hashtags/",
        "/api/v1/hashtags/HCLDR/",
        "/api/v1/categories/",
        "/api/v1/chats/upcoming/",
        "/api/v1/schema/",
    ],
)
def test_api_reads_may_be_read_from_any_origin(api, make_hashtag, url):
    make_hashtag("HCLDR")
    answer = api.get(url, HTTP_ORIGIN=ORIGIN)
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in answer


def test_a_preflight_allows_get_only(api):
    answer = api.options(
        "/api/v1/hashtags/",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == "*"
    assert set(answer["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("url", ["/", "/hashtags/HCLDR/", "/admin/login/"])
def test_html_pages_send_no_cors_header(client, make_hashtag, url):
    make_hashtag("HCLDR")
    answer = client.get(url, HTTP_ORIGIN=ORIGIN)
    assert answer.status_code == 200
    assert not [name for name in answer.headers if name.lower().startswith("access-control")]


@pytest.mark.parametrize(
    "url", ["/api/v1/hashtags/", "/api/v1/hashtags/hcldr/", "/api/v1/categories/"]
)
def test_an_unchanged_answer_is_a_304_to_its_etag_without_a_query(
    api, make_hashtag, make_category, url, django_assert_num_queries
):
    make_hashtag("HCLDR", categories=[make_category("leadership")])
    first = api.get(url)
    etag = first["ETag"]
    # Weak: the minute is part of it, and two answers of one minute may differ slightly.
    assert etag.startswith('W/"') and etag.endswith('"')
    with django_assert_num_queries(0):
        again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_change_to_the_entry_or_its_chats_changes_the_etag(
    api, make_hashtag, make_chat, django_capture_on_commit_callbacks
):
    entry = make_hashtag("HCLDR")
    etag = api.get("/api/v1/hashtags/HCLDR/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):  # the change is committed
        make_chat(entry, weekdays="TU", start_time=time(20, 30))
    changed = api.get("/api/v1/hashtags/HCLDR/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["chats"]
    list_etag = api.get("/api/v1/hashtags/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        entry.name = "Renamed"
        entry.save()
    assert api.get("/api/v1/hashtags/", HTTP_IF_NONE_MATCH=list_etag).status_code == 200


def test_upcoming_meetings_move_on_with_time_so_their_etag_lasts_a_minute(
    api, make_hashtag, make_chat
):
    make_chat(make_hashtag("HCLDR"), weekdays="TU", start_time=time(20, 30))
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, 5, tzinfo=UTC), tick=False) as clock:
        etag = api.get("/api/v1/chats/upcoming/")["ETag"]
        clock.shift(50)
        assert api.get("/api/v1/chats/upcoming/", HTTP_IF_NONE_MATCH=etag).status_code == 304
        clock.shift(10)
        later = api.get("/api/v1/chats/upcoming/", HTTP_IF_NONE_MATCH=etag)
    assert later.status_code == 200
    assert later.json()["start"] == "2026-03-10T12:01:05+00:00"


def test_a_request_with_a_token_always_reaches_the_view(api, make_hashtag):
    make_hashtag("HCLDR")
    etag = api.get("/api/v1/hashtags/HCLDR/")["ETag"]
    curator = token_client(make_user("curator", curator=True))
    answer = curator.get("/api/v1/hashtags/HCLDR/", HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200
    assert "ETag" not in answer


def test_a_different_page_or_filter_has_its_own_etag(api, make_hashtag):
    make_hashtag("HCLDR", kind="chat")
    make_hashtag("BCSM", kind="disease")
    etag = api.get("/api/v1/hashtags/")["ETag"]
    assert api.get("/api/v1/hashtags/?kind=chat", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_errors_carry_no_etag(api):
    assert "ETag" not in api.get("/api/v1/hashtags/nope/")


def test_an_unsupported_method_is_a_json_405_with_allow(api, make_hashtag):
    make_hashtag("HCLDR")
    answer = api.put("/api/v1/hashtags/HCLDR/", {}, format="json")
    assert answer.status_code == 405
    assert "PATCH" in answer["Allow"]
    assert answer.json()["detail"]


def test_the_api_root_lists_the_resources(api):
    body = api.get("/api/v1/").json()
    assert set(body) == {
        "hashtags",
        "categories",
        "submissions",
        "upcoming_chats",
        "changes",
        "export_json",
        "export_csv",
        "export_schema",
        "schema",
        "docs",
    }


def test_an_invalid_token_is_refused_even_on_a_public_read(api, make_hashtag):
    make_hashtag("HCLDR")
    api.credentials(HTTP_AUTHORIZATION="Token stale")
    answer = api.get("/api/v1/hashtags/HCLDR/")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Invalid token."}
