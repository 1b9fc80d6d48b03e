"""The schedule engine: a chat's recurrence in words, as an RFC 5545 RRULE, and its
occurrences in any window, computed in the chat's own zone and shown in any other.

Recurrence comes from python-dateutil's rrule and zones from the standard library's
zoneinfo; nothing here does calendar arithmetic by hand.

The rule is expanded in the chat's local wall-clock time, as RFC 5545 expands a
DTSTART with a TZID, so "Tuesdays at 8:30 PM America/New_York" is 8:30 PM in New York
every week of the year and its UTC instant moves when New York changes its clocks.

Local times that a daylight-saving change makes ambiguous or non-existent resolve as
RFC 5545 section 3.3.5 (and so Google Calendar, Outlook and Apple Calendar) resolve them:

- an ambiguous time (fall back) is its first occurrence: 1:30 AM on the night New York
  falls back is 1:30 AM EDT, not the 1:30 AM EST an hour later;
- a non-existent time (spring forward) is read with the offset in force before the gap,
  so 2:30 AM on the night New York springs forward is 3:30 AM EDT.

Both are exactly what zoneinfo does with fold=0 (PEP 495); `resolve_local` is the one
place that applies it.

The engine never raises for a stored chat: a row it cannot read (a schedule the
validators now refuse, a date whose meetings fall outside what datetime can hold, a zone
the installed tz database does not know) degrades only itself. Each function a page, a
list, the API or a feed asks about one chat is `@per_chat`: on any failure it logs the
chat's number and the error's kind on stderr (never a name or an address) and answers
as for a chat without meetings.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil import rrule
from django.core.exceptions import ValidationError
from django.db.models import Max, Q, QuerySet
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, gettext_noop, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from hashtags.models import CHAT_WEEKS, WEEKDAY_ORDER, Chat, Frequency, load_breaks

logger = logging.getLogger(__name__)

RRULE_WEEKDAYS = {
    "MO": rrule.MO,
    "TU": rrule.TU,
    "WE": rrule.WE,
    "TH": rrule.TH,
    "FR": rrule.FR,
    "SA": rrule.SA,
    "SU": rrule.SU,
}
# The weeks of the month a monthly chat meets in, in words ("1st and 3rd Thursdays").
ORDINALS = {
    1: _("1st"),
    2: _("2nd"),
    3: _("3rd"),
    4: _("4th"),
    -1: _("last"),
}
# Order of weeks of the month in words: 1st…4th, then the last.
WEEK_ORDER = [1, 2, 3, 4, -1]
# Weekly and monthly rules without a start date have met "for ever": they are expanded
# from the month of the window asked about, and a chat without a start date starts its
# iCalendar series on the day it was entered (see `series_start`).
DEFAULT_ANCHOR = date(2000, 1, 3)
# The regions of canonical IANA names offered in zone pickers (legacy aliases such as
# US/Eastern or EST5EDT are still accepted, just not listed).
ZONE_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


class UnknownTimeZone(ValueError):
    """A time zone name that is not in the IANA tz database installed here."""


class UnreadableSchedule(ValueError):
    """A stored schedule the engine cannot expand (the validators refuse it today)."""


# What a function answers for a chat whose schedule it cannot read.
UNREADABLE_WORDS = _("schedule unavailable")


def per_chat(default: object) -> Callable:
    """Run a function of one chat (its first argument) so that a row the engine cannot
    read answers `default` (called, when it is callable) and is logged, instead of
    raising into the page, list or feed that asked. `raising=True` lets the error through,
    for a caller that handles it (the calendar leaves the chat out)."""

    def wrap(function: Callable) -> Callable:
        @functools.wraps(function)
        def guarded(chat: Chat, *args, raising: bool = False, **kwargs):
            if raising:
                return function(chat, *args, **kwargs)
            try:
                return function(chat, *args, **kwargs)
            except Exception as error:
                logger.warning(
                    "Chat %s: schedule unreadable in %s: %s: %s",
                    getattr(chat, "pk", None),
                    function.__name__,
                    type(error).__name__,
                    str(error)[:200],
                )
                if isinstance(default, Promise):
                    return str(default)  # words, in the language of the moment
                return default() if callable(default) else default

        return guarded

    return wrap


def check_schedule(chat: Chat) -> None:
    """Raise UnreadableSchedule for a stored schedule the rules refuse today, before
    dateutil reads it (an empty weekday list would make a weekly rule daily)."""
    codes = chat.weekday_list
    if not codes or any(code not in RRULE_WEEKDAYS for code in codes):
        raise UnreadableSchedule(f"weekdays {chat.weekdays[:20]!r}")
    if not CHAT_WEEKS[0] <= chat.interval <= CHAT_WEEKS[1]:
        raise UnreadableSchedule(f"interval {chat.interval!r}")
    if chat.frequency == Frequency.MONTHLY:
        weeks = chat.month_week_list
        if not weeks or any(week not in ORDINALS for week in weeks) or chat.interval != 1:
            raise UnreadableSchedule(f"weeks of the month {chat.month_weeks[:20]!r}")
    elif chat.frequency != Frequency.WEEKLY:
        raise UnreadableSchedule(f"frequency {chat.frequency[:20]!r}")


@lru_cache(maxsize=1024)
def get_zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, or UnknownTimeZone saying which name is unknown."""
    if not isinstance(name, str) or not name:
        raise UnknownTimeZone(gettext("Choose a time zone: an IANA name such as America/New_York."))
    shown = name[:64]
    # zoneinfo reads the name as a path below the tz database: refuse anything that is
    # not a plain zone name before it reaches the file system.
    if (
        len(name) > 64
        or not name.isprintable()
        or name.startswith(("/", "."))
        or ".." in name
        or "\\" in name
    ):
        raise UnknownTimeZone(_unknown_zone(shown))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimeZone(_unknown_zone(shown)) from None


