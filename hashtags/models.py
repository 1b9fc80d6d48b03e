"""The registry: hashtags, their identities and aliases, categories, chats, hosts,
submissions and reports.

Identity is the heart of it. A hashtag's identity is its casefolded NFKC key
(`validators.tag_key`). Every *live* identity — the tag of a pending, approved or retired
entry, and each alias — is one row of `Identity`, whose unique index is what makes a
hashtag exist once, across tags and aliases alike. Its unique skeletons (Unicode TS 39,
`validators.tag_skeleton` and `key_skeleton`) do the same for look-alikes: 'HСLDR' with a
Cyrillic 'С' cannot sit beside 'HCLDR'. A rejected entry gives its identity
up, so a later submission of the same tag is not blocked. `Hashtag.key` carries a
partial unique index of its own, so even a raw `bulk_create` of hashtags cannot put two
live entries on one key.
"""

import secrets
import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import langcodes
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from hashtags.validators import (
    MAX_KEY_LENGTH,
    MAX_TAG_LENGTH,
    check_no_bidi_controls,
    check_scripts,
    clean_tag,
    key_skeleton,
    skeletons,
    tag_key,
    tag_skeleton,
)


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
            "Enter the address without a user name or password before the site: here "
            "%(host)s is the site it opens, not what comes before '@'.",
            code="credentials_in_url",
            params={"host": host or "another site"},
        )


class WebURLField(models.URLField):
    """A URL a browser can open: http or https only (no javascript:, data:, ftp:), with
    no credentials before the host."""

    default_validators = [
        URLValidator(
            schemes=["http", "https"],
            message="Enter a web address starting with http:// or https://.",
        ),
        validate_no_credentials,
    ]


