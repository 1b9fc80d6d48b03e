"""iCalendar (RFC 5545) documents of chats.

Each chat is one recurring VEVENT: DTSTART with the chat's TZID holding its first real
meeting (RFC 5545 counts DTSTART as an instance, so it must match the rule), the RRULE
from the schedule engine, an exact DURATION, a stable UID and the entry's address. Every
zone used gets a VTIMEZONE generated from zoneinfo (hashtags.vtimezones), so clients that
do not know IANA names still place the meetings right, however far ahead they look: its
current rules are yearly RRULEs with no end, as the events' RRULEs have none.

The series follows the chat's life: the RRULE's UNTIL ends it on the chat's last day (its
end date, or the day before a break with no end), and the meetings that do not happen
(cancelled dates, meetings within a break with an end) are EXDATEs, written in the same
form as DTSTART (the chat's TZID and local start time; Z for UTC chats).

The text fields are plain text: escaped as RFC 5545 requires, and nothing is ever written
as HTML, so markup in a description stays text.

A feed can hold 200,000 chats (120 MB), so `iter_calendar` streams it: the calendar's
properties first, then one VTIMEZONE per zone used (one small aggregate query), then the
events read in chunks from one query, with one more query per chunk for the breaks of
that chunk's chats (the cancelled dates are a column of the row). The calendar shell and
the VTIMEZONEs come from the icalendar library. Building an icalendar Event per chat
costs about 3 ms: a feed of 10,000 chats took 41.5 s that way, against 2.1 s of events
written by `event_ical` (bench/README.md, "Calendar feeds"), which writes the same bytes
as icalendar's Event for the chat
(tests/ical_oracle.py builds that reference and the tests compare the two); the values
with rules of their own (DTSTART's and EXDATE's parameters, DURATION and RRULE) are
still formatted by icalendar, once per distinct value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import islice
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import icalendar
from django.conf import settings
from django.db import connections
from django.db.models import Case, DateField, F, Min, QuerySet, When
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS

from hashtags import entries, schedules, vtimezones
from hashtags.models import Chat, ChatPause

logger = logging.getLogger(__name__)

PRODID = "-//Healthcare Hashtag Directory//Chat calendar//EN"
# How often subscribed calendars should fetch the feed again.
REFRESH = timedelta(hours=12)


@lru_cache(maxsize=1)
def placeholder_ical() -> bytes:
    """The one component of a calendar with no meeting (an entry or category without
    chats): RFC 5545's grammar asks every calendar for at least one component.

    A VTIMEZONE is the component every client reads and none shows, where a VEVENT would
    be a meeting, a VTODO a task and a VJOURNAL a note in some clients; an unused one is
    allowed (and common: Outlook and Google write them). It defines UTC as UTC, so even a
    client that took it for its own "UTC" would be right."""
    zone = icalendar.Timezone()
    zone.add("TZID", "UTC")
    standard = icalendar.TimezoneStandard()
    standard.add("DTSTART", datetime(1970, 1, 1))
    standard.add("TZNAME", "UTC")
    standard.add("TZOFFSETFROM", timedelta(0))
    standard.add("TZOFFSETTO", timedelta(0))
    zone.add_component(standard)
    return zone.to_ical()


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


# --- Streaming ------------------------------------------------------------------------

# Rows read per round trip, and bytes gathered before a piece of the body is sent.
CHUNK_ROWS = 2000
STREAM_BUFFER = 64 * 1024
END = b"END:VCALENDAR\r\n"
# What the feed reads of each chat: its columns as entered (hashtags.entries; the feed
# reads active chats only, and their breaks apart, per chunk), the zone by its key, and
# the record's times.
CHAT_FIELDS = (
    "pk",
    *("timezone_id" if name == "timezone" else name for name in entries.CHAT_COLUMNS),
    "created",
    "updated",
)
HASHTAG_FIELDS = ("tag", "name", "description")
SCHEDULE_FIELDS = (
    "frequency",
    "weekdays",
    "interval",
    "month_weeks",
    "start_time",
    "timezone_id",
    "ends_on",
)
# A break as the feed reads it: (first day off, last day off or None while open-ended).
Break = tuple[date, date | None]


def calendar_head(*, key: str, name: str, description: str = "") -> bytes:
    """The calendar's opening line and properties: the document before its components."""
    # One line each: a name stored before names had to be one line must not break it.
    name, description = " ".join(name.split()), " ".join(description.split())
    calendar = icalendar.Calendar.new(
        uid=f"{key}@{site_host()}",
        prodid=PRODID,
        name=name,
        description=description or None,
        refresh_interval=REFRESH,
        method="PUBLISH",
        calscale="GREGORIAN",
    )
    # RFC 7986 requires the value type on REFRESH-INTERVAL.
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    # icalendar writes NAME and X-WR-CALNAME (which Apple Calendar and Outlook read);
    # Outlook reads the refresh interval from this older property.
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH).to_ical().decode())
    document = calendar.to_ical()
    assert document.endswith(END)
    return document[: -len(END)]


