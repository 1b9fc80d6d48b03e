"""Chats and their hosts: when an entry's community meets, its breaks, and who hosts it."""

import functools
import zoneinfo
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hashtags.models.base import (
    DATES_OUT_OF_ORDER,
    ChecksInDatabase,
    Status,
    WebURLField,
    dates_in_range,
    evidence_q,
    one_line_errors,
    validate_registry_date,
    validate_registry_year,
)
from hashtags.validators import (
    check_scripts,
)

# An entry's limits, declared once: the model's validators and constraints, the write path
# (hashtags.entries), the forms, the API's input and the admin read them from here.
CHAT_MINUTES = (5, 24 * 60)  # a chat lasts from 5 minutes to a day

CHAT_WEEKS = (1, 52)  # a weekly chat meets every 1 to 52 weeks

MAX_CHATS = 10  # chats per entry

MAX_HOSTS = 20  # hosts per entry


class Weekday(models.TextChoices):
    """RFC 5545 weekday codes, Monday first."""

    MO = "MO", _("Monday")
    TU = "TU", _("Tuesday")
    WE = "WE", _("Wednesday")
    TH = "TH", _("Thursday")
    FR = "FR", _("Friday")
    SA = "SA", _("Saturday")
    SU = "SU", _("Sunday")


WEEKDAY_ORDER = [code for code, _label in Weekday.choices]


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly (or every N weeks)")
    MONTHLY = "monthly", _("Monthly on given weeks of the month")


class ChatStatus(models.TextChoices):
    """Where a chat is in its life, on its own calendar (see `Chat.status`)."""

    UPCOMING = "upcoming", _("Upcoming")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("On a break")
    ENDED = "ended", _("Ended")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")


# The statuses of a chat presented as meeting (on evidence, see `has_evidence`).
MEETING_STATUSES = (ChatStatus.UPCOMING, ChatStatus.ACTIVE, ChatStatus.PAUSED)


@functools.cache
def _zones() -> tuple[zoneinfo.ZoneInfo, ...]:
    """Every IANA zone this machine knows, read once (listing and loading them takes a
    fifth of a second, and the zones do not change while the process runs)."""
    zones = []
    for name in sorted(zoneinfo.available_timezones()):
        try:
            zones.append(zoneinfo.ZoneInfo(name))
        except (ValueError, OSError):
            continue
    return tuple(zones)


def local_dates(now: datetime | None = None) -> dict[date, list[str]]:
    """Today's date in each time zone the registry knows, grouped: {date: [zone names]}.
    At any moment the world is on two or three dates; a filter on "today in the chat's
    own zone" is one condition per date."""
    now = (now or timezone.now()).astimezone(UTC)
    groups: dict[date, list[str]] = {}
    for zone in _zones():
        groups.setdefault(now.astimezone(zone).date(), []).append(zone.key)
    return groups


