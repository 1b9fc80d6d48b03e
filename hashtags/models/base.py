"""What every model of the registry shares: its field types and validators, the checks a
model makes in the database, an entry's kinds and statuses, and how fresh an entry is.
"""

import secrets
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import langcodes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_no_credentials(value: str) -> None:
    """A web address names its site plainly: no user name or password before the host
    ('https://x.com@evil.example/' opens evil.example)."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return  # not an address at all: URLValidator says so
    if "@" in parts.netloc:
        raise ValidationError(
            _(
                "Enter the address without a user name or password before the site: here "
                "%(host)s is the site it opens, not what comes before '@'."
            ),
            code="credentials_in_url",
            params={"host": host or _("another site")},
        )


class WebURLField(models.URLField):
    """A URL a browser can open: http or https only (no javascript:, data:, ftp:), with
    no credentials before the host."""

    default_validators = [
        URLValidator(
            schemes=["http", "https"],
            message=_("Enter a web address starting with http:// or https://."),
        ),
        validate_no_credentials,
    ]


def validate_language(value: str) -> None:
    if not langcodes.tag_is_valid(value):
        raise ValidationError(
            _("Enter a BCP 47 language tag, e.g. en, es, pt-BR (got %(value)s)."),
            code="invalid_language",
            params={"value": value},
        )


# Social media chats began around 2008: a date outside 2000-2100 is a typo, and one in
# year 9999 would make every schedule computation that reaches it fail.
EARLIEST_DATE = date(2000, 1, 1)

LATEST_DATE = date(2100, 12, 31)


def validate_registry_date(value: date | None) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            code="date_out_of_range",
            params={"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
        )


def validate_registry_year(value: int | None) -> None:
    if value is not None and not EARLIEST_DATE.year <= value <= LATEST_DATE.year:
        raise ValidationError(
            _("Enter a year between %(first)s and %(last)s."),
            code="year_out_of_range",
            params={"first": EARLIEST_DATE.year, "last": LATEST_DATE.year},
        )


def dates_in_range(prefix: str, *fields: str) -> list[models.CheckConstraint]:
    """The database's own guard of validate_registry_date: each date field is empty or
    within EARLIEST_DATE … LATEST_DATE, whatever path wrote it."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{field}__isnull": True})
            | Q(**{f"{field}__gte": EARLIEST_DATE, f"{field}__lte": LATEST_DATE}),
            name=f"{prefix}_{field}_in_range",
            violation_error_message=(
                f"Enter a date between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."
            ),
        )
        for field in fields
    ]


DATES_OUT_OF_ORDER = _("The end date cannot be before the start date.")


class ChecksInDatabase:
    """A model whose check constraints guard, in the database, rules its field validators
    and `clean()` already state with their messages. `full_clean()` would evaluate each
    check constraint again as SQL (a query and, on PostgreSQL, two savepoints apiece:
    about 60 statements for one curator's edit), so it validates the unique constraints
    only; the database still refuses any write that breaks a check."""

    def get_constraints(self):
        return [
            (model, [c for c in constraints if not isinstance(c, models.CheckConstraint)])
            for model, constraints in super().get_constraints()
        ]


def validate_one_line(value: str) -> None:
    """A name is one line: no line breaks, tabs or other control characters (they break
    the formats it is written into: calendars, feeds, CSV)."""
    if any(char in value for char in "\r\n\t\v\f\x85\u2028\u2029") or not value.isprintable():
        raise ValidationError(
            _("Write it on one line, without line breaks or control characters."),
            code="not_one_line",
        )


def one_line_errors(instance: models.Model, *names: str) -> dict[str, list[str]]:
    """The fields among `names` that are not one line, with validate_one_line's message:
    short texts written into calendars, feeds and CSV (titles, notes, names) are refused
    on every path that validates a model (forms, API, admin, import), without a
    validator on the field itself."""
    errors: dict[str, list[str]] = {}
    for name in names:
        try:
            validate_one_line(getattr(instance, name) or "")
        except ValidationError as error:
            errors[name] = error.messages
    return errors


