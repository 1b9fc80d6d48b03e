"""The feeds as independent validators read them (issue 18).

Atom: feedparser reads the feed without complaint (no "bozo"), and RFC 4287's required
elements are there: the feed's id, title and updated; each entry's id, title and exactly
one updated; an author for every entry; a link or content for every entry.

iCalendar: every kind of calendar the site serves (an entry with and without chats, a
category with and without, all chats, with an ended and a paused chat) parses strictly
(icalendar, every content line in strict mode, every component without errors, the
calendar's own validation), is expanded by a second implementation
(recurring-ical-events), and has at least one component. Each VTIMEZONE read alone (by
dateutil's tzical, not by looking its TZID up) gives zoneinfo's offsets in 2040 and to
the end of the registry's dates, as RFC 5545 section 3.6.5 asks: the RRULEs never end.
"""

from datetime import UTC, date, datetime, time, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import feedparser
import icalendar
import pytest
import recurring_ical_events
import time_machine
from icalendar.parser import Contentline

from hashtags import entries, vtimezones
from hashtags.models import Chat, Hashtag

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 15, 12, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"
# Zones with each kind of rule: northern and southern daylight saving, none, a negative
# one (Dublin), a rule a day off a weekday (Jerusalem), a change that can fall in the
# next month (Cairo), half-hour and 45-minute offsets, and a fixed offset.
ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Europe/Dublin",
    "Australia/Sydney",
    "America/Santiago",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "Asia/Jerusalem",
    "Africa/Cairo",
    "America/Nuuk",
    "Asia/Tokyo",
    "Asia/Kathmandu",
    "Africa/Casablanca",
    "Etc/GMT+5",
]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- Atom ---------------------------------------------------------------------------


@pytest.fixture
def approved(make_hashtag):
    """Three approved entries (one with markup and a line break in its description), and
    a pending one that the feed must not show."""
    made = []
    for number, tag in enumerate(["HCLDR", "BCSM", "Markup"]):
        entry = make_hashtag(tag, name=f"The {tag} chat", description="<b>bold</b>\nline two")
        Hashtag.objects.filter(pk=entry.pk).update(approved_at=NOW - timedelta(days=number))
        made.append(entry)
    make_hashtag("Waiting", status="pending")
    return made


def atom(visitor) -> bytes:
    answer = visitor.get("/feeds/latest/")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/atom+xml")
    return answer.content


def test_feedparser_reads_the_atom_feed_without_complaint(visitor, approved):
    parsed = feedparser.parse(atom(visitor))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [entry.title.split(" ")[0] for entry in parsed.entries] == [
        "#HCLDR",
        "#BCSM",
        "#Markup",
    ]
    for entry in parsed.entries:
        assert entry.updated_parsed is not None
        assert entry.id and entry.link.startswith("http://127.0.0.1:8000/hashtags/")


