"""The directory page's filters and the counts shown next to each filter value.

Every filter is a GET parameter, so every view of the directory is a shareable URL. The
parameters and their rules are the registry's (hashtags/filters.py), shared with the API:
`q` (search), `category` (a slug, its descendants included), `kind`, `platform`,
`language` (regional: `en` also gives `en-GB`) and `has_chat` (true/false). Counts follow
the usual faceted-search rule: the count next to a value is what the results would be
with that value chosen and every *other* current filter kept.

The unfiltered directory's counts are kept as entries change (hashtags.counts), so they
cost a few small queries however large the registry. A filtered view's counts read the
published rows' indexed terms (the same conditions as its filters: hashtags.filters),
each counted only up to COUNT_CAP + 1 (hashtags.counts.bounded_counts), all in one
statement: a count past the cap shows as "1,000+" and the page says why, so no view
costs seconds however many entries it holds. A search's counts are counted exactly
from its matches (a bounded number). `cached_facets` keeps them per registry
generation (hashtags.serving.cache.per_generation): a curator's edit moves the generation on, so
counts are never stale; between edits a view is counted once, by one request while the
others wait for its result.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import langcodes
from django.db.models import Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from hashtags.counts import COUNT_CAP, bounded_counts, credit_category_sets
from hashtags.filters import FACET_FILTERS, HashtagFilterSet, language_matches, subtree_terms
from hashtags.models import Category, Hashtag, Kind, Platform, Published
from hashtags.published import kept_counts, recount_moved
from hashtags.search import search_config, words
from hashtags.serving.cache import per_generation

# Counts are keyed by the registry generation, so they are never stale; the timeout only
# bounds how long counts for rarely seen filter combinations occupy the cache.
FACETS_CACHE_SECONDS = 24 * 60 * 60

HAS_CHAT_CHOICES = [
    ("true", gettext_lazy("Has a recurring chat")),
    ("false", gettext_lazy("No recurring chat")),
]


def language_name(code: str) -> str:
    """ "English", "Español (Spanish)"… for a BCP 47 code; the code itself if unknown."""
    try:
        language = langcodes.Language.get(code)
    except (ValueError, LookupError):
        return code
    english = language.display_name("en")
    native = language.display_name(code)
    return english if native == english else f"{native} ({english})"


class DirectoryFilter(HashtagFilterSet):
    """The registry's filters, plus what the page shows around them: the errors by
    parameter and the count next to each value."""

    def search_language(self) -> str | None:
        # The page's language (/es/hashtags/: Spanish), so a visitor's words find
        # entries written in it in any of their forms.
        return get_language()

    @property
    def errors_by_field(self) -> list[tuple[str, str]]:
        """(parameter, message) pairs, for a page that says which parameter is wrong."""
        return [
            (name, message) for name, messages in self.form.errors.items() for message in messages
        ]

    def queryset_without(self, skipped: str | None) -> QuerySet[Hashtag]:
        """The base queryset with every valid filter applied except `skipped`."""
        return self.entries_without(skipped)

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
            elif isinstance(value, bool):
                value = chat_choice(value)
            if value not in (None, ""):
                values[name] = str(value)
        return values

    def facets(self) -> Facets:
        """The count for each value of each filter, as described in the module docstring:
        counted from the matches' kept values for a search (`facets_of_results`), in
        grouped queries otherwise (`facets_in_sql`)."""
        if self.normalised_values().get("q"):
            return self.facets_of_results()
        return self.facets_in_sql()

    def facets_in_sql(self) -> Facets:
        """`facets()` as bounded counts over the published rows (hashtags.filters: their
        indexed `terms`): for each value of each filter, the rows with that value among
        those meeting every other filter in use, counted up to COUNT_CAP + 1 (a count
        above it shows as "1,000+"), all in one statement. The filters that are not
        facets (the search, `active_within_days`) narrow every count to their entries."""
        selected = self.form.cleaned_data
        chosen = self.chosen()
        base_entries = None
        for name, value in chosen.items():
            if name not in FACET_FILTERS:
                base = self.queryset if base_entries is None else base_entries
                base_entries = self.filters[name].filter(base, value)

        def rows(skipped: str | None, *more: Q) -> QuerySet[Published]:
            found = self.published_rows([*self.published_conditions(skipped), *more])
            if base_entries is not None:
                found = found.filter(entry_id__in=base_entries.order_by().values("pk"))
            return found

        kept = kept_counts("language")
        spelling = language_spellings(Counter(kept.get("language", {})), _lower(selected))
        platforms = list(Platform.objects.order_by("position", "name"))
        categories = self.categories()
        wanted: dict[tuple[str, str], QuerySet[Published]] = {("total", ""): rows(None)}
        for kind in Kind.values:
            wanted["kind", kind] = rows("kind", Q(terms__has_all=[f"k:{kind}"]))
        for lowered in spelling:
            # Offered when an entry of the view is in that language exactly (as the
            # counts of the stored codes offer it), counted with its regional forms.
            wanted["exact", lowered] = rows("language", Q(terms__has_all=[f"e:{lowered}"]))
            wanted["language", lowered] = rows("language", Q(terms__has_all=[f"l:{lowered}"]))
        for value, term in (("yes", "h:1"), ("no", "h:0")):
            wanted["chat", value] = rows("has_chat", Q(terms__has_all=[term]))
        for platform in platforms:
            wanted["platform", platform.code] = rows(
                "platform", Q(terms__has_all=[f"p:{platform.code}"])
            )
        for category in categories:
            wanted["category", str(category.pk)] = rows(
                "category", Q(terms__has_any=subtree_terms(category, categories))
            )
        counted = bounded_counts(wanted)
        kinds = Counter({kind: counted["kind", kind] for kind in Kind.values})
        languages = {
            shown: counted["language", lowered]
            for lowered, shown in spelling.items()
            if counted["exact", lowered] or lowered == _lower(selected)
        }
        chats = {
            "yes": counted["chat", "yes"],
            "all": counted["chat", "yes"] + counted["chat", "no"],
        }
        for platform in platforms:
            platform.entry_count = counted["platform", platform.code]
        for category in categories:
            category.entry_count = counted["category", str(category.pk)]
        return build_facets(
            selected,
            kinds,
            languages,
            chats,
            platforms,
            categories,
            counted["total", ""],
            regional=True,
            bounded=True,
        )

    def facets_of_results(self) -> Facets:
        """`facets()` for a search: a search matches a bounded number of entries (at most
        a few thousand, hashtags.search.CANDIDATE_CAP), so their counted values
        (`Published`: kind, language, chat, categories, platforms) are read in one
        query and every facet is counted from them here, instead of running the search
        again inside one grouped query per facet."""
        selected = self.form.cleaned_data
        base = self.queryset
        for name, value in selected.items():
            if name not in FACET_FILTERS and value not in (None, ""):
                base = self.filters[name].filter(base, value)
        recount_moved()  # `has_chat` moves with time
        rows = list(
            Published.objects.filter(entry_id__in=base.order_by().values("pk")).only(
                "kind", "language", "has_chat", "categories", "platforms"
            )
        )
        categories = list(Category.objects.order_by("path"))
        tests = self._row_tests(selected, categories)

        def kept(skipped: str | None) -> list[Published]:
            checks = [test for name, test in tests.items() if name != skipped]
            return [row for row in rows if all(check(row) for check in checks)]

        kinds = Counter(row.kind for row in kept("kind"))
        languages = Counter(row.language for row in kept("language"))
        with_chat = kept("has_chat")
        chats = {"yes": sum(row.has_chat for row in with_chat), "all": len(with_chat)}
        per_platform = Counter(
            code for row in kept("platform") for code in row.platforms.split(",") if code
        )
        platforms = []
        for platform in Platform.objects.order_by("position", "name"):
            platform.entry_count = per_platform.get(platform.code, 0)
            if platform.entry_count or platform == selected.get("platform"):
                platforms.append(platform)
        sets = Counter(row.categories for row in kept("category") if row.categories)
        counted = credit_category_sets(sets.items(), categories)
        for category in categories:
            category.entry_count = counted.get(category.pk, 0)
        total = len(kept(None))
        return build_facets(selected, kinds, languages, chats, platforms, categories, total)

    @staticmethod
    def _row_tests(
        selected: dict[str, Any], categories: list[Category]
    ) -> dict[str, Callable[[Published], bool]]:
        """For each facet filter in use, the same test as its SQL filter, on a counted
        entry (hashtags/filters.py)."""
        tests: dict[str, Callable[[Published], bool]] = {}
        if selected.get("kind"):
            kind = selected["kind"]
            tests["kind"] = lambda row: row.kind == kind
        if selected.get("language"):
            language = selected["language"]
            tests["language"] = lambda row: language_matches(row.language, language)
        if selected.get("has_chat") is not None:
            wanted = selected["has_chat"]
            tests["has_chat"] = lambda row: row.has_chat == wanted
        if selected.get("platform") is not None:
            code = selected["platform"].code
            tests["platform"] = lambda row: code in row.platforms.split(",")
        if selected.get("category") is not None:
            path = selected["category"].path
            subtree = {
                str(c.pk) for c in categories if c.path == path or c.path.startswith(f"{path}/")
            }
            tests["category"] = lambda row: not subtree.isdisjoint(row.categories.split(","))
        return tests


def build_facets(
    selected: dict[str, Any],
    kinds: Counter[str],
    languages: Counter[str],
    chats: dict[str, int],
    platforms: list[Platform],
    categories: list[Category],
    total: int,
    *,
    regional: bool = False,
    bounded: bool = False,
) -> Facets:
    """The values shown for each filter, from the counts (`platforms` and `categories`
    carry an `entry_count`) and the filters chosen (`selected`, cleaned). `languages`
    counts each stored code, or with `regional` what the filter gives for each code
    (`regional_counts`)."""
    kind_choice = selected.get("kind") or ""
    by_language = languages if regional else regional_counts(languages, _lower(selected))
    facets = Facets(
        kinds=[
            FacetValue(value, label, kinds.get(value, 0), value == kind_choice)
            for value, label in Kind.choices
            if kinds.get(value) or value == kind_choice
        ],
        languages=[
            FacetValue(code, language_name(code), count, code.lower() == _lower(selected))
            for code, count in sorted(by_language.items(), key=lambda item: language_name(item[0]))
            if count or code.lower() == _lower(selected)
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
    facets.total = total
    if bounded:
        # Counted up to COUNT_CAP + 1: a count past the cap is "1,000+".
        for _name, _heading, values in facets.groups():
            for value in values:
                value.capped = value.count > COUNT_CAP
        facets.total_capped = total > COUNT_CAP
    return facets


def facets_memo_name(filterset: DirectoryFilter) -> str:
    """The name the counts for these filters are kept under (per registry generation):
    equal for two addresses that show the same entries."""
    values = sorted(filterset.normalised_values().items())
    if "q" in filterset.normalised_values():
        # A search also matches the page language's word forms (`search_language`).
        values.append(("search language", search_config(filterset.search_language())))
    digest = hashlib.sha256(repr(values).encode()).hexdigest()[:32]
    return f"directory:facets:{digest}"


def cached_facets(filterset: DirectoryFilter) -> Facets:
    """`filterset.facets()`, counted once per registry generation and filter values (see
    the module docstring); the unfiltered directory's, from the counts kept as entries
    change (`kept_facets`)."""
    if not filterset.normalised_values():
        return kept_facets()
    return per_generation(facets_memo_name(filterset), filterset.facets, FACETS_CACHE_SECONDS)


def kept_facets() -> Facets:
    """The unfiltered directory's counts, read from those kept as entries change
    (hashtags.counts): four small queries, however large the registry (the first finds
    the entries whose "has a chat" moved on with time, nearly always none)."""
    recount_moved()
    kept = kept_counts()
    platforms = []
    for platform in Platform.objects.order_by("position", "name"):
        platform.entry_count = kept.get("platform", {}).get(platform.code, 0)
        if platform.entry_count:
            platforms.append(platform)
    categories = list(Category.objects.order_by("path"))
    counted = credit_category_sets(kept.get("categories", {}).items(), categories)
    for category in categories:
        category.entry_count = counted.get(category.pk, 0)
    total = kept.get("total", {}).get("", 0)
    chats = {"yes": kept.get("chat", {}).get("yes", 0), "all": total}
    return build_facets(
        {},
        Counter(kept.get("kind", {})),
        Counter(kept.get("language", {})),
        chats,
        platforms,
        categories,
        total,
    )


def language_spellings(stored: Counter[str], chosen: str) -> dict[str, str]:
    """{lower-case code: the spelling shown} for the stored codes (and the chosen one):
    codes differing only in case are one value, the most frequent spelling shows (the
    lower-case one on a tie, whatever order the database gave them in)."""
    spelling: dict[str, str] = {}
    ranked = sorted(stored.items(), key=lambda item: (-item[1], item[0] != item[0].lower()))
    for code, _count in ranked:
        spelling.setdefault(code.lower(), code)
    if chosen:
        spelling.setdefault(chosen.lower(), chosen)
    return spelling


def regional_counts(stored: Counter[str], chosen: str) -> dict[str, int]:
    """{language code: entries the language filter would give for it}, from the counts per
    stored code: `en` counts `en`, `EN` and `en-GB` entries, as the filter matches them
    (spelt as `language_spellings` says); the chosen code is offered too, so a choice
    that matches nothing still shows as chosen."""
    spelling = language_spellings(stored, chosen)
    return {
        shown: sum(n for code, n in stored.items() if language_matches(code, lowered))
        for lowered, shown in spelling.items()
    }


def chat_choice(value: bool | None) -> str:
    """The `has_chat` parameter's spelling of a cleaned value: "true", "false" or ""."""
    return "" if value is None else ("true" if value else "false")