class Kind(models.TextChoices):
    CHAT = "chat", _("Tweet chat")
    CONFERENCE = "conference", _("Conference")
    DISEASE = "disease", _("Disease / condition")
    SPECIALTY = "specialty", _("Specialty")
    COMMUNITY = "community", _("Community")
    ORGANIZATION = "organization", _("Organization")
    HEALTH_IT = "health_it", _("Health IT")
    CAMPAIGN = "campaign", _("Awareness campaign")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETIRED = "retired", _("Retired")


class Freshness(models.TextChoices):
    """How recently someone confirmed an entry is accurate (see `freshness_of`)."""

    CURRENT = "current", _("Current")
    DUE = "due", _("Due for a check")
    STALE = "stale", _("Stale")
    UNVERIFIED = "unverified", _("Never confirmed")


def freshness_limits(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The moments before which a confirmation is due, and before which it is stale: an
    entry is current for VERIFY_AFTER_DAYS after it was confirmed, then due; due for
    STALE_AFTER_DAYS with nobody confirming it, it is stale."""
    now = now or timezone.now()
    due = now - timedelta(days=settings.VERIFY_AFTER_DAYS)
    return due, due - timedelta(days=settings.STALE_AFTER_DAYS)


def freshness_of(
    last_verified: datetime | None,
    now: datetime | None = None,
    *,
    reminder_sent_at: datetime | None = None,
) -> str:
    """Current, due, stale or unverified (see `freshness_limits`). A due entry is stale
    too once the first reminder sent to its steward since its last confirmation
    (`reminder_sent_at`) has gone unanswered for REMINDER_INTERVAL_DAYS."""
    if last_verified is None:
        return Freshness.UNVERIFIED
    now = now or timezone.now()
    due, stale = freshness_limits(now)
    if last_verified >= due:
        return Freshness.CURRENT
    answer_by = now - timedelta(days=settings.REMINDER_INTERVAL_DAYS)
    unanswered = reminder_sent_at is not None and last_verified < reminder_sent_at < answer_by
    return Freshness.STALE if last_verified < stale or unanswered else Freshness.DUE


def evidence_limits(now: datetime | None = None) -> tuple[datetime, date]:
    """Since when a confirmation, and since which day a use seen on the open networks,
    is evidence that an entry's chats still meet: within VERIFY_AFTER_DAYS (a use seen on
    the last of those days, counted in UTC days as `active_within` counts them)."""
    now = now or timezone.now()
    days = settings.VERIFY_AFTER_DAYS
    return now - timedelta(days=days), now.astimezone(UTC).date() - timedelta(days=days - 1)


def has_evidence(
    last_verified: datetime | None, last_seen: date | None, now: datetime | None = None
) -> bool:
    """Whether an entry's chats are presented as meeting: its entry was confirmed (by a
    curator, its steward, or a curator's approval) within VERIFY_AFTER_DAYS, or its tag
    was seen in use on the open networks within that window. `evidence_q` is the same
    rule in SQL; `evidence_ends` says when it runs out."""
    verified_since, seen_since = evidence_limits(now)
    return (last_verified is not None and last_verified >= verified_since) or (
        last_seen is not None and last_seen >= seen_since
    )


def evidence_ends(last_verified: datetime | None, last_seen: date | None) -> datetime | None:
    """The moment `has_evidence` turns false by itself, or None without evidence."""
    days = timedelta(days=settings.VERIFY_AFTER_DAYS)
    moments = []
    if last_verified is not None:
        moments.append(last_verified + days)
    if last_seen is not None:
        moments.append(datetime.combine(last_seen + days, datetime.min.time(), tzinfo=UTC))
    return max(moments) if moments else None


def evidence_q(prefix: str = "", now: datetime | None = None) -> Q:
    """`has_evidence` as a filter on entries (`prefix`: the path to the entry, e.g.
    "hashtag__")."""
    verified_since, seen_since = evidence_limits(now)
    return Q(**{f"{prefix}last_verified__gte": verified_since}) | Q(
        **{f"{prefix}activity_summary__last_seen__gte": seen_since}
    )


# Statuses that hold an identity, and statuses the public may see.
LIVE_STATUSES = (Status.PENDING, Status.APPROVED, Status.RETIRED)

PUBLIC_STATUSES = (Status.APPROVED, Status.RETIRED)


def new_reference() -> str:
    """An unguessable, URL-safe submission reference (128 bits of randomness)."""
    return secrets.token_urlsafe(16)
