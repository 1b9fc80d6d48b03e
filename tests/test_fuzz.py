"""Property-based fuzzing (hypothesis): every public GET parameter, every path segment a
visitor can type, and every field of the public forms and of the API's submissions take
arbitrary Unicode (and, for JSON, arbitrary types) without a 5xx; whatever is accepted
and approved leaves every page, list and feed whole.

Examples are bounded (FUZZ_EXAMPLES, 25 by default) so the suite stays fast; raise it
locally to dig deeper: `FUZZ_EXAMPLES=500 make test PYTEST_ARGS=tests/test_fuzz.py`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import quote

import icalendar
import pytest
from django.core.cache import cache
from django.core.management import call_command
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hashtags.curation import moderation
from hashtags.models import Hashtag, Status
from tests.submission_helpers import submission_data
from tests.support import shared_by_the_module

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that broke something once, or sit on a boundary, beside arbitrary text.
AWKWARD = [
    "",
    " ",
    "0",
    "-1",
    "--1~hcldr",
    "\u00b2~hcldr",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2000-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+23:59",
    "2026-01-01T00:00:00+23:59",
    "true",
    "null",
    "[]",
    "{}",
    "../../etc/passwd",
    "%",
    "%00",
    "\x00",
    "a\nb",
    "#HCLDR",
    "hcldr",
    "H\u0421LDR",
    "HC\u034fLDR",
    "\u202eRDLCH",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "x" * 300,
    "Europe/London",
    "Mars/Olympus",
]
TEXT = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
)
# Values of the right shape, far out of range: dates in any year, times, huge counts.
SHAPED = {
    "date": st.dates().map(lambda day: day.isoformat()),
    "time": st.times().map(lambda moment: moment.isoformat()),
    "number": st.integers(min_value=-(2**40), max_value=2**40).map(str),
}
SHAPES = {
    "starts_on": "date",
    "ends_on": "date",
    "start_time": "time",
    "interval": "number",
    "duration_minutes": "number",
    "month_weeks": "number",
}


def value_for(name: str):
    """Arbitrary text, or a value of the shape the field expects, out of any range."""
    shape = next((SHAPES[key] for key in SHAPES if name.endswith(key)), None)
    return st.one_of(TEXT, SHAPED[shape]) if shape else TEXT


JSON_VALUE = st.recursive(
    st.one_of(
        TEXT,
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(TEXT, children, max_size=3)
    ),
    max_leaves=6,
)

DIRECTORY = ["q", "category", "kind", "platform", "language", "has_chat", "after", "before"]
API_LIST = [
    *DIRECTORY[:6],
    "status",
    "chat_weekday",
    "chat_status",
    "freshness",
    "updated_since",
    "ordering",
    "cursor",
    "page_size",
]
# Every public GET endpoint with the parameters it reads (plus one it does not).
GET_PARAMETERS = {
    "/": ["tz"],
    "/hashtags/": [*DIRECTORY, "tz", "sort"],
    "/hashtags/HCLDR/": ["tz"],
    "/categories/": [],
    "/categories/oncology/": ["after", "before", "tz"],
    "/chats/": ["tz", "category", "include"],
    "/chats.ics": ["tz"],
    "/hashtags/BCSM/chats.ics": ["tz"],
    "/categories/oncology/chats.ics": ["tz"],
    "/feeds/latest/": [],
    "/sitemap.xml": ["p", "section"],
    "/submit/": ["tag"],
    "/api/v1/": ["format"],
    "/api/v1/hashtags/": [*API_LIST, "format"],
    "/api/v1/hashtags/HCLDR/": ["format"],
    "/api/v1/chats/upcoming/": ["tz", "start", "end"],
    "/api/v1/categories/": ["cursor", "page_size"],
    "/api/v1/export.json": ["include_retired"],
    "/api/v1/export.csv": ["include_retired"],
}
# Path segments a visitor can type.
PATH_TEMPLATES = [
    "/hashtags/{}/",
    "/hashtags/{}/chats.ics",
    "/hashtags/{}/report/",
    "/hashtags/{}/suggest/",
    "/hashtags/{}/claim/",
    "/categories/{}/",
    "/categories/{}/chats.ics",
    "/submit/status/{}/",
    "/steward/{}/",
    "/api/v1/hashtags/{}/",
    "/api/v1/submissions/{}/",
]
# What a whole feed ends with.
FEEDS = ["/chats.ics", "/hashtags/{tag}/chats.ics", "/feeds/latest/", "/sitemap.xml"]
PAGES = ["/", "/hashtags/", "/hashtags/{tag}/", "/chats/", "/api/v1/hashtags/{tag}/"]
LISTS = ["/api/v1/hashtags/", "/api/v1/chats/upcoming/", "/api/v1/export.json"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo registry, seeded once for the module (seeding takes seconds); what a test
    writes (its submissions, approvals) is rolled back after it (a savepoint of its own)."""
    with shared_by_the_module(django_db_blocker):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        yield


@pytest.fixture
def registry(seeded, db):
    """The demo registry, as the test's own."""


