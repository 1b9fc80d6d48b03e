"""VTIMEZONE components that hold for every meeting of a series that never ends.

RFC 5545 section 3.6.5 asks a VTIMEZONE to cover every recurrence of the events that
name it; the feeds' RRULEs have no end, so a list of dated transitions (what
icalendar's `Timezone.from_tzid` writes, up to a last date) cannot. A zone's current
rules are yearly ("second Sunday of March at 2:00"), and zoneinfo keeps applying them
after the last transition the tz database lists, so each VTIMEZONE here is:

- the observance in force on the first day asked for;
- the zone's transitions from that day until its current rules began, each an RDATE of
  the observance it starts (grouped as icalendar groups them);
- the current rules, one STANDARD and one DAYLIGHT with a yearly RRULE and no end, or,
  for a zone without daylight saving today, its last observance, which holds for ever.

No library writes RRULE-based observances from the tz database, so the transitions are
read from zoneinfo itself (the offset, name and daylight flag it gives each instant) and
the yearly rules inferred from them, then checked: a rule is used only from the year
since which it gives every transition zoneinfo gives, up to SCAN_END. A zone whose
future is not yearly stays a list of transitions up to SCAN_END, the registry's last
date. The components themselves are icalendar's.

Reading a zone costs about a tenth of a second (a century of days, then the rules'
check), so each zone's VTIMEZONE for the registry's dates is produced once and stored
with its TimeZone row (`stored`), beside the digest of the tz data it was read from: the
feeds read it in one query, and a tz data upgrade (a new digest) produces it again.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from dateutil import rrule

from hashtags.models import TimeZone

# Transitions are read up to the start of this year (the registry's dates end in 2100);
# zoneinfo follows the zone's POSIX rule past the database's last listed transition
# (2037 for most zones, 2087 for Casablanca), so the last years show the current rules.
SCAN_END = 2101
# Read from this year, or the first year asked for when it is earlier (but not before
# SCAN_FROM_EARLIEST: the registry's dates start in 2000).
SCAN_FROM = 1999
SCAN_FROM_EARLIEST = 1900
# A weekday falls on every day of the month within 28 years (the Gregorian cycle of
# weekdays and leap years), so these last years show the whole range of a rule's days.
RULE_CYCLE = 28
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """A change of the zone's offset, name or daylight flag, at an instant."""

    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    name: str
    dst: bool

    @property
    def local(self) -> datetime:
        """The wall-clock time of the change in the offset before it: the form of an
        observance's DTSTART and RDATE (RFC 5545 section 3.6.5)."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def kind(self) -> tuple[timedelta, timedelta, str, bool]:
        return (self.offset_from, self.offset_to, self.name, self.dst)


def _state(moment: datetime, zone: ZoneInfo) -> tuple[timedelta, str, bool]:
    local = moment.astimezone(zone)
    return local.utcoffset(), local.tzname() or "", bool(local.dst())


@lru_cache(maxsize=128)
def transitions(name: str, since_year: int = SCAN_FROM) -> tuple[Transition, ...]:
    """The zone's transitions from `since_year` to SCAN_END, as zoneinfo gives them: a day
    at a time, each change found to the second (tz transitions fall on whole seconds)."""
    zone = ZoneInfo(name)

    def state(second: int) -> tuple[timedelta, str, bool]:
        return _state(datetime.fromtimestamp(second, UTC), zone)

    day = 86400
    moment = int(datetime(since_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(SCAN_END, 1, 1, tzinfo=UTC).timestamp())
    current = state(moment)
    found: list[Transition] = []
    while moment < end:
        following = moment + day
        if state(following) == current:
            moment = following
            continue
        low, high = moment, following  # the change is after low, at or before high
        while high - low > 1:
            middle = (low + high) // 2
            if state(middle) == current:
                low = middle
            else:
                high = middle
        after = state(high)
        found.append(Transition(datetime.fromtimestamp(high, UTC), current[0], *after))
        # Look again from the change: a second one may follow within the day.
        moment, current = high, after
    return tuple(found)


Kind = tuple[timedelta, timedelta, str, bool]
# A yearly rule as one or more RRULE values that together give one change a year (more
# than one when the day of the change can fall in either of two months).
Rules = tuple[str, ...]


@lru_cache(maxsize=1024)
def _by_year(rule: str, at: time, decade: int) -> dict[int, list[datetime]]:
    """{year: the local times the rule gives that year} for the ten years from `decade`
    (expanded ten years at a time: a rule that does not fit stops being read early)."""
    start = datetime.combine(date(decade, 1, 1), at)
    found: dict[int, list[datetime]] = {}
    for moment in rrule.rrulestr(rule, dtstart=start).between(
        start, datetime(decade + 10, 1, 1), inc=True
    ):
        found.setdefault(moment.year, []).append(moment)
    return found


def _expand(rules: Rules, year: int, at: time) -> list[datetime]:
    """The local times the rules give in `year`, at the time of day `at`."""
    decade = year - year % 10
    return sorted(moment for rule in rules for moment in _by_year(rule, at, decade).get(year, ()))


def _candidates(kind: list[Transition]) -> list[Rules]:
    """Yearly rules that could give these transitions (all of one kind, one a year):
    the nth or last weekday of a month, or the weekday on seven given days, for a change
    a day off such a weekday (Jerusalem's "Friday before the last Sunday", Cairo's
    "midnight after the last Thursday of October", which can be 1 November)."""
    if len({t.local.weekday() for t in kind}) != 1:
        return []
    last = kind[-1].local
    code = WEEKDAY_CODES[last.weekday()]
    candidates: list[Rules] = []
    months = sorted({t.local.month for t in kind})
    if len(months) == 1:
        head = f"FREQ=YEARLY;BYMONTH={last.month};BYDAY="
        week = (last.day - 1) // 7 + 1
        if week <= 4:
            candidates.append((f"{head}{week}{code}",))
        candidates.append((f"{head}-1{code}",))
    # The weekday on the days it fell on: only when they are seven, so that no year can
    # bring a day not seen (a weekday takes every day of a week within RULE_CYCLE years).
    days = {
        month: sorted({t.local.day for t in kind if t.local.month == month}) for month in months
    }
    if sum(map(len, days.values())) == 7:
        candidates.append(
            tuple(
                f"FREQ=YEARLY;BYMONTH={month};BYDAY={code};"
                f"BYMONTHDAY={','.join(map(str, month_days))}"
                for month, month_days in days.items()
            )
        )
    return candidates


def current_rules(found: tuple[Transition, ...]) -> tuple[int, list[tuple[Rules, Kind]]]:
    """(the first year of the zone's current yearly rules, [(the rules, the kind of
    transition they give)]), or (SCAN_END, []) when the zone's last years do not follow
    two yearly rules.

    The rules hold from the earliest year since which, year after year, they give
    exactly the transitions zoneinfo gives, and nothing else happens."""
    last_year = SCAN_END - 1
    tail = [t for t in found if t.local.year == last_year]
    if len(tail) != 2 or tail[0].kind == tail[1].kind:
        return SCAN_END, []
    by_year: dict[int, list[Transition]] = {}
    for t in found:
        by_year.setdefault(t.local.year, []).append(t)
    # The last years that have the tail's two changes, at most a cycle of weekdays.
    regular = last_year
    while regular - 1 > last_year - RULE_CYCLE and sorted(
        t.kind for t in by_year.get(regular - 1, [])
    ) == sorted(t.kind for t in tail):
        regular -= 1

    def held_since(chosen: list[tuple[Rules, Transition]], *, alone: bool) -> int:
        """The first year of the run of years up to the last in which the rules give the
        transitions of their kinds (`alone`: and there are no others)."""
        kinds = {sample.kind for _, sample in chosen}
        year = last_year + 1
        while year - 1 >= found[0].local.year:
            given = sorted(
                (t.local, t.kind) for t in by_year.get(year - 1, []) if alone or t.kind in kinds
            )
            expected = sorted(
                (moment, sample.kind)
                for rules, sample in chosen
                for moment in _expand(rules, year - 1, sample.local.time())
            )
            if given != expected:
                break
            year -= 1
        return year

    chosen: list[tuple[Rules, Transition]] = []
    for sample in tail:
        recent = [t for t in found if t.kind == sample.kind and t.local.year >= regular]
        held = {rules: held_since([(rules, sample)], alone=False) for rules in _candidates(recent)}
        best = min(held, key=held.get, default=None)
        if best is None or held[best] > last_year:
            return SCAN_END, []
        chosen.append((best, sample))
    start = held_since(chosen, alone=True)
    if start > last_year:
        return SCAN_END, []
    return start, [(rules, sample.kind) for rules, sample in chosen]


def _observance(kind: Kind) -> icalendar.Component:
    offset_from, offset_to, name, dst = kind
    part = icalendar.TimezoneDaylight() if dst else icalendar.TimezoneStandard()
    part.add("TZNAME", name)
    part.add("TZOFFSETFROM", offset_from)
    part.add("TZOFFSETTO", offset_to)
    return part


@lru_cache(maxsize=512)
def vtimezone(name: str, first: date) -> bytes:
    """The VTIMEZONE of the zone `name` (an IANA name zoneinfo knows) for events from the
    day `first` on, for ever, as iCalendar bytes."""
    since = datetime.combine(first, time(0))
    found = transitions(name, max(SCAN_FROM_EARLIEST, min(SCAN_FROM, first.year)))
    rules_from, found_rules = current_rules(found)
    zone = icalendar.Timezone()
    zone.add("TZID", name)
    offset, zone_name, dst = _state(since.replace(tzinfo=ZoneInfo(name)), ZoneInfo(name))
    opening = _observance((offset, offset, zone_name, dst))
    opening.add("DTSTART", since)
    zone.add_component(opening)
    # The transitions before the current rules, grouped by what they change into.
    groups: dict[tuple, list[datetime]] = {}
    for t in found:
        if since < t.local and t.local.year < rules_from:
            groups.setdefault(t.kind, []).append(t.local)
    for kind, starts in groups.items():
        part = _observance(kind)
        part.add("DTSTART", starts[0])
        if starts[1:]:
            part.add("RDATE", starts[1:])
        zone.add_component(part)
    for rules, kind in found_rules:
        for rule in rules:
            # The rule's first change after the first day (the opening observance holds
            # until then): one of the rule's own dates, as DTSTART must be.
            first_change = next(
                t
                for t in found
                if t.kind == kind
                and t.local.year >= rules_from
                and t.local > since
                and t.local in _expand((rule,), t.local.year, t.local.time())
            )
            part = _observance(kind)
            part.add("DTSTART", first_change.local)
            part.add("RRULE", icalendar.vRecur.from_ical(rule))
            zone.add_component(part)
    return zone.to_ical()


# Two days before the registry's first date (a series' first local day, and the
# observance in force the day before it): a stored VTIMEZONE serves every series.
STORED_FROM = date(1999, 12, 30)


@lru_cache(maxsize=1024)
def source_digest(name: str) -> str:
    """The SHA-1 of the tz data zoneinfo reads for `name` (the first TZPATH file that
    exists, else the tzdata package's), which a stored VTIMEZONE was produced from."""
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / name
        if path.is_file():
            return hashlib.sha1(path.read_bytes(), usedforsecurity=False).hexdigest()
    package, _, leaf = f"tzdata.zoneinfo.{name.replace('/', '.')}".rpartition(".")
    data = resources.files(package).joinpath(leaf).read_bytes()
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def stored(names: Iterable[str]) -> dict[str, bytes]:
    """The VTIMEZONE from STORED_FROM on of each zone named that the registry knows: read
    with the zones' rows in one query; one missing, or produced from other tz data, is
    produced now and stored for every later reader."""
    found: dict[str, bytes] = {}
    for row in TimeZone.objects.filter(name__in=set(names)):
        digest = source_digest(row.name)
        if row.vtimezone_source != digest or not row.vtimezone:
            row.vtimezone = vtimezone(row.name, STORED_FROM).decode()
            TimeZone.objects.filter(pk=row.pk).update(
                vtimezone=row.vtimezone, vtimezone_source=digest
            )
        found[row.name] = row.vtimezone.encode()
    return found
