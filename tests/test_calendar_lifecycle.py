"""The iCalendar feeds follow a chat's life: a chat that ended stops on its last day (UNTIL),
a cancelled meeting and the meetings within a break do not happen (EXDATE), a break
with no end stops the series, and the feeds of all chats leave ended chats out while an
entry's own calendar keeps them. The /chats/ page shows the chats with evidence that
they still meet, and the unconfirmed ones too when asked (?include=unconfirmed).

Each feed is parsed strictly by the icalendar library and expanded by an independent
implementation (recurring-ical-events), in UTC: what a subscriber's calendar shows.
The clock is frozen (time-machine) at Tuesday 15 September 2026.
"""

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
import recurring_ical_events
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hashtags import calendar, entries, schedules
from hashtags.models import Chat, ChatPause
from tests.ical_oracle import chat_event, chat_uid

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 15, 12, tzinfo=UTC)
NEW_YORK = "America/New_York"
# Far enough on either side of every chat here.
EVER = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2032, 1, 1, tzinfo=UTC))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def entry_with_chat(make_hashtag, curator):
    """`entry_with_chat(tag, **chat)`: an approved entry with one chat, written as a
    curator writes it (hashtags.entries), breaks as {"from", "until", "note"} and
    cancelled dates as ISO dates; the chat meets Tuesdays at 8:30 PM in New York unless
    told otherwise. Returns the chat."""

    def make(tag: str, **chat) -> Chat:
        hashtag = make_hashtag(tag, name=f"The {tag} chat")
        data = {
            "weekdays": "TU",
            "start_time": time(20, 30),
            "timezone": NEW_YORK,
            "duration_minutes": 60,
            **chat,
        }
        entries.update(hashtag=hashtag, curator=curator, chats=[data])
        return Chat.objects.get(hashtag=hashtag)

    return make


def fetch(visitor, url: str) -> bytes:
    response = visitor.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return b"".join(response.streaming_content)


def parse_strictly(document: bytes) -> icalendar.Calendar:
    """The calendar as icalendar reads it, failing on any value it could not read and on
    any line RFC 5545 forbids (longer than 75 octets, or not ended by CRLF)."""
    assert document.endswith(b"\r\n")
    for line in document.split(b"\r\n"):
        assert len(line) <= 75, line
        assert b"\r" not in line and b"\n" not in line
    feed = icalendar.Calendar.from_ical(document)
    for component in feed.walk():
        assert component.errors == [], (component.name, component.errors)
    assert feed.get_missing_tzids() == set()
    return feed


def feed_of(visitor, url: str) -> icalendar.Calendar:
    return parse_strictly(fetch(visitor, url))


def starts_utc(feed: icalendar.Calendar, start=EVER[0], end=EVER[1]) -> list[datetime]:
    """The meetings a calendar client shows between `start` and `end`, in UTC."""
    return sorted(
        event.start.astimezone(UTC) for event in recurring_ical_events.of(feed).between(start, end)
    )


def engine_starts(chat: Chat, start=EVER[0], end=EVER[1]) -> list[datetime]:
    """The meetings of the schedule engine (the /chats/ page and entry pages), in UTC."""
    chat = Chat.objects.prefetch_related("pauses").get(pk=chat.pk)
    return [
        occurrence.start.astimezone(UTC) for occurrence in schedules.occurrences(chat, start, end)
    ]


def event_lines(document: bytes, name: str) -> list[str]:
    unfolded = document.replace(b"\r\n ", b"").decode()
    return [line for line in unfolded.split("\r\n") if line.split(":")[0].split(";")[0] == name]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- An end date ----------------------------------------------------------------------


def test_hcldr_meets_for_the_last_time_on_its_real_end_date_and_never_after(
    visitor, entry_with_chat
):
    # #HCLDR met Tuesdays at 8:30 PM Eastern until 31 October 2023.
    chat = entry_with_chat("HCLDR", starts_on=date(2023, 1, 3), ends_on=date(2023, 10, 31))
    document = fetch(visitor, "/hashtags/HCLDR/chats.ics")
    feed = parse_strictly(document)
    (event,) = feed.walk("VEVENT")
    # The end of 31 October in New York (EDT), in UTC as RFC 5545 requires.
    assert event["RRULE"]["UNTIL"] == [utc(2023, 11, 1, 3, 59, 59)]
    meetings = starts_utc(feed)
    assert meetings[0] == utc(2023, 1, 4, 1, 30)  # 8:30 PM EST
    assert meetings[-1] == utc(2023, 11, 1, 0, 30)  # 8:30 PM EDT on 31 October
    assert len(meetings) == 44  # every Tuesday from 3 January to 31 October
    # None after it (the window opens as that meeting ends, at 01:30Z).
    assert starts_utc(feed, utc(2023, 11, 1, 1, 31), EVER[1]) == []
    assert meetings == engine_starts(chat)