def validate_language(value: str) -> None:
    if not langcodes.tag_is_valid(value):
        raise ValidationError(
            "Enter a BCP 47 language tag, e.g. en, es, pt-BR (got %(value)s).",
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
            "Enter a date between %(first)s and %(last)s.",
            code="date_out_of_range",
            params={"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
        )


def validate_registry_year(value: int | None) -> None:
    if value is not None and not EARLIEST_DATE.year <= value <= LATEST_DATE.year:
        raise ValidationError(
            "Enter a year between %(first)s and %(last)s.",
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


DATES_OUT_OF_ORDER = "The end date cannot be before the start date."


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
            "Write it on one line, without line breaks or control characters.",
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
    CHAT = "chat", "Tweet chat"
    CONFERENCE = "conference", "Conference"
    DISEASE = "disease", "Disease / condition"
    SPECIALTY = "specialty", "Specialty"
    COMMUNITY = "community", "Community"
    ORGANIZATION = "organization", "Organization"
    HEALTH_IT = "health_it", "Health IT"
    CAMPAIGN = "campaign", "Awareness campaign"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETIRED = "retired", "Retired"


class Freshness(models.TextChoices):
    """How recently someone confirmed an entry is accurate (see `freshness_of`)."""

    CURRENT = "current", "Current"
    DUE = "due", "Due for a check"
    STALE = "stale", "Stale"
    UNVERIFIED = "unverified", "Never confirmed"


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

# An entry's limits, declared once: the model's validators and constraints, the write path
# (hashtags.entries), the forms, the API's input and the admin read them from here.
CHAT_MINUTES = (5, 24 * 60)  # a chat lasts from 5 minutes to a day
CHAT_WEEKS = (1, 52)  # a weekly chat meets every 1 to 52 weeks
MAX_CHATS = 10  # chats per entry
MAX_HOSTS = 20  # hosts per entry


class Platform(models.Model):
    """Where a conversation lives. A fixed vocabulary, loaded by a data migration; the code
    is the primary key so a hashtag's platforms read without a join."""

    code = models.SlugField(primary_key=True, max_length=20)
    name = models.CharField(max_length=50)
    # "{tag}" is replaced by the tag (URL-quoted), to link to the live conversation.
    search_url = models.CharField(max_length=200, blank=True)
    # How a newcomer joins a conversation there, on the entry page ("{tag}" is the tag
    # with its '#'): "Search {tag}, choose Latest, …".
    how_to_join = models.CharField(
        max_length=300,
        blank=True,
        help_text="One sentence for the entry page; {tag} stands for the hashtag, e.g. "
        "“Search {tag} and follow the tag.”",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def join_words(self, tag: str) -> str:
        """`how_to_join` for one hashtag ("" when the platform has none)."""
        return self.how_to_join.replace("{tag}", f"#{tag}")


class TimeZone(models.Model):
    """The IANA time zones, loaded by a data migration from the tz database. A chat's zone
    is a foreign key here, so the database itself refuses a zone that does not exist."""

    name = models.CharField(primary_key=True, max_length=64)
    # The zone's VTIMEZONE for the registry's dates (hashtags.vtimezones.stored), produced
    # once from the tz data zoneinfo reads and kept with the digest of that data, so a
    # tz data upgrade produces it again.
    vtimezone = models.TextField(blank=True, editable=False)
    vtimezone_source = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def sync(cls) -> int:
        """Add the zones of the installed tz database that are missing; returns how many."""
        known = set(cls.objects.values_list("name", flat=True))
        missing = sorted(zoneinfo.available_timezones() - known)
        cls.objects.bulk_create([cls(name=name) for name in missing])
        return len(missing)


class Category(models.Model):
    """A node of the ontology tree (Diseases › Cancer › Breast cancer).

    `path` is the materialised chain of slugs ("diseases/cancer/breast-cancer"), kept by
    save(), so "this category and everything below it" is one indexed prefix match.
    """

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="Leave empty for a top-level category.",
    )
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=2000)
    path = models.CharField(max_length=500, editable=False, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return " › ".join(self.path_names()) if self.parent_id else self.name

    def path_names(self) -> list[str]:
        names, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return list(reversed(names))

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def get_absolute_url(self) -> str:
        return reverse("directory:category", args=[self.slug])

    def clean(self) -> None:
        errors = one_line_errors(self, "name")
        try:
            check_no_bidi_controls(self.description or "")
        except ValidationError as error:
            errors["description"] = error.messages
        if errors:
            raise ValidationError(errors)
        node = self.parent
        while node is not None:
            if node.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": "A category cannot sit below itself."})
            node = node.parent

    def _computed_path(self) -> str:
        return f"{self.parent.path}/{self.slug}" if self.parent_id else self.slug

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            old_path = self.path
            self.path = self._computed_path()
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                for child in self.children.all():
                    child.save()

    @classmethod
    def subtree_q(cls, path: str, prefix: str = "") -> Q:
        """A filter for a category and its descendants, given its path."""
        return Q(**{f"{prefix}path": path}) | Q(**{f"{prefix}path__startswith": f"{path}/"})


class NamedByTag:
    """A record named by a tag (an entry, an identity): `clean()` puts the tag in its
    display form and derives its key; uniqueness is judged against the identity registry,
    with a message naming the entry that holds the tag. The database's unique index stays
    the final judge (it settles races)."""

    def clean(self) -> None:
        if self.tag:
            try:
                self.tag = clean_tag(self.tag)
            except ValidationError as error:
                raise ValidationError({"tag": error.messages}) from None
            self.key = tag_key(self.tag)

    def validate_constraints(self, exclude=None) -> None:
        # The key's and skeletons' uniqueness is validate_unique()'s, with a better message.
        super().validate_constraints(exclude={*(exclude or ()), "key", *SKELETON_FIELDS})

    def validate_unique(self, exclude=None, *, candidates: "list[Identity] | None" = None) -> None:
        """`candidates`: the identities that may clash, when the caller has read them
        already for many records at once (`Identity.objects.candidates`)."""
        super().validate_unique(exclude)
        if candidates is None:
            candidates = Identity.objects.candidates([self.tag])
        clashes = self.identity_clashes(candidates)
        if clashes:
            raise ValidationError({"tag": identity_taken_message(clashes[0])})
        lookalikes = self.lookalike_clashes(candidates)
        if lookalikes:
            raise ValidationError({"tag": lookalike_message(lookalikes[0], self.key)})


def looks_like(identity: "Identity", tag: str) -> bool:
    """Does this identity render like `tag`, as written or in another letter case (a TS
    39 skeleton shared, of either form: `validators.skeletons`)? Its own identity (same
    key) included. The same rule as `IdentityQuerySet.lookalikes`, over rows read."""
    return bool({identity.skeleton, identity.key_skeleton} & set(skeletons(tag)))


def held_by(identity: "Identity", hashtag: "Hashtag") -> bool:
    """Is this identity one of the entry's names? (An entry not saved yet holds the
    identities planned for it, which name it as an object.)"""
    if hashtag.pk is not None:
        return identity.hashtag_id == hashtag.pk
    return identity.hashtag_id is None and identity.hashtag is hashtag


class HashtagQuerySet(models.QuerySet):
    def public(self) -> "HashtagQuerySet":
        """What visitors, the API, feeds and the sitemap may see."""
        return self.filter(status__in=PUBLIC_STATUSES)

    def approved(self) -> "HashtagQuerySet":
        return self.filter(status=Status.APPROVED)

    def pending(self) -> "HashtagQuerySet":
        return self.filter(status=Status.PENDING)

    def with_freshness(self, freshness: str, now: datetime | None = None) -> "HashtagQuerySet":
        """The entries whose freshness (see `freshness_of`) is `freshness`, now."""
        now = now or timezone.now()
        due, stale = freshness_limits(now)
        answer_by = now - timedelta(days=settings.REMINDER_INTERVAL_DAYS)
        unanswered = Q(
            reminder_sent_at__gt=models.F("last_verified"), reminder_sent_at__lt=answer_by
        )
        condition = {
            Freshness.UNVERIFIED: Q(last_verified__isnull=True),
            Freshness.CURRENT: Q(last_verified__gte=due),
            Freshness.DUE: Q(last_verified__lt=due, last_verified__gte=stale) & ~unanswered,
            Freshness.STALE: Q(last_verified__lt=stale) | (Q(last_verified__lt=due) & unanswered),
        }[Freshness(freshness)]
        return self.filter(condition)

    def with_chat_status(self, status: str, now: datetime | None = None) -> "HashtagQuerySet":
        """The entries with a chat whose status (see `Chat.status`) is `status`, now."""
        chats = Chat.objects.with_status(status, now)
        return self.filter(Exists(chats.filter(hashtag_id=OuterRef("pk"))))

    def active_within(self, days: int, today: date | None = None) -> "HashtagQuerySet":
        """Entries seen in use on an open network within the last `days` days
        (`ActivitySummary.last_seen`, kept by `manage.py refresh_activity`)."""
        today = today or timezone.now().date()
        return self.filter(activity_summary__last_seen__gte=today - timedelta(days=days - 1))

    def with_activity_uses(self) -> "HashtagQuerySet":
        """`activity_uses`: posts in the last 7 days counted, 0 when never counted (the
        sort key of "most active")."""
        return self.annotate(activity_uses=Coalesce("activity_summary__uses_7d", models.Value(0)))

    def dormant(self, today: date | None = None) -> "HashtagQuerySet":
        """Entries watched for at least ACTIVITY_DORMANT_DAYS with no use seen in that
        time: a community that may have moved on, for a curator to look at."""
        today = today or timezone.now().date()
        since = today - timedelta(days=settings.ACTIVITY_DORMANT_DAYS)
        return self.filter(activity_summary__tracked_since__lte=since).filter(
            Q(activity_summary__last_seen__isnull=True) | Q(activity_summary__last_seen__lt=since)
        )

    def in_category(self, category: "Category") -> "HashtagQuerySet":
        return self.filter(
            pk__in=Hashtag.categories.through.objects.filter(
                Category.subtree_q(category.path, prefix="category__")
            ).values("hashtag_id")
        )

    def with_details(self) -> "HashtagQuerySet":
        """Everything an entry page, an API answer or the export shows, in a fixed number
        of queries: every chat, past ones (ended, or stopped on a date nobody knows)
        included."""
        chats = Chat.objects.all()
        return self.select_related("replaced_by", "activity_summary").prefetch_related(
            "categories",
            "platforms",
            models.Prefetch(
                "chats",
                queryset=chats.order_by("start_time", "pk").prefetch_related("pauses"),
            ),
            models.Prefetch(
                "hosts",
                queryset=HashtagModerator.objects.select_related(
                    "moderator", "moderator__platform"
                ),
            ),
            models.Prefetch(
                "identities",
                queryset=Identity.objects.filter(is_alias=True).order_by("key"),
                to_attr="alias_list",
            ),
        )

    def with_published(self) -> "HashtagQuerySet":
        """Each entry's stored document, and until when and under what it holds
        (`published_document`, `published_valid_until`, `published_basis`), read in the
        same query (hashtags.published)."""
        row = Published.objects.filter(entry_id=OuterRef("pk"))
        return self.annotate(
            published_document=Subquery(row.values("document")[:1]),
            published_valid_until=Subquery(row.values("valid_until")[:1]),
            published_basis=Subquery(row.values("basis")[:1]),
        )

    def resolve(self, raw_tag: str) -> "Hashtag | None":
        """The entry of this queryset that a tag or alias names, whatever its spelling
        ('#hcldr', 'ＨＣＬＤＲ', an alias), or None: `Hashtag.objects.public().resolve(t)`
        is what a visitor can reach by `t`; `Hashtag.objects.resolve(t)` is the live entry
        (pending included) that holds `t`'s identity."""
        key = tag_key(raw_tag)
        if not key or len(key) > MAX_KEY_LENGTH:
            return None
        return self.filter(identities__key=key).first()

    def bulk_create(self, objs, *args, **kwargs):
        # Fill the identity key that save() would have filled, so the database's unique
        # index judges bulk inserts too instead of seeing empty keys.
        objs = list(objs)
        for obj in objs:
            obj.key = tag_key(obj.tag)
        return super().bulk_create(objs, *args, **kwargs)


class Hashtag(ChecksInDatabase, NamedByTag, models.Model):
    tag = models.CharField(
        max_length=MAX_TAG_LENGTH,
        help_text="The hashtag as it is written, without '#' (e.g. HCLDR, WomeninHIT).",
    )
    key = models.CharField(
        max_length=MAX_KEY_LENGTH,
        editable=False,
        db_index=True,
        help_text="The case-insensitive identity of the tag (casefolded NFKC).",
    )
    name = models.CharField(
        max_length=200,
        validators=[validate_one_line],
        help_text="A short title, e.g. Healthcare Leaders.",
    )
    description = models.TextField(
        blank=True, max_length=5000, help_text="Plain text; shown as written, never as HTML."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    categories = models.ManyToManyField(Category, blank=True, related_name="hashtags")
    platforms = models.ManyToManyField(
        Platform, blank=True, related_name="hashtags", help_text="Where the conversation lives."
    )
    language = models.CharField(
        max_length=35,
        default="en",
        validators=[validate_language],
        help_text="BCP 47 language tag of the conversation, e.g. en, es, pt-BR.",
    )
    website = WebURLField(blank=True, max_length=500)
    source = WebURLField(
        blank=True,
        max_length=500,
        help_text="A public page that confirms the entry (the hosts' page, an announcement).",
    )

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    status_reason = models.TextField(
        blank=True,
        max_length=2000,
        help_text="Why it was rejected or retired; the submitter sees this.",
    )

    # Conferences and other dated hashtags.
    start_date = models.DateField(null=True, blank=True, validators=[validate_registry_date])
    end_date = models.DateField(null=True, blank=True, validators=[validate_registry_date])
    place = models.CharField(max_length=200, blank=True, help_text="City or venue.")

    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_verified = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When someone last confirmed the entry is accurate.",
    )
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reminder_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The first reminder sent to a steward since the entry was last confirmed.",
    )
    verified_by_steward = models.ForeignKey(
        "Steward",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The steward who last confirmed the entry (when a steward did).",
    )
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text="A retired entry's successor, where its community moved.",
    )

    # The full-text search document (tag and aliases weighted A, name B, category names C,
    # description D). On PostgreSQL, database triggers (migration 0005) keep it current on
    # every write, bulk ones and alias/category changes included; nothing in Python
    # writes it. On SQLite it stays empty: search there is a simple match.
    search_document = SearchVectorField(null=True, editable=False)

    objects = HashtagQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[categories, platforms], excluded_fields=["search_document"]
    )

    class Meta:
        ordering = ["key", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status__in=LIVE_STATUSES),
                name="hashtag_live_key_unique",
                violation_error_message="This hashtag is already in the directory.",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="hashtag_key_not_empty"),
            models.CheckConstraint(condition=~Q(tag=""), name="hashtag_tag_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="hashtag_status_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="hashtag_kind_valid"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="hashtag_dates_in_order",
                violation_error_message=DATES_OUT_OF_ORDER,
            ),
            models.CheckConstraint(
                condition=~Q(replaced_by=models.F("pk")),
                name="hashtag_not_its_own_successor",
                violation_error_message="An entry cannot replace itself.",
            ),
        ]
        indexes = [models.Index(fields=["status", "-updated"], name="hashtag_status_updated")]

    def __str__(self) -> str:
        return f"#{self.tag}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if "status" in instance.__dict__:
            # What the database held when read: a save that keeps a non-public entry
            # non-public changes no public page (hashtags.changes.may_show_publicly).
            instance._status_in_db = instance.status
        if "key" in instance.__dict__:
            # The key its cached pages are kept under: a renamed entry expires both.
            instance._key_in_db = instance.key
        return instance

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def freshness(self) -> str:
        return freshness_of(self.last_verified, reminder_sent_at=self.reminder_sent_at)

    @property
    def last_seen(self) -> date | None:
        """The last day its tag was seen in use on the open networks (None if never
        counted); select_related("activity_summary") spares a query."""
        try:
            summary = self.activity_summary
        except ActivitySummary.DoesNotExist:
            return None
        return summary.last_seen if summary is not None else None

    def has_evidence(self, now: datetime | None = None) -> bool:
        """Whether its chats are presented as meeting (see `has_evidence`)."""
        return has_evidence(self.last_verified, self.last_seen, now)

    @property
    def last_evidence(self) -> date | None:
        """The last day anything showed its chats meet: its last confirmation (a UTC
        day) or the last day its tag was seen in use, whichever is later; None if
        neither ever did."""
        days = [self.last_verified.astimezone(UTC).date()] if self.last_verified else []
        days += [self.last_seen] if self.last_seen else []
        return max(days) if days else None

    def clean(self) -> None:
        super().clean()
        errors = one_line_errors(self, "place")
        try:
            check_no_bidi_controls(self.description or "")
        except ValidationError as error:
            errors["description"] = error.messages
        if errors:
            raise ValidationError(errors)
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": DATES_OUT_OF_ORDER})
        if self.replaced_by_id is None:
            return
        successor = self.replaced_by
        if self.status != Status.RETIRED:
            raise ValidationError({"replaced_by": "Only a retired entry names a successor."})
        if successor.pk == self.pk or (self.key and successor.key == self.key):
            raise ValidationError({"replaced_by": "An entry cannot replace itself."})
        # Public: usually a current entry, or one retired in its turn (a chain of
        # successors stays valid, so its entries can be edited, exported and imported).
        if not successor.is_public:
            raise ValidationError({"replaced_by": f"#{successor.tag} is not a public entry."})

    def get_absolute_url(self) -> str:
        return reverse("directory:hashtag", args=[self.tag])

    def identity_clashes(self, candidates: "list[Identity]") -> "list[Identity]":
        """The identities among `candidates` (ordered by key) that hold this entry's key."""
        if not (self.key and self.is_live):
            return []  # a rejected entry holds no identity
        return [c for c in candidates if c.key == self.key and not held_by(c, self)]

    def lookalike_clashes(self, candidates: "list[Identity]") -> "list[Identity]":
        if not (self.tag and self.is_live):
            return []
        # The entry's own aliases count: its tag may not come to look like one of them.
        return [
            c
            for c in candidates
            if looks_like(c, self.tag) and not (held_by(c, self) and not c.is_alias)
        ]

    def save(self, *args, **kwargs) -> None:
        self.key = tag_key(self.tag)
        created = self._state.adding
        # No savepoint of its own: a caller that recovers from a clash of identities
        # (hashtags.entries._save_entry) holds one around the save.
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)
            self.sync_identity(created=created)

    def sync_identity(self, *, created: bool = False) -> None:
        """Hold this entry's tag in the identity registry while it is live; free it when not.

        Aliases are kept while the entry is live and released when it is rejected.
        """
        Hashtag.sync_identities([self], created={id(self)} if created else set())

    @staticmethod
    def sync_identities(hashtags: "Sequence[Hashtag]", *, created: set[int]) -> None:
        """`sync_identity` for many saved entries at once, in a few statements whatever
        their number (`created`: the `id()` of those just created)."""
        # A new entry holds nothing yet: its identity is simply added.
        added = [
            Identity(hashtag=h, is_alias=False, tag=h.tag)
            for h in hashtags
            if h.is_live and id(h) in created
        ]
        stored = [h for h in hashtags if id(h) not in created]
        released = [h.pk for h in stored if not h.is_live]
        if released:
            Identity.objects.filter(hashtag_id__in=released).delete()
        live = {h.pk: h for h in stored if h.is_live}
        own = (
            {
                identity.hashtag_id: identity
                for identity in Identity.objects.filter(hashtag_id__in=list(live), is_alias=False)
            }
            if live
            else {}
        )
        renamed = [own[pk].pk for pk, h in live.items() if pk in own and own[pk].key != h.key]
        if renamed:
            Identity.objects.filter(pk__in=renamed).delete()
        added += [
            Identity(hashtag=h, is_alias=False, tag=h.tag)
            for pk, h in live.items()
            if pk not in own or own[pk].key != h.key
        ]
        if added:
            Identity.objects.bulk_create(added)
            Identity.history.bulk_history_create(added, default_change_reason=None)
        retagged = [own[pk] for pk, h in live.items() if pk in own and own[pk].key == h.key]
        retagged = [
            identity for identity in retagged if identity.tag != live[identity.hashtag_id].tag
        ]
        for identity in retagged:
            identity.tag = live[identity.hashtag_id].tag
            identity.skeleton = tag_skeleton(identity.tag)
        if retagged:
            Identity.objects.bulk_update(retagged, ["tag", "skeleton"])
            # Its letter case changed: so may the skeletons it holds.
            IdentitySkeleton.objects.filter(identity__in=retagged).delete()
            IdentitySkeleton.objects.bulk_create(
                [held for identity in retagged for held in identity.skeletons_to_hold()]
            )

    @property
    def aliases(self) -> models.QuerySet:
        return self.identities.filter(is_alias=True)


