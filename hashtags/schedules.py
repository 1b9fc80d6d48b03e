"""The schedule engine: a chat's recurrence in words, as an RFC 5545 RRULE, and its
occurrences in any window, computed in the chat's own zone and shown in any other.

Recurrence comes from python-dateutil's rrule and zones from the standard library's
zoneinfo; nothing here does calendar arithmetic by hand.

Local times that a daylight-saving change makes ambiguous or non-existent resolve as
RFC 5545 (and so Google Calendar, Outlook and Apple Calendar) resolve them: an
ambiguous time is its first occurrence, a non-existent one is read with the offset in
force before the gap (2:30 AM on a spring-forward night becomes 3:30 AM). That is
exactly zoneinfo's fold=0 behaviour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from hashtags.models import WEEKDAY_ORDER, Chat, Frequency, Weekday

RRULE_WEEKDAYS = {
    "MO": rrule.MO,
    "TU": rrule.TU,
    "WE": rrule.WE,
    "TH": rrule.TH,
    "FR": rrule.FR,
    "SA": rrule.SA,
    "SU": rrule.SU,
}
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}
# When no start date is given, weekly and monthly rules need some anchor before any window
# we could be asked about; any past Monday works for rules with an interval of 1.
DEFAULT_ANCHOR = date(2000, 1, 3)


class UnknownTimeZone(ValueError):
    pass


@lru_cache(maxsize=1024)
def get_zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, or UnknownTimeZone saying which name is unknown."""
    if not name or "\x00" in name or len(name) > 64:
        raise UnknownTimeZone(f"Unknown time zone {name[:64]!r}: use an IANA name.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimeZone(
            f"Unknown time zone {name!r}: use an IANA name such as America/New_York."
        ) from None


@dataclass(frozen=True)
class Occurrence:
    chat: Chat
    start: datetime  # aware, in the chat's own zone
    end: datetime

    def in_zone(self, zone: ZoneInfo) -> datetime:
        return self.start.astimezone(zone)

    def is_live(self, now: datetime) -> bool:
        return self.start <= now < self.end


def _weekday_names(codes: list[str], plural: bool) -> str:
    names = [Weekday(code).label + ("s" if plural else "") for code in codes]
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _time_words(value: time) -> str:
    hour = value.hour % 12 or 12
    suffix = "AM" if value.hour < 12 else "PM"
    return f"{hour}:{value.minute:02d} {suffix}"


@lru_cache(maxsize=512)
def zone_label(name: str) -> str:
    """A short, readable label for a zone: "ET" for America/New_York, "CT" for Chicago,
    "UK time" for Europe/London, "JST" for Tokyo, otherwise the zone's city."""
    zone = get_zone(name)
    year = 2026
    winter = datetime(year, 1, 15, 12, tzinfo=zone).tzname() or ""
    summer = datetime(year, 7, 15, 12, tzinfo=zone).tzname() or ""
    if winter == summer and winter.isalpha():
        return winter
    if (
        len(winter) == len(summer) == 3
        and winter.isalpha()
        and summer.isalpha()
        and winter[0] == summer[0]
        and winter[2] == summer[2] == "T"
        and {winter[1], summer[1]} == {"S", "D"}
    ):
        return f"{winter[0]}T"
    if name == "Europe/London":
        return "UK time"
    city = name.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} time"


def describe(chat: Chat) -> str:
    """The schedule in words: "Tuesdays at 8:30 PM ET", "1st and 3rd Thursdays at 12:00 PM
    CT", "every 2 weeks on Wednesday at 3:00 PM UK time"."""
    codes = [code for code in WEEKDAY_ORDER if code in chat.weekday_list]
    at = f"at {_time_words(chat.start_time)} {zone_label(chat.timezone_id)}"
    if chat.frequency == Frequency.MONTHLY:
        weeks = [ORDINALS[week] for week in sorted(chat.month_week_list, key=lambda w: w % 10)]
        return f"{' and '.join(weeks)} {_weekday_names(codes, plural=True)} {at}"
    if chat.interval > 1:
        return f"every {chat.interval} weeks on {_weekday_names(codes, plural=False)} {at}"
    return f"{_weekday_names(codes, plural=True)} {at}"


