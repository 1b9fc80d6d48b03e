"""The iCalendar feeds (/chats.ics, /hashtags/<tag>/chats.ics, /categories/<slug>/chats.ics)
and the Atom feed of newly approved entries (/feeds/latest/).

The feeds are read back with the icalendar library, and expanded by a second, independent
implementation (recurring-ical-events), which must find the same meeting instants as the
schedule engine.
"""

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
import recurring_ical_events
from django.db import connection
from django.utils import timezone

from hashtags import schedules
from hashtags.models import Alias, Chat, Status

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def body(response) -> bytes:
    """The feeds are streamed: the whole body, read as a client reads it (once, kept on
    the response for a second look)."""
    if not response.streaming:
        return response.content
    if not hasattr(response, "read_body"):
        response.read_body = b"".join(response.streaming_content)
    return response.read_body


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(body(response))


def events_by_uid(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


# A spread of schedules: weekly, several days, monthly (last / 1st and 3rd), every N
# weeks, zones on both sides of the Atlantic and the southern hemisphere, and times that
# fall into a spring-forward gap or the repeated hour of a fall-back night.
CHAT_SPECS = [
    ("HCLDR", {"weekdays": "TU", "start_time": time(20, 30)}),
    ("hcsm", {"weekdays": "SU", "start_time": time(20), "timezone_id": "America/Chicago"}),
    ("MedEd", {"weekdays": "MO,TH", "start_time": time(12), "timezone_id": "Europe/London"}),
    (
        "LastFriday",
        {"frequency": "monthly", "month_weeks": "-1", "weekdays": "FR", "start_time": time(13)},
    ),
    (
        "FirstThird",
        {
            "frequency": "monthly",
            "month_weeks": "1,3",
            "weekdays": "TH",
            "start_time": time(12),
            "timezone_id": "America/Chicago",
        },
    ),
    (
        "Biweekly",
        {
            "weekdays": "WE",
            "interval": 2,
            "starts_on": date(2025, 6, 4),
            "start_time": time(15),
            "timezone_id": "Europe/Berlin",
        },
    ),
    ("Sydney", {"weekdays": "SU", "start_time": time(2, 30), "timezone_id": "Australia/Sydney"}),
    ("SpringGap", {"weekdays": "SU", "start_time": time(2, 30)}),
    ("FallBack", {"weekdays": "SU", "start_time": time(1, 30)}),
    ("LondonGap", {"weekdays": "SU", "start_time": time(1, 30), "timezone_id": "Europe/London"}),
    ("Tokyo", {"weekdays": "WE", "start_time": time(21), "timezone_id": "Asia/Tokyo"}),
    ("Utc", {"weekdays": "FR", "start_time": time(16), "timezone_id": "UTC"}),
    ("Offset", {"weekdays": "TH", "start_time": time(9), "timezone_id": "Etc/GMT+5"}),
]


@pytest.fixture
def registry(make_hashtag, make_chat):
    def build(starts_on: date | None = None) -> list[Chat]:
        chats = []
        for tag, fields in CHAT_SPECS:
            fields = dict(fields)
            if starts_on and not fields.get("starts_on"):
                fields["starts_on"] = starts_on
            chats.append(make_chat(make_hashtag(tag, name=f"The {tag} chat"), **fields))
        return chats

    return build


def engine_instants(chats: list[Chat], start: datetime, end: datetime) -> list[tuple]:
    return sorted(
        (occ.chat.hashtag.tag, occ.start.astimezone(UTC), occ.end.astimezone(UTC))
        for occ in schedules.upcoming(Chat.objects.public().select_related("hashtag"), start, end)
    )


def feed_instants(feed: icalendar.Calendar, start: datetime, end: datetime) -> list[tuple]:
    return sorted(
        (
            str(event["SUMMARY"]).split()[0].lstrip("#"),
            event.start.astimezone(UTC),
            event.start.astimezone(UTC) + event.duration,
        )
        for event in recurring_ical_events.of(feed).between(start, end)
    )


def test_an_independent_expander_reads_the_feed_as_the_engine_for_the_next_90_days(
    visitor, registry
):
    chats = registry()
    feed = parse(visitor.get("/chats.ics"))
    start = timezone.now()
    end = start + timedelta(days=90)
    expected = engine_instants(chats, start, end)
    assert len(expected) > 100
    assert feed_instants(feed, start, end) == expected


@pytest.mark.parametrize(
    ("window_start", "changeover_nights"),
    [
        # US (8 March) and EU (29 March) spring changes: missing times move an hour on.
        (
            datetime(2026, 2, 15, tzinfo=UTC),
            [
                ("SpringGap", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # 3:30 AM EDT
                ("LondonGap", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # 2:30 AM BST
            ],
        ),
        # EU (25 October) and US (1 November) fall back: the first 1:30 AM; Sydney's
        # spring change (4 October) moves its 2:30 AM to 3:30 AM AEDT.
        (
            datetime(2026, 9, 20, tzinfo=UTC),
            [
                ("FallBack", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # 1:30 AM EDT
                ("LondonGap", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # 1:30 AM BST
                ("Sydney", datetime(2026, 10, 3, 16, 30, tzinfo=UTC)),  # 3:30 AM AEDT
            ],
        ),
    ],
)
def test_an_independent_expander_agrees_with_the_engine_across_2026_clock_changes(
    visitor, registry, window_start, changeover_nights
):
    chats = registry(starts_on=date(2025, 6, 1))
    feed = parse(visitor.get("/chats.ics"))
    end = window_start + timedelta(days=90)
    expected = engine_instants(chats, window_start, end)
    assert feed_instants(feed, window_start, end) == expected
    starts = [(tag, start) for tag, start, _ in expected]
    for night in changeover_nights:
        assert night in starts


def test_each_chat_is_one_recurring_event_with_zone_rule_and_stable_uid(
    visitor, make_hashtag, make_chat, settings
):
    settings.SITE_URL = "https://hashtags.example.org"
    entry = make_hashtag("HCLDR", name="Healthcare Leaders")
    weekly = make_chat(entry, title="Weekly chat")
    feed = parse(visitor.get("/chats.ics"))
    (event,) = feed.walk("VEVENT")
    assert str(event["UID"]) == f"chat-{weekly.pk}@hashtags.example.org"
    assert str(event["SUMMARY"]) == "#HCLDR Weekly chat"
    assert str(event["URL"]) == "https://hashtags.example.org/hashtags/HCLDR/"
    assert "Tuesdays at 8:30 PM ET" in str(event["DESCRIPTION"])
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.start.tzinfo.key == "America/New_York"
    assert (event.start.hour, event.start.minute, event.start.strftime("%a")) == (20, 30, "Tue")
    assert event["RRULE"].to_ical().decode() == "FREQ=WEEKLY;BYDAY=TU;WKST=MO"
    assert event.duration == timedelta(minutes=60)
    (zone,) = feed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/New_York"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    # The same bytes on the next fetch: clients see no change where there is none.
    assert body(visitor.get("/chats.ics")) == body(visitor.get("/chats.ics"))


def test_there_is_one_timezone_definition_per_zone_used(visitor, registry):
    registry()
    feed = parse(visitor.get("/chats.ics"))
    starts = [event["DTSTART"] for event in feed.walk("VEVENT")]
    used = {start.params["TZID"] for start in starts if "TZID" in start.params}
    defined = [str(zone["TZID"]) for zone in feed.walk("VTIMEZONE")]
    assert sorted(defined) == sorted(used)
    assert "Europe/Berlin" in used and "UTC" not in used
    assert feed.get_missing_tzids() == set()
    # A UTC chat is written in UTC form and needs no zone definition.
    (utc_event,) = [e for e in feed.walk("VEVENT") if str(e["SUMMARY"]).startswith("#Utc")]
    assert "TZID" not in utc_event["DTSTART"].params
    assert utc_event.start.utcoffset() == timedelta(0)
    assert (utc_event.start.hour, utc_event.start.strftime("%a")) == (16, "Fri")


def test_dtstart_is_the_first_real_meeting_not_the_anchor_date(visitor, make_hashtag, make_chat):
    # Anchored on a Wednesday, meeting Thursdays: RFC 5545 would count a Wednesday DTSTART
    # as an extra meeting, so DTSTART must be Thursday 8 January.
    make_chat(make_hashtag("Biweekly"), weekdays="TH", interval=2, starts_on=date(2026, 1, 7))
    (event,) = parse(visitor.get("/chats.ics")).walk("VEVENT")
    assert event.start.replace(tzinfo=None) == datetime(2026, 1, 8, 20, 30)
    assert event["RRULE"].to_ical().decode() == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;WKST=MO"


def test_a_dtstart_in_a_spring_forward_gap_keeps_its_wall_time(visitor, make_hashtag, make_chat):
    make_chat(
        make_hashtag("Early"), weekdays="SU", start_time=time(2, 30), starts_on=date(2026, 3, 8)
    )
    response = visitor.get("/chats.ics")
    assert b"DTSTART;TZID=America/New_York:20260308T023000" in body(response)


def test_an_end_date_is_an_until_in_utc(visitor, make_hashtag, make_chat):
    make_chat(make_hashtag("Ending"), ends_on=date(2026, 3, 24), starts_on=date(2026, 3, 1))
    # The entry's own calendar keeps the chat once it has ended.
    (event,) = parse(visitor.get("/hashtags/Ending/chats.ics")).walk("VEVENT")
    assert event["RRULE"]["UNTIL"] == [datetime(2026, 3, 25, 3, 59, 59, tzinfo=UTC)]


def test_only_active_chats_of_approved_entries_are_in_the_feeds(
    visitor, make_hashtag, make_chat, make_category
):
    cancer = make_category("cancer")
    public = make_chat(make_hashtag("Public", categories=[cancer]))
    make_chat(make_hashtag("Public2", categories=[cancer]), is_active=False)
    for status in (Status.PENDING, Status.REJECTED, Status.RETIRED):
        hidden = make_hashtag(
            f"Hidden{status}", status=status, status_reason="No.", categories=[cancer]
        )
        make_chat(hidden)
    for url in ("/chats.ics", "/categories/cancer/chats.ics"):
        response = visitor.get(url)
        assert list(events_by_uid(parse(response))) == [f"chat-{public.pk}@127.0.0.1"]
        assert b"Hidden" not in body(response)


def test_markup_in_text_stays_text(visitor, make_hashtag, make_chat):
    entry = make_hashtag("Safe", name="<b>Bold</b> name", description="<script>alert(1)</script>")
    make_chat(entry, title="<i>chat</i>", note="a; b, c")
    (event,) = parse(visitor.get("/chats.ics")).walk("VEVENT")
    description = str(event["DESCRIPTION"])
    assert "<script>alert(1)</script>" in description
    assert "<b>Bold</b> name" in description
    assert "a; b, c" in description
    assert str(event["SUMMARY"]) == "#Safe <i>chat</i>"
    assert "X-ALT-DESC" not in event


def test_a_hashtag_feed_has_only_its_chats_and_a_filename(visitor, make_hashtag, make_chat):
    mine = make_chat(make_hashtag("HCLDR"))
    make_chat(make_hashtag("Other"))
    response = visitor.get("/hashtags/HCLDR/chats.ics")
    assert list(events_by_uid(parse(response))) == [f"chat-{mine.pk}@127.0.0.1"]
    assert response["Content-Disposition"] == 'attachment; filename="HCLDR-chats.ics"'
    assert str(parse(response)["X-WR-CALNAME"]) == "#HCLDR chats"


@pytest.mark.parametrize("spelling", ["hcldr", "%23HCLDR", "HealthcareLeaders"])
def test_other_spellings_and_aliases_of_a_hashtag_feed_redirect_to_its_address(
    visitor, make_hashtag, spelling
):
    entry = make_hashtag("HCLDR")
    Alias(hashtag=entry, tag="HealthcareLeaders").save()
    response = visitor.get(f"/hashtags/{spelling}/chats.ics")
    assert (response.status_code, response["Location"]) == (301, "/hashtags/HCLDR/chats.ics")


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED])
def test_the_feed_of_a_hashtag_that_is_not_public_is_not_found(
    visitor, make_hashtag, make_chat, status
):
    make_chat(make_hashtag("Hidden", status=status, status_reason="No."))
    assert visitor.get("/hashtags/Hidden/chats.ics").status_code == 404
    assert visitor.get("/hashtags/hidden/chats.ics").status_code == 404
    assert visitor.get("/hashtags/NoSuchTag/chats.ics").status_code == 404


def test_a_retired_hashtag_feed_answers_with_no_meetings(visitor, make_hashtag, make_chat):
    make_chat(make_hashtag("Old", status=Status.RETIRED))
    assert parse(visitor.get("/hashtags/Old/chats.ics")).walk("VEVENT") == []


def test_a_category_feed_includes_its_descendants(visitor, make_category, make_hashtag, make_chat):
    diseases = make_category("diseases")
    breast = make_category("breast-cancer", parent=diseases)
    other = make_category("health-it")
    below = make_chat(make_hashtag("BCSM", categories=[breast]))
    make_chat(make_hashtag("HITsm", categories=[other]))
    response = visitor.get("/categories/diseases/chats.ics")
    assert list(events_by_uid(parse(response))) == [f"chat-{below.pk}@127.0.0.1"]
    assert response["Content-Disposition"] == 'attachment; filename="diseases-chats.ics"'
    assert visitor.get("/categories/no-such/chats.ics").status_code == 404


def test_the_feed_costs_the_same_queries_for_many_chats(
    visitor, make_hashtag, make_chat, django_assert_max_num_queries
):
    for number in range(15):
        make_chat(make_hashtag(f"Chat{number}"))
    # On PostgreSQL the chats' cursor is declared between a SET and a RESET of a setting.
    setting = 2 if connection.vendor == "postgresql" else 0
    # The first feed to use a zone stores its VTIMEZONE (one write per zone, ever).
    with django_assert_max_num_queries(5 + setting):
        parse(visitor.get("/chats.ics"))
    # 1: the zones the chats use, 2: their stored VTIMEZONEs, 3: the chats with their
    # hashtags, 4: the breaks of those chats (one query per chunk of rows, and they are
    # one chunk).
    with django_assert_max_num_queries(4 + setting):
        parse(visitor.get("/chats.ics?again"))
    # 1: the identity with its hashtag, 2: the zones, 3: their VTIMEZONEs, 4: that
    # hashtag's chats, 5: breaks.
    with django_assert_max_num_queries(5 + setting):
        parse(visitor.get("/hashtags/Chat3/chats.ics"))


def atom(visitor) -> ET.Element:
    response = visitor.get("/feeds/latest/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own feed, in a test


def test_the_atom_feed_lists_newly_approved_entries_newest_first(visitor, make_hashtag, settings):
    settings.SITE_URL = "https://hashtags.example.org"
    make_hashtag("Older", approved_at=datetime(2026, 1, 1, tzinfo=UTC))
    make_hashtag(
        "Newer",
        name="Newer <b>one</b>",
        description="Uses <script>x</script> & more",
        approved_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    root = atom(visitor)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "#Newer — Newer <b>one</b>",
        "#Older — An entry",
    ]
    newer = entries[0]
    assert newer.find(f"{ATOM}link").get("href") == "https://hashtags.example.org/hashtags/Newer/"
    assert newer.findtext(f"{ATOM}published") == "2026-02-01T00:00:00+00:00"
    # The summary is HTML, so the plain-text description arrives escaped: a reader shows
    # the markup as text and never runs it.
    summary = newer.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert "&lt;script&gt;x&lt;/script&gt; &amp; more" in summary.text
    assert "<script>" not in summary.text


def test_pending_rejected_and_retired_entries_never_appear_in_the_atom_feed(visitor, make_hashtag):
    at = datetime(2026, 1, 1, tzinfo=UTC)
    make_hashtag("Shown", approved_at=at)
    make_hashtag("Waiting", status=Status.PENDING, approved_at=at)
    make_hashtag("Refused", status=Status.REJECTED, status_reason="Spam.", approved_at=at)
    make_hashtag("Gone", status=Status.RETIRED, approved_at=at)
    titles = [e.findtext(f"{ATOM}title") for e in atom(visitor).findall(f"{ATOM}entry")]
    assert titles == ["#Shown — An entry"]


def test_the_atom_feed_costs_the_same_queries_for_many_entries(
    visitor, make_hashtag, make_category, django_assert_max_num_queries
):
    topic = make_category("topic")
    for number in range(12):
        make_hashtag(f"Entry{number}", categories=[topic], approved_at=timezone.now())
    # 1: the newest change (the feed's ETag and Last-Modified), 2: the entries, 3: their
    # categories.
    with django_assert_max_num_queries(3):
        assert len(atom(visitor).findall(f"{ATOM}entry")) == 12
