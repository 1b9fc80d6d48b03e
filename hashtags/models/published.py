"""What readers read: each public entry's stored documents, the category and facet
counts, the public changes, and a mirror's progress.
"""

from typing import Any

from django.db import models
from django.db.models import Lookup
from django.utils.translation import gettext_lazy as _

from hashtags.models.base import Status
from hashtags.validators import (
    MAX_KEY_LENGTH,
    MAX_TAG_LENGTH,
)


class TermsField(models.Field):
    """A set of short terms ("k:community", "p:x"): an array (`text[]`) on PostgreSQL,
    GIN-indexed (migration 0024), and on SQLite a text of the terms between commas
    (",k:community,p:x,"). Two lookups read it on both: `has_all` (every term given) and
    `has_any` (at least one), which PostgreSQL answers from the GIN index (`@>`, `&&`)."""

    description = "A set of terms"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def db_type(self, connection: Any) -> str:
        return "text[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        terms = sorted(set(value))
        if connection.vendor == "postgresql":
            return terms
        return "," + "".join(f"{term}," for term in terms)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return self.to_python(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            return [term for term in value.split(",") if term]
        return value


class _TermsLookup(Lookup):
    prepare_rhs = False
    operator = ""  # PostgreSQL's array operator
    joiner = ""  # SQLite's between one test per term

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        terms = sorted(set(self.rhs))
        if not terms:
            raise ValueError(f"{self.lookup_name} needs at least one term")
        if connection.vendor == "postgresql":
            return f"{lhs} {self.operator} %s::text[]", [*lhs_params, terms]
        tests, params = [], []
        for term in terms:
            tests.append(f"instr({lhs}, %s) > 0")
            params += [*lhs_params, f",{term},"]
        return f"({f' {self.joiner} '.join(tests)})", params


@TermsField.register_lookup
class HasAll(_TermsLookup):
    lookup_name = "has_all"
    operator = "@>"
    joiner = "AND"


@TermsField.register_lookup
class HasAny(_TermsLookup):
    lookup_name = "has_any"
    operator = "&&"
    joiner = "OR"


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
    terms = TermsField(
        help_text="What the list filters read (hashtags.filters): 'k:' kind, 'l:' language "
        "and each shorter form of it ('l:en', 'l:en-gb'), 'e:' the language exactly, "
        "'c:' category id, 'p:' platform code, 'h:1' or 'h:0' (a chat that meets now, "
        "or none)."
    )

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
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        RENAMED = "renamed", _("Renamed")
        RETIRED = "retired", _("Retired")
        RESTORED = "restored", _("Restored")
        MERGED = "merged", _("Merged into another entry")
        REMOVED = "removed", _("Removed")
        ALIAS_ADDED = "alias_added", _("Alias added")
        ALIAS_REMOVED = "alias_removed", _("Alias removed")
        CATEGORY_CHANGED = "category_changed", _("Categories changed")
        VERIFIED = "verified", _("Verified")

    class Role(models.TextChoices):
        CURATOR = "curator", _("a curator")
        STEWARD = "steward", _("the entry's steward")
        IMPORT = "import", _("an import")
        SYSTEM = "system", _("the registry")

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