class ChatQuerySet(models.QuerySet):
    def active(self) -> "ChatQuerySet":
        """Chats not withdrawn (is_active): past ones with an end date included."""
        return self.filter(is_active=True)

    def listed(self) -> "ChatQuerySet":
        """The chats of approved entries, in every state of their life: an entry's page
        and calendar show its past chats too."""
        return self.active().filter(hashtag__status=Status.APPROVED)

    def public(self, now: datetime | None = None) -> "ChatQuerySet":
        """Listed chats that have not ended: the ones that may still meet (upcoming
        lists and calendar feeds). A day's margin keeps every zone's today; the
        schedule engine judges each meeting against the end date exactly."""
        yesterday = (now or timezone.now()).astimezone(UTC).date() - timedelta(days=1)
        return self.listed().filter(Q(ends_on__isnull=True) | Q(ends_on__gte=yesterday))

    def confirmed(self, now: datetime | None = None) -> "ChatQuerySet":
        """Chats whose status is not "unconfirmed" (see `Chat.status_on`): those with
        evidence that they still meet (`has_evidence`), and those that have ended (their
        past meetings are a record, not a promise). Upcoming lists show only these
        unless asked for the unconfirmed ones too."""
        return self.exclude(self._unconfirmed(now))

    @staticmethod
    def _unconfirmed(now: datetime | None) -> Q:
        condition = Q(pk__in=[])
        for today, names in local_dates(now).items():
            ended = Q(is_active=False) | Q(ends_on__lt=today)
            condition |= Q(timezone_id__in=names) & ~ended
        return condition & ~evidence_q("hashtag__", now)

    def meeting(self, now: datetime | None = None) -> "ChatQuerySet":
        """The chats that meet now (`Chat.is_meeting`, judged on each chat's own date):
        confirmed, not ended, not on a break nobody knows the end of. What `has_chat`
        means."""
        condition = Q(pk__in=[])
        for today, names in local_dates(now).items():
            ended = Q(is_active=False) | Q(ends_on__lt=today)
            open_break = Exists(
                ChatPause.objects.filter(
                    chat_id=OuterRef("pk"), starts_on__lte=today, ends_on__isnull=True
                )
            )
            condition |= Q(timezone_id__in=names) & ~ended & ~open_break
        return self.filter(condition).confirmed(now)

    def marking_breaks(self) -> "ChatQuerySet":
        """Each chat knows whether it has breaks (`has_breaks`, in the same query), so
        `load_breaks` reads the breaks of only those that do: most chats have none."""
        return self.annotate(has_breaks=Exists(ChatPause.objects.filter(chat_id=OuterRef("pk"))))

    def with_status(self, status: str, now: datetime | None = None) -> "ChatQuerySet":
        """The chats whose `Chat.status` is `status` now, judged on each chat's own
        calendar date (one condition per date the world is on)."""
        status = ChatStatus(status)
        if status == ChatStatus.UNCONFIRMED:
            return self.filter(self._unconfirmed(now))
        evidence = evidence_q("hashtag__", now)
        condition = Q(pk__in=[])
        for today, names in local_dates(now).items():
            ended = Q(is_active=False) | Q(ends_on__lt=today)
            upcoming = Q(starts_on__gt=today)
            paused = Exists(
                ChatPause.objects.filter(chat_id=OuterRef("pk"), starts_on__lte=today).filter(
                    Q(ends_on__isnull=True) | Q(ends_on__gte=today)
                )
            )
            state = {
                ChatStatus.ENDED: ended,
                ChatStatus.UPCOMING: ~ended & evidence & upcoming,
                ChatStatus.PAUSED: ~ended & evidence & ~upcoming & paused,
                ChatStatus.ACTIVE: ~ended & evidence & ~upcoming & ~paused,
            }[status]
            condition |= Q(timezone_id__in=names) & state
        return self.filter(condition)


def validate_weekdays(value: str) -> None:
    codes = [code for code in value.split(",") if code]
    if not codes:
        raise ValidationError(_("Choose at least one weekday."), code="required")
    unknown = [code for code in codes if code not in WEEKDAY_ORDER]
    if unknown:
        raise ValidationError(
            _("Unknown weekday code(s): %(codes)s. Use MO, TU, WE, TH, FR, SA, SU."),
            code="invalid_weekday",
            params={"codes": ", ".join(unknown)},
        )


def validate_positions(value: str) -> None:
    for item in (part for part in value.split(",") if part):
        if item not in {"1", "2", "3", "4", "-1"}:
            raise ValidationError(
                _("Weeks of the month are 1, 2, 3, 4 or -1 (the last); got %(item)s."),
                code="invalid_position",
                params={"item": item},
            )


