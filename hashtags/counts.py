"""How many entries sit in each category.

A category's count is its entries and those of every category below it, each entry
counted once however many categories of the subtree it sits in.

Counting every public entry takes seconds at a million entries, so the counts over the
whole registry (the home page, /categories/, GET /api/v1/categories/, the unfiltered
directory's facets) are not counted when read: they are kept in `FacetCount` by the
producer of the published entries (hashtags.published), as entries are written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import connections
from django.db.models import Aggregate, CharField, QuerySet

from hashtags.models import Category, Hashtag
from hashtags.published import kept_counts
from hashtags.serving.cache import per_generation

# Entries counted per round of `rebuild` (by ranges of ids).
REBUILD_CHUNK = 20_000


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
    return credit_category_sets(rows, categories)


def credit_category_sets(
    rows: Iterable[tuple[str, int]], categories: list[Category]
) -> dict[int, int]:
    """{category id: count} from (category set "3,17", entries with that set) pairs:
    each set's count is credited once to every category at or above one of its members
    (ids of categories that no longer exist are passed over)."""
    by_path = {category.path: category.pk for category in categories}
    # Each category's id and those of the categories above it (among `categories`).
    above: dict[str, frozenset[int]] = {}
    for category in categories:
        slugs = category.path.split("/")
        prefixes = ("/".join(slugs[:end]) for end in range(1, len(slugs) + 1))
        above[str(category.pk)] = frozenset(by_path[p] for p in prefixes if p in by_path)
    nothing: frozenset[int] = frozenset()
    counts: Counter[int] = Counter()
    for category_set, count in rows:
        members = str(category_set).split(",")
        credited = above.get(members[0], nothing).union(
            *(above.get(member, nothing) for member in members[1:])
        )
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


def public_category_counts() -> list[Category]:
    """Every category, in tree order, with its count of public entries (its subtree's):
    the site's category tree and the API's `entry_count` both read this one count, kept
    as entries change (two small queries, once per registry generation)."""

    def count() -> list[Category]:
        categories = list(Category.objects.order_by("path"))
        kept = kept_counts().get("categories", {})
        counts = credit_category_sets(kept.items(), categories)
        for category in categories:
            category.entry_count = counts.get(category.pk, 0)
        return categories

    return per_generation("category-counts", count)


def public_entry_counts() -> dict[int, int]:
    """{category id: public entries in it or below it}, from `public_category_counts`."""
    return {category.pk: category.entry_count for category in public_category_counts()}


def rebuild(apps: Any = None, using: str = "default") -> int:
    """Migration 0015's step, which counted into a table migration 0016 replaced: 0016
    publishes and counts every entry (`hashtags.published.publish_all`), so there is
    nothing left to do here."""
    return 0


# Counts of a filtered view are counted up to this many; past it a page says "1,000+".
COUNT_CAP = 1000


def bounded_counts(querysets: dict[Any, QuerySet]) -> dict[Any, int]:
    """{name: how many rows `querysets[name]` has, counted up to COUNT_CAP + 1}, in one
    statement: each count reads at most COUNT_CAP + 1 rows (`LIMIT` in a subquery), so a
    value held by half a million entries costs what one held by a thousand does. A
    count above COUNT_CAP means "more than COUNT_CAP"."""
    if not querysets:
        return {}
    parts, params = [], []
    using = None
    for queryset in querysets.values():
        limited = queryset.order_by().values("pk")[: COUNT_CAP + 1]
        sql, part_params = limited.query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608 - compiled
        params.extend(part_params)
        using = queryset.db
    statement = f"SELECT {', '.join(parts)}"
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A hundred small subqueries add up to a plan cost past `jit_above_cost`:
            # compiling it would take longer than running it. `SET LOCAL` holds for the
            # statement's own (implicit) transaction, or the caller's.
            cursor.execute(f"SET LOCAL jit = off; {statement}", params)
            cursor.nextset()
        else:
            cursor.execute(statement, params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))
