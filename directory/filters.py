"""The directory page's filters and the counts shown next to each filter value.

Every filter is a GET parameter, so every view of the directory is a shareable URL:
`q` (search), `category` (a slug, its descendants included), `kind`, `platform`,
`language` and `has_chat` (true/false). Counts follow the usual faceted-search rule: the
count next to a value is what the results would be with that value chosen and every
*other* current filter kept. Each facet is one grouped query, so the page's query count
does not depend on how many entries match.

Counting a million entries takes a while, so `cached_facets` keeps the counts in the
shared cache under the registry's generation (hashtags/cache.py): a curator's edit bumps
the generation, so counts are never stale, and between edits a view of the directory is
counted once. The unfiltered directory, the page most visitors see first, is counted by
one request at a time: the others wait briefly for its result.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import django_filters
import langcodes
from django.core.cache import cache
from django.db import connections
from django.db.models import Aggregate, CharField, Count, Exists, OuterRef, Q, QuerySet

from hashtags.cache import replica_may_lag, state, wait_for
from hashtags.models import Category, Chat, Hashtag, Kind, Platform, validate_language
from hashtags.search import MAX_QUERY_LENGTH, search, words

# Counts are keyed by the registry generation, so they are never stale; the timeout only
# bounds how long counts for rarely seen filter combinations occupy the cache.
FACETS_CACHE_SECONDS = 24 * 60 * 60
# The unfiltered counts are computed by one request at a time (see `cached_facets`).
COUNT_LOCK_SECONDS = 60

HAS_CHAT_CHOICES = [("true", "Has a recurring chat"), ("false", "No recurring chat")]


def has_active_chat() -> Exists:
    return Exists(Chat.objects.active().filter(hashtag=OuterRef("pk")))


def with_active_chat() -> Q:
    """The same test as `has_active_chat` as an `id IN (…)`, which PostgreSQL evaluates
    with one hash of the chats instead of one lookup per counted row."""
    return Q(pk__in=Chat.objects.active().values("hashtag_id"))


class CategorySet(Aggregate):
    """The ids of a group's categories as text ("3,17"): GROUP_CONCAT on SQLite,
    STRING_AGG (sorted, so equal sets are equal strings) on PostgreSQL."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(CAST(%(expressions)s AS text), ',' ORDER BY %(expressions)s)",
            **extra_context,
        )


def category_counts(
    hashtags: QuerySet[Hashtag], categories: list[Category], within: Category | None = None
) -> dict[int, int]:
    """{category id: how many of `hashtags` sit in it or in any category below it}, for
    `categories` (all of them, or `within`'s subtree).

    An entry in two categories of one subtree counts once for the subtree, so counts per
    category cannot simply be added up. One query groups the category links by entry
    (each entry's set of categories, "3,17") and counts the entries of each distinct set
    (a few hundred sets, whatever the number of entries); each set's count is then
    credited once to every category at or above one of its members.
    """
    through = Hashtag.categories.through
    links = through.objects.filter(hashtag_id__in=hashtags.order_by().values("pk"))
    if within is not None:
        links = links.filter(Category.subtree_q(within.path, prefix="category__"))
    per_entry = (
        links.values("hashtag_id")
        .annotate(category_set=CategorySet("category_id"))
        .values("category_set")
        .order_by()
    )
    sql, params = per_entry.query.sql_with_params()
    with connections[per_entry.db].cursor() as cursor:
        cursor.execute(
            f"SELECT category_set, COUNT(*) FROM ({sql}) entry_sets GROUP BY category_set",  # noqa: S608 - a compiled queryset, its values passed as parameters
            params,
        )
        rows = cursor.fetchall()
    by_path = {category.path: category.pk for category in categories}
    path_of = {category.pk: category.path for category in categories}
    counts: Counter[int] = Counter()
    for category_set, count in rows:
        credited: set[int] = set()
        for member in {int(pk) for pk in str(category_set).split(",")}:
            slugs = path_of.get(member, "").split("/")
            prefixes = ("/".join(slugs[:end]) for end in range(1, len(slugs) + 1))
            credited.update(by_path[prefix] for prefix in prefixes if prefix in by_path)
        for pk in credited:
            counts[pk] += count
    return dict(counts)


def categories_with_counts(
    hashtags: QuerySet[Hashtag], within: Category | None = None
) -> list[Category]:
    """Every category (or those of `within`'s subtree), in tree order, with `entry_count`:
    how many of `hashtags` sit in it or in any category below it. Two queries, however
    many categories and entries."""
    categories = Category.objects.order_by("path")
    if within is not None:
        categories = categories.filter(Category.subtree_q(within.path))
    categories = list(categories)
    counts = category_counts(hashtags, categories, within)
    for category in categories:
        category.entry_count = counts.get(category.pk, 0)
    return categories