def identity_taken_message(identity: "Identity") -> str:
    hashtag = identity.hashtag
    if identity.is_alias:
        return f"#{identity.tag} is already in the directory, as another name for #{hashtag.tag}."
    if hashtag.status == Status.PENDING:
        return f"#{hashtag.tag} has already been submitted and is awaiting review."
    return f"#{hashtag.tag} is already in the directory."


def lookalike_message(identity: "Identity", key: str = "") -> str:
    """What to say of a look-alike found for a name whose identity key is `key`: the same
    identity when its key is `key` (it was stored between the two checks, in a race)."""
    if key and identity.key == key:
        return identity_taken_message(identity)
    hashtag = identity.hashtag
    if identity.is_alias:
        return (
            f"This looks like #{identity.tag}, which is already in the directory, as another "
            f"name for #{hashtag.tag}."
        )
    if hashtag.status == Status.PENDING:
        return (
            f"This looks like #{hashtag.tag}, which has already been submitted and is awaiting "
            "review."
        )
    return f"This looks like #{hashtag.tag}, which is already in the directory."


# Identity's look-alike columns (see `Identity`).
SKELETON_FIELDS = ("skeleton", "key_skeleton")


class IdentityQuerySet(models.QuerySet):
    def lookalikes(self, tag: str) -> "IdentityQuerySet":
        """The identities that render like `tag`, as written or in another letter case
        (a TS 39 skeleton shared, of either form: `validators.looks_alike`); its own
        identity (same key) included."""
        both = sorted(skeletons(tag))
        return self.filter(Q(skeleton__in=both) | Q(key_skeleton__in=both))

    def candidates(self, tags: "Iterable[str]") -> "list[Identity]":
        """Every identity that holds one of these tags' keys or looks like one of them
        (with its entry), ordered by key: what judging the tags needs, in one query for
        any number of tags. The rules themselves are the records' `identity_clashes` and
        `lookalike_clashes`."""
        tags = {tag for tag in tags if tag}
        if not tags:
            return []
        both = sorted({value for tag in tags for value in skeletons(tag)})
        found = self.filter(
            Q(key__in={tag_key(tag) for tag in tags})
            | Q(skeleton__in=both)
            | Q(key_skeleton__in=both)
        )
        return list(found.select_related("hashtag").order_by("key"))

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_identity()
        with transaction.atomic(savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            IdentitySkeleton.objects.bulk_create(
                [held for obj in created for held in obj.skeletons_to_hold()]
            )
        return created


identity_history = HistoricalRecords()


class Identity(ChecksInDatabase, NamedByTag, models.Model):
    """One live name of a hashtag: its own tag (is_alias false) or an alias.

    The unique index on `key` makes a hashtag identity exist once across tags and aliases.
    """

    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="identities")
    tag = models.CharField(max_length=MAX_TAG_LENGTH)
    key = models.CharField(max_length=MAX_KEY_LENGTH, editable=False)
    # Unicode TS 39 skeletons of the tag as written and of its key; unique, so no two live
    # names render alike. Empty (NULL) only for the later name of a look-alike pair that
    # was already stored when the skeletons came in (migration 0010): the admin lists such
    # pairs as near duplicates for a curator to merge or reject.
    # (NULL rather than '': the unique indexes skip NULLs. A skeleton is at most 7 characters
    # per character of a tag, so MAX_KEY_LENGTH * 3 leaves room.)
    skeleton = models.CharField(  # noqa: DJ001
        max_length=MAX_KEY_LENGTH * 3, null=True, editable=False
    )
    key_skeleton = models.CharField(  # noqa: DJ001
        max_length=MAX_KEY_LENGTH * 3, null=True, editable=False
    )
    is_alias = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = IdentityQuerySet.as_manager()
    history = identity_history

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                name="identity_key_unique",
                violation_error_message="This hashtag is already in the directory.",
            ),
            models.UniqueConstraint(
                fields=["hashtag"],
                condition=Q(is_alias=False),
                name="identity_one_own_tag_per_hashtag",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="identity_key_not_empty"),
            models.UniqueConstraint(
                fields=["skeleton"],
                name="identity_skeleton_unique",
                violation_error_message="This hashtag looks like one already in the directory.",
            ),
            models.UniqueConstraint(
                fields=["key_skeleton"],
                name="identity_key_skeleton_unique",
                violation_error_message="This hashtag looks like one already in the directory.",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.tag}"

    def _is(self, other: "Identity") -> bool:
        return other is self or (self.pk is not None and other.pk == self.pk)

    def identity_clashes(self, candidates: "list[Identity]") -> "list[Identity]":
        return [c for c in candidates if c.key == self.key and not self._is(c)]

    def lookalike_clashes(self, candidates: "list[Identity]") -> "list[Identity]":
        if not self.tag:
            return []
        return [c for c in candidates if looks_like(c, self.tag) and not self._is(c)]

    def fill_identity(self) -> None:
        self.key = tag_key(self.tag)
        self.skeleton = tag_skeleton(self.tag)
        self.key_skeleton = key_skeleton(self.tag)

    def skeletons_to_hold(self) -> list["IdentitySkeleton"]:
        values = {self.skeleton, self.key_skeleton} - {None}
        return [IdentitySkeleton(identity=self, value=value) for value in sorted(values)]

    def hold_skeletons(self, *, replace: bool = True) -> None:
        """Hold this name's skeletons, of both forms, in `IdentitySkeleton`."""
        if replace:
            IdentitySkeleton.objects.filter(identity=self).delete()
        IdentitySkeleton.objects.bulk_create(self.skeletons_to_hold())

    def save(self, *args, **kwargs) -> None:
        self.fill_identity()
        adding = self._state.adding
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)
            self.hold_skeletons(replace=not adding)


