"""The directory page's filters and the counts shown next to each filter value.

Every filter is a GET parameter, so every view of the directory is a shareable URL:
`q` (search), `category` (a slug, its descendants included), `kind`, `platform`,
`language` and `has_chat` (true/false). Counts follow the usual faceted-search rule: the
count next to a value is what the results would be with that value chosen and every
*other* current filter kept. Each facet is one grouped query, so the page's query count
does not depend on how many entries match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import django_filters
import langcodes
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat

from hashtags.models import Category, Chat, Hashtag, Kind, Platform, validate_language
from hashtags.search import MAX_QUERY_LENGTH, search

HAS_CHAT_CHOICES = [("true", "Has a recurring chat"), ("false", "No recurring chat")]


def has_active_chat() -> Exists:
    return Exists(Chat.objects.active().filter(hashtag=OuterRef("pk")))


def categories_with_counts(hashtags: QuerySet[Hashtag]) -> QuerySet[Category]:
    """Every category, in tree order, with `entry_count`: how many of `hashtags` sit in it
    or in any category below it. One query, however many categories and entries."""
    through = Hashtag.categories.through
    in_subtree = through.objects.filter(
        Q(category__path=OuterRef(OuterRef("path")))
        | Q(category__path__startswith=Concat(OuterRef(OuterRef("path")), Value("/")))
    ).values("hashtag_id")
    counted = (
        hashtags.order_by()
        .filter(pk__in=in_subtree)
        .values(_group=Value(1))
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Category.objects.annotate(entry_count=Coalesce(counted, 0)).order_by("path")


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

    def facets(self) -> Facets:
        """The count for each value of each filter, as described in the module docstring."""
        selected = self.form.cleaned_data

        def ids(skipped: str) -> QuerySet:
            return self.queryset_without(skipped).order_by().values("pk")

        kinds = dict(
            Hashtag.objects.filter(pk__in=ids("kind"))
            .values_list("kind")
            .annotate(n=Count("pk"))
            .order_by()
        )
        languages = dict(
            Hashtag.objects.filter(pk__in=ids("language"))
            .values_list("language")
            .annotate(n=Count("pk"))
            .order_by()
        )
        platforms = Platform.objects.annotate(
            entry_count=Count("hashtags", filter=Q(hashtags__in=ids("platform")))
        )
        chat_counts = Hashtag.objects.filter(pk__in=ids("has_chat")).aggregate(
            yes=Count("pk", filter=Q(has_active_chat())), all=Count("pk")
        )
        categories = categories_with_counts(Hashtag.objects.filter(pk__in=ids("category"))).only(
            "slug", "name", "path"
        )

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
                    (chat_counts["yes"], chat_counts["all"] - chat_counts["yes"]),
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
        facets.total = (
            kinds.get(kind_choice, 0) if kind_choice else sum(kinds.values())  # every entry
        )  # has exactly one kind, so the kind counts add up to the number of results
        return facets


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
