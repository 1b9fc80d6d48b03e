"""The iCalendar feeds at scale: streamed as they are written, in a fixed number of
queries whatever the number of chats, each event byte for byte what the icalendar library
writes, and a client polling an unchanged feed answered 304 without a database query.
"""

from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar.parser import Contentline

from hashtags import calendar
from hashtags.models import Chat
from tests.ical_oracle import chat_event, chat_uid

pytestmark = pytest.mark.django_db

ICS = "text/calendar; charset=utf-8"
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC", "Etc/GMT+5"]


def read(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == ICS
    assert response.streaming
    return b"".join(response.streaming_content)


def vevents(document: bytes) -> dict[str, bytes]:
    """{UID: the VEVENT's bytes as sent}."""
    found = {}
    for block in document.split(b"BEGIN:VEVENT\r\n")[1:]:
        event = b"BEGIN:VEVENT\r\n" + block.split(b"END:VEVENT\r\n")[0] + b"END:VEVENT\r\n"
        uid = icalendar.Event.from_ical(event)["UID"]
        found[str(uid)] = event
    return found


@pytest.fixture
def chats(make_hashtag, make_chat, make_category):
    """`count` chats of entries in the category "topic", spread over ZONES."""

    def build(count: int, prefix: str = "Chat") -> list[Chat]:
        topic = make_category("topic") if count and prefix == "Chat" else None
        made = []
        for number in range(count):
            entry = make_hashtag(f"{prefix}{number}", categories=[topic] if topic else [])
            made.append(make_chat(entry, timezone_id=ZONES[number % len(ZONES)]))
        return made

    return build


def test_the_feed_streams_one_event_per_active_chat_and_one_zone_per_zone_used(
    visitor, chats, make_hashtag, make_chat
):
    made = chats(12)
    make_chat(make_hashtag("Paused"), is_active=False)
    response = visitor.get("/chats.ics")
    assert response["Content-Disposition"] == 'attachment; filename="healthcare-chats.ics"'
    feed = icalendar.Calendar.from_ical(read(response))
    uids = sorted(str(event["UID"]) for event in feed.walk("VEVENT"))
    assert uids == sorted(f"chat-{chat.pk}@127.0.0.1" for chat in made)
    used = {
        event["DTSTART"].params["TZID"]
        for event in feed.walk("VEVENT")
        if "TZID" in event["DTSTART"].params
    }
    assert used == set(ZONES) - {"UTC"}
    assert sorted(str(zone["TZID"]) for zone in feed.walk("VTIMEZONE")) == sorted(used)
    assert feed.get_missing_tzids() == set()
    # The calendar's own properties come before any component, its end last.
    assert str(feed["X-WR-CALNAME"]) == "Healthcare chats"


def test_a_feed_without_chats_has_no_event_and_one_harmless_component(visitor):
    # RFC 5545 asks every calendar for a component: an unused definition of UTC.
    feed = icalendar.Calendar.from_ical(read(visitor.get("/chats.ics")))
    assert feed.walk("VEVENT") == []
    (zone,) = feed.subcomponents
    assert zone.name == "VTIMEZONE" and str(zone["TZID"]) == "UTC"
    assert zone.to_tz(lookup_tzid=False).utcoffset(datetime(2040, 7, 1)) == timedelta(0)


@time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False)
def test_every_event_is_byte_for_byte_what_icalendar_writes(
    visitor, make_hashtag, make_chat, settings
):
    # Frozen before the end date of "Ending", so the all-chats feed still has it.
    settings.SITE_URL = "https://hashtags.example.org"
    long_text = "Ça va, ünïcødé; 医療 🩺 " * 6
    specs = [
        ("HCLDR", {"name": "Leaders", "description": ""}, {"title": "Weekly chat"}),
        (
            "Ünicode",
            # Notes are one line; a description keeps its line breaks, escaped.
            {"name": "Santé — ça va", "description": long_text + "\r\nnext line\\N"},
            {"note": "a; b, c\\d next line\\N^caret", "timezone_id": "Europe/Berlin"},
        ),
        (
            "Escapes",
            # A backslash and a caret land on the fold boundary (column 74).
            {"name": "x" * 52 + "\\" + "y" * 60 + "^" + "z" * 20, "description": ","},
            {"frequency": "monthly", "month_weeks": "1,-1", "weekdays": "MO,FR"},
        ),
        (
            "Ending",
            {"name": "Ends"},
            {
                "ends_on": date(2026, 12, 24),
                "starts_on": date(2026, 1, 7),
                "interval": 3,
                "weekdays": "WE,SA",
                "duration_minutes": 95,
                "timezone_id": "Asia/Tokyo",
            },
        ),
        ("Utc", {"name": "In UTC"}, {"timezone_id": "UTC", "duration_minutes": 1440}),
        ("Offset", {"name": "Etc"}, {"timezone_id": "Etc/GMT+5", "start_time": time(0, 5)}),
        ("Sydney", {"name": "Down under"}, {"timezone_id": "Australia/Sydney"}),
    ]
    for tag, entry_fields, chat_fields in specs:
        make_chat(make_hashtag(tag, **entry_fields), **chat_fields)
    sent = vevents(read(visitor.get("/chats.ics")))
    assert len(sent) == len(specs)
    for chat in Chat.objects.select_related("hashtag"):
        expected = chat_event(chat).to_ical()
        assert sent[chat_uid(chat)] == expected, chat.hashtag.tag