def zones_used(chats: QuerySet[Chat]) -> dict[str, date]:
    """{zone name: the earliest day a series in it starts} for the given chats, in one
    aggregate query (a series starts on its start date or, without one, on the day the
    chat was entered or, for a chat that had ended by then, on the first of the month of
    its end; see schedules.series_start)."""
    entered = Cast("created", DateField())
    rows = (
        chats.order_by()
        .values("timezone_id")
        .annotate(
            first=Min(Coalesce("starts_on", entered)),
            # Chats without a start date that had ended when they were entered.
            ended=Min(
                Case(
                    When(starts_on__isnull=True, ends_on__lt=entered, then=F("ends_on")),
                    output_field=DateField(),
                )
            ),
        )
    )
    return {
        row["timezone_id"]: min(
            day for day in (row["first"], row["ended"] and row["ended"].replace(day=1)) if day
        )
        for row in rows
    }


def timezones_ical(zones: dict[str, date]) -> Iterator[bytes]:
    """One VTIMEZONE per zone that DTSTART names with a TZID (UTC is written with Z and
    needs none), covering the zone from before its first series, for ever: the stored
    one (from the registry's first date), read for every zone in one query."""
    named = [name for name in sorted(zones) if _names_a_zone(name)]
    try:
        stored = vtimezones.stored(named)
    except Exception as error:
        logger.warning("VTIMEZONEs not read: %s", type(error).__name__)
        stored = {}
    for name in named:
        # Two days' margin: the series' first day is a local date, the aggregate's a
        # UTC one, and the observance in force the day before the first meeting is
        # included.
        first = (zones[name] or schedules.DEFAULT_ANCHOR) - timedelta(days=2)
        try:
            if name in stored and first >= vtimezones.STORED_FROM:
                yield stored[name]
            else:
                yield vtimezones.vtimezone(name, first)
        except Exception as error:
            # Its chats fail on the same zone and are left out (and logged) one by one.
            logger.warning("No VTIMEZONE for zone %r: %s", name[:64], type(error).__name__)


def _names_a_zone(name: str) -> bool:
    try:
        return _value_form("DTSTART", name)[0].startswith("DTSTART;")
    except Exception as error:
        logger.warning("No VTIMEZONE for zone %r: %s", name[:64], type(error).__name__)
        return False


def iter_calendar(
    chats: QuerySet[Chat], *, key: str, name: str, description: str = ""
) -> Iterator[bytes]:
    """The calendar of `chats` as pieces of about STREAM_BUFFER bytes: the head, the
    VTIMEZONEs (one aggregate query), then one VEVENT per chat that meets, read in chunks
    of CHUNK_ROWS rows from one query, ordered by hashtag and time, with one query per
    chunk for the breaks of its chats.

    The feed either completes or fails before its first byte: nothing is sent before
    STREAM_BUFFER bytes are ready (so a small feed is one piece, written before any of it
    is sent), and a chat whose row the schedule engine cannot read is left out and logged
    rather than ending the feed midway (see `_event_or_none`). Only a database that fails
    midway through a large feed can still cut it, and then the response ends without
    END:VCALENDAR, which a client reads as a failed download.

    `key` names the calendar stably ("chats", "hashtag-12") for its UID.
    """
    pending: list[bytes] = [calendar_head(key=key, name=name, description=description)]
    pending += timezones_ical(zones_used(chats))
    components = len(pending) - 1
    size = sum(map(len, pending))
    context = {"site_url": settings.SITE_URL, "host": site_host()}
    hashtag_path = hashtag_path_writer()
    for chunk in _chunks(_chat_rows(chats), CHUNK_ROWS):
        breaks = _breaks(chats.db, [row[0] for row in chunk])
        for row in chunk:
            event = _event_or_none(
                row, breaks=breaks.get(row[0], ()), hashtag_path=hashtag_path, **context
            )
            if event is None:
                continue
            pending.append(event)
            components += 1
            size += len(event)
            if size >= STREAM_BUFFER:
                yield b"".join(pending)
                pending, size = [], 0
    if not components:
        pending.append(placeholder_ical())
    pending.append(END)
    yield b"".join(pending)