def language_name(code: str) -> str:
    """ "English", "Español (Spanish)"… for a BCP 47 code; the code itself if unknown."""
    try:
        language = langcodes.Language.get(code)
    except (ValueError, LookupError):
        return code
    english = language.display_name("en")
    native = language.display_name(code)
    return english if native == english else f"{native} ({english})"


class DirectoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label="Search", max_length=MAX_QUERY_LENGTH, strip=True
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        method="filter_category",
        label="Category",
        error_messages={"invalid_choice": "There is no category with the slug “%(value)s”."},
    )
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label="Kind")
    platform = django_filters.ModelChoiceFilter(
        queryset=Platform.objects.all(),
        to_field_name="code",
        field_name="platforms",
        label="Platform",
        error_messages={"invalid_choice": "There is no platform with the code “%(value)s”."},
    )
    language = django_filters.CharFilter(
        lookup_expr="iexact", label="Language", max_length=35, validators=[validate_language]
    )
    has_chat = django_filters.ChoiceFilter(
        choices=HAS_CHAT_CHOICES, method="filter_has_chat", label="Recurring chat"
    )

    class Meta:
        model = Hashtag
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Hashtag], name: str, value: str) -> QuerySet[Hashtag]:
        # The results and every facet count search for the same words: one memo for all.
        return search(queryset, value, memo=self.__dict__.setdefault("_search_memo", {}))

    def filter_category(
        self, queryset: QuerySet[Hashtag], name: str, value: Category
    ) -> QuerySet[Hashtag]:
        return queryset.in_category(value)

    def filter_has_chat(
        self, queryset: QuerySet[Hashtag], name: str, value: str
    ) -> QuerySet[Hashtag]:
        return queryset.filter(has_active_chat() if value == "true" else ~has_active_chat())

    @property
    def errors_by_field(self) -> list[tuple[str, str]]:
        """(parameter, message) pairs, for a page that says which parameter is wrong."""
        return [
            (name, message) for name, messages in self.form.errors.items() for message in messages
        ]

    def queryset_without(self, skipped: str | None) -> QuerySet[Hashtag]:
        """The base queryset with every valid filter applied except `skipped`."""
        queryset = self.queryset
        for name, value in self.form.cleaned_data.items():
            if name != skipped and value not in (None, ""):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def normalised_values(self) -> dict[str, str]:
        """The filters in use, each reduced to what the results depend on: the words of
        the search, a lower-case language, slugs and codes. Equal for two addresses that
        show the same entries (`?language=ES` and `?language=es`)."""
        values = {}
        for name, value in self.form.cleaned_data.items():
            if name == "q":
                value = " ".join(words(value))
            elif name == "language":
                value = (value or "").lower()
            elif isinstance(value, Category):
                value = value.slug
            elif isinstance(value, Platform):
                value = value.code
            if value not in (None, ""):
                values[name] = str(value)
        return values

    def facets(self) -> Facets:
        """The count for each value of each filter, as described in the module docstring.

        Kind, language and "has a chat" are columns of the entry (or a test on it), so
        the filters not in use among them are counted together, in one query grouped by
        kind and language over the current results; a filter in use is counted over the
        results without it. Platforms and categories are one grouped query each.
        """
        selected = self.form.cleaned_data
        in_use = self.normalised_values()
        shared = [name for name in ("kind", "language", "has_chat") if name not in in_use]
        kinds: Counter[str] = Counter()
        languages: Counter[str] = Counter()
        chats = {"yes": 0, "all": 0}
        total = 0
        if shared:
            rows = (
                self.queryset_without(None)
                .order_by()
                .values("kind", "language")
                .annotate(n=Count("pk"), chats=Count("pk", filter=with_active_chat()))
            )
            for row in rows:
                total += row["n"]
                if "kind" in shared:
                    kinds[row["kind"]] += row["n"]
                if "language" in shared:
                    languages[row["language"]] += row["n"]
                if "has_chat" in shared:
                    chats["yes"] += row["chats"]
                    chats["all"] += row["n"]
        if "kind" in in_use:
            kinds.update(
                dict(
                    self.queryset_without("kind")
                    .order_by()
                    .values_list("kind")
                    .annotate(n=Count("pk"))
                )
            )
        if "language" in in_use:
            languages.update(
                dict(
                    self.queryset_without("language")
                    .order_by()
                    .values_list("language")
                    .annotate(n=Count("pk"))
                )
            )
        if "has_chat" in in_use:
            chats = (
                self.queryset_without("has_chat")
                .order_by()
                .aggregate(yes=Count("pk", filter=with_active_chat()), all=Count("pk"))
            )
        # A semi-join grouped by platform: `COUNT(…) FILTER (WHERE id IN (…))` would need a
        # hash of every entry id, and past work_mem PostgreSQL rescans the list per row.
        platform_counts = (
            Hashtag.platforms.through.objects.filter(
                hashtag_id__in=self.queryset_without("platform").order_by().values("pk")
            )
            .values("platform_id", "platform__name", "platform__position")
            .annotate(n=Count("pk"))
            .order_by("platform__position", "platform__name")
        )
        platforms = []
        for row in platform_counts:
            platform = Platform(code=row["platform_id"], name=row["platform__name"])
            platform.entry_count = row["n"]
            platforms.append(platform)
        chosen = selected.get("platform")
        if chosen is not None and chosen not in platforms:  # offered even with no entry
            chosen.entry_count = 0
            platforms.append(chosen)
        categories = categories_with_counts(self.queryset_without("category"))

        kind_choice = selected.get("kind") or ""
        facets = Facets(
            kinds=[
                FacetValue(value, label, kinds.get(value, 0), value == kind_choice)
                for value, label in Kind.choices
                if kinds.get(value) or value == kind_choice
            ],
            languages=[
                FacetValue(code, language_name(code), count, code.lower() == _lower(selected))
                for code, count in sorted(
                    languages.items(), key=lambda item: language_name(item[0])
                )
            ],
            platforms=[
                FacetValue(p.code, p.name, p.entry_count, p == selected.get("platform"))
                for p in platforms
                if p.entry_count or p == selected.get("platform")
            ],
            has_chat=[
                FacetValue(value, label, count, _chat(selected) == value)
                for (value, label), count in zip(
                    HAS_CHAT_CHOICES,
                    (chats["yes"], chats["all"] - chats["yes"]),
                    strict=True,
                )
                if count or _chat(selected) == value
            ],
            categories=[
                FacetValue(
                    c.slug,
                    c.name,
                    c.entry_count,
                    c == selected.get("category"),
                    depth=c.depth,
                )
                for c in categories
                if c.entry_count or c == selected.get("category")
            ],
        )
        # With every filter among kind, language and chat in use, the count of the chosen
        # kind (over the results without the kind filter) is the number of results.
        facets.total = total if shared else kinds.get(kind_choice, 0)
        return facets