def _unknown_zone(shown: str) -> str:
    return gettext("Unknown time zone %(name)s: use an IANA name such as America/New_York.") % {
        "name": repr(shown)
    }


@lru_cache(maxsize=1)
def zone_choices() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Canonical IANA zone names grouped by region, for a zone picker: ((region, names),
    …), with UTC first."""
    names = sorted(
        name
        for name in available_timezones()
        if name.split("/", 1)[0] in ZONE_REGIONS and "/" in name
    )
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.split("/", 1)[0], []).append(name)
    return (("UTC", ("UTC",)), *((region, tuple(items)) for region, items in groups.items()))


def resolve_local(naive: datetime, zone: tzinfo) -> datetime:
    """A local wall-clock time in `zone` as the real instant it names, by RFC 5545's
    rules: an ambiguous time is its first occurrence, a time in a spring-forward gap is
    read with the offset before the gap (so it lands one gap later, 2:30 -> 3:30)."""
    # fold=0 gives both readings; the round trip through UTC turns a wall time that does
    # not exist into the wall time that the instant really has.
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


@dataclass(frozen=True)
class Occurrence:
    chat: Chat
    start: datetime  # aware, in the chat's own zone
    end: datetime

    def in_zone(self, zone: tzinfo) -> datetime:
        return self.start.astimezone(zone)

    def is_live(self, now: datetime) -> bool:
        # Compare instants in UTC: aware datetimes that share a tzinfo compare by wall
        # time, which is wrong within the repeated hour of a fall-back night.
        now = now.astimezone(UTC)
        return self.start.astimezone(UTC) <= now < self.end.astimezone(UTC)


def _join(words: list[str]) -> str:
    """Words as a list in a sentence: "Monday", "Monday and Thursday", "Monday, Tuesday
    and Thursday"."""
    words = [str(word) for word in words]
    if len(words) <= 1:
        return "".join(words)
    first = pgettext("between the items of a list", ", ").join(words[:-1])
    return pgettext("the last two items of a list", "%(first)s and %(last)s") % {
        "first": first,
        "last": words[-1],
    }


# A weekday's name as the day a chat meets every week ("Tuesdays"), one word per day so
# that each language can say it its own way (Spanish: "martes", German: "dienstags").
PLURAL_WEEKDAYS = {
    "MO": gettext_noop("Mondays"),
    "TU": gettext_noop("Tuesdays"),
    "WE": gettext_noop("Wednesdays"),
    "TH": gettext_noop("Thursdays"),
    "FR": gettext_noop("Fridays"),
    "SA": gettext_noop("Saturdays"),
    "SU": gettext_noop("Sundays"),
}


