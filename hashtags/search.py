"""Search over the registry: one module for the directory page, the API and the
submission form's "did you mean".

The same interface on both databases: `search(queryset, q)` returns the entries of
`queryset` that match, annotated with an integer `search_rank` (smaller is better) and
ordered by (search_rank, key, pk), so callers can page by keyset over (search_rank, key).

SQLite (the embedded default) does a simple match: each word of the query must be a
prefix of the tag or an alias (case-insensitive, '#' ignored), or appear in the name or
description. Ranks: 0 exact tag, 1 exact alias, 2 tag prefix, 3 anything else.

On both databases, a short query (3 to `EDIT_MAX_LENGTH` characters) that nothing else
matches also finds the tags and aliases one edit away from it: two neighbouring
characters swapped, one dropped, replaced or added ("bcms" -> #BCSM, "hlcdr" -> #HCLDR).
Those keys are spelt out (`one_edit_keys`, SymSpell's single edits) and looked up by the
unique index on the identity key: a few hundred index probes, never a scan, at any size.
They rank 2000 on PostgreSQL (with the trigram neighbours) and 4 on SQLite. On
PostgreSQL a longer query (up to `LONG_EDIT_MAX_LENGTH`) is looked up one edit away too,
and when that finds a tag or alias, the similarity search below is skipped.

PostgreSQL uses the trigger-kept `Hashtag.search_document` (migration 0005) and pg_trgm:

- candidates come from three indexed lookups, UNIONed: identity keys (tags and aliases)
  starting with the query (btree varchar_pattern_ops), full-text matches of every word
  (GIN on the document; each word as a 'simple' prefix, an English stem, or a stem in
  the visitor's language: an entry's name and description are indexed in its own
  language's configuration, `search_config`, migration 0025), and, when
  neither finds anything (no tag or alias starts with the query, no entry holds its
  words), identity keys similar in spelling to it (GIN trigram): first the close ones
  (strict word similarity >= 0.5, `%>>`: hcldt -> #HCLDR, pinksox -> #pinksocks), and
  only when there is none the looser ones (similarity >= 0.3, `%`: epatinet ->
  #epatient). Close neighbours are few index candidates at any size; the loose stage's
  candidates grow with the registry, and it runs only for a query nothing else matches;
- each lookup is capped (`CANDIDATE_CAP` full-text and prefix matches, `TYPO_CAP` typo
  matches), so a common word matching 10% of a million entries ranks at most a few
  thousand rows instead of sorting all of them. The cap is the documented difference:
  a word matching more than CANDIDATE_CAP entries lists CANDIDATE_CAP of them (those
  with the word in their tag first, by key), and the page's other filters narrow those;
- ranks: 0 exact tag, 1 exact alias, 2 tag or alias prefix, 3-1002 full-text matches by
  ts_rank (weights: tag and aliases A, name B, category names C, description D), and
  2000-2100 typo-only matches by trigram similarity.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity
from django.db import connections
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Greatest, Least

from hashtags.models import Hashtag, Identity
from hashtags.validators import key_skeleton, tag_key, tag_skeleton

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
# At most this many full-text matches and this many tag/alias prefix matches are ranked
# per query on PostgreSQL (see the module docstring).
CANDIDATE_CAP = 1000
# At most this many spelling neighbours (typo tolerance) are considered.
TYPO_CAP = 20
# Queries up to this many characters get their one-edit neighbours looked up (about 80
# keys per character: the lookup stays a bounded list of index probes).
EDIT_MAX_LENGTH = 12
# On PostgreSQL, longer queries (up to this many characters) are looked up one edit away
# first too, and the similarity search runs only when that finds nothing: the trigrams
# of a long query ("heartbrcastcancer") are common ones, whose similarity search reads
# a large part of the trigram index at a million entries (seconds), while a few thousand
# probes of the key index take milliseconds.
LONG_EDIT_MAX_LENGTH = 40
_EDIT_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
# Anything that is not a letter, digit, underscore or mark separates words; operators,
# quotes and '#' carry no meaning here.
_SEPARATORS = re.compile(r"[^\w]+", re.UNICODE)
# What to_tsquery may read: letters and digits only (no operator can get through).
_TSQUERY_SAFE = re.compile(r"[^\w]|_", re.UNICODE)


def words(query: str | None) -> list[str]:
    """The searchable words of a raw query: NFKC, no control characters, at most 8 words."""
    if not query:
        return []
    text = unicodedata.normalize("NFKC", str(query)[: MAX_QUERY_LENGTH * 2])[:MAX_QUERY_LENGTH]
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C")
    return [word for word in _SEPARATORS.split(text) if word][:MAX_WORDS]


# The text-search configuration of each language whose words PostgreSQL can stem (an
# entry's name and description are indexed in its language's, `simple` for the others:
# migration 0025's `hashtags_search_config`, which this mirrors).
SEARCH_CONFIGS = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "pt": "portuguese",
    "de": "german",
}


def search_config(language: str | None) -> str:
    """The text-search configuration of a language tag ("es-MX": spanish)."""
    return SEARCH_CONFIGS.get((language or "").split("-")[0].lower(), "simple")


def search(
    queryset: QuerySet[Hashtag],
    query: str | None,
    *,
    memo: dict | None = None,
    language: str | None = None,
) -> QuerySet[Hashtag]:
    """Entries of `queryset` matching `query`, best matches first (see the module doc).

    A caller that searches several querysets for the same query (the directory page's
    results and its facet counts) passes one `memo` dict, so that what does not depend on
    the queryset is asked of the database once. `language`, the visitor's (the
    directory's page language), also matches the words' forms in that language on
    PostgreSQL; English's always are."""
    terms = words(query)
    if not terms:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        return _search_postgresql(queryset, terms, {} if memo is None else memo, language)
    return _search_simple(queryset, terms, {} if memo is None else memo)