def _event_or_none(row: tuple, **context) -> bytes | None:
    """`event_ical` for a row, or None (logged, by the chat's number only) when the
    schedule engine cannot read it: a stored row that no longer passes the rules (a date
    the validators now refuse, a zone the installed tz database dropped) leaves out its
    own chat, never the rest of the feed."""
    try:
        return event_ical(row, **context)
    except Exception as error:
        logger.warning(
            "Chat %s left out of a calendar: %s: %s",
            row[0],
            type(error).__name__,
            str(error)[:200],
        )
        return None


def _chat_rows(chats: QuerySet[Chat]) -> Iterator[tuple]:
    """The chats' rows in feed order, CHUNK_ROWS per round trip from one query.

    On PostgreSQL the rows come from a server-side cursor, which the planner optimises for
    the first tenth of the rows (cursor_tuple_fraction): a fast-start plan that made a
    whole feed at 1,000,000 entries up to ten times slower. The feed reads every row, so
    the cursor is declared with that fraction at 1 and the setting restored at once.
    """
    rows = (
        chats.order_by("hashtag__key", "start_time", "pk")
        .values_list(*CHAT_FIELDS, *(f"hashtag__{field}" for field in HASHTAG_FIELDS))
        .iterator(chunk_size=CHUNK_ROWS)
    )
    connection = connections[chats.db]
    if connection.vendor != "postgresql" or connection.settings_dict.get(
        "DISABLE_SERVER_SIDE_CURSORS"
    ):  # no server-side cursor to plan (behind PgBouncer, a SET could reach another client)
        yield from rows
        return
    with connection.cursor() as cursor:
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        # The first row declares the cursor, which fixes its plan.
        first = next(rows, None)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET cursor_tuple_fraction")
    if first is not None:
        yield first
        yield from rows


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def _breaks(db: str, chat_ids: list[int]) -> dict[int, list[Break]]:
    """{chat id: its breaks} for the given chats, in one query."""
    found: dict[int, list[Break]] = {}
    rows = (
        ChatPause.objects.using(db)
        .filter(chat_id__in=chat_ids)
        .order_by()
        .values_list("chat_id", "starts_on", "ends_on")
    )
    for chat_id, starts_on, ends_on in rows:
        found.setdefault(chat_id, []).append((starts_on, ends_on))
    return found


def event_ical(
    row: tuple,
    *,
    breaks: Sequence[Break] = (),
    site_url: str,
    host: str,
    hashtag_path: Callable[[str], str],
) -> bytes | None:
    """A VEVENT from a row of CHAT_FIELDS + HASHTAG_FIELDS and the chat's `breaks`, byte
    for byte what icalendar writes for the chat (tests/ical_oracle.py); None when the
    chat never meets.

    `site_url`, `host` and `hashtag_path` (see `hashtag_path_writer`) are the same for
    every event, so a caller writing many looks them up once.
    """
    values = dict(zip(CHAT_FIELDS, row, strict=False))
    tag, hashtag_name, hashtag_description = row[len(CHAT_FIELDS) :]
    # A break with no end ends the series (schedules.last_day): only the earliest counts,
    # and it is part of the schedule, so the texts of most chats stay cached.
    open_break = min((start for start, end in breaks if end is None), default=None)
    schedule = (*(values[field] for field in SCHEDULE_FIELDS), open_break)
    # series_start reads only these four fields; a whole Chat costs more than the rest.
    series = SimpleNamespace(
        starts_on=values["starts_on"],
        ends_on=values["ends_on"],
        created=values["created"],
        timezone_id=values["timezone_id"],
    )
    first = _first_occurrence(schedule, schedules.series_start(series))
    if first is None:
        return None
    words, rule = _schedule_texts(schedule)
    before, after = _value_form("DTSTART", values["timezone_id"])
    address = site_url + hashtag_path(tag)
    description = [f"#{tag} — {hashtag_name}", words + "."]
    if hashtag_description:
        description += ["", hashtag_description]
    if values["note"]:
        description += ["", values["note"]]
    description += ["", address]
    updated, created = values["updated"], values["created"]
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _text(f"#{tag} {values['title'] or 'chat'}"),
        f"{before}{first:%Y%m%dT%H%M%S}{after}",
        "DURATION:" + _duration(values["duration_minutes"]),
        "DTSTAMP:" + _utc(updated or timezone.now()),
        "UID:" + _text(f"chat-{values['pk']}@{host}"),
        "RRULE:" + rule,
    ]
    if values["cancelled_dates"] or any(end is not None for _, end in breaks):
        chat = _schedule_chat(
            schedule, starts_on=values["starts_on"], cancelled_dates=values["cancelled_dates"]
        )
        chat.planned_pauses = [ChatPause(starts_on=start, ends_on=end) for start, end in breaks]
        # A row whose skipped meetings cannot be read is left out whole, not written
        # with meetings that do not happen.
        excluded = schedules.excluded_starts(chat, first, raising=True)
        if excluded:
            prefix, suffix = _value_form("EXDATE", values["timezone_id"])
            lines.append(prefix + ",".join(f"{start:%Y%m%dT%H%M%S}{suffix}" for start in excluded))
    if created is not None:
        lines.append("CREATED:" + _utc(created))
    lines.append("DESCRIPTION:" + _text("\n".join(description)))
    if updated is not None:
        lines.append("LAST-MODIFIED:" + _utc(updated))
    lines += ["URL:" + address, "END:VEVENT", ""]
    return b"\r\n".join(map(fold, lines))