def test_the_feeds_of_all_chats_leave_an_ended_chat_out_and_its_entry_keeps_it(
    visitor, entry_with_chat, make_category
):
    topic = make_category("topic")
    ended = entry_with_chat("HCLDR", starts_on=date(2023, 1, 3), ends_on=date(2023, 10, 31))
    current = entry_with_chat("Current", starts_on=date(2026, 1, 6))
    for chat in (ended, current):
        chat.hashtag.categories.set([topic])
    for url in ("/chats.ics", "/categories/topic/chats.ics"):
        uids = [str(event["UID"]) for event in feed_of(visitor, url).walk("VEVENT")]
        assert uids == [chat_uid(current)], url
    (kept,) = feed_of(visitor, "/hashtags/HCLDR/chats.ics").walk("VEVENT")
    assert str(kept["UID"]) == chat_uid(ended)


def test_a_chat_ending_today_stays_in_the_feed_of_all_chats_until_it_has_ended(
    visitor, entry_with_chat, clock
):
    chat = entry_with_chat("LastDay", starts_on=date(2026, 6, 2), ends_on=date(2026, 9, 15))
    (event,) = feed_of(visitor, "/chats.ics").walk("VEVENT")
    assert str(event["UID"]) == chat_uid(chat)
    assert starts_utc(feed_of(visitor, "/chats.ics"))[-1] == utc(2026, 9, 16, 0, 30)
    clock.move_to(datetime(2026, 9, 18, 12, tzinfo=UTC))
    assert feed_of(visitor, "/chats.ics").walk("VEVENT") == []


def test_the_feeds_of_all_chats_leave_an_unconfirmed_chat_out_from_the_next_day(
    visitor, entry_with_chat, make_category, clock, settings
):
    """Confirmed on 15 September 2026 (the clock), evidence for a year: the all-chats
    and category feeds keep the chat through 15 September 2027 and leave it out from the
    16th (judged at each day's start, so a feed's bytes hold for the day, as its ETag
    says); the entry's own calendar keeps it."""
    topic = make_category("topic")
    chat = entry_with_chat("Quiet", starts_on=date(2026, 1, 6))
    chat.hashtag.categories.set([topic])
    urls = ("/chats.ics", "/categories/topic/chats.ics")
    clock.move_to(datetime(2027, 9, 15, 23, tzinfo=UTC))
    for url in urls:
        assert [str(e["UID"]) for e in feed_of(visitor, url).walk("VEVENT")] == [chat_uid(chat)]
    etag = visitor.get("/chats.ics")["ETag"]
    clock.move_to(datetime(2027, 9, 16, 0, 30, tzinfo=UTC))
    for url in urls:
        assert feed_of(visitor, url).walk("VEVENT") == [], url
    assert visitor.get("/chats.ics", HTTP_IF_NONE_MATCH=etag).status_code == 200
    (kept,) = feed_of(visitor, "/hashtags/Quiet/chats.ics").walk("VEVENT")
    assert str(kept["UID"]) == chat_uid(chat)


# --- Cancelled dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_on", "cancelled", "skipped", "expected"),
    [
        # New York falls back on Sunday 1 November 2026: 8:30 PM is 00:30Z in EDT, 01:30Z
        # in EST. The meeting of Tuesday 3 November (01:30Z on the 4th) does not happen.
        (
            date(2026, 9, 1),
            date(2026, 11, 3),
            utc(2026, 11, 4, 1, 30),
            [
                utc(2026, 10, 21, 0, 30),
                utc(2026, 10, 28, 0, 30),
                utc(2026, 11, 11, 1, 30),
                utc(2026, 11, 18, 1, 30),
            ],
        ),
        # New York springs forward on Sunday 8 March 2026: the meeting of Tuesday 10 March
        # (00:30Z on the 11th, in EDT) does not happen; the week before was still EST.
        (
            date(2026, 2, 3),
            date(2026, 3, 10),
            utc(2026, 3, 11, 0, 30),
            [
                utc(2026, 2, 25, 1, 30),
                utc(2026, 3, 4, 1, 30),
                utc(2026, 3, 18, 0, 30),
                utc(2026, 3, 25, 0, 30),
            ],
        ),
    ],
)
def test_a_cancelled_meeting_after_a_clock_change_is_the_only_one_skipped(
    visitor, entry_with_chat, starts_on, cancelled, skipped, expected
):
    chat = entry_with_chat("Skips", starts_on=starts_on, cancelled_dates=[cancelled.isoformat()])
    entry_with_chat("Twin", starts_on=starts_on)
    document = fetch(visitor, "/hashtags/Skips/chats.ics")
    # In the chat's zone, at its local start time: the form DTSTART has.
    assert event_lines(document, "EXDATE") == [
        f"EXDATE;TZID=America/New_York:{cancelled:%Y%m%d}T203000"
    ]
    feed = parse_strictly(document)
    window = (skipped - timedelta(days=15), skipped + timedelta(days=15))
    assert starts_utc(feed, *window) == expected
    # Exactly one meeting fewer than the same chat without the cancellation.
    twin = feed_of(visitor, "/hashtags/Twin/chats.ics")
    assert set(starts_utc(twin)) - set(starts_utc(feed)) == {skipped}
    assert len(starts_utc(twin)) == len(starts_utc(feed)) + 1
    # And what the engine (the /chats/ page) has.
    assert starts_utc(feed) == engine_starts(chat)