def one_edit_keys(key: str, longest: int = EDIT_MAX_LENGTH) -> list[str]:
    """Every identity key one edit from `key` (a swap of neighbours, a character dropped,
    replaced or added), for an indexed `key IN (…)` lookup; none for a key shorter than 3
    or longer than `longest` characters. Replacements and insertions use ASCII
    letters, digits and '_' and the key's own characters."""
    if not 3 <= len(key) <= longest:
        return []
    alphabet = sorted(_EDIT_ALPHABET | set(key))
    found = set()
    for index in range(len(key) + 1):
        head, tail = key[:index], key[index:]
        found.update(head + char + tail for char in alphabet)  # added
        if tail:
            found.add(head + tail[1:])  # dropped
            found.update(head + char + tail[1:] for char in alphabet)  # replaced
        if len(tail) > 1:
            found.add(head + tail[1] + tail[0] + tail[2:])  # swapped
    found.discard(key)
    return sorted(found)


def _search_simple(queryset: QuerySet[Hashtag], terms: list[str], memo: dict) -> QuerySet[Hashtag]:
    unfiltered = queryset
    for term in terms:
        key = tag_key(term)
        alias_prefix = Identity.objects.filter(hashtag=OuterRef("pk"), key__startswith=key)
        queryset = queryset.filter(
            Q(key__startswith=key)
            | Exists(alias_prefix)
            | Q(name__icontains=term)
            | Q(description__icontains=term)
        )
    whole = tag_key("".join(terms))
    exact_alias = Identity.objects.filter(hashtag=OuterRef("pk"), key=whole)
    typo_when = []
    neighbours = one_edit_keys(whole)
    if neighbours and not _has_prefix(queryset.db, whole, memo) and not queryset.exists():
        # Nothing matches: the entries one edit away (see the module docstring).
        near = Identity.objects.filter(key__in=neighbours).values("hashtag_id")
        queryset = unfiltered.filter(pk__in=near)
        typo_when = [When(Q(pk__in=near), then=Value(4))]
    return queryset.annotate(
        search_rank=Case(
            When(key=whole, then=Value(0)),
            When(Exists(exact_alias), then=Value(1)),
            When(key__startswith=tag_key(terms[0]), then=Value(2)),
            *typo_when,
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("search_rank", "key", "pk")


def text_query(terms: list[str], language: str | None = None) -> SearchQuery | None:
    """Every word, each as a prefix in the 'simple' configuration (tags, names as
    written), as an English stem (names, descriptions), or as a stem in `language`'s
    configuration (entries in that language); None when no word is left."""
    config = search_config(language)
    combined = None
    for term in terms:
        pieces = [piece for piece in _TSQUERY_SAFE.split(term) if piece]
        if not pieces:
            continue
        prefix = " & ".join(f"{piece}:*" for piece in pieces)
        either = SearchQuery(prefix, search_type="raw", config="simple") | SearchQuery(
            " ".join(pieces), config="english"
        )
        if config not in ("english", "simple"):
            either = either | SearchQuery(" ".join(pieces), config=config)
        combined = either if combined is None else combined & either
    return combined


def _search_postgresql(
    queryset: QuerySet[Hashtag], terms: list[str], memo: dict, language: str | None = None
) -> QuerySet[Hashtag]:
    whole = tag_key("".join(terms))
    tsquery = text_query(terms, language)
    parts = []
    if whole:
        # No ORDER BY: an index range scan that stops after CANDIDATE_CAP keys (ordering
        # by key would walk the collation-ordered unique index instead of the prefix
        # range under most collations).
        parts.append(
            Identity.objects.filter(key__startswith=whole)
            .order_by()
            .values("hashtag_id")[:CANDIDATE_CAP]
        )
    if tsquery is not None:
        # Pre-ordered by nothing: the first CANDIDATE_CAP rows the GIN bitmap yields. The
        # exact, alias and prefix matches come through the indexed lookups above anyway.
        parts.append(
            queryset.order_by().filter(search_document=tsquery).values("pk")[:CANDIDATE_CAP]
        )
    neighbours, typo_when = [], []
    if len(whole) >= 3 and not _has_prefix(queryset.db, whole, memo):
        # Asked before the statement is built: when a tag or alias starts with the query
        # (most queries), the statement holds no similarity search at all.
        neighbours = one_edit_keys(whole, LONG_EDIT_MAX_LENGTH)
        similar = not neighbours or not _one_edit_exists(queryset.db, neighbours, memo)
        parts.extend(_spelling_neighbours(queryset, whole, tsquery, neighbours, similar))
    if neighbours:
        one_edit = Identity.objects.filter(hashtag=OuterRef("pk"), key__in=neighbours)
        queryset = queryset.alias(_one_edit=Subquery(one_edit.values("pk")[:1]))
        typo_when = [When(Q(_one_edit__isnull=False), then=Value(2000))]
    if not parts:
        return queryset.none().annotate(search_rank=Value(0, output_field=IntegerField()))
    candidates = _union_sql(parts)
    # Per-candidate lookups (by hashtag_id) as LIMIT 1 subqueries: an EXISTS here may be
    # planned as a hash over every alias starting with a common word.
    own_aliases = Identity.objects.filter(hashtag=OuterRef("pk"), is_alias=True)
    exact_alias = Subquery(own_aliases.filter(key=whole).values("pk")[:1])
    alias_prefix = Subquery(own_aliases.filter(key__startswith=whole).values("pk")[:1])
    similarity = (
        Identity.objects.filter(hashtag=OuterRef("pk"))
        .values("hashtag")
        .annotate(best=Max(TrigramSimilarity("key", whole)))
        .values("best")
    )
    text_when = []
    if tsquery is not None:
        text_rank = Least(
            Cast(SearchRank(F("search_document"), tsquery) * 1000, IntegerField()),
            Value(999),
        )
        text_when = [
            When(
                search_document=tsquery,
                then=Value(1002) - Greatest(text_rank, Value(0)),
            )
        ]
    typo_rank = Value(2100) - Cast(
        Coalesce(Subquery(similarity, output_field=FloatField()), Value(0.0)) * 100,
        IntegerField(),
    )
    return (
        queryset.filter(pk__in=candidates)
        .alias(_exact_alias=exact_alias, _alias_prefix=alias_prefix)
        .annotate(
            search_rank=Case(
                When(key=whole, then=Value(0)),
                When(Q(_exact_alias__isnull=False), then=Value(1)),
                When(key__startswith=whole, then=Value(2)),
                When(Q(_alias_prefix__isnull=False), then=Value(2)),
                *text_when,
                *typo_when,
                default=typo_rank,
                output_field=IntegerField(),
            )
        )
        .order_by("search_rank", "key", "pk")
    )


def _has_prefix(using: str, whole: str, memo: dict) -> bool:
    """Does any tag or alias start with `whole`? (One index probe.)"""
    key = ("has prefix", using, whole)
    if key not in memo:
        memo[key] = Identity.objects.using(using).filter(key__startswith=whole).exists()
    return memo[key]


def _one_edit_exists(using: str, keys: list[str], memo: dict) -> bool:
    """Does any tag or alias lie one edit away (`keys`)? (Index probes, no scan.)"""
    memo_key = ("one edit", using, tuple(keys))
    if memo_key not in memo:
        with connections[using].cursor() as cursor:
            cursor.execute(f"{_ONE_EDIT_SQL} LIMIT 1", [list(keys)])
            memo[memo_key] = cursor.fetchone() is not None
    return memo[memo_key]


def _spelling_neighbours(
    queryset: QuerySet[Hashtag],
    whole: str,
    tsquery: SearchQuery | None,
    one_edit: list[str],
    similar: bool = True,
) -> list[QuerySet | tuple[str, tuple]]:
    """Tags and aliases spelt like the query (which no tag or alias starts with), only
    when no entry of `queryset` holds all its words either: a query that finds entries
    needs no correction, and a common word would have thousands of neighbours to score.

    Close neighbours first (strict word similarity >= 0.5: few index candidates), looser
    ones (similarity >= 0.3) only when there is no close one. The conditions are one-time
    filters, so a stage that is not needed never runs. The keys one edit away
    (`one_edit`) are looked up by the unique key index under the same condition: a
    swapped letter ("bcms") shares too few trigrams with the tag to be found by them.
    Without `similar` (a long query with a tag one edit away) only those keys are."""
    nothing_found, found = [], None
    if tsquery is not None:
        # Through the capped candidate subquery: planned as the GIN lookup, where a plain
        # EXISTS is planned as a scan of the registry that hopes to stop early.
        text_matches = queryset.order_by().filter(search_document=tsquery).values("pk")
        found = Hashtag.objects.filter(pk__in=text_matches[:CANDIDATE_CAP])
        nothing_found.append(~Exists(found))
    # `close` carries the condition too, so that a parallel plan (which evaluates every
    # one-time condition before it starts) still skips its similarity scan.
    close = Identity.objects.filter(*nothing_found, key__trigram_strict_word_similar=whole)
    loose = Identity.objects.filter(*nothing_found, ~Exists(close), key__trigram_similar=whole)
    stages = [
        stage.annotate(distance=Value(1.0) - TrigramSimilarity("key", whole))
        .order_by("distance", "key")
        .values("hashtag_id")[:TYPO_CAP]
        for stage in ((close, loose) if similar else ())
    ]
    if one_edit:
        stages.append(_one_edit_sql(one_edit, found))
    return stages


_ONE_EDIT_SQL = (
    "SELECT one_edit.hashtag_id FROM unnest(%s::varchar[]) AS wanted(key) "
    'CROSS JOIN LATERAL (SELECT hashtag_id FROM "hashtags_identity" '
    'WHERE "hashtags_identity"."key" = wanted.key LIMIT 1) AS one_edit'
)


def _one_edit_sql(keys: list[str], found: QuerySet | None) -> tuple[str, tuple]:
    """The entries holding one of `keys`, unless `found` (the text matches) has any: one
    probe of the unique key index per key. The LATERAL subquery with LIMIT 1 (a key is
    unique) is not flattened into a join, so the planner cannot trade the few hundred
    probes for a scan of every name, as it would for `key IN (…)` below some 100,000
    names."""
    sql = _ONE_EDIT_SQL
    params: list = [list(keys)]
    if found is not None:
        condition, condition_params = found.query.sql_with_params()
        sql += f" WHERE NOT EXISTS ({condition})"
        params.extend(condition_params)
    return f"{sql} LIMIT {TYPO_CAP}", tuple(params)


def _union_sql(parts: list[QuerySet | tuple[str, tuple]]) -> RawSQL:
    """`SELECT … UNION SELECT …` of single-column subqueries (querysets, or SQL with its
    parameters), each keeping its own LIMIT, for an `id IN (…)` the planner turns into a
    semi-join over a few thousand ids."""
    sqls, params = [], []
    for part in parts:
        sql, part_params = part if isinstance(part, tuple) else part.query.sql_with_params()
        sqls.append(f"({sql})")
        params.extend(part_params)
    return RawSQL(" UNION ".join(sqls), tuple(params))  # noqa: S611 - compiled querysets


def similar_tags(
    tag: str, within: QuerySet[Hashtag] | None = None, *, limit: int = 3
) -> list[Hashtag]:
    """Entries of `within` (every live entry when None; pages pass
    `Hashtag.objects.public()`) whose tag or alias looks like `tag` ("did you mean
    #HCLDR?"), best first, never the entry that holds `tag` itself.

    Candidates share the first three characters (an indexed prefix match), are a prefix
    of `tag` or one edit away from it (`one_edit_keys`); they are kept when one contains
    the other, they are one edit apart or otherwise close in spelling.
    """
    key = tag_key(tag)
    if len(key) < 3:
        return []
    prefixes = [key[:end] for end in range(3, len(key))]
    identities = Identity.objects.all()
    if within is not None:
        identities = identities.filter(hashtag__in=within.order_by().values("pk"))
    candidates = (
        identities.filter(
            Q(key__in=prefixes) | Q(key__startswith=key[:3]) | Q(key__in=one_edit_keys(key))
        )
        .exclude(key=key)
        .exclude(hashtag__identities__key=key)
        .select_related("hashtag")
        .order_by("key")[:50]
    )
    scored: dict[int, tuple[float, Hashtag]] = {}
    near = set(one_edit_keys(key))
    for identity in candidates:
        shorter, longer = sorted((key, identity.key), key=len)
        score = SequenceMatcher(None, key, identity.key).ratio()
        if identity.key in near:
            score = max(score, 0.85)  # one edit away: "bcms" for #BCSM
        if longer.startswith(shorter) and len(shorter) >= 4:
            score = max(score, 0.9)
        if score >= 0.75 and score > scored.get(identity.hashtag_id, (0.0, None))[0]:
            scored[identity.hashtag_id] = (score, identity.hashtag)
    ranked = sorted(scored.values(), key=lambda pair: (-pair[0], pair[1].key))
    return [hashtag for _, hashtag in ranked[:limit]]


def lookalike_tags(tag: str) -> list[Hashtag]:
    """Live entries with a name that renders like `tag` (equal TS 39 skeletons), never the
    entry that holds `tag` itself. Names stored without a skeleton (the later of a
    look-alike pair that predates the rule, migration 0010) are compared here too."""
    key = tag_key(tag)
    own = {tag_skeleton(tag), key_skeleton(tag)}
    unjudged = [
        identity
        for identity in Identity.objects.filter(skeleton__isnull=True).select_related("hashtag")
        if {tag_skeleton(identity.tag), key_skeleton(identity.tag)} & own
    ]
    found = list(Identity.objects.lookalikes(tag).select_related("hashtag")) + unjudged
    holders = {identity.hashtag_id for identity in found if identity.key == key}
    entries = {i.hashtag_id: i.hashtag for i in found if i.hashtag_id not in holders}
    return sorted(entries.values(), key=lambda hashtag: hashtag.key)