def _anchor(chat: Chat, window_start: date) -> date:
    """Where the rule starts counting. Every-N-weeks rules count from their start date;
    others can start at the window's month, so expanding them costs the window, not the
    years since the chat began."""
    if chat.interval > 1:
        return chat.starts_on or DEFAULT_ANCHOR
    anchor = window_start.replace(day=1)
    return max(anchor, chat.starts_on) if chat.starts_on else anchor


def _rule(chat: Chat, dtstart: datetime) -> rrule.rrule:
    weekdays = [RRULE_WEEKDAYS[code] for code in chat.weekday_list]
    until = datetime.combine(chat.ends_on, time.max) if chat.ends_on else None
    if chat.frequency == Frequency.MONTHLY:
        by = [day(week) for day in weekdays for week in chat.month_week_list]
        return rrule.rrule(rrule.MONTHLY, dtstart=dtstart, byweekday=by, until=until)
    return rrule.rrule(
        rrule.WEEKLY,
        dtstart=dtstart,
        interval=chat.interval,
        byweekday=weekdays,
        wkst=rrule.MO,
        until=until,
    )


def rrule_text(chat: Chat) -> str:
    """The chat's recurrence as an RFC 5545 RRULE value (without the "RRULE:" prefix)."""
    parts = []
    if chat.frequency == Frequency.MONTHLY:
        parts.append("FREQ=MONTHLY")
        by = [f"{week}{code}" for week in chat.month_week_list for code in chat.weekday_list]
        parts.append("BYDAY=" + ",".join(by))
    else:
        parts.append("FREQ=WEEKLY")
        if chat.interval > 1:
            parts.append(f"INTERVAL={chat.interval}")
        parts.append("BYDAY=" + ",".join(chat.weekday_list))
        parts.append("WKST=MO")
    if chat.ends_on:
        zone = get_zone(chat.timezone_id)
        last = datetime.combine(chat.ends_on, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
        parts.append("UNTIL=" + last.strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)


def occurrences(chat: Chat, start: datetime, end: datetime) -> list[Occurrence]:
    """The chat's meetings that overlap [start, end), as aware datetimes in its own zone.

    `start` and `end` are aware datetimes in any zone. Inactive chats have none.
    """
    if not chat.is_active:
        return []
    zone = get_zone(chat.timezone_id)
    duration = timedelta(minutes=chat.duration_minutes)
    # Iterate in naive local wall-clock time, as RFC 5545 does, then attach the zone.
    # A day's margin on each side covers any UTC offset and meetings already under way.
    local_start = (start - duration).astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    local_end = end.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    dtstart = datetime.combine(_anchor(chat, local_start.date()), chat.start_time)
    result = []
    for naive in _rule(chat, dtstart).between(local_start, local_end, inc=True):
        begins = naive.replace(tzinfo=zone)  # fold=0: RFC 5545's reading of DST edges
        # Normalise a non-existent wall time (in a spring-forward gap) to the real instant.
        begins = begins.astimezone(UTC).astimezone(zone)
        ends = (begins.astimezone(UTC) + duration).astimezone(zone)
        if ends > start and begins < end:
            result.append(Occurrence(chat=chat, start=begins, end=ends))
    return result


def next_occurrences(chat: Chat, count: int = 3, after: datetime | None = None) -> list[Occurrence]:
    """The next `count` meetings that have not ended yet."""
    now = after or datetime.now(UTC)
    found: list[Occurrence] = []
    window = timedelta(days=70)
    start = now
    # Rules meet at least every 52 weeks or monthly; a few widening windows find them.
    for _ in range(8):
        found = [o for o in occurrences(chat, start, start + window) if o.end > now]
        if len(found) >= count:
            break
        window *= 2
    return found[:count]


def upcoming(chats: Iterable[Chat], start: datetime, end: datetime) -> list[Occurrence]:
    """Every occurrence of the given chats in the window, in time order."""
    result = [occ for chat in chats for occ in occurrences(chat, start, end)]
    result.sort(key=lambda occ: (occ.start.astimezone(UTC), occ.chat.hashtag.tag.casefold()))
    return result
