"""GET /api/v1/export.json and /api/v1/export.csv: streamed, conditional on the
registry's generation (hashtags.serving.cache.validators)."""

import csv
import io
import json
from datetime import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from hashtags.models import Hashtag, HashtagModerator, Moderator, Status
from hashtags.opendata import registry_io

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def entries(make_hashtag, make_chat, make_category):
    category = make_category("health-it")
    moderator = Moderator.objects.create(handle="host", platform_id="x")

    def make(count: int, prefix: str = "Entry") -> None:
        for index in range(count):
            entry = make_hashtag(f"{prefix}{index}", categories=[category], platforms=["x"])
            make_chat(entry, start_time=time(9, index % 60), timezone_id="Europe/Paris")
            HashtagModerator.objects.create(hashtag=entry, moderator=moderator)

    return make


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_the_json_export_streams_the_document_with_its_type_filename_and_licence(
    client, entries, make_hashtag
):
    entries(3)
    make_hashtag("Gone", status=Status.RETIRED)

    response = client.get("/api/v1/export.json")

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        'attachment; filename="healthcare-hashtag-directory.json"'
    )
    assert response["Link"] == (
        '<https://creativecommons.org/publicdomain/zero/1.0/>; rel="license", '
        f'<{settings.SITE_URL}/api/v1/export.schema.json>; rel="describedby"'
    )
    assert "public" in response["Cache-Control"]
    document = json.loads(body(response))
    assert document["licence"]["id"] == "CC0-1.0"
    assert [entry["tag"] for entry in document["hashtags"]] == ["Entry0", "Entry1", "Entry2"]
    with_retired = json.loads(body(client.get("/api/v1/export.json?include_retired=1")))
    assert "Gone" in [entry["tag"] for entry in with_retired["hashtags"]]


def test_the_csv_export_is_the_same_file_as_the_command_writes(client, entries, tmp_path):
    entries(2)
    response = client.get("/api/v1/export.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert response["Content-Disposition"].endswith('filename="healthcare-hashtag-directory.csv"')
    text = body(response)
    call_command("export_registry", format="csv", output=str(tmp_path / "out.csv"))
    assert (tmp_path / "out.csv").read_bytes() == text.encode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["tag"] for row in rows] == ["Entry0", "Entry1"]
    assert rows[0]["categories"] == "health-it"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_matching_if_none_match_is_answered_304_without_a_body(client, entries, fmt):
    entries(2)
    first = client.get(f"/api/v1/export.{fmt}")
    etag = first["ETag"]

    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/api/v1/export.{fmt}", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # The validators come from the shared cache: a revalidation does not touch the database.
    assert len(queries) == 0
    modified = client.get(f"/api/v1/export.{fmt}", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert modified.status_code == 304


def test_json_and_csv_and_the_retired_variant_have_different_etags(client, entries):
    entries(1)
    etags = {
        client.get("/api/v1/export.json")["ETag"],
        client.get("/api/v1/export.csv")["ETag"],
        client.get("/api/v1/export.json?include_retired=1")["ETag"],
    }
    assert len(etags) == 3


def test_a_change_to_the_registry_gives_a_new_etag_and_a_full_response(
    client, entries, make_chat, django_capture_on_commit_callbacks
):
    entries(2)
    etag = client.get("/api/v1/export.json")["ETag"]

    with django_capture_on_commit_callbacks(execute=True):
        make_chat(Hashtag.objects.get(tag="Entry1"), weekdays="FR", timezone_id="Asia/Tokyo")

    response = client.get("/api/v1/export.json", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Asia/Tokyo" in body(response)


def test_the_number_of_queries_does_not_grow_with_the_number_of_entries(client, entries):
    def queries_for_export() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            body(client.get("/api/v1/export.json"))
        return len(queries)

    entries(3)
    few = queries_for_export()
    entries(30, prefix="More")
    many = queries_for_export()

    assert few == many
    # 1 for the document's "updated", 1 for the category tree, then per chunk of
    # CHUNK_SIZE entries 1 for the entries and 6 prefetches (categories, platforms,
    # chats, their breaks, hosts, aliases); the validators cost none.
    assert many <= 9


def test_the_export_is_read_in_chunks_and_sent_in_pieces(client, entries, monkeypatch):
    entries(12)
    monkeypatch.setattr(registry_io, "CHUNK_SIZE", 5)
    monkeypatch.setattr(registry_io, "STREAM_BUFFER", 1000)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/export.csv")
        pieces = list(response.streaming_content)

    assert len(pieces) > 3
    # The stored records (hashtags.published), read in one statement however many chunks
    # it is fetched in; nothing else about the entries is read.
    reads = [q for q in queries if "hashtags_published" in q["sql"]]
    assert len(reads) == 1
    assert not [q for q in queries if q["sql"].startswith('SELECT "hashtags_chat"')]
    assert sum(piece.count(b"\r\n") for piece in pieces) == 13


def test_a_head_request_answers_the_headers_without_generating_the_body(client, entries):
    entries(1)
    response = client.head("/api/v1/export.json")
    assert response.status_code == 200
    assert response["ETag"] and response.content == b""


def test_a_bad_parameter_or_method_is_refused_with_a_reason(client):
    response = client.get("/api/v1/export.json?include_retired=maybe")
    assert response.status_code == 400
    assert "include_retired" in response.json()
    assert client.post("/api/v1/export.csv").status_code == 405


def test_full_exports_are_rate_limited_but_not_conditional_ones(client, settings):
    settings.EXPORT_RATE = "2/hour"
    first = client.get("/api/v1/export.json")
    etag = first["ETag"]
    assert client.get("/api/v1/export.csv").status_code == 200
    refused = client.get("/api/v1/export.json")
    # Retry-After: the seconds until this client's hour renews.
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    assert client.get("/api/v1/export.json", HTTP_IF_NONE_MATCH=etag).status_code == 304