def test_a_utc_chat_writes_its_cancelled_dates_in_utc_form(visitor, entry_with_chat):
    chat = entry_with_chat(
        "InUtc",
        weekdays="FR",
        start_time=time(16),
        timezone="UTC",
        starts_on=date(2026, 12, 4),
        cancelled_dates=["2026-12-25", "2027-01-01"],
    )
    document = fetch(visitor, "/hashtags/InUtc/chats.ics")
    assert event_lines(document, "DTSTART") == ["DTSTART:20261204T160000Z"]
    assert event_lines(document, "EXDATE") == ["EXDATE:20261225T160000Z,20270101T160000Z"]
    feed = parse_strictly(document)
    assert starts_utc(feed, utc(2026, 12, 1), utc(2027, 1, 12)) == [
        utc(2026, 12, 4, 16),
        utc(2026, 12, 11, 16),
        utc(2026, 12, 18, 16),
        utc(2027, 1, 8, 16),
    ]
    assert starts_utc(feed, utc(2026, 12, 1), utc(2027, 6, 1)) == engine_starts(
        chat, utc(2026, 12, 1), utc(2027, 6, 1)
    )


# --- Breaks ---------------------------------------------------------------------------


def test_a_summer_break_has_no_meetings_and_the_chat_comes_back_after_it(visitor, entry_with_chat):
    chat = entry_with_chat(
        "Summer",
        starts_on=date(2026, 5, 5),
        pauses=[{"from": date(2026, 7, 1), "until": date(2026, 8, 31), "note": "Summer"}],
    )
    feed = feed_of(visitor, "/chats.ics")
    (event,) = feed.walk("VEVENT")
    assert "UNTIL" not in event["RRULE"]
    # Before the break: the last Tuesday of June, 8:30 PM EDT.
    assert starts_utc(feed, utc(2026, 6, 20), utc(2026, 7, 1, 4))[-1] == utc(2026, 7, 1, 0, 30)
    # Nothing from 1 July to 31 August in New York (and so until 1 September, 04:00Z).
    assert starts_utc(feed, utc(2026, 7, 1, 4), utc(2026, 9, 1, 4)) == []
    # The eight Tuesdays of the break are the EXDATEs; the chat is back on 1 September.
    assert len(event["EXDATE"].dts) == 8
    assert starts_utc(feed, utc(2026, 9, 1, 4), utc(2026, 9, 16))[0] == utc(2026, 9, 2, 0, 30)
    assert starts_utc(feed, utc(2026, 1, 1), utc(2027, 6, 1)) == engine_starts(
        chat, utc(2026, 1, 1), utc(2027, 6, 1)
    )


def test_a_break_without_an_end_stops_the_series_the_day_before(visitor, entry_with_chat):
    chat = entry_with_chat(
        "Hiatus",
        starts_on=date(2026, 5, 5),
        pauses=[{"from": date(2026, 7, 1), "until": None, "note": "Until further notice"}],
    )
    # It has no end date: it is still in the feed of all chats, and its series ends.
    feed = feed_of(visitor, "/chats.ics")
    (event,) = feed.walk("VEVENT")
    assert event["RRULE"]["UNTIL"] == [utc(2026, 7, 1, 3, 59, 59)]  # end of 30 June, EDT
    assert "EXDATE" not in event
    meetings = starts_utc(feed)
    assert meetings[-1] == utc(2026, 7, 1, 0, 30)
    assert len(meetings) == 9  # the Tuesdays of 5 May to 30 June
    assert meetings == engine_starts(chat)