class Chat(ChecksInDatabase, models.Model):
    """A recurring meeting on a hashtag, held at a local time in its own IANA zone.

    Weekly: on `weekdays`, every `interval` weeks counted from `starts_on`.
    Monthly: on the `month_weeks` occurrences (1st…4th, -1 for last) of `weekdays`.
    """

    hashtag = models.ForeignKey("Hashtag", on_delete=models.CASCADE, related_name="chats")
    title = models.CharField(max_length=100, blank=True, help_text=_('E.g. "Weekly chat".'))
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default="weekly")
    weekdays = models.CharField(
        max_length=20,
        validators=[validate_weekdays],
        help_text=_("Comma-separated RFC 5545 codes, e.g. TU or MO,TH."),
    )
    interval = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(CHAT_WEEKS[0]), MaxValueValidator(CHAT_WEEKS[1])],
        help_text=_("Weekly chats: meets every N weeks, counted from the start date."),
    )
    month_weeks = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_positions],
        help_text=_("Monthly chats: which weeks, e.g. 1,3 for the 1st and 3rd; -1 is the last."),
    )
    start_time = models.TimeField(help_text=_("Local start time in the chat's time zone."))
    duration_minutes = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(CHAT_MINUTES[0]), MaxValueValidator(CHAT_MINUTES[1])],
    )
    timezone = models.ForeignKey(
        "TimeZone",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="timezone",
        help_text=_("IANA time zone the chat is held in, e.g. America/New_York."),
        error_messages={
            "invalid": _("Unknown time zone %(value)r: use an IANA name such as America/New_York.")
        },
    )
    starts_on = models.DateField(
        null=True,
        blank=True,
        validators=[validate_registry_date],
        help_text=_("First meeting date; the anchor that every-N-weeks chats count from."),
    )
    ends_on = models.DateField(
        null=True,
        blank=True,
        validators=[validate_registry_date],
        help_text=_("Last meeting date (in the chat's zone), once the chat has ended or will end."),
    )
    cancelled_dates = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Single meetings that do not happen: dates (YYYY-MM-DD) in the chat's zone."),
    )
    is_active = models.BooleanField(
        default=True,
        help_text=_("Untick for a chat that stopped when nobody knows its last date."),
    )
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Where the schedule comes from, or a caveat shown with it."),
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ChatQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["hashtag_id", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    duration_minutes__gte=CHAT_MINUTES[0], duration_minutes__lte=CHAT_MINUTES[1]
                ),
                name="chat_duration_sane",
                violation_error_message="A chat lasts between 5 minutes and 24 hours.",
            ),
            models.CheckConstraint(
                condition=Q(interval__gte=CHAT_WEEKS[0], interval__lte=CHAT_WEEKS[1]),
                name="chat_interval_sane",
            ),
            models.CheckConstraint(condition=~Q(weekdays=""), name="chat_has_weekday"),
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="chat_frequency_valid"
            ),
            models.CheckConstraint(
                condition=(Q(frequency="weekly", month_weeks=""))
                | (Q(frequency="monthly", interval=1) & ~Q(month_weeks="")),
                name="chat_recurrence_consistent",
                violation_error_message=(
                    "Weekly chats have no weeks of the month; monthly chats need them."
                ),
            ),
            models.CheckConstraint(
                condition=Q(interval=1) | Q(starts_on__isnull=False),
                name="chat_interval_has_anchor",
                violation_error_message="A chat held every N weeks needs a start date.",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="chat_dates_in_order",
                violation_error_message=DATES_OUT_OF_ORDER,
            ),
            *dates_in_range("chat", "starts_on", "ends_on"),
        ]

    def __str__(self) -> str:
        return f"#{self.hashtag.tag} {self.title or 'chat'}"

    @property
    def weekday_list(self) -> list[str]:
        return [code for code in self.weekdays.split(",") if code]

    @property
    def month_week_list(self) -> list[int]:
        return [int(item) for item in self.month_weeks.split(",") if item]

    @property
    def cancelled(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(value) for value in self.cancelled_dates or ())

    @property
    def pause_list(self) -> list["ChatPause"]:
        """The chat's breaks in date order: the planned ones of a chat being validated
        (`planned_pauses`), else the stored ones (prefetched when the caller did)."""
        planned = getattr(self, "planned_pauses", None)
        if planned is not None:
            return planned
        if self.pk is None or getattr(self, "has_breaks", None) is False:
            return []
        return sorted(self.pauses.all(), key=lambda pause: (pause.starts_on, pause.pk or 0))

    def local_today(self, now: datetime | None = None) -> date:
        try:
            zone = zoneinfo.ZoneInfo(self.timezone_id)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            # A zone the installed tz database lost: the chat's dates read in UTC, so its
            # page still shows (the schedule engine reports the chat as unreadable).
            zone = UTC
        return (now or timezone.now()).astimezone(zone).date()

    def status_on(self, today: date, *, confirmed: bool = True) -> str:
        """The chat's state on `today`, a date of its own zone: ended after its last
        date (or when withdrawn); unconfirmed when its entry has no evidence that it
        still meets (`confirmed`, see `has_evidence`); else upcoming before its first
        date, paused within a break, active."""
        if not self.is_active or (self.ends_on and self.ends_on < today):
            return ChatStatus.ENDED
        if not confirmed:
            return ChatStatus.UNCONFIRMED
        if self.starts_on and self.starts_on > today:
            return ChatStatus.UPCOMING
        if self.pause_on(today) is not None:
            return ChatStatus.PAUSED
        return ChatStatus.ACTIVE

    @property
    def status(self) -> str:
        """Its state now (`status_on`). A chat built from its published document
        (directory/entry.py) answers the status the document states."""
        published = getattr(self, "published_status", None)
        if published is not None:
            return published
        return self.status_on(self.local_today(), confirmed=self.hashtag.has_evidence())

    def is_meeting_on(self, today: date, *, confirmed: bool) -> bool:
        """Presented as meeting on `today`: confirmed, not ended, and not on a break
        nobody knows the end of (`ChatQuerySet.meeting` in SQL)."""
        state = self.status_on(today, confirmed=confirmed)
        if state == ChatStatus.PAUSED:
            return self.pause_on(today).ends_on is not None
        return state in MEETING_STATUSES

    @property
    def is_meeting(self) -> bool:
        return self.is_meeting_on(self.local_today(), confirmed=self.hashtag.has_evidence())

    def pause_on(self, day: date) -> "ChatPause | None":
        for pause in self.pause_list:
            if pause.starts_on <= day and (pause.ends_on is None or day <= pause.ends_on):
                return pause
        return None

    @property
    def current_pause(self) -> "ChatPause | None":
        return self.pause_on(self.local_today())

    def _clean_cancelled_dates(self) -> list[str]:
        """The cancelled dates as sorted ISO strings; problems as messages."""
        values = self.cancelled_dates
        if values in (None, ""):
            values = []
        if not isinstance(values, list | tuple):
            raise ValidationError(_("Give the cancelled dates as a list of dates (YYYY-MM-DD)."))
        days, problems = set(), []
        for value in values:
            if isinstance(value, datetime):
                problems.append(
                    _("%(value)s: give a date (YYYY-MM-DD), not a time.") % {"value": value}
                )
                continue
            if isinstance(value, date):
                day = value
            else:
                try:
                    day = date.fromisoformat(str(value))
                except ValueError:
                    shown = repr(str(value)[:30])
                    problems.append(_("%(value)s is not a date (YYYY-MM-DD).") % {"value": shown})
                    continue
            try:
                validate_registry_date(day)
            except ValidationError as error:
                problems.append(
                    _("%(day)s: %(problem)s") % {"day": day, "problem": error.messages[0]}
                )
                continue
            days.add(day)
        if problems:
            raise ValidationError(problems)
        if len(days) > MAX_CANCELLED_DATES:
            raise ValidationError(
                _("At most %(count)s cancelled dates.") % {"count": MAX_CANCELLED_DATES}
            )
        return [day.isoformat() for day in sorted(days)]

    def clean(self) -> None:
        # Keep the stored lists canonical (known order, no repeats) whatever was typed.
        codes = {code.strip().upper() for code in self.weekdays.split(",") if code.strip()}
        if codes <= set(WEEKDAY_ORDER):
            self.weekdays = ",".join(code for code in WEEKDAY_ORDER if code in codes)
        weeks = {item.strip() for item in self.month_weeks.split(",") if item.strip()}
        if weeks <= {"1", "2", "3", "4", "-1"}:
            self.month_weeks = ",".join(w for w in ["1", "2", "3", "4", "-1"] if w in weeks)
        errors: dict = one_line_errors(self, "title", "note")
        if self.frequency == Frequency.MONTHLY:
            if not self.month_weeks:
                errors["month_weeks"] = _("Choose which weeks of the month the chat meets.")
            if self.interval != 1:
                errors["interval"] = _("Monthly chats meet every month; leave the interval at 1.")
        elif self.month_weeks:
            errors["month_weeks"] = _("Only monthly chats have weeks of the month.")
        if self.interval and self.interval > 1 and not self.starts_on:
            errors["starts_on"] = _("A chat held every N weeks needs a start date to count from.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = DATES_OUT_OF_ORDER
        try:
            self.cancelled_dates = self._clean_cancelled_dates()
        except ValidationError as error:
            errors["cancelled_dates"] = error.messages
        if errors:
            raise ValidationError(errors)


def load_breaks(chats: "list[Chat]") -> "list[Chat]":
    """Read the breaks of the chats (from `Chat.objects.marking_breaks()`) that have
    any, in one query, and only when one has: the others answer `pause_list` with none."""
    having = [chat for chat in chats if getattr(chat, "has_breaks", True)]
    if having:
        models.prefetch_related_objects(having, "pauses")
    return chats


MAX_CANCELLED_DATES = 200

# A break longer than this is an end: give the chat an end date (or an open-ended break).
MAX_PAUSE_DAYS = 731


class ChatPause(ChecksInDatabase, models.Model):
    """A break in a chat's meetings (a summer break, a hiatus): no meeting from `starts_on`
    to `ends_on`, both dates of the chat's zone and inclusive. Without `ends_on` the break
    is open-ended: nobody knows yet when the chat returns."""

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="pauses")
    starts_on = models.DateField(validators=[validate_registry_date], help_text=_("First day off."))
    ends_on = models.DateField(
        null=True,
        blank=True,
        validators=[validate_registry_date],
        help_text=_("Last day off; empty while nobody knows when the chat returns."),
    )
    note = models.CharField(max_length=200, blank=True, help_text=_('E.g. "Summer break".'))

    history = HistoricalRecords()

    class Meta:
        ordering = ["chat_id", "starts_on", "pk"]
        verbose_name = "break"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="chat_pause_dates_in_order",
                violation_error_message="A break cannot end before it starts.",
            ),
            *dates_in_range("chat_pause", "starts_on", "ends_on"),
        ]

    def __str__(self) -> str:
        until = self.ends_on.isoformat() if self.ends_on else "further notice"
        return f"Break from {self.starts_on} until {until}"

    def clean(self) -> None:
        if errors := one_line_errors(self, "note"):
            raise ValidationError(errors)
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A break cannot end before it starts.")})
        if (
            self.starts_on
            and self.ends_on
            and (self.ends_on - self.starts_on).days > MAX_PAUSE_DAYS
        ):
            raise ValidationError(
                {
                    "ends_on": _(
                        "A break of more than two years is an end: give the chat an "
                        "end date, or leave the break open-ended."
                    )
                }
            )