def weekday_name(code: str, plural: bool = False) -> str:
    """A weekday in words, in the active language: "Tuesday" (Django's own name), or
    "Tuesdays" when the chat meets on it every week. A language whose catalogue has no
    word for the plural yet says the day's name (Spanish "martes" is both)."""
    day = WEEKDAYS[WEEKDAY_ORDER.index(code)]
    if not plural:
        return str(day)
    english = PLURAL_WEEKDAYS[code]
    said = gettext(english)
    if said == english and not (get_language() or "en").startswith("en"):
        return str(day)
    return said


def _weekday_names(codes: list[str], plural: bool) -> str:
    return _join([weekday_name(code, plural) for code in codes])


def time_words(value: time) -> str:
    """A clock time the way people in the chats' communities write it: 8:30 PM; in a
    language whose catalogue says its clock has 24 hours, that language's TIME_FORMAT
    (20:30)."""
    # Translators: "12" or "24", the hours of the clock people in your language read.
    if pgettext("hours on the clock", "12") == "24":
        return formats.time_format(value, "TIME_FORMAT")
    morning = value.hour < 12
    return pgettext("a clock time on a 12-hour clock", "%(hour)s:%(minute)s %(am_pm)s") % {
        "hour": value.hour % 12 or 12,
        "minute": f"{value.minute:02d}",
        "am_pm": pgettext("before noon", "AM") if morning else pgettext("after noon", "PM"),
    }


def zone_abbreviation(moment: datetime) -> str:
    """The zone's name at an instant, for labelling a time: EST, BST, JST; zones whose tz
    database name is only an offset (-03) read UTC-03, and UTC reads UTC."""
    name = moment.tzname() or ""
    if name.isalpha():
        return name
    offset = moment.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    sign = "+" if offset >= timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    return f"UTC{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")


def zone_label(name: str) -> str:
    """A short, readable label for a zone: "ET" for America/New_York, "CT" for Chicago,
    "UK time" for Europe/London, "JST" for Tokyo, otherwise the zone's city (or the
    name itself, for a zone this tz database does not know), in the active language."""
    kind, label = _zone_label(name)
    if kind == "uk":
        return gettext("UK time")
    if kind == "city":
        return gettext("%(city)s time") % {"city": label}
    return label


@lru_cache(maxsize=512)
def _zone_label(name: str) -> tuple[str, str]:
    """What `zone_label` says, whatever the language: ("label", "ET"), ("uk", ""), or
    ("city", "Tokyo")."""
    try:
        zone = get_zone(name)
    except UnknownTimeZone:
        return "label", str(name)[:64]
    year = 2026
    winter = datetime(year, 1, 15, 12, tzinfo=zone).tzname() or ""
    summer = datetime(year, 7, 15, 12, tzinfo=zone).tzname() or ""
    if winter == summer and winter.isalpha():
        return "label", winter
    if (
        len(winter) == len(summer) == 3
        and winter.isalpha()
        and summer.isalpha()
        and winter[0] == summer[0]
        and winter[2] == summer[2] == "T"
        and {winter[1], summer[1]} == {"S", "D"}
    ):
        # North American pairs (EST/EDT, CST/CDT …) are spoken of as ET, CT, MT, PT.
        return "label", f"{winter[0]}T"
    if name == "Europe/London":
        return "uk", ""
    if name.startswith("Etc/"):
        # Etc/GMT+5 is five hours *behind* UTC (POSIX signs); say the offset plainly.
        return "label", zone_abbreviation(datetime(year, 1, 15, 12, tzinfo=zone))
    return "city", name.rsplit("/", 1)[-1].replace("_", " ")


def day_words(day: date) -> str:
    """A date as people read it, in the active language: 31 October 2023 (Spanish:
    31 de octubre de 2023)."""
    return formats.date_format(day, "DATE_FORMAT")


def short_day_words(moment: date) -> str:
    """A meeting's day, short, in the active language: Tue 1 Dec (an aware datetime
    reads in its own zone)."""
    shape = pgettext("a meeting's day, as a Django date format", "D j M")
    return formats.date_format(moment, shape)