@pytest.mark.parametrize("width", range(60, 160, 7))
@pytest.mark.parametrize(
    "fill", ["a", "é", "医", "🩺", "\\", "^", "a\\", "é^", "\\;", "医,", "a\\N"]
)
def test_lines_fold_as_icalendar_folds_them(width, fill):
    line = "DESCRIPTION:" + (fill * width)[:width]
    assert calendar.fold(line) == Contentline(line).to_ical()


def test_the_feeds_cost_a_query_per_chunk_of_chats_not_per_chat(
    visitor, chats, monkeypatch, make_category
):
    # Rows are read in chunks from one query; each chunk costs one more query, for the
    # breaks of its chats. Small chunks show that the cost follows chunks, not chats.
    monkeypatch.setattr(calendar, "CHUNK_ROWS", 4)
    counts = {}
    for count, prefix in ((3, "Chat"), (30, "More")):
        chats(count, prefix)
        read(visitor.get("/chats.ics?warm"))  # the first use of a zone stores its VTIMEZONE
        for url in ("/chats.ics", "/categories/topic/chats.ics"):
            with CaptureQueriesContext(connection) as queries:
                feed = icalendar.Calendar.from_ical(read(visitor.get(url)))
            counts[count, url] = len(queries)
            if url == "/chats.ics":
                assert len(feed.walk("VEVENT")) == (3 if count == 3 else 33)
    # The zones used and their stored VTIMEZONEs, then the chats (the category feed
    # first finds its category), then the breaks of each chunk: 3 chats are one chunk,
    # 33 are nine; the category holds the first 3 both times. On PostgreSQL the chats'
    # cursor is declared between a SET and a RESET of the planner's cursor_tuple_fraction.
    setting = 2 if connection.vendor == "postgresql" else 0
    assert counts[3, "/chats.ics"] == 3 + 1 + setting
    assert counts[30, "/chats.ics"] == 3 + 9 + setting
    assert counts[3, "/categories/topic/chats.ics"] == 4 + 1 + setting
    assert counts[30, "/categories/topic/chats.ics"] == 4 + 1 + setting


def test_an_unchanged_feed_is_not_modified_without_a_query(visitor, chats):
    chats(3)
    first = visitor.get("/chats.ics")
    read(first)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert first["Cache-Control"] == "public, max-age=900"
    with CaptureQueriesContext(connection) as queries:
        again = visitor.get("/chats.ics", HTTP_IF_NONE_MATCH=etag)
        by_date = visitor.get("/chats.ics", HTTP_IF_MODIFIED_SINCE=modified)
    assert (again.status_code, by_date.status_code) == (304, 304)
    assert len(queries) == 0
    assert again.content == b"" and again["ETag"] == etag
    assert again["Content-Disposition"] == 'attachment; filename="healthcare-chats.ics"'
    # Each feed has its own validator.
    category = visitor.get("/categories/topic/chats.ics", HTTP_IF_NONE_MATCH=etag)
    assert category.status_code == 200 and category["ETag"] != etag


def test_a_change_to_a_chat_makes_the_feed_new_again(
    visitor, chats, django_capture_on_commit_callbacks
):
    (chat, *_) = chats(2)
    first = visitor.get("/chats.ics")
    before = read(first)
    with django_capture_on_commit_callbacks(execute=True):
        chat.title = "Renamed chat"
        chat.save()
    response = visitor.get("/chats.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    after = read(response)
    assert response["ETag"] != first["ETag"]
    assert b"Renamed chat" in after and b"Renamed chat" not in before


def test_an_old_if_modified_since_gets_the_feed(visitor, chats):
    chats(1)
    old = format_datetime(datetime(2001, 1, 1, tzinfo=UTC), usegmt=True)
    response = visitor.get("/chats.ics", HTTP_IF_MODIFIED_SINCE=old)
    assert len(icalendar.Calendar.from_ical(read(response)).walk("VEVENT")) == 1


def test_head_answers_the_headers_without_reading_chats(visitor, chats):
    chats(3)
    with CaptureQueriesContext(connection) as queries:
        response = visitor.head("/chats.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == ICS
    assert response.content == b"" and "ETag" in response
    assert len(queries) == 0


def test_the_category_and_hashtag_feeds_keep_their_filenames(visitor, chats):
    chats(2)
    category = visitor.get("/categories/topic/chats.ics")
    assert category["Content-Disposition"] == 'attachment; filename="topic-chats.ics"'
    assert len(icalendar.Calendar.from_ical(read(category)).walk("VEVENT")) == 2
    entry = visitor.get("/hashtags/Chat1/chats.ics")
    assert entry["Content-Disposition"] == 'attachment; filename="Chat1-chats.ics"'
    assert len(icalendar.Calendar.from_ical(read(entry)).walk("VEVENT")) == 1