class FormFields(HTMLParser):
    """The names of a page's form fields, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        name = dict(attrs).get("name")
        if tag in {"input", "select", "textarea"} and name and name != "csrfmiddlewaretoken":
            self.names.append(name)


def form_fields(client, path: str) -> list[str]:
    parser = FormFields()
    parser.feed(client.get(path).content.decode())
    return sorted(set(parser.names))


def assert_whole(path: str, response) -> None:
    """No 5xx; a feed that answered 200 is complete and parses."""
    assert response.status_code < 500, (path, response.status_code)
    if response.status_code != 200:
        return
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if ".ics" in path:
        text = body.decode()
        assert text.endswith("END:VCALENDAR\r\n"), path
        icalendar.Calendar.from_ical(text)
    elif path.startswith(("/feeds/", "/sitemap")):
        ET.fromstring(body)  # noqa: S314 - our own feed, parsed to prove it whole
    elif path.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows and len({len(row) for row in rows}) == 1, path
    elif path.startswith("/api/") and response["Content-Type"].startswith("application/json"):
        json.loads(body)


@FUZZ
@given(
    endpoint=st.sampled_from(sorted(GET_PARAMETERS)),
    data=st.data(),
)
def test_no_public_get_parameter_makes_a_5xx_or_a_broken_feed(registry, client, endpoint, data):
    cache.clear()  # fresh counters and pages: every example reaches the view
    names = [*GET_PARAMETERS[endpoint], "unknown"]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=4))
    query = {name: data.draw(TEXT, label=name) for name in chosen}
    assert_whole(endpoint, client.get(endpoint, query))


@FUZZ
@given(template=st.sampled_from(PATH_TEMPLATES), segment=TEXT)
def test_no_typed_path_segment_makes_a_5xx(registry, client, template, segment):
    cache.clear()
    path = template.format(quote(segment, safe=""))
    assert_whole(path, client.get(path))


def approve_and_read_everything(client, curator) -> None:
    """The newest pending entry, approved, leaves every page, list and feed whole."""
    entry = Hashtag.objects.filter(status=Status.PENDING).order_by("-pk").first()
    moderation.approve(hashtag=entry, curator=curator)
    cache.clear()
    tag = quote(entry.tag, safe="")
    for path in [*PAGES, *FEEDS, *LISTS]:
        url = path.format(tag=tag)
        assert_whole(url, client.get(url))


@FUZZ
@given(data=st.data())
def test_no_submission_form_field_makes_a_5xx_and_what_passes_stays_whole(
    registry, client, curator, django_capture_on_commit_callbacks, data
):
    cache.clear()
    fields = form_fields(client, "/submit/")
    names = data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True))
    valid = submission_data(tag=f"#Fuzz{data.draw(st.integers(0, 10**9))}")
    post = {**valid, **{name: data.draw(value_for(name), label=name) for name in names}}
    pending = Hashtag.objects.filter(status=Status.PENDING).count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/submit/", post)
    assert response.status_code < 500, (names, response.status_code)
    event(f"form answered {response.status_code}")
    if Hashtag.objects.filter(status=Status.PENDING).count() > pending:
        approve_and_read_everything(client, curator)


API_PROPOSAL = {
    "tag": "#FuzzApi",
    "name": "A fuzzed chat",
    "description": "A weekly chat.",
    "kind": "chat",
    "platforms": ["x"],
    "language": "en",
    "website": "https://fuzz.example.org/",
    "chats": [
        {
            "frequency": "weekly",
            "weekdays": ["TH"],
            "start_time": "21:00",
            "duration_minutes": 60,
            "timezone": "America/New_York",
            "starts_on": "2024-01-04",
        }
    ],
    "moderators": [{"handle": "@fuzz", "display_name": "Fuzz", "role": "founder"}],
    "submitter_name": "Pat Submitter",
    "submitter_email": "pat@example.org",
    "note": "",
}
CHAT_KEYS = [*sorted(API_PROPOSAL["chats"][0]), "interval", "month_weeks", "ends_on", "title"]


@FUZZ
@given(data=st.data())
def test_no_api_submission_field_makes_a_5xx_and_what_passes_stays_whole(
    registry, api, client, curator, django_capture_on_commit_callbacks, data
):
    cache.clear()
    body = json.loads(json.dumps(API_PROPOSAL))
    body["tag"] = f"#FuzzApi{data.draw(st.integers(0, 10**9))}"
    where = data.draw(st.sampled_from(["top", "chat", "moderator"]))
    if where == "top":
        body[data.draw(st.sampled_from(sorted(API_PROPOSAL)))] = data.draw(JSON_VALUE)
    elif where == "chat":
        key = data.draw(st.sampled_from(CHAT_KEYS))
        body["chats"][0][key] = data.draw(st.one_of(JSON_VALUE, value_for(key)))
    else:
        body["moderators"][0][data.draw(st.sampled_from(["handle", "display_name", "role"]))] = (
            data.draw(JSON_VALUE)
        )
    pending = Hashtag.objects.filter(status=Status.PENDING).count()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/submissions/", body, format="json")
    assert response.status_code < 500, (body, response.status_code)
    event(f"API answered {response.status_code}")
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json")
    if Hashtag.objects.filter(status=Status.PENDING).count() > pending:
        approve_and_read_everything(client, curator)


@FUZZ
@given(page=st.sampled_from(["report", "suggest", "claim"]), data=st.data())
def test_no_entry_form_field_makes_a_5xx(registry, client, page, data):
    cache.clear()
    path = f"/hashtags/HCLDR/{page}/"
    fields = [
        name
        for name in form_fields(client, path)
        if not re.search(r"-(TOTAL|INITIAL|MIN|MAX)", name)
    ]
    post = {name: data.draw(TEXT, label=name) for name in fields}
    response = client.post(path, post)
    assert response.status_code < 500, (page, response.status_code)
