"""How many entries sit in each category, and the counts of the unfiltered directory.

A category's count is its entries and those of every category below it, each entry
counted once however many categories of the subtree it sits in.

Counting every public entry takes seconds at a million entries, so the counts over the
whole registry (the home page, /categories/, GET /api/v1/categories/, the unfiltered
directory's facets) are not counted when read: they are kept in `FacetCount`, updated
as entries change. `CountedEntry` holds what was last counted for each public entry
(its kind, language, whether it has an active chat, its sets of categories and
platforms); `recount(ids)`, run in the transaction of every change to those entries
(hashtags.changes), subtracts what was counted and adds what the entries are now: a few
small queries per change, never a scan of the registry, committed or rolled back with
the change. `rebuild()` counts everything again (after bulk
writes that send no signals: `seed_synthetic`; `manage.py recount` runs it, and
`recount --check` compares the kept counts with a fresh count).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.db import connections, router, transaction
from django.db.models import Aggregate, CharField, Max, Min, Q, QuerySet

from hashtags.cache import per_generation
from hashtags.models import PUBLIC_STATUSES, Category, CountedEntry, FacetCount, Hashtag

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


def kept_counts() -> dict[str, dict[str, int]]:
    """{facet: {value: public entries}} as kept in `FacetCount` (see the module
    docstring): one query, a few thousand rows at most."""
    kept: dict[str, dict[str, int]] = defaultdict(dict)
    for facet, value, count in FacetCount.objects.filter(count__gt=0).values_list(
        "facet", "value", "count"
    ):
        kept[facet][value] = count
    return kept


def counted_values(entry: CountedEntry) -> list[tuple[str, str]]:
    """The (facet, value) pairs one public entry adds 1 to."""
    values = [("total", ""), ("kind", entry.kind), ("language", entry.language)]
    if entry.has_chat:
        values.append(("chat", "yes"))
    values += [("platform", code) for code in entry.platforms.split(",") if code]
    if entry.categories:
        values.append(("categories", entry.categories))
    return values


def _same(a: CountedEntry, b: CountedEntry) -> bool:
    return counted_values(a) == counted_values(b)


def _signatures(
    entries: Q, links: Q, apps: Any = global_apps, using: str = "default"
) -> dict[int, CountedEntry]:
    """What counts for each public entry that `entries` selects (`links` selects the
    same entries' category and platform links, and chats), read from `using` (the
    primary: a replica may not have the change yet)."""
    model = apps.get_model("hashtags", "Hashtag")
    chat = apps.get_model("hashtags", "Chat")
    counted = apps.get_model("hashtags", "CountedEntry")
    rows = (
        model.objects.using(using)
        .filter(entries, status__in=PUBLIC_STATUSES)
        .values_list("pk", "kind", "language")
    )
    found = {pk: counted(entry_id=pk, kind=kind, language=language) for pk, kind, language in rows}
    if not found:
        return {}
    if len(found) < 1000:  # a few changed entries: their ids, not a range
        links = Q(hashtag_id__in=list(found))
    with_chat = set(
        chat.objects.using(using).filter(links, is_active=True).values_list("hashtag_id", flat=True)
    )
    categories = _linked(model.categories.through, "category_id", links, using)
    platforms = _linked(model.platforms.through, "platform_id", links, using)
    for pk, entry in found.items():
        entry.has_chat = pk in with_chat
        entry.categories = ",".join(str(c) for c in sorted(set(categories.get(pk, ()))))
        entry.platforms = ",".join(sorted(set(platforms.get(pk, ()))))
    return found


def _linked(through: Any, column: str, links: Q, using: str) -> dict[int, list]:
    """{entry id: the ids its links through `through` point to (`column`)}."""
    linked: dict[int, list] = defaultdict(list)
    for pk, target in through.objects.using(using).filter(links).values_list("hashtag_id", column):
        linked[pk].append(target)
    return linked


def _add(delta: Counter[tuple[str, str]], using: str) -> None:
    """Add `delta` to the kept counts, in a fixed order (two recounts at once never wait
    for each other's rows crosswise)."""
    changes = [(facet, value, n) for (facet, value), n in sorted(delta.items()) if n]
    if not changes:
        return
    connection = connections[using]
    table = connection.ops.quote_name(FacetCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (facet, value, count) VALUES (%s, %s, %s) "  # noqa: S608 - the model's own table name
            f"ON CONFLICT (facet, value) DO UPDATE SET count = {table}.count + excluded.count",
            changes,
        )


def recount(entry_ids: Iterable[int]) -> None:
    """Bring the kept counts up to date for these entries (whatever happened to them:
    created, changed, made public or not, deleted)."""
    ids = sorted(set(entry_ids))
    if not ids:
        return
    using = router.db_for_write(FacetCount)
    with transaction.atomic(using=using, savepoint=False):
        # One recount of an entry at a time: the second waits, then sees the first's rows.
        list(Hashtag.objects.using(using).select_for_update().filter(pk__in=ids).values("pk"))
        old = {
            row.entry_id: row for row in CountedEntry.objects.using(using).filter(entry_id__in=ids)
        }
        new = _signatures(Q(pk__in=ids), Q(hashtag_id__in=ids), using=using)
        delta: Counter[tuple[str, str]] = Counter()
        for row in old.values():
            delta.subtract(counted_values(row))
        for row in new.values():
            delta.update(counted_values(row))
        gone = [pk for pk in old if pk not in new]
        if gone:
            CountedEntry.objects.using(using).filter(entry_id__in=gone).delete()
        changed = [row for pk, row in new.items() if pk not in old or not _same(old[pk], row)]
        if changed:
            CountedEntry.objects.using(using).bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["entry_id"],
                update_fields=["kind", "language", "has_chat", "categories", "platforms"],
            )
        _add(delta, using)


