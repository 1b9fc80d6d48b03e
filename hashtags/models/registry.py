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

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hashtags.models.activity import ActivitySummary
from hashtags.models.base import (
    DATES_OUT_OF_ORDER,
    LIVE_STATUSES,
    PUBLIC_STATUSES,
    ChecksInDatabase,
    Freshness,
    Kind,
    Status,
    WebURLField,
    freshness_limits,
    freshness_of,
    has_evidence,
    one_line_errors,
    validate_language,
    validate_one_line,
    validate_registry_date,
)
from hashtags.models.chats import Chat, HashtagModerator
from hashtags.models.published import Published
from hashtags.validators import (
    MAX_KEY_LENGTH,
    MAX_TAG_LENGTH,
    check_no_bidi_controls,
    clean_tag,
    key_skeleton,
    skeletons,
    tag_key,
    tag_skeleton,
)


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
        help_text=_(
            "One sentence for the entry page; {tag} stands for the hashtag, e.g. "
            "“Search {tag} and follow the tag.”"
        ),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        # The networks' names are proper names, shown as they are; "Other" is a word.
        return gettext("Other") if self.code == "other" else self.name

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
        help_text=_("Leave empty for a top-level category."),
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
                raise ValidationError({"parent": _("A category cannot sit below itself.")})
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
        help_text=_("The hashtag as it is written, without '#' (e.g. HCLDR, WomeninHIT)."),
    )
    key = models.CharField(
        max_length=MAX_KEY_LENGTH,
        editable=False,
        db_index=True,
        help_text=_("The case-insensitive identity of the tag (casefolded NFKC)."),
    )
    name = models.CharField(
        max_length=200,
        validators=[validate_one_line],
        help_text=_("A short title, e.g. Healthcare Leaders."),
    )
    description = models.TextField(
        blank=True, max_length=5000, help_text=_("Plain text; shown as written, never as HTML.")
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    categories = models.ManyToManyField(Category, blank=True, related_name="hashtags")
    platforms = models.ManyToManyField(
        Platform, blank=True, related_name="hashtags", help_text=_("Where the conversation lives.")
    )
    language = models.CharField(
        max_length=35,
        default="en",
        validators=[validate_language],
        help_text=_("BCP 47 language tag of the conversation, e.g. en, es, pt-BR."),
    )
    website = WebURLField(blank=True, max_length=500)
    source = WebURLField(
        blank=True,
        max_length=500,
        help_text=_("A public page that confirms the entry (the hosts' page, an announcement)."),
    )

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    status_reason = models.TextField(
        blank=True,
        max_length=2000,
        help_text=_("Why it was rejected or retired; the submitter sees this."),
    )

    # Conferences and other dated hashtags.
    start_date = models.DateField(null=True, blank=True, validators=[validate_registry_date])
    end_date = models.DateField(null=True, blank=True, validators=[validate_registry_date])
    place = models.CharField(max_length=200, blank=True, help_text=_("City or venue."))

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
        help_text=_("When someone last confirmed the entry is accurate."),
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
        help_text=_("The first reminder sent to a steward since the entry was last confirmed."),
    )
    verified_by_steward = models.ForeignKey(
        "Steward",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text=_("The steward who last confirmed the entry (when a steward did)."),
    )
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text=_("A retired entry's successor, where its community moved."),
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
            raise ValidationError({"replaced_by": _("Only a retired entry names a successor.")})
        if successor.pk == self.pk or (self.key and successor.key == self.key):
            raise ValidationError({"replaced_by": _("An entry cannot replace itself.")})
        # Public: usually a current entry, or one retired in its turn (a chain of
        # successors stays valid, so its entries can be edited, exported and imported).
        if not successor.is_public:
            raise ValidationError(
                {"replaced_by": _("#%(tag)s is not a public entry.") % {"tag": successor.tag}}
            )

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
        return gettext("#%(tag)s is already in the directory, as another name for #%(entry)s.") % {
            "tag": identity.tag,
            "entry": hashtag.tag,
        }
    if hashtag.status == Status.PENDING:
        return gettext("#%(tag)s has already been submitted and is awaiting review.") % {
            "tag": hashtag.tag
        }
    return gettext("#%(tag)s is already in the directory.") % {"tag": hashtag.tag}


def lookalike_message(identity: "Identity", key: str = "") -> str:
    """What to say of a look-alike found for a name whose identity key is `key`: the same
    identity when its key is `key` (it was stored between the two checks, in a race)."""
    if key and identity.key == key:
        return identity_taken_message(identity)
    hashtag = identity.hashtag
    if identity.is_alias:
        return gettext(
            "This looks like #%(tag)s, which is already in the directory, as another "
            "name for #%(entry)s."
        ) % {"tag": identity.tag, "entry": hashtag.tag}
    if hashtag.status == Status.PENDING:
        return gettext(
            "This looks like #%(tag)s, which has already been submitted and is awaiting review."
        ) % {"tag": hashtag.tag}
    return gettext("This looks like #%(tag)s, which is already in the directory.") % {
        "tag": hashtag.tag
    }


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