def test_a_break_without_an_end_that_starts_with_the_chat_leaves_no_event(visitor, entry_with_chat):
    entry_with_chat(
        "NeverMet",
        starts_on=date(2026, 9, 1),
        pauses=[{"from": date(2026, 9, 1), "until": None, "note": ""}],
    )
    assert feed_of(visitor, "/hashtags/NeverMet/chats.ics").walk("VEVENT") == []


def test_breaks_cancellations_and_an_end_together(visitor, entry_with_chat):
    chat = entry_with_chat(
        "Everything",
        weekdays="MO,TH",
        start_time=time(12),
        timezone="Europe/London",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 12, 17),
        cancelled_dates=["2026-03-30", "2026-10-26"],  # after each of London's changes
        pauses=[
            {"from": date(2026, 4, 1), "until": date(2026, 4, 14), "note": "Easter"},
            {"from": date(2026, 8, 1), "until": date(2026, 8, 31), "note": "August"},
        ],
    )
    feed = feed_of(visitor, "/hashtags/Everything/chats.ics")
    meetings = starts_utc(feed)
    assert meetings == engine_starts(chat)
    assert utc(2026, 3, 30, 11) not in meetings and utc(2026, 10, 26, 12) not in meetings
    assert utc(2026, 3, 26, 12) in meetings and utc(2026, 10, 29, 12) in meetings
    assert not [m for m in meetings if utc(2026, 4, 1) <= m < utc(2026, 4, 15)]
    assert not [m for m in meetings if utc(2026, 8, 1) <= m < utc(2026, 9, 1)]
    assert meetings[-1] == utc(2026, 12, 17, 12)


# --- The fast writer ------------------------------------------------------------------


def test_every_event_of_the_lifecycle_is_byte_for_byte_what_icalendar_writes(
    visitor, entry_with_chat, monkeypatch, settings
):
    settings.SITE_URL = "https://hashtags.example.org"
    # Chunks of two rows: each chunk's breaks must land on its own chats.
    monkeypatch.setattr(calendar, "CHUNK_ROWS", 2)
    specs = {
        "Cancelled": {"starts_on": date(2026, 9, 1), "cancelled_dates": ["2026-11-03"]},
        "Ended": {"starts_on": date(2023, 1, 3), "ends_on": date(2023, 10, 31)},
        "EndsSoon": {
            "starts_on": date(2026, 1, 7),
            "ends_on": date(2026, 12, 26),
            "interval": 3,
            "weekdays": "WE,SA",
            "timezone": "Asia/Tokyo",
            "cancelled_dates": ["2026-10-10"],
            "pauses": [{"from": date(2026, 11, 1), "until": date(2026, 11, 30), "note": ""}],
        },
        "Hiatus": {
            "starts_on": date(2026, 5, 5),
            "pauses": [
                {"from": date(2026, 6, 1), "until": date(2026, 6, 10), "note": ""},
                {"from": date(2026, 7, 1), "until": None, "note": ""},
            ],
        },
        "UtcChat": {
            "weekdays": "FR",
            "start_time": time(16),
            "timezone": "UTC",
            "duration_minutes": 1440,
            "starts_on": date(2026, 1, 2),
            "cancelled_dates": ["2026-12-25", "2027-01-01"],
            "pauses": [{"from": date(2026, 7, 1), "until": date(2026, 7, 31), "note": ""}],
        },
        "UtcEnded": {
            "weekdays": "MO",
            "start_time": time(9),
            "timezone": "UTC",
            "starts_on": date(2024, 1, 1),
            "ends_on": date(2024, 6, 24),
        },
        "Offset": {
            "frequency": "monthly",
            "month_weeks": "1,-1",
            "weekdays": "MO,FR",
            "start_time": time(0, 5),
            "timezone": "Etc/GMT+5",
            "starts_on": date(2026, 1, 1),
            "cancelled_dates": ["2026-10-30"],
        },
        # Every day, with a two-month break: an EXDATE line long enough to fold.
        "Daily": {
            "weekdays": "MO,TU,WE,TH,FR,SA,SU",
            "start_time": time(2, 30),  # in New York's spring-forward gap on 8 March
            "starts_on": date(2026, 1, 1),
            "cancelled_dates": ["2026-03-08"],
            "pauses": [{"from": date(2026, 5, 1), "until": date(2026, 6, 30), "note": ""}],
        },
        "Plain": {},
    }
    made = [entry_with_chat(tag, **fields) for tag, fields in specs.items()]
    sent: dict[str, bytes] = {}
    for chat in made:
        sent.update(vevents(fetch(visitor, f"/hashtags/{chat.hashtag.tag}/chats.ics")))
    everyone = vevents(fetch(visitor, "/chats.ics"))
    assert chat_uid(made[1]) not in everyone and chat_uid(made[5]) not in everyone
    assert len(everyone) == len(made) - 2
    for chat in Chat.objects.select_related("hashtag"):
        expected = chat_event(chat).to_ical()
        assert sent[chat_uid(chat)] == expected, chat.hashtag.tag
        if chat_uid(chat) in everyone:
            assert everyone[chat_uid(chat)] == expected, chat.hashtag.tag
    daily = sent[chat_uid(made[7])]
    assert daily.count(b"\r\n ") > 5  # the EXDATE folded
    assert b"EXDATE;TZID=America/New_York:20260308T023000,20260501T023000," in daily.replace(
        b"\r\n ", b""
    )