class IdentitySkeleton(models.Model):
    """A TS 39 skeleton a live name holds, of either form (`Identity.skeleton` as written,
    `Identity.key_skeleton` of its key), unique across both forms: 'hcIdr' with a capital
    I, as written, and HCLDR's key share 'hcldr', which only one of them may hold. The
    identity's own columns are unique within each form; this table also settles a race
    between the two forms. A name stored without skeletons (see `Identity`) holds none."""

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="held_skeletons")
    value = models.CharField(max_length=MAX_KEY_LENGTH * 3)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["value"],
                name="identity_skeleton_held_once",
                violation_error_message="This hashtag looks like one already in the directory.",
            )
        ]

    def __str__(self) -> str:
        return self.value


class AliasManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(is_alias=True)


class Alias(Identity):
    """Another tag that resolves to an entry: a merged duplicate or a common variant."""

    objects = AliasManager()

    class Meta:
        proxy = True
        verbose_name_plural = "aliases"

    def save(self, *args, **kwargs) -> None:
        self.is_alias = True
        super().save(*args, **kwargs)


# Saves through the proxy send signals as Alias, not Identity: record them in Identity's
# history too (the admin's alias inline, merges and the importer all write aliases).
models.signals.post_save.connect(identity_history.post_save, sender=Alias, weak=False)
models.signals.post_delete.connect(identity_history.post_delete, sender=Alias, weak=False)