def hashtag_path_writer() -> Callable[[str], str]:
    """A function giving an entry's address (its path), as reverse() and so
    `Hashtag.get_absolute_url` give it, without the cost of reverse() per entry."""
    marker = "hashtagmarker"
    before, found, after = reverse("directory:hashtag", args=[marker]).partition(marker)
    assert found, "the entry address must contain its tag"

    def path(tag: str) -> str:
        return before + quote(tag, safe=RFC3986_SUBDELIMS + "/~:@") + after

    return path


def _schedule_chat(schedule: tuple, **fields) -> Chat:
    """An unsaved Chat of a schedule (SCHEDULE_FIELDS and the start of its open-ended
    break, if any), with other `fields`, for the schedule engine to read."""
    *columns, open_break = schedule
    chat = Chat(**dict(zip(SCHEDULE_FIELDS, columns, strict=True)), **fields)
    chat.planned_pauses = [ChatPause(starts_on=open_break)] if open_break else []
    return chat


@lru_cache(maxsize=4096)
def _schedule_texts(schedule: tuple) -> tuple[str, str]:
    """The schedule in words and its RRULE value as icalendar writes it."""
    chat = _schedule_chat(schedule)
    # The engine's functions raising (schedules.per_chat), here and below: a row they
    # cannot read raises to `_event_or_none`, which leaves it out and logs it by number.
    rule = icalendar.vRecur.from_ical(schedules.rrule_text(chat, raising=True)).to_ical().decode()
    return schedules.describe(chat, raising=True), rule


@lru_cache(maxsize=4096)
def _first_occurrence(schedule: tuple, series_start: date) -> datetime | None:
    return schedules.first_occurrence(
        _schedule_chat(schedule, starts_on=series_start), raising=True
    )


@lru_cache(maxsize=1024)
def _value_form(name: str, zone_name: str) -> tuple[str, str]:
    """What a date-time property (DTSTART, EXDATE) has before and after a time's digits
    for a time in the zone, as icalendar writes it: ("DTSTART;TZID=Europe/Berlin:", "")
    or, for UTC, which it writes with Z and no TZID, ("DTSTART:", "Z"). A list of times
    (EXDATE) is the times so written, joined by commas."""
    probe = datetime(2000, 1, 1, tzinfo=schedules.get_zone(zone_name))
    event = icalendar.Event()
    event.add(name, [probe] if name == "EXDATE" else probe)
    lines = event.to_ical().decode().split("\r\n")
    (line,) = [line for line in lines if line.partition(":")[0].partition(";")[0] == name]
    before, digits, after = line.rpartition("20000101T000000")
    assert digits and after in ("", "Z"), line
    return before, after


@lru_cache(maxsize=256)
def _duration(minutes: int) -> str:
    return icalendar.vDuration(timedelta(minutes=minutes)).to_ical().decode()


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%S}Z"


def _text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 section 3.3.11 (and icalendar) escape it."""
    return (
        value.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


LINE_OCTETS = 74  # RFC 5545: at most 75 octets a line; icalendar folds at 74
ESCAPES = (ord("\\"), ord("^"))


def fold(line: str) -> bytes:
    """A content line in UTF-8, folded as icalendar folds it: pieces of at most
    LINE_OCTETS octets joined by CRLF and a space, never splitting a character, and never
    ending a piece with a backslash or caret (so an escape is not split)."""
    data = line.encode()
    if len(data) <= LINE_OCTETS:
        return data
    pieces, start, length = [], 0, len(data)
    while length - start > LINE_OCTETS:
        end = start + LINE_OCTETS
        while 0x80 <= data[end] < 0xC0:  # a UTF-8 continuation byte: not a character
            end -= 1
        if data[end - 1] in ESCAPES:
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces)