@per_chat("")
def lifespan(chat: Chat) -> str:
    """The chat's dates in words: "10 January 2011 – 7 April 2023", "since 4 July 2011",
    "until 31 October 2023", or "" when neither is known."""
    if chat.starts_on and chat.ends_on:
        return gettext("%(first)s – %(last)s") % {
            "first": day_words(chat.starts_on),
            "last": day_words(chat.ends_on),
        }
    if chat.starts_on:
        # "since" only while it is known to meet: an unconfirmed chat met "from" then.
        started = chat.starts_on <= chat.local_today() and chat.status in (
            "active",
            "paused",
        )
        day = {"day": day_words(chat.starts_on)}
        return (gettext("since %(day)s") if started else gettext("from %(day)s")) % day
    if chat.ends_on:
        return gettext("until %(day)s") % {"day": day_words(chat.ends_on)}
    return ""


@per_chat("")
def state_words(chat: Chat, *, short: bool = False, recorded: bool = False) -> str:
    """Where the chat is in its life, in words, or "" while it meets as scheduled:
    "ended 31 October 2023" ("chat ended 2023" when `short`), "on a break until
    5 January 2027", "starts 3 March 2027", "unconfirmed: last known to meet in 2020"
    ("unconfirmed since 2020"). `recorded`: its life as recorded, whatever the evidence
    that it still meets (what a steward is asked to confirm)."""
    status = chat.status_on(chat.local_today()) if recorded else chat.status
    if status == "unconfirmed":
        known = chat.hashtag.last_evidence
        if short:
            if known:
                return gettext("unconfirmed since %(year)s") % {"year": known.year}
            return gettext("unconfirmed")
        if known:
            return gettext(
                "unconfirmed: last known to meet in %(year)s; nobody has confirmed "
                "since that it still meets"
            ) % {"year": known.year}
        return gettext("unconfirmed: nobody has confirmed that it still meets")
    if status == "ended":
        if not chat.ends_on:
            return gettext("chat ended") if short else gettext("ended")
        if short:
            return gettext("chat ended %(year)s") % {"year": chat.ends_on.year}
        return gettext("ended %(day)s") % {"day": day_words(chat.ends_on)}
    if status == "paused":
        pause = chat.current_pause
        if pause is not None and pause.ends_on:
            return gettext("on a break until %(day)s") % {"day": day_words(pause.ends_on)}
        return gettext("on a break") if short else gettext("on a break; no return date announced")
    if status == "upcoming":
        return gettext("starts %(day)s") % {"day": day_words(chat.starts_on)}
    return ""


@per_chat(UNREADABLE_WORDS)
def describe(chat: Chat, *, with_end: bool = True) -> str:
    """The schedule in words: "Tuesdays at 8:30 PM ET", "1st and 3rd Thursdays at 12:00 PM
    CT", "every 2 weeks on Wednesday at 3:00 PM UK time", with "until 30 June 2026" when
    the chat has an end date (unless `with_end` is false)."""
    check_schedule(chat)
    codes = [code for code in WEEKDAY_ORDER if code in chat.weekday_list]
    values = {
        "time": time_words(chat.start_time),
        "zone": zone_label(chat.timezone_id),
        "weeks": chat.interval,
    }
    if chat.frequency == Frequency.MONTHLY:
        weeks = [ORDINALS[week] for week in WEEK_ORDER if week in chat.month_week_list]
        values["ordinals"] = _join(weeks)
        values["days"] = _weekday_names(codes, plural=True)
        words = gettext("%(ordinals)s %(days)s at %(time)s %(zone)s") % values
    elif chat.interval > 1:
        values["days"] = _weekday_names(codes, plural=False)
        words = (
            ngettext(
                "every %(weeks)s week on %(days)s at %(time)s %(zone)s",
                "every %(weeks)s weeks on %(days)s at %(time)s %(zone)s",
                chat.interval,
            )
            % values
        )
    else:
        values["days"] = _weekday_names(codes, plural=True)
        words = gettext("%(days)s at %(time)s %(zone)s") % values
    if chat.ends_on and with_end:
        words = gettext("%(schedule)s, until %(day)s") % {
            "schedule": words,
            "day": day_words(chat.ends_on),
        }
    return words


def last_day(chat: Chat) -> date | None:
    """The last day the chat can meet, in its own zone: its end date, or the day before
    a break that has no end (nobody knows when it returns), whichever comes first."""
    ends = [chat.ends_on] if chat.ends_on else []
    ends += [pause.starts_on - timedelta(days=1) for pause in chat.pause_list if not pause.ends_on]
    return min(ends) if ends else None


def _until(chat: Chat) -> datetime | None:
    """The rule's last possible start, as a naive local time: the end of `last_day`."""
    last = last_day(chat)
    return datetime.combine(last, time(23, 59, 59)) if last else None