class Weekday(models.TextChoices):
    """RFC 5545 weekday codes, Monday first."""

    MO = "MO", "Monday"
    TU = "TU", "Tuesday"
    WE = "WE", "Wednesday"
    TH = "TH", "Thursday"
    FR = "FR", "Friday"
    SA = "SA", "Saturday"
    SU = "SU", "Sunday"


WEEKDAY_ORDER = [code for code, _ in Weekday.choices]


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly (or every N weeks)"
    MONTHLY = "monthly", "Monthly on given weeks of the month"


class ChatStatus(models.TextChoices):
    """Where a chat is in its life, on its own calendar (see `Chat.status`)."""

    UPCOMING = "upcoming", "Upcoming"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "On a break"
    ENDED = "ended", "Ended"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"


# The statuses of a chat presented as meeting (on evidence, see `has_evidence`).
MEETING_STATUSES = (ChatStatus.UPCOMING, ChatStatus.ACTIVE, ChatStatus.PAUSED)


def local_dates(now: datetime | None = None) -> dict[date, list[str]]:
    """Today's date in each time zone the registry knows, grouped: {date: [zone names]}.
    At any moment the world is on two or three dates; a filter on "today in the chat's
    own zone" is one condition per date."""
    now = (now or timezone.now()).astimezone(UTC)
    groups: dict[date, list[str]] = {}
    for name in sorted(zoneinfo.available_timezones()):
        try:
            today = now.astimezone(zoneinfo.ZoneInfo(name)).date()
        except (ValueError, OSError):
            continue
        groups.setdefault(today, []).append(name)
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
        raise ValidationError("Choose at least one weekday.", code="required")
    unknown = [code for code in codes if code not in WEEKDAY_ORDER]
    if unknown:
        raise ValidationError(
            "Unknown weekday code(s): %(codes)s. Use MO, TU, WE, TH, FR, SA, SU.",
            code="invalid_weekday",
            params={"codes": ", ".join(unknown)},
        )


def validate_positions(value: str) -> None:
    for item in (part for part in value.split(",") if part):
        if item not in {"1", "2", "3", "4", "-1"}:
            raise ValidationError(
                "Weeks of the month are 1, 2, 3, 4 or -1 (the last); got %(item)s.",
                code="invalid_position",
                params={"item": item},
            )


