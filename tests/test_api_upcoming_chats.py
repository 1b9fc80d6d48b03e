"""GET /api/v1/chats/upcoming/: meetings in a window, in the asker's zone, and clear
refusals of a bad zone or window."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.conf import settings

from hashtags.models import Status

pytestmark = pytest.mark.django_db
URL = "/api/v1/chats/upcoming/"


@pytest.fixture
def hcldr(make_hashtag, make_chat):
    entry = make_hashtag("HCLDR", name="Healthcare Leaders")
    make_chat(entry, weekdays="TU", start_time=time(20, 30), timezone_id="America/New_York")
    return entry


def test_meetings_in_the_window_are_given_in_the_asked_zone(api, hcldr):
    # Two Tuesdays: 3 March 2026 (EST, UTC-5) and 10 March (EDT from the 8th, UTC-4).
    answer = api.get(URL, {"start": "2026-03-01", "end": "2026-03-12", "tz": "Europe/London"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["timezone"] == "Europe/London"
    assert body["start"] == "2026-03-01T00:00:00+00:00"
    assert [row["start"] for row in body["results"]] == [
        "2026-03-04T01:30:00+00:00",
        "2026-03-11T00:30:00+00:00",
    ]
    assert [row["local_start"] for row in body["results"]] == [
        "2026-03-03T20:30:00-05:00",
        "2026-03-10T20:30:00-04:00",
    ]
    first = body["results"][0]
    assert first["tag"] == "HCLDR" and first["name"] == "Healthcare Leaders"
    assert first["schedule"] == "Tuesdays at 8:30 PM ET"
    assert first["timezone"] == "America/New_York"
    assert first["end"] == "2026-03-04T02:30:00+00:00"
    assert first["url"] == f"{settings.SITE_URL}/api/v1/hashtags/HCLDR/"


def test_meetings_of_several_chats_come_in_time_order(api, hcldr, make_hashtag, make_chat):
    tokyo = make_hashtag("JPMed")
    make_chat(tokyo, weekdays="WE", start_time=time(9), timezone_id="Asia/Tokyo")
    body = api.get(URL, {"start": "2026-03-03T00:00:00Z", "end": "2026-03-05", "tz": "UTC"}).json()
    assert [(row["tag"], row["start"]) for row in body["results"]] == [
        ("JPMed", "2026-03-04T00:00:00+00:00"),
        ("HCLDR", "2026-03-04T01:30:00+00:00"),
    ]


def test_pending_retired_and_inactive_chats_are_left_out(api, hcldr, make_hashtag, make_chat):
    make_chat(make_hashtag("Waiting", status=Status.PENDING), weekdays="TU")
    make_chat(make_hashtag("Gone", status=Status.RETIRED), weekdays="TU")
    make_chat(make_hashtag("Paused"), weekdays="TU", is_active=False)
    body = api.get(URL, {"start": "2026-03-01", "end": "2026-03-08"}).json()
    assert {row["tag"] for row in body["results"]} == {"HCLDR"}


def test_without_a_window_the_next_seven_days_are_given(api, hcldr):
    # At a moment when no meeting is under way (one under way overlaps the window too).
    with time_machine.travel(datetime(2026, 6, 6, 12, tzinfo=UTC), tick=False):
        body = api.get(URL).json()
    start = datetime.fromisoformat(body["start"])
    end = datetime.fromisoformat(body["end"])
    assert (end - start).days == 7
    assert len(body["results"]) == 1  # one Tuesday in any seven days


def test_a_naive_time_is_read_in_the_asked_zone(api, hcldr):
    body = api.get(
        URL, {"start": "2026-03-03T20:00", "end": "2026-03-03T21:00", "tz": "America/New_York"}
    ).json()
    assert body["start"] == "2026-03-03T20:00:00-05:00"
    assert [row["start"] for row in body["results"]] == ["2026-03-03T20:30:00-05:00"]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"tz": "Mars/Olympus_Mons"}, "tz", "Unknown time zone"),
        ({"start": "2026-03-01", "end": "2026-04-02"}, "end", "at most 31 days"),
        ({"start": "2026-03-10", "end": "2026-03-01"}, "end", "after the start"),
        ({"start": "2026-03-10", "end": "2026-03-10"}, "end", "after the start"),
        ({"start": "tomorrow"}, "start", "Enter a date"),
        ({"start": ""}, "start", "Enter a date"),
        ({"tz": ""}, "tz", "Choose a time zone"),
        ({"start": "2026-02-30"}, "start", "Enter a date"),
        ({"start": "9999-12-31"}, "start", "between"),
        ({"start": "0001-01-01T00:00:00+14:00"}, "start", "between"),
    ],
)
def test_a_bad_zone_or_window_is_a_400_saying_why(api, hcldr, query, field, words):
    answer = api.get(URL, query)
    assert answer.status_code == 400
    assert list(answer.json()) == [field]
    assert words in answer.json()[field][0]


@pytest.mark.parametrize("query", [{"tz": "utc\x00"}, {"end": "2026-03-01\x00"}])
def test_a_nul_byte_in_a_parameter_is_a_400_naming_it(api, hcldr, query):
    answer = api.get(URL, query)
    assert answer.status_code == 400
    name = next(iter(query))
    assert list(answer.json()) == [name]
    assert f"query parameter '{name}'" in answer.json()[name][0]


def test_a_31_day_window_is_allowed(api, hcldr):
    answer = api.get(URL, {"start": "2026-03-01", "end": "2026-04-01", "tz": "Asia/Kolkata"})
    assert answer.status_code == 200
    # Tuesdays 3-24 March; the 31st's 8:30 PM in New York is already 1 April in Kolkata.
    starts = [row["start"] for row in answer.json()["results"]]
    assert [text[:10] for text in starts] == [
        "2026-03-04",
        "2026-03-11",
        "2026-03-18",
        "2026-03-25",
    ]
    assert all(text.endswith("+05:30") for text in starts)


def test_the_window_costs_one_query(
    api, hcldr, make_hashtag, make_chat, django_assert_max_num_queries
):
    for number in range(10):
        make_chat(make_hashtag(f"Chat{number}"), weekdays="MO,WE,FR")
    with django_assert_max_num_queries(1):
        answer = api.get(URL, {"start": "2026-03-01", "end": "2026-03-31"})
    assert len(answer.json()["results"]) > 100


def test_a_biweekly_chat_meets_every_other_week_from_its_start(api, make_hashtag, make_chat):
    entry = make_hashtag("Biweekly")
    make_chat(
        entry,
        weekdays="WE",
        interval=2,
        starts_on=date(2026, 1, 7),
        start_time=time(15),
        timezone_id="Europe/London",
    )
    body = api.get(URL, {"start": "2026-03-01", "end": "2026-03-31", "tz": "Europe/London"}).json()
    assert [row["start"][:10] for row in body["results"]] == ["2026-03-04", "2026-03-18"]