def skipped(chat: Chat) -> Callable[[date], bool]:
    """Whether a meeting on a (local) day does not happen: a cancelled date, or a day of
    a break."""
    cancelled = chat.cancelled
    pauses = [(pause.starts_on, pause.ends_on or date.max) for pause in chat.pause_list]
    if not cancelled and not pauses:
        return lambda day: False
    return lambda day: day in cancelled or any(first <= day <= last for first, last in pauses)


@per_chat(False)
def meets_on(chat: Chat, day: date) -> bool:
    """Whether the chat's rule has a meeting on `day`: its weekdays and weeks, from its
    start to its end date (breaks and cancellations aside, an open-ended one too)."""
    start = datetime.combine(day, chat.start_time)
    if chat.ends_on and day > chat.ends_on:
        return False
    rule = _rule(chat, datetime.combine(_anchor(chat, day), chat.start_time), until=None)
    found = rule.after(start, inc=True)
    return found is not None and found.date() == day


def validate_dates(chat: Chat) -> None:
    """The dates that depend on the schedule: each cancelled date is a meeting day
    within the chat's life, and each break starts within it. Called once the schedule
    itself is valid (`hashtags.entries.validate_chats`, the admin's chat form)."""
    errors: dict[str, list[str]] = {}
    for pause in chat.pause_list:
        if chat.starts_on and pause.starts_on < chat.starts_on:
            errors.setdefault("starts_on", []).append(
                gettext("The break from %(day)s falls outside the chat's dates.")
                % {"day": pause.starts_on}
            )
        if chat.ends_on and pause.starts_on > chat.ends_on:
            errors.setdefault("ends_on", []).append(
                gettext("The break from %(day)s falls outside the chat's dates.")
                % {"day": pause.starts_on}
            )
    for day in sorted(chat.cancelled):
        if (chat.starts_on and day < chat.starts_on) or (chat.ends_on and day > chat.ends_on):
            errors.setdefault("cancelled_dates", []).append(
                gettext("%(day)s: outside the chat's dates.") % {"day": day}
            )
        elif not meets_on(chat, day):
            errors.setdefault("cancelled_dates", []).append(
                gettext("%(day)s is a %(weekday)s: the chat does not meet that day.")
                % {"day": day, "weekday": formats.date_format(day, "l")}
            )
    if errors:
        raise ValidationError(errors)


@per_chat(list)
def excluded_starts(chat: Chat, first: datetime) -> list[datetime]:
    """The naive local starts of the rule's meetings that do not happen — its cancelled
    dates and the meetings within its breaks — from `first` on: the calendar's EXDATEs."""
    skip = skipped(chat)
    windows = [(day, day) for day in chat.cancelled]
    windows += [(pause.starts_on, pause.ends_on) for pause in chat.pause_list if pause.ends_on]
    result: set[datetime] = set()
    for begin, end in windows:
        low = datetime.combine(max(begin, first.date()), time(0))
        high = datetime.combine(end, time(23, 59, 59))
        if high < low:
            continue
        rule = _rule(chat, datetime.combine(_anchor(chat, low.date()), chat.start_time))
        result.update(naive for naive in rule.between(low, high, inc=True) if skip(naive.date()))
    return sorted(moment for moment in result if moment >= first.replace(tzinfo=None))


_UNTIL_OF_CHAT = object()


def _rule(chat: Chat, dtstart: datetime, until: object = _UNTIL_OF_CHAT) -> rrule.rrule:
    """The chat's rule from `dtstart`, ending at its last day (`_until`) unless `until`
    (a naive local datetime, or None for no end) is given."""
    check_schedule(chat)
    if until is _UNTIL_OF_CHAT:
        until = _until(chat)
    weekdays = [RRULE_WEEKDAYS[code] for code in chat.weekday_list]
    if chat.frequency == Frequency.MONTHLY:
        by = [day(week) for week in chat.month_week_list for day in weekdays]
        return rrule.rrule(rrule.MONTHLY, dtstart=dtstart, byweekday=by, until=until)
    return rrule.rrule(
        rrule.WEEKLY,
        dtstart=dtstart,
        interval=chat.interval,
        byweekday=weekdays,
        wkst=rrule.MO,
        until=until,
    )


