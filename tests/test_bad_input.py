"""Hostile input on every public URL and API endpoint: never a 5xx, markup never echoed.

The URLs come from the URL configuration itself, so a new page or endpoint is covered
the day it is added. Each hostile value goes into every path parameter and, in one
request per value, into every query parameter a page or endpoint reads.
"""

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from hashtags.models import Hashtag, Status
from tests.submission_helpers import submission_data
from tests.support import make_category, make_chat, make_hashtag, shared_by_the_module

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
HOSTILE = {
    "nul": "a\x00b",
    "long": "x" * 10_000,
    "script": SCRIPT,
    "javascript-url": "javascript:alert(1)",
    "emoji": "🧦💖",
    "rtl-override": "\u202eevil\u202c",
    "sql": "' OR 1=1;-- DROP TABLE hashtags_hashtag",
    "huge-number": "9" * 40,
    "negative": "-1",
    "path-traversal": "../../etc/passwd",
}
QUERY_PARAMETERS = [
    "q",
    "tz",
    "category",
    "kind",
    "platform",
    "language",
    "has_chat",
    "status",
    "chat_weekday",
    "updated_since",
    "ordering",
    "page",
    "page_size",
    "cursor",
    "after",
    "before",
    "start",
    "end",
    "format",
    "include_retired",
    "tag",
]
SKIPPED_PREFIXES = ("admin/", "static/")


def public_patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple]:
    """(route, converters) for every URL pattern outside the admin."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            found.extend(public_patterns(entry, route))
        elif isinstance(entry, URLPattern):
            found.append((route, entry.pattern.converters))
    return found


def fill(route: str, converters: dict, value: str) -> str:
    path = route.lstrip("^").rstrip("$").replace("\\Z", "")
    for name in converters:
        for kind in ("str", "slug", "int", "path", "uuid"):
            path = path.replace(f"<{kind}:{name}>", value)
    return "/" + path


PATTERNS = public_patterns()


@pytest.fixture(scope="module")
def entries(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Made once for the module (its two hundred tests each have them); what a test writes
    is rolled back after it (a savepoint of its own)."""
    with shared_by_the_module(django_db_blocker):
        entry = make_hashtag("HCLDR", categories=[make_category("cancer")])
        make_chat(entry)
        make_hashtag("Waiting", status=Status.PENDING)
        yield


@pytest.fixture
def registry(entries, db) -> None:
    """An approved entry with a chat and a category, and a pending one."""


def assert_no_server_error(response, url: str) -> None:
    assert response.status_code < 500, f"{response.status_code} for {url[:200]!r}"


def assert_not_echoed(response, url: str) -> None:
    content_type = response.get("Content-Type", "")
    if response.streaming or "html" not in content_type:
        return
    assert SCRIPT not in response.content.decode(), f"markup echoed by {url[:200]!r}"


def test_the_walk_covers_the_public_site(db):
    routes = {route for route, _ in PATTERNS}
    assert {"hashtags/<str:tag>/", "submit/", "chats/", "healthz"} <= routes
    assert len(routes) >= 15


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_path_parameters_never_cause_a_server_error(registry, name):
    client = Client(raise_request_exception=False)
    for route, converters in PATTERNS:
        if not converters:
            continue
        url = fill(route, converters, HOSTILE[name])
        response = client.get(url)
        assert_no_server_error(response, url)
        assert_not_echoed(response, url)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_query_parameters_never_cause_a_server_error(registry, name):
    client = Client(raise_request_exception=False)
    for route, converters in PATTERNS:
        url = fill(route, converters, "HCLDR" if "tag" in converters else "cancer")
        response = client.get(url, dict.fromkeys(QUERY_PARAMETERS, HOSTILE[name]))
        assert_no_server_error(response, url)
        assert_not_echoed(response, url)
        if name == "nul":
            assert response.status_code == 400, url


FORM_FIELDS = [
    "tag",
    "name",
    "description",
    "website",
    "language",
    "submitter_email",
    "chats-0-timezone",
    "chats-0-start_time",
    "chats-0-interval",
    "moderators-0-handle",
    "moderators-0-profile_url",
]


@pytest.mark.parametrize("field", FORM_FIELDS)
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_form_fields_are_field_errors_or_stored_as_text(registry, name, field, settings):
    # One case per test, so each has the whole rate-limit budget (the cache is emptied
    # between tests): a 429 would hide what the form does with the value.
    settings.SUBMISSION_MIN_SECONDS = 0
    client = Client(raise_request_exception=False)
    value = HOSTILE[name]
    response = client.post("/submit/", submission_data(**{field: value}))
    assert_no_server_error(response, f"/submit/ {field}")
    assert response.status_code in {302, 400}, (field, response.status_code)
    assert_not_echoed(response, f"/submit/ {field}")
    if response.status_code == 302 and field in ("name", "description"):
        stored = getattr(Hashtag.objects.get(tag="NewChat"), field)
        assert stored == value.strip()  # kept as text, shown escaped


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_report_fields_never_cause_a_server_error(registry, name):
    client = Client(raise_request_exception=False)
    value = HOSTILE[name]
    report = client.post(
        "/hashtags/HCLDR/report/", {"reason": value, "comment": value, "started": "x"}
    )
    assert_no_server_error(report, "/hashtags/HCLDR/report/")
    assert report.status_code == 400


def test_malformed_bodies_to_every_endpoint_never_cause_a_server_error(registry):
    client = Client(raise_request_exception=False)
    bodies = [
        ("application/json", b"{not json"),
        ("application/json", b'{"tag": "\\u0000"}'),
        ("application/json", b"[" * 5000),
        ("application/x-www-form-urlencoded", b"%ZZ=%%%"),
        ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
        ("text/plain", b"\x00"),
    ]
    for route, converters in PATTERNS:
        url = fill(route, converters, "HCLDR")
        for content_type, body in bodies:
            response = client.post(url, body, content_type=content_type)
            assert_no_server_error(response, f"POST {url} {content_type}")


def test_text_a_time_input_cannot_hold_is_quoted_in_the_error_and_the_field_left_empty(client):
    answer = client.post(
        "/submit/",
        submission_data(
            tag="#TypedWrong", **{"chats-0-start_time": "8pm", "chats-0-duration_minutes": "lots"}
        ),
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "You typed “8pm”." in html
    assert 'value="8pm"' not in html and 'value="lots"' not in html
    assert 'name="chats-0-start_time"' in html
    assert not Hashtag.objects.filter(tag="TypedWrong").exists()