def rebuild(apps: Any = global_apps, using: str = "default") -> int:
    """Count every public entry again, replacing the kept counts; the number counted.
    A scan of the registry (about a minute at a million entries): for bulk writes that
    send no signals, and to fill the counts the first time."""
    model = apps.get_model("hashtags", "Hashtag")
    counted = apps.get_model("hashtags", "CountedEntry")
    facet_count = apps.get_model("hashtags", "FacetCount")
    totals: Counter[tuple[str, str]] = Counter()
    done = 0
    with transaction.atomic(using=using):
        counted.objects.using(using).all().delete()
        facet_count.objects.using(using).all().delete()
        bounds = model.objects.using(using).aggregate(low=Min("pk"), high=Max("pk"))
        low, high = bounds["low"], bounds["high"]
        for start in range(low or 0, (high or -1) + 1, REBUILD_CHUNK):
            end = start + REBUILD_CHUNK
            found = _signatures(
                Q(pk__gte=start, pk__lt=end),
                Q(hashtag_id__gte=start, hashtag_id__lt=end),
                apps,
                using,
            )
            counted.objects.using(using).bulk_create(found.values(), batch_size=5000)
            for entry in found.values():
                totals.update(counted_values(entry))
            done += len(found)
        facet_count.objects.using(using).bulk_create(
            [facet_count(facet=f, value=v, count=n) for (f, v), n in sorted(totals.items())],
            batch_size=5000,
        )
    return done


def differences() -> dict[tuple[str, str], tuple[int, int]]:
    """{(facet, value): (kept, counted now)} where the kept counts differ from a fresh
    count of the registry (empty when they agree)."""
    fresh: Counter[tuple[str, str]] = Counter()
    high = Hashtag.objects.aggregate(high=Max("pk"))["high"] or -1
    for start in range(0, high + 1, REBUILD_CHUNK):
        end = start + REBUILD_CHUNK
        for entry in _signatures(
            Q(pk__gte=start, pk__lt=end), Q(hashtag_id__gte=start, hashtag_id__lt=end)
        ).values():
            fresh.update(counted_values(entry))
    kept = {
        (facet, value): count
        for facet, values in kept_counts().items()
        for value, count in values.items()
    }
    return {
        name: (kept.get(name, 0), fresh.get(name, 0))
        for name in set(kept) | set(fresh)
        if kept.get(name, 0) != fresh.get(name, 0)
    }