def _lower(selected: dict[str, Any]) -> str:
    return (selected.get("language") or "").lower()


def _chat(selected: dict[str, Any]) -> str:
    return chat_choice(selected.get("has_chat"))


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    depth: int = 0
    capped: bool = False  # counted up to COUNT_CAP only, and more were found

    @property
    def shown(self) -> str:
        """The count as the page shows it: "1,000+" for a capped one."""
        return cap_label() if self.capped else str(self.count)


def cap_label() -> str:
    """ "1,000+": a count that stopped at COUNT_CAP."""
    return _("%(count)s+") % {"count": number_format(COUNT_CAP, force_grouping=True)}


@dataclass
class Facets:
    kinds: list[FacetValue] = field(default_factory=list)
    languages: list[FacetValue] = field(default_factory=list)
    platforms: list[FacetValue] = field(default_factory=list)
    has_chat: list[FacetValue] = field(default_factory=list)
    categories: list[FacetValue] = field(default_factory=list)
    total: int = 0
    total_capped: bool = False

    @property
    def capped(self) -> bool:
        """Does any count shown stop at COUNT_CAP? (The page then says so.)"""
        return self.total_capped or any(
            value.capped for _name, _heading, values in self.groups() for value in values
        )

    @property
    def total_shown(self) -> str:
        return cap_label() if self.total_capped else str(self.total)

    @property
    def cap(self) -> str:
        return number_format(COUNT_CAP, force_grouping=True)

    @property
    def refinable(self) -> bool:
        """Is there anything to narrow the results by? (No "Refine" box beside nothing.)"""
        return bool(self.total) and any(values for _name, _heading, values in self.groups())

    def groups(self) -> list[tuple[str, str, list[FacetValue]]]:
        """(parameter, heading, values) for each filter, in the order the page shows them."""
        return [
            ("category", _("Category"), self.categories),
            ("kind", _("Kind"), self.kinds),
            ("has_chat", _("Recurring chat"), self.has_chat),
            ("platform", _("Platform"), self.platforms),
            ("language", _("Language"), self.languages),
        ]