class Chat(ChecksInDatabase, models.Model):
    """A recurring meeting on a hashtag, held at a local time in its own IANA zone.

    Weekly: on `weekdays`, every `interval` weeks counted from `starts_on`.
    Monthly: on the `month_weeks` occurrences (1st…4th, -1 for last) of `weekdays`.
    """

    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="chats")
    title = models.CharField(max_length=100, blank=True, help_text='E.g. "Weekly chat".')
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default="weekly")
    weekdays = models.CharField(
        max_length=20,
        validators=[validate_weekdays],
        help_text="Comma-separated RFC 5545 codes, e.g. TU or MO,TH.",
    )
    interval = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(CHAT_WEEKS[0]), MaxValueValidator(CHAT_WEEKS[1])],
        help_text="Weekly chats: meets every N weeks, counted from the start date.",
    )
    month_weeks = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_positions],
        help_text="Monthly chats: which weeks, e.g. 1,3 for the 1st and 3rd; -1 is the last.",
    )
    start_time = models.TimeField(help_text="Local start time in the chat's time zone.")
    duration_minutes = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(CHAT_MINUTES[0]), MaxValueValidator(CHAT_MINUTES[1])],
    )
    timezone = models.ForeignKey(
        TimeZone,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="timezone",
        help_text="IANA time zone the chat is held in, e.g. America/New_York.",
        error_messages={
            "invalid": "Unknown time zone %(value)r: use an IANA name such as America/New_York."
        },
    )
    starts_on = models.DateField(
        null=True,
        blank=True,
        validators=[validate_registry_date],
        help_text="First meeting date; the anchor that every-N-weeks chats count from.",
    )
    ends_on = models.DateField(
        null=True,
        blank=True,
        validators=[validate_registry_date],
        help_text="Last meeting date (in the chat's zone), once the chat has ended or will end.",
    )
    cancelled_dates = models.JSONField(
        default=list,
        blank=True,
        help_text="Single meetings that do not happen: dates (YYYY-MM-DD) in the chat's zone.",
    )
    is_active = models.BooleanField(
        default=True,
        help_text="Untick for a chat that stopped when nobody knows its last date.",
    )
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the schedule comes from, or a caveat shown with it.",
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
            raise ValidationError("Give the cancelled dates as a list of dates (YYYY-MM-DD).")
        days, problems = set(), []
        for value in values:
            if isinstance(value, datetime):
                problems.append(f"{value}: give a date (YYYY-MM-DD), not a time.")
                continue
            if isinstance(value, date):
                day = value
            else:
                try:
                    day = date.fromisoformat(str(value))
                except ValueError:
                    problems.append(f"{str(value)[:30]!r} is not a date (YYYY-MM-DD).")
                    continue
            try:
                validate_registry_date(day)
            except ValidationError as error:
                problems.append(f"{day}: {error.messages[0]}")
                continue
            days.add(day)
        if problems:
            raise ValidationError(problems)
        if len(days) > MAX_CANCELLED_DATES:
            raise ValidationError(f"At most {MAX_CANCELLED_DATES} cancelled dates.")
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
                errors["month_weeks"] = "Choose which weeks of the month the chat meets."
            if self.interval != 1:
                errors["interval"] = "Monthly chats meet every month; leave the interval at 1."
        elif self.month_weeks:
            errors["month_weeks"] = "Only monthly chats have weeks of the month."
        if self.interval and self.interval > 1 and not self.starts_on:
            errors["starts_on"] = "A chat held every N weeks needs a start date to count from."
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
    starts_on = models.DateField(validators=[validate_registry_date], help_text="First day off.")
    ends_on = models.DateField(
        null=True,
        blank=True,
        validators=[validate_registry_date],
        help_text="Last day off; empty while nobody knows when the chat returns.",
    )
    note = models.CharField(max_length=200, blank=True, help_text='E.g. "Summer break".')

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
            raise ValidationError({"ends_on": "A break cannot end before it starts."})
        if (
            self.starts_on
            and self.ends_on
            and (self.ends_on - self.starts_on).days > MAX_PAUSE_DAYS
        ):
            raise ValidationError(
                {
                    "ends_on": "A break of more than two years is an end: give the chat an "
                    "end date, or leave the break open-ended."
                }
            )


class Moderator(ChecksInDatabase, models.Model):
    """A person or organisation behind one or more hashtags (an account on a platform);
    their role on each entry is a `HashtagModerator`."""

    handle = models.CharField(
        max_length=100, help_text="The account name without '@', e.g. Colin_Hung."
    )
    display_name = models.CharField(max_length=200, blank=True)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+", default="x")
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
    FOUNDER = "founder", "Founder"
    HOST = "host", "Host"
    MODERATOR = "moderator", "Moderator"


class HashtagModerator(ChecksInDatabase, models.Model):
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="hosts")
    moderator = models.ForeignKey(Moderator, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.HOST)
    since = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[validate_registry_year],
        help_text="The year they began in this role, if known.",
    )
    until = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[validate_registry_year],
        help_text="The year they stopped; empty while they still hold the role.",
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
            raise ValidationError({"until": "The year they stopped cannot be before they began."})
        this_year = timezone.now().year
        for name in ("since", "until"):
            year = getattr(self, name)
            if year and year > this_year:
                raise ValidationError({name: f"Give a year up to {this_year}, not a future one."})


class RejectCode(models.TextChoices):
    """Why a curator turned a submission or an edit suggestion down: a fixed list, so the
    applicant reads a plain explanation and what to do next (`REJECT_CODE_HELP`), and the
    curators' figures can count the reasons."""

    DUPLICATE = "duplicate", "Already in the directory"
    NOT_HEALTHCARE = "not_healthcare", "Not about health or healthcare"
    INACTIVE = "inactive", "Not a hashtag people use"
    PROMOTIONAL = "promotional", "Promotional"
    UNVERIFIABLE = "unverifiable", "Could not be verified"
    INCOMPLETE = "incomplete", "Details incomplete or unclear"
    SPAM = "spam", "Spam"
    OTHER = "other", "Another reason"


# For each code: what it means, and what the applicant can do next (shown on the status
# page and in the email).
REJECT_CODE_HELP: dict[str, tuple[str, str]] = {
    RejectCode.DUPLICATE: (
        "The hashtag, or one that reads the same, is already in the directory.",
        'Search the directory for it; to correct that entry, use "Suggest an edit" on its page.',
    ),
    RejectCode.NOT_HEALTHCARE: (
        "The directory lists hashtags about health, care, medicine and health research; "
        "this one is mostly about something else.",
        "If its conversations are about health, submit it again saying how, with a link "
        "to examples.",
    ),
    RejectCode.INACTIVE: (
        "We found little or no recent use of the hashtag, so it would not help people "
        "find a conversation.",
        "Submit it again once it is in regular use, with a link to recent posts.",
    ),
    RejectCode.PROMOTIONAL: (
        "The entry reads as an advertisement for a product, a service or an event "
        "rather than a description of the conversation.",
        "Submit it again with a neutral description of the conversation and who takes part.",
    ),
    RejectCode.UNVERIFIABLE: (
        "We could not confirm the details from a public source.",
        "Submit it again with a source: a public page (the hosts' site, an announcement) "
        "that confirms the hashtag and its chats.",
    ),
    RejectCode.INCOMPLETE: (
        "Some details we need were missing or unclear (for example the chat's day, time "
        "or time zone).",
        "Submit it again with the missing details; the curator's note says which.",
    ),
    RejectCode.SPAM: (
        "The submission looked like spam.",
        "If this is a mistake, submit it again with a description and a source.",
    ),
    RejectCode.OTHER: (
        "The curator explains the reason in their note.",
        "Read the curator's note; you are welcome to submit again with changes that address it.",
    ),
}


def new_reference() -> str:
    """An unguessable, URL-safe submission reference (128 bits of randomness)."""
    return secrets.token_urlsafe(16)