def vevents(document: bytes) -> dict[str, bytes]:
    """{UID: the VEVENT's bytes as sent}, from a strictly parsed document."""
    parse_strictly(document)
    found = {}
    for block in document.split(b"BEGIN:VEVENT\r\n")[1:]:
        event = b"BEGIN:VEVENT\r\n" + block.split(b"END:VEVENT\r\n")[0] + b"END:VEVENT\r\n"
        found[str(icalendar.Event.from_ical(event)["UID"])] = event
    return found


def test_breaks_are_read_with_one_query_per_chunk_not_per_chat(
    visitor, entry_with_chat, monkeypatch
):
    monkeypatch.setattr(calendar, "CHUNK_ROWS", 3)
    for number in range(7):
        entry_with_chat(
            f"Chat{number}",
            starts_on=date(2026, 5, 5),
            pauses=[{"from": date(2026, 7, 1), "until": date(2026, 7, 31), "note": ""}],
        )
    with CaptureQueriesContext(connection) as queries:
        feed = feed_of(visitor, "/chats.ics")
    assert all("EXDATE" in event for event in feed.walk("VEVENT"))
    breaks = [q["sql"] for q in queries if ChatPause._meta.db_table in q["sql"]]
    assert len(breaks) == 3  # seven chats in chunks of three


# --- The /chats/ page: chats presented as meeting only on evidence -----------------------


@pytest.fixture
def confirmed_and_not(make_hashtag, make_chat):
    """Three entries meeting this week: confirmed last month, confirmed two years ago
    (nothing shows its chat still meets), and never confirmed."""
    recent = make_hashtag("Confirmed", last_verified=NOW - timedelta(days=30))
    old = make_hashtag("LongAgo", last_verified=NOW - timedelta(days=730))
    never = make_hashtag("Never", last_verified=None)
    for entry in (recent, old, never):
        make_chat(entry)
    return recent


def tags_shown(response) -> set[str]:
    return {meeting.chat.hashtag.tag for _, items in response.context["days"] for meeting in items}


@pytest.mark.parametrize("query", ["", "?include="])
def test_by_default_only_chats_with_evidence_are_shown(visitor, confirmed_and_not, query):
    response = visitor.get(f"/chats/{query}")
    assert response.status_code == 200
    assert response.context["include_unconfirmed"] is False
    assert tags_shown(response) == {"Confirmed"}
    assert "unconfirmed: may no longer meet" not in response.content.decode()


def test_include_unconfirmed_shows_every_chat_labelled(visitor, confirmed_and_not):
    response = visitor.get("/chats/?include=unconfirmed")
    assert response.status_code == 200
    assert response.context["include_unconfirmed"] is True
    assert tags_shown(response) == {"Confirmed", "LongAgo", "Never"}
    page = response.content.decode()
    assert page.count("unconfirmed: may no longer meet") == 2
    assert 'name="include" value="unconfirmed" checked' in page


@pytest.mark.parametrize("value", ["yes", "1", "<b>x</b>"])
def test_another_include_value_is_a_bad_request_naming_include(visitor, confirmed_and_not, value):
    response = visitor.get("/chats/", {"include": value})
    assert response.status_code == 400
    assert "include" in response.context["errors"]
    assert "include" in response.context["errors"]["include"]
    assert "<b>x</b>" not in response.content.decode()
    # The page still answers, with the confirmed chats.
    assert tags_shown(response) == {"Confirmed"}


def test_the_include_option_costs_no_extra_query(visitor, confirmed_and_not):
    visitor.get("/chats/")  # the zones in use, kept per registry generation
    counts = []
    for query in ("", "?include=unconfirmed"):
        with CaptureQueriesContext(connection) as queries:
            assert visitor.get(f"/chats/{query}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