class Moderator(ChecksInDatabase, models.Model):
    """A person or organisation behind one or more hashtags (an account on a platform);
    their role on each entry is a `HashtagModerator`."""

    handle = models.CharField(
        max_length=100, help_text=_("The account name without '@', e.g. Colin_Hung.")
    )
    display_name = models.CharField(max_length=200, blank=True)
    platform = models.ForeignKey(
        "Platform", on_delete=models.PROTECT, related_name="+", default="x"
    )
    profile_url = WebURLField(blank=True, max_length=500)
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_name", "handle"]
        verbose_name = "host account"
        verbose_name_plural = "host accounts (people and organisations)"
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("handle"),
                "platform",
                name="moderator_handle_unique_per_platform",
                violation_error_message="This account is already listed.",
            ),
            models.CheckConstraint(condition=~Q(handle=""), name="moderator_handle_not_empty"),
        ]

    def __str__(self) -> str:
        label = f"@{self.handle}"
        return f"{self.display_name} ({label})" if self.display_name else label

    def clean(self) -> None:
        self.handle = self.handle.strip().lstrip("@")
        errors = one_line_errors(self, "handle", "display_name")
        if "handle" not in errors:
            try:
                check_scripts(self.handle, noun="handle")
            except ValidationError as error:
                errors["handle"] = error.messages
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    FOUNDER = "founder", _("Founder")
    HOST = "host", _("Host")
    MODERATOR = "moderator", _("Moderator")