def _anchor(chat: Chat, window_start: date) -> date:
    """Where to start expanding the rule for a window beginning on `window_start` (local),
    so that the cost is the window's, not the years since the chat began.

    Weekly and monthly rules with an interval of 1 are the same from any start in the
    past, so they start at the window's month. Every-N-weeks rules count weeks from their
    start date; stepping that date forward by whole multiples of N weeks keeps the count.
    """
    if chat.interval > 1:
        start = chat.starts_on or DEFAULT_ANCHOR
        period = timedelta(weeks=chat.interval)
        if window_start > start:
            start += period * ((window_start - start) // period)
        return start
    anchor = window_start.replace(day=1)
    return max(anchor, chat.starts_on) if chat.starts_on else anchor


@per_chat("")
def rrule_text(chat: Chat) -> str:
    """The chat's recurrence as an RFC 5545 RRULE value (without the "RRULE:" prefix).

    UNTIL is in UTC, as RFC 5545 requires when DTSTART carries a TZID: the last second of
    the end date in the chat's zone.
    """
    check_schedule(chat)
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
    until = _until(chat)
    if until is not None:
        last = resolve_local(until, get_zone(chat.timezone_id)).astimezone(UTC)
        parts.append("UNTIL=" + last.strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)


def series_start(chat: Chat) -> date:
    """The day the chat's iCalendar series starts counting from: its start date, or else
    the day it was entered in the directory (in its own zone), so a subscriber's
    calendar does not fill with years of meetings nobody recorded. A chat that had
    ended before it was entered (a past chat recorded for history) starts in the month
    of its end, so its calendar still shows its last meetings."""
    if chat.starts_on:
        return chat.starts_on
    entered = (
        chat.created.astimezone(get_zone(chat.timezone_id)).date()
        if chat.created
        else DEFAULT_ANCHOR
    )
    if chat.ends_on and chat.ends_on < entered:
        return chat.ends_on.replace(day=1)
    return entered


@per_chat(None)
def first_occurrence(chat: Chat) -> datetime | None:
    """The first real meeting of the series as a *nominal* local time (tzinfo attached,
    not resolved), which is what DTSTART must hold: RFC 5545 counts DTSTART as the first
    instance, and a DTSTART in a spring-forward gap must keep its wall time (2:30) so
    that later meetings do too. None when the chat never meets."""
    if not chat.is_active:
        return None
    zone = get_zone(chat.timezone_id)
    begin = datetime.combine(series_start(chat), chat.start_time)
    first = _rule(chat, begin).after(begin, inc=True)
    return first.replace(tzinfo=zone) if first else None


@per_chat(list)
def occurrences(chat: Chat, start: datetime, end: datetime) -> list[Occurrence]:
    """The chat's meetings that overlap [start, end), as aware datetimes in its own zone,
    in time order: none before its start date or after its end, none on a cancelled date
    or within a break.

    `start` and `end` are aware datetimes in any zone. Withdrawn chats have none.
    """
    if not chat.is_active:
        return []
    zone = get_zone(chat.timezone_id)
    duration = timedelta(minutes=chat.duration_minutes)
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    # Iterate in naive local wall-clock time, as RFC 5545 does, then resolve the zone.
    # A day's margin on each side covers any gap or overlap and meetings under way.
    local_start = (start_utc - duration).astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    local_end = end_utc.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    dtstart = datetime.combine(_anchor(chat, local_start.date()), chat.start_time)
    skip = skipped(chat)
    result = []
    for naive in _rule(chat, dtstart).between(local_start, local_end, inc=True):
        if skip(naive.date()):
            continue
        begins = resolve_local(naive, zone)
        # A meeting lasts its duration in real time, even across a clock change.
        ends_utc = begins.astimezone(UTC) + duration
        if ends_utc > start_utc and begins.astimezone(UTC) < end_utc:
            result.append(Occurrence(chat=chat, start=begins, end=ends_utc.astimezone(zone)))
    return result


@per_chat(list)
def next_occurrences(chat: Chat, count: int = 3, after: datetime | None = None) -> list[Occurrence]:
    """The next `count` meetings that have not ended by `after` (default: now); a meeting
    under way counts."""
    now = after or timezone.now()
    found: list[Occurrence] = []
    window = timedelta(days=70)
    # Rules meet at least every 52 weeks; a few widening windows find them, and a chat
    # whose end date has passed stops the search early.
    for _attempt in range(8):
        found = occurrences(chat, now, now + window)
        if len(found) >= count:
            break
        last = last_day(chat)
        if last and (now + window).date() > last + timedelta(days=2):
            break
        window *= 2
    return found[:count]


def upcoming(chats: Iterable[Chat], start: datetime, end: datetime) -> list[Occurrence]:
    """Every occurrence of the given chats in the window, in time order (ties by tag).

    Reads `chat.hashtag`, so pass chats with select_related("hashtag")."""
    result = [occ for chat in chats for occ in occurrences(chat, start, end)]
    result.sort(
        key=lambda occ: (
            occ.start.astimezone(UTC),
            occ.chat.hashtag.tag.casefold(),
            occ.chat.pk or 0,
        )
    )
    return result


# The first window `soonest` looks in, and how much it widens each time it finds too few.
FIRST_SPAN = timedelta(hours=1)
WIDEN = 6
# Slack before each zone's local window: a start time that a clock change skips (2:30 AM
# when clocks go from 2:00 to 3:00) meets up to this much later on the clock.
CLOCK_CHANGE_MARGIN = timedelta(hours=1)


def soonest(
    chats: QuerySet[Chat],
    start: datetime,
    end: datetime,
    limit: int,
    *,
    zones: dict[str, int] | None = None,
) -> tuple[list[Occurrence], bool]:
    """The first `limit` meetings of `chats` overlapping [start, end), as `upcoming`
    orders them, and whether there are more.

    `upcoming` expands every chat; with hundreds of thousands of chats that is seconds
    per page. This looks in a growing window from `start` and expands only the chats
    that can meet in it (their local start time and weekday fall in it, in their own
    zone, with a margin for clock changes and meetings under way), so the cost follows
    the meetings shown, not the registry's size. The engine still decides every meeting.
    `zones` is `zones_in_use(chats)` when the caller keeps it (it reads every chat).
    """
    # The entry and its activity: a meeting shows its chat's status (`Chat.status`).
    chats = chats.select_related("hashtag", "hashtag__activity_summary").marking_breaks()
    if zones is None:
        zones = zones_in_use(chats)
    span = FIRST_SPAN
    while True:
        stop = min(start + span, end)
        window = load_breaks(list(chats.filter(could_meet_between(zones, start, stop))))
        found = upcoming(window, start, stop)
        if len(found) > limit or stop >= end:
            return found[:limit], len(found) > limit
        span *= WIDEN


def zones_in_use(chats: QuerySet[Chat]) -> dict[str, int]:
    """The zones of `chats`, each with its longest meeting in minutes (one grouped query)."""
    rows = chats.order_by().values_list("timezone_id").annotate(m=Max("duration_minutes"))
    return dict(rows)


def could_meet_between(zones: dict[str, int], start: datetime, end: datetime) -> Q:
    """A filter for the chats of `zones` (zone name: longest meeting in minutes) that
    can be meeting between `start` and `end`: their start time and weekday fall in that
    span on their own clock, widened by the longest meeting and a clock-change margin.
    It keeps every such chat and some others; the engine judges each."""
    windows: dict[tuple[datetime, datetime], list[str]] = {}
    for name, longest in zones.items():
        try:
            zone = get_zone(name)
        except UnknownTimeZone:
            # Its chats cannot be placed in time; each says so when shown on its own.
            logger.warning("Zone %r unknown: its chats are left out of upcoming meetings", name)
            continue
        begin = start - timedelta(minutes=longest or 0) - CLOCK_CHANGE_MARGIN
        low = begin.astimezone(zone).replace(tzinfo=None)
        high = end.astimezone(zone).replace(tzinfo=None)
        windows.setdefault((low, high), []).append(name)
    condition = Q(pk__in=[])
    for (low, high), names in windows.items():
        condition |= Q(timezone_id__in=names) & _local_window(low, high)
    return condition


def _local_window(low: datetime, high: datetime) -> Q:
    if high - low >= timedelta(days=7):
        return Q()
    condition = Q(pk__in=[])
    day = low.date()
    while day <= high.date():
        weekday = WEEKDAY_ORDER[day.weekday()]
        times = Q()
        if day == low.date():
            times &= Q(start_time__gte=low.time())
        if day == high.date():
            times &= Q(start_time__lte=high.time())
        condition |= Q(weekdays__contains=weekday) & times
        day += timedelta(days=1)
    return condition