class Submission(ChecksInDatabase, models.Model):
    """A public request that created (or proposes) an entry.

    The submitter's name and email are private: never in a page, a feed or the API.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Kind(models.TextChoices):
        NEW = "new", "New entry"
        EDIT = "edit", "Edit suggestion"

    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NEW)
    hashtag = models.ForeignKey(
        Hashtag,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submissions",
        help_text="The entry it created (a new entry) or would change (an edit suggestion).",
    )
    tag = models.CharField(max_length=MAX_TAG_LENGTH, help_text="The tag as proposed.")
    payload = models.JSONField(
        default=dict,
        blank=True,
        help_text="The data as submitted; for an edit suggestion, only the fields it changes.",
    )
    base = models.JSONField(
        default=dict,
        blank=True,
        help_text="For an edit suggestion: the entry's values of those fields when it was "
        "made, to show a conflict with a change made since.",
    )
    submitter_name = models.CharField(max_length=200)
    submitter_email = models.EmailField()
    note = models.TextField(blank=True, max_length=2000, help_text="A note to the curators.")
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    reason = models.TextField(
        blank=True, max_length=2000, help_text="The curator's reason, shown to the submitter."
    )
    reason_code = models.CharField(
        max_length=20,
        blank=True,
        choices=RejectCode.choices,
        help_text="A rejection's coded reason; the submitter sees its explanation.",
    )
    changes_requested = models.TextField(
        blank=True,
        max_length=2000,
        help_text="The curator's last request for changes, emailed to the submitter.",
    )
    changes_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["submitter_email"])

    class Meta:
        ordering = ["-created", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(reason="") | ~Q(reason_code=""),
                name="submission_rejection_has_reason",
                violation_error_message="A rejection needs a reason for the submitter.",
            ),
            models.CheckConstraint(
                condition=Q(reason_code="") | Q(reason_code__in=RejectCode.values),
                name="submission_reason_code_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.tag} ({self.get_state_display()})"

    @property
    def reason_explanation(self) -> str:
        return REJECT_CODE_HELP.get(self.reason_code, ("", ""))[0]

    @property
    def reason_next_step(self) -> str:
        return REJECT_CODE_HELP.get(self.reason_code, ("", ""))[1]

    @property
    def changes_are_requested(self) -> bool:
        return self.state == self.State.PENDING and self.changes_requested_at is not None


class Steward(ChecksInDatabase, models.Model):
    """A person who keeps an entry current: the submitter of an approved entry, or
    someone whose claim a curator accepted. Stewards have no account: they act through
    signed, expiring links sent to their email (hashtags.stewardship). The email and
    name are private: never in a page, a feed, the API or a log."""

    class State(models.TextChoices):
        CLAIMED = "claimed", "Asked to be steward"
        ACTIVE = "active", "Steward"
        DECLINED = "declined", "Claim declined"
        ENDED = "ended", "No longer steward"

    class DeclineReason(models.TextChoices):
        """Why a curator declined a claim (the claimant reads it, with what they can do)."""

        NO_CONNECTION = "no_connection", "No public link to the community"
        HAS_STEWARD = "has_steward", "The entry already has a steward"
        NOT_CONFIRMED = "not_confirmed", "The claim could not be confirmed"
        OTHER = "other", "Another reason"

    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="stewards")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    note = models.TextField(
        blank=True, max_length=2000, help_text="Why they ask to be steward (a claim)."
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.CLAIMED, db_index=True
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reminded_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the last reminder was sent."
    )
    decline_reason = models.CharField(
        max_length=20, choices=DeclineReason.choices, blank=True, editable=False
    )
    decline_note = models.TextField(
        blank=True, max_length=2000, editable=False, help_text="Sent to the claimant."
    )

    history = HistoricalRecords(excluded_fields=["email", "name"])

    class Meta:
        ordering = ["hashtag_id", "created", "pk"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"),
                "hashtag",
                condition=Q(state__in=["claimed", "active"]),
                name="steward_once_per_entry",
                violation_error_message="This person already is, or asked to be, its steward.",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["claimed", "active", "declined", "ended"]),
                name="steward_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()} of #{self.hashtag.tag}"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE


class ReportReason(models.TextChoices):
    OUTDATED = "outdated", "Outdated or no longer active"
    WRONG_SCHEDULE = "wrong_schedule", "Wrong chat schedule"
    NOT_HEALTH = "not_health", "Not health-related"
    SPAM = "spam", "Spam"
    OTHER = "other", "Other"


class Report(ChecksInDatabase, models.Model):
    """A visitor's flag on a public entry, for the curators."""

    Reason = ReportReason

    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    comment = models.TextField(blank=True, max_length=2000)
    created = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution_note = models.TextField(blank=True, max_length=2000)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values),
                name="report_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on #{self.hashtag.tag}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Switchboard(ChecksInDatabase, models.Model):
    """Site-wide switches that curators flip in the admin, without a deploy (one row)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    submissions_open = models.BooleanField(
        default=True,
        help_text="Untick to close the submission form and API (reading keeps working), "
        "e.g. during a wave of spam.",
    )
    closed_message = models.CharField(
        max_length=300,
        blank=True,
        help_text="Shown to visitors while submissions are closed.",
    )
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "switchboard"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="switchboard_single_row")]

    def __str__(self) -> str:
        return "Site switches"

    @classmethod
    def current(cls) -> "Switchboard":
        return cls.objects.get_or_create(pk=1)[0]


def submissions_open() -> bool:
    """Submissions are open unless the SUBMISSIONS_OPEN setting or a curator closed them."""
    return settings.SUBMISSIONS_OPEN and Switchboard.current().submissions_open


class Network(models.TextChoices):
    """The open networks whose use of a tag is counted (hashtags.activity)."""

    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"


# The largest count an activity column holds (`DailyActivity.uses`, `ActivitySummary.
# uses_7d`…): a PositiveIntegerField is PostgreSQL's `integer`. SQLite would take more;
# the limit is the same on both, so the data moves between them.
MAX_ACTIVITY_COUNT = 2**31 - 1


class DailyActivity(ChecksInDatabase, models.Model):
    """How much a public entry's tag was used on one day, as one server of one network
    reported it: counts only, never a post or an account. Written by
    `manage.py refresh_activity` (hashtags.activity.refresh), one row per (entry,
    network, server, day), upserted, so reading the same day again replaces its counts
    instead of adding to them."""

    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="activity")
    network = models.CharField(max_length=20, choices=Network.choices)
    server = models.CharField(
        max_length=200, help_text="The server that reported the counts (its base URL)."
    )
    day = models.DateField(help_text="A UTC day.")
    uses = models.PositiveIntegerField(help_text="Posts carrying the tag that day.")
    accounts = models.PositiveIntegerField(help_text="Accounts that posted them.")
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "daily activity"
        ordering = ["hashtag_id", "network", "server", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["hashtag", "network", "server", "day"],
                name="activity_one_row_per_server_day",
            ),
            models.CheckConstraint(
                condition=Q(network__in=Network.values), name="activity_network_valid"
            ),
            models.CheckConstraint(
                condition=Q(accounts__lte=models.F("uses")),
                name="activity_accounts_within_uses",
                violation_error_message="More accounts than posts cannot be.",
            ),
        ]
        indexes = [models.Index(fields=["hashtag", "day"], name="activity_hashtag_day")]

    def __str__(self) -> str:
        return f"#{self.hashtag_id} on {self.server}, {self.day}: {self.uses}"


class ActivitySummary(models.Model):
    """An entry's activity in numbers the directory sorts and filters by, recomputed
    from its `DailyActivity` rows whenever they change (hashtags.activity.summary)."""

    hashtag = models.OneToOneField(
        Hashtag, on_delete=models.CASCADE, primary_key=True, related_name="activity_summary"
    )
    as_of = models.DateField(help_text="The last day counted (UTC): the day of the last run.")
    uses_7d = models.PositiveIntegerField(default=0, help_text="Posts in the 7 days to as_of.")
    accounts_7d = models.PositiveIntegerField(
        default=0, help_text="Accounts posting in those 7 days (each day's, added up)."
    )
    last_seen = models.DateField(
        null=True, blank=True, help_text="The last day with a post carrying the tag."
    )
    tracked_since = models.DateField(help_text="The first day counted.")

    class Meta:
        verbose_name_plural = "activity summaries"
        indexes = [models.Index(fields=["-uses_7d"], name="activity_summary_uses")]

    def __str__(self) -> str:
        return f"#{self.hashtag_id}: {self.uses_7d} posts to {self.as_of}"

    def is_dormant(self, today: date | None = None) -> bool:
        """`HashtagQuerySet.dormant` for this entry."""
        today = today or timezone.now().date()
        since = today - timedelta(days=settings.ACTIVITY_DORMANT_DAYS)
        return self.tracked_since <= since and (self.last_seen is None or self.last_seen < since)


class Published(models.Model):
    """A public entry's published documents and the columns its counts read, produced by
    `hashtags.published.publish` when the entry is written (see that module). Not a
    foreign key: when an entry is deleted, this row is what says what to subtract from
    the counts."""

    entry_id = models.BigIntegerField(primary_key=True)
    key = models.CharField(max_length=MAX_KEY_LENGTH, help_text="The entry's identity key.")
    status = models.CharField(max_length=10, choices=Status.choices)
    updated = models.DateTimeField(help_text="The entry's own `updated`.")
    document = models.TextField(help_text="The entry as GET /api/v1/hashtags/ lists it (JSON).")
    activity = models.TextField(help_text="The `activity` the API's detail adds (JSON).")
    record = models.TextField(help_text="The entry as the export writes it (JSON).")
    valid_until = models.DateTimeField(
        null=True, blank=True, help_text="When a next meeting, a status or freshness moves on."
    )
    basis = models.CharField(max_length=300, help_text="The settings it was produced under.")
    counted_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When what the counts count of it moves on (a chat ends, its evidence "
        "runs out, a break without an end begins).",
    )
    kind = models.CharField(max_length=20)
    language = models.CharField(max_length=35)
    has_chat = models.BooleanField()
    categories = models.TextField(blank=True, help_text="Category ids, sorted: '3,17'.")
    platforms = models.TextField(blank=True, help_text="Platform codes, sorted: 'bluesky,x'.")

    class Meta:
        verbose_name_plural = "published entries"
        indexes = [
            models.Index(fields=["key"], name="published_key"),
            models.Index(fields=["counted_until"], name="published_counted_until"),
        ]

    def __str__(self) -> str:
        return f"entry {self.entry_id}"


class FacetCount(models.Model):
    """How many public entries have one value of one facet (the counts the unfiltered
    directory, the home page and the category tree show), kept by hashtags.counts as
    entries change: `total`, `kind`, `language` (as stored), `chat` ("yes": an active
    recurring chat), `platform` (a code) and `categories` (an entry's set of category
    ids, "3,17": an entry in two categories of one subtree counts once for it)."""

    facet = models.CharField(max_length=16)
    value = models.TextField(blank=True)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facet", "value"], name="facet_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}: {self.count}"


class Change(models.Model):
    """One change to the public registry, in the order changes were made: what the
    changes feed (`GET /api/v1/changes/`), an entry's history page and a mirror read.
    Recorded by `hashtags.published.publish` whenever an entry's exported record changes
    (see hashtags.changelog). Holds no private data: who made the change is a role."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        RENAMED = "renamed", "Renamed"
        RETIRED = "retired", "Retired"
        RESTORED = "restored", "Restored"
        MERGED = "merged", "Merged into another entry"
        REMOVED = "removed", "Removed"
        ALIAS_ADDED = "alias_added", "Alias added"
        ALIAS_REMOVED = "alias_removed", "Alias removed"
        CATEGORY_CHANGED = "category_changed", "Categories changed"
        VERIFIED = "verified", "Verified"

    class Role(models.TextChoices):
        CURATOR = "curator", "a curator"
        STEWARD = "steward", "the entry's steward"
        IMPORT = "import", "an import"
        SYSTEM = "system", "the registry"

    # Strictly increasing and never reused (AUTOINCREMENT on SQLite, a sequence on
    # PostgreSQL); changes are recorded under a lock, so they commit in this order.
    sequence = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    entry_id = models.BigIntegerField(help_text="The entry's id (not published).")
    tag = models.CharField(max_length=MAX_TAG_LENGTH)
    key = models.CharField(max_length=MAX_KEY_LENGTH)
    renamed_from = models.CharField(max_length=MAX_TAG_LENGTH, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    fields = models.JSONField(default=list, help_text="The record's fields that changed.")
    role = models.CharField(max_length=10, choices=Role.choices)
    reason = models.TextField(blank=True, help_text="A public reason (retirement, merge).")
    # null: the entry was not public before (created) or is not after (removed, merged).
    before = models.TextField(null=True, blank=True, help_text="The record before (JSON).")  # noqa: DJ001
    record = models.TextField(null=True, blank=True, help_text="The record after (JSON).")  # noqa: DJ001

    class Meta:
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["entry_id", "sequence"], name="change_entry"),
            models.Index(fields=["key"], name="change_key"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} {self.action} #{self.tag}"


class MirrorState(models.Model):
    """How far this database has copied another registry (`manage.py mirror_registry`):
    the source's address and the sequence of the last of its changes applied."""

    source = models.URLField(unique=True)
    sequence = models.BigIntegerField(help_text="The source's last change applied.")
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.source} at {self.sequence}"


class CuratorDigest(models.Model):
    """A day the curators were emailed what waits for them (`manage.py
    send_curator_digest`): one row a day, unique, so the digest goes out once a day at
    most, even when two runs overlap."""

    day = models.DateField(unique=True, help_text="The day (UTC) the digest was sent.")
    sent_at = models.DateTimeField(default=timezone.now)
    waiting = models.JSONField(default=dict, help_text="What waited, by kind, as it was sent.")
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Digest of {self.day}"