def test_the_atom_feed_has_the_elements_rfc_4287_requires(visitor, approved):
    feed = ElementTree.fromstring(atom(visitor))  # noqa: S314 - the site's own feed
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    # The feed's author stands for every entry that has none of its own.
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    links = {link.get("rel", "alternate"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "http://127.0.0.1:8000/feeds/latest/"
    assert links["alternate"] == "http://127.0.0.1:8000/"
    entries_found = feed.findall(f"{ATOM}entry")
    assert len(entries_found) == 3
    updated = []
    for entry in entries_found:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        stamp = datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
        published = datetime.fromisoformat(entry.find(f"{ATOM}published").text)
        assert stamp >= published and stamp.tzinfo is not None
        updated.append(stamp)
        alternates = [
            link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"
        ]
        assert len(alternates) == 1
        # Without <content>, an entry needs a summary; the text is escaped into its HTML.
        summary = entry.find(f"{ATOM}summary")
        assert summary.get("type") == "html" and "&lt;b&gt;bold" in summary.text
    # The feed's updated is its latest entry's.
    assert datetime.fromisoformat(feed.find(f"{ATOM}updated").text) == max(updated)


def test_an_edit_after_approval_moves_the_entrys_updated_not_its_published(visitor, approved):
    Hashtag.objects.filter(pk=approved[2].pk).update(updated=NOW + timedelta(hours=3))
    parsed = feedparser.parse(atom(visitor))
    markup = next(entry for entry in parsed.entries if entry.title.startswith("#Markup"))
    assert markup.updated.startswith((NOW + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    assert markup.published.startswith((NOW - timedelta(days=2)).strftime("%Y-%m-%d"))


def test_an_empty_atom_feed_is_still_valid(visitor):
    parsed = feedparser.parse(atom(visitor))
    assert not parsed.bozo and parsed.entries == []
    assert parsed.feed.id and parsed.feed.title and parsed.feed.updated


# --- iCalendar ------------------------------------------------------------------------


def strict(document: bytes) -> icalendar.Calendar:
    """The calendar as a strict validator reads it: CRLF lines of at most 75 octets, each
    content line parsed in strict mode, no component with an error, PRODID, VERSION and
    at least one component, every TZID defined, each event's required properties."""
    assert document.startswith(b"BEGIN:VCALENDAR\r\n")
    assert document.endswith(b"END:VCALENDAR\r\n")
    for line in document.split(b"\r\n"):
        assert len(line) <= 75 and b"\r" not in line and b"\n" not in line, line
    for line in document.replace(b"\r\n ", b"").decode().split("\r\n")[:-1]:
        Contentline(line, strict=True).parts()
    feed = icalendar.Calendar.from_ical(document)
    feed.validate()
    for component in feed.walk():
        assert component.errors == [], (component.name, component.errors)
    assert feed.get_missing_tzids() == set()
    for event in feed.walk("VEVENT"):
        for name in ("UID", "DTSTAMP", "DTSTART", "DURATION", "RRULE"):
            assert name in event, name
        assert "DTEND" not in event
    for zone in feed.walk("VTIMEZONE"):
        assert zone.subcomponents
        for part in zone.subcomponents:
            assert part.name in ("STANDARD", "DAYLIGHT")
            for name in ("DTSTART", "TZOFFSETFROM", "TZOFFSETTO"):
                assert name in part, name
    return feed


def fetch(visitor, url: str) -> bytes:
    answer = visitor.get(url)
    assert answer.status_code == 200
    return b"".join(answer.streaming_content)


@pytest.fixture
def registry(make_hashtag, make_category, curator):
    """A category "topic" with #Weekly and #Fortnightly (a chat in every ZONES zone between
    them: an entry holds at most MAX_CHATS), #Ended (a chat that
    ended), #Paused (a summer break and an open-ended one on another chat) and #NoChat; a
    category "empty" with #Quiet, an entry without chats."""
    topic, empty = make_category("topic"), make_category("empty")

    def entry(tag: str, category, chats: list[dict]) -> Hashtag:
        hashtag = make_hashtag(tag, name=f"The {tag} chat", categories=[category])
        if chats:
            entries.update(hashtag=hashtag, curator=curator, chats=chats)
        return hashtag

    base = {"weekdays": "TU", "start_time": time(20, 30), "duration_minutes": 60}
    for tag, zones in (("Weekly", ZONES[:7]), ("Fortnightly", ZONES[7:])):
        entry(
            tag,
            topic,
            [
                {**base, "timezone": zone, "title": zone, "starts_on": date(2024, 1, 2)}
                for zone in zones
            ],
        )
    entry(
        "Ended",
        topic,
        [
            {
                **base,
                "timezone": "Europe/Berlin",
                "starts_on": date(2023, 1, 3),
                "ends_on": date(2025, 12, 30),
            }
        ],
    )
    entry(
        "Paused",
        topic,
        [
            {
                **base,
                "timezone": "America/New_York",
                "pauses": [
                    {"from": date(2026, 7, 1), "until": date(2026, 8, 31), "note": "Summer"}
                ],
                "cancelled_dates": [date(2026, 12, 22)],
            },
            {
                **base,
                "weekdays": "TH",
                "timezone": "Asia/Tokyo",
                "pauses": [{"from": date(2026, 9, 1), "until": None, "note": "Resting"}],
            },
        ],
    )
    entry("NoChat", topic, [])
    entry("Quiet", empty, [])


KINDS = {
    "entry with chats": "/hashtags/Weekly/chats.ics",
    "entry with an ended chat": "/hashtags/Ended/chats.ics",
    "entry with paused chats": "/hashtags/Paused/chats.ics",
    "entry without chats": "/hashtags/NoChat/chats.ics",
    "category with chats": "/categories/topic/chats.ics",
    "category without chats": "/categories/empty/chats.ics",
    "all chats": "/chats.ics",
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_calendar_kind_parses_strictly_and_expands(visitor, registry, kind):
    feed = strict(fetch(visitor, KINDS[kind]))
    # A second implementation expands it (the offsets far ahead are checked below).
    meetings = recurring_ical_events.of(feed).between(
        datetime(2022, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    )
    if "without" in kind:
        assert feed.walk("VEVENT") == [] and meetings == []
        # The one component RFC 5545 asks for is an unused definition of UTC.
        (zone,) = feed.subcomponents
        assert str(zone["TZID"]) == "UTC"
    else:
        assert meetings
    if kind == "entry with an ended chat":
        assert max(meeting.start for meeting in meetings).date() == date(2025, 12, 30)


def test_the_calendar_of_all_chats_leaves_the_ended_chat_out(visitor, registry):
    feed = strict(fetch(visitor, "/chats.ics"))
    summaries = {str(event["SUMMARY"]).split(" ")[0] for event in feed.walk("VEVENT")}
    assert summaries == {"#Weekly", "#Fortnightly", "#Paused"}


def offsets_from_vtimezone(zone: icalendar.Timezone, moments: list[datetime]) -> list:
    """The UTC offsets at local times as the VTIMEZONE alone gives them (dateutil's tzical
    reads its observances; the TZID is not looked up)."""
    tz = zone.to_tz(lookup_tzid=False)
    return [moment.replace(tzinfo=tz).utcoffset() for moment in moments]


def test_each_embedded_vtimezone_gives_zoneinfos_offsets_in_2040(visitor, registry):
    feed = strict(fetch(visitor, "/chats.ics"))
    defined = {str(zone["TZID"]): zone for zone in feed.walk("VTIMEZONE")}
    assert set(defined) == set(ZONES)
    winter_and_summer = [datetime(2040, 1, 15, 12), datetime(2040, 7, 15, 12)]
    for name, zone in defined.items():
        expected = [
            moment.replace(tzinfo=ZoneInfo(name)).utcoffset() for moment in winter_and_summer
        ]
        assert offsets_from_vtimezone(zone, winter_and_summer) == expected, name


@pytest.mark.parametrize("name", ZONES)
def test_a_vtimezone_holds_every_month_to_the_end_of_the_registrys_dates(name):
    """Noon on the 15th of every month from the first day asked for to 2100 (and in
    2150, past the last transition read), and the hour on either side of every change."""
    zone = icalendar.Timezone.from_ical(vtimezones.vtimezone(name, date(2000, 1, 1)))
    moments = [
        datetime(year, month, 15, 12) for year in range(2000, 2101) for month in range(1, 13)
    ]
    moments += [datetime(2150, 1, 15, 12), datetime(2150, 7, 15, 12)]
    for change in vtimezones.transitions(name):
        if change.local.year >= 2000:
            moments += [change.local - timedelta(hours=1), change.local + timedelta(hours=3)]
    expected = [moment.replace(tzinfo=ZoneInfo(name)).utcoffset() for moment in moments]
    found = offsets_from_vtimezone(zone, moments)
    wrong = [(m, f, e) for m, f, e in zip(moments, found, expected, strict=True) if f != e]
    assert wrong == [], wrong[:5]


def test_the_current_rules_are_yearly_rrules_without_an_end(visitor, registry):
    feed = strict(fetch(visitor, "/chats.ics"))
    (new_york,) = [z for z in feed.walk("VTIMEZONE") if str(z["TZID"]) == "America/New_York"]
    rules = [part["RRULE"].to_ical().decode() for part in new_york.subcomponents if "RRULE" in part]
    assert sorted(rules) == ["FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"]
    assert b"This timezone only works" not in new_york.to_ical()


def test_a_streamed_feed_completes_past_an_unreadable_chat(visitor, registry, monkeypatch):
    """Sent a few bytes at a time, the feed still completes when a chat in its middle
    cannot be read: the chat is left out, not the rest of the feed."""
    from hashtags import calendar

    monkeypatch.setattr(calendar, "STREAM_BUFFER", 1)
    bad = Chat.objects.get(hashtag__tag="Fortnightly", title="Asia/Tokyo")
    Chat.objects.filter(pk=bad.pk).update(weekdays="XX")
    answer = visitor.get("/chats.ics")
    pieces = list(answer.streaming_content)
    assert len(pieces) > 3
    feed = strict(b"".join(pieces))
    uids = {str(event["UID"]) for event in feed.walk("VEVENT")}
    assert f"chat-{bad.pk}@127.0.0.1" not in uids
    assert len(uids) == len(ZONES) - 1 + 1  # the other weekly chats and Paused's summer chat