def facets_cache_key(filterset: DirectoryFilter, generation: int) -> str:
    """Where the counts for these filters under this registry generation are kept."""
    values = sorted(filterset.normalised_values().items())
    digest = hashlib.sha256(repr(values).encode()).hexdigest()[:32]
    return f"directory:facets:{generation}:{digest}"


def cached_facets(filterset: DirectoryFilter) -> Facets:
    """`filterset.facets()`, from the shared cache when this registry generation's counts
    for the same filters are there (see the module docstring)."""
    generation, changed_at = state()
    key = facets_cache_key(filterset, generation)
    facets = cache.get(key)
    if facets is not None:
        return facets

    def count_and_store() -> Facets:
        counted = filterset.facets()
        # Just after a change a read replica may not have it yet: such counts are not kept.
        if not replica_may_lag(changed_at):
            cache.set(key, counted, FACETS_CACHE_SECONDS)
        return counted

    if filterset.normalised_values():
        return count_and_store()
    # The unfiltered directory: every visitor's first page, and the most expensive count.
    # One request counts; the others wait for its result rather than all counting.
    lock = f"{key}:lock"
    if cache.add(lock, "counting", COUNT_LOCK_SECONDS):
        try:
            return count_and_store()
        finally:
            cache.delete(lock)
    waited = wait_for(key, lock)
    if waited is not None:
        return waited
    return count_and_store()  # the counting request failed or is gone: count here


def _lower(selected: dict[str, Any]) -> str:
    return (selected.get("language") or "").lower()


def _chat(selected: dict[str, Any]) -> str:
    return selected.get("has_chat") or ""


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    depth: int = 0


@dataclass
class Facets:
    kinds: list[FacetValue] = field(default_factory=list)
    languages: list[FacetValue] = field(default_factory=list)
    platforms: list[FacetValue] = field(default_factory=list)
    has_chat: list[FacetValue] = field(default_factory=list)
    categories: list[FacetValue] = field(default_factory=list)
    total: int = 0

    def groups(self) -> list[tuple[str, str, list[FacetValue]]]:
        """(parameter, heading, values) for each filter, in the order the page shows them."""
        return [
            ("category", "Category", self.categories),
            ("kind", "Kind", self.kinds),
            ("has_chat", "Recurring chat", self.has_chat),
            ("platform", "Platform", self.platforms),
            ("language", "Language", self.languages),
        ]