class HashtagModerator(ChecksInDatabase, models.Model):
    hashtag = models.ForeignKey("Hashtag", on_delete=models.CASCADE, related_name="hosts")
    moderator = models.ForeignKey(Moderator, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.HOST)
    since = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[validate_registry_year],
        help_text=_("The year they began in this role, if known."),
    )
    until = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[validate_registry_year],
        help_text=_("The year they stopped; empty while they still hold the role."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["hashtag_id", "pk"]
        verbose_name = "host role"
        verbose_name_plural = "host roles (who hosts which entry)"
        constraints = [
            models.UniqueConstraint(fields=["hashtag", "moderator"], name="hashtag_moderator_once"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="role_valid"),
            models.CheckConstraint(
                condition=Q(since__isnull=True)
                | Q(until__isnull=True)
                | Q(until__gte=models.F("since")),
                name="host_tenure_in_order",
                violation_error_message="The year they stopped cannot be before they began.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.moderator} — {self.get_role_display()} of #{self.hashtag.tag}"

    @property
    def is_current(self) -> bool:
        return self.until is None

    def clean(self) -> None:
        if self.since and self.until and self.until < self.since:
            raise ValidationError(
                {"until": _("The year they stopped cannot be before they began.")}
            )
        this_year = timezone.now().year
        for name in ("since", "until"):
            year = getattr(self, name)
            if year and year > this_year:
                raise ValidationError(
                    {name: _("Give a year up to %(year)s, not a future one.") % {"year": this_year}}
                )
