"""Search over the registry: one module for the directory page, the API and the
submission form's "did you mean".

The same interface on both databases. This version matches on every database: each word
of the query must be a prefix of the tag or an alias (case-insensitive, '#' ignored), or
appear in the name or description; an exact tag or alias match ranks first.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from hashtags.models import Hashtag, Identity
from hashtags.validators import tag_key

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
# Anything that is not a letter, digit, underscore or mark separates words; operators,
# quotes and '#' carry no meaning here.
_SEPARATORS = re.compile(r"[^\w]+", re.UNICODE)


def words(query: str | None) -> list[str]:
    """The searchable words of a raw query: NFKC, no control characters, at most 8 words."""
    if not query:
        return []
    text = unicodedata.normalize("NFKC", str(query)[: MAX_QUERY_LENGTH * 2])[:MAX_QUERY_LENGTH]
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C")
    return [word for word in _SEPARATORS.split(text) if word][:MAX_WORDS]


def search(queryset: QuerySet[Hashtag], query: str | None) -> QuerySet[Hashtag]:
    """Entries of `queryset` matching every word of `query`, best matches first."""
    terms = words(query)
    if not terms:
        return queryset
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
    return queryset.annotate(
        search_rank=Case(
            When(key=whole, then=Value(0)),
            When(Exists(exact_alias), then=Value(1)),
            When(key__startswith=tag_key(terms[0]), then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("search_rank", "key", "pk")


def similar_tags(tag: str, *, limit: int = 3) -> list[Hashtag]:
    """Live entries whose tag or alias looks like `tag` ("did you mean #HCLDR?"), best
    first, never the entry that holds `tag` itself.

    Candidates share the first three characters (an indexed prefix match) or are a prefix
    of `tag`; they are kept when one contains the other or they are close in spelling.
    """
    key = tag_key(tag)
    if len(key) < 3:
        return []
    prefixes = [key[:end] for end in range(3, len(key))]
    candidates = (
        Identity.objects.filter(Q(key__in=prefixes) | Q(key__startswith=key[:3]))
        .exclude(key=key)
        .exclude(hashtag__identities__key=key)
        .select_related("hashtag")
        .order_by("key")[:50]
    )
    scored: dict[int, tuple[float, Hashtag]] = {}
    for identity in candidates:
        shorter, longer = sorted((key, identity.key), key=len)
        score = SequenceMatcher(None, key, identity.key).ratio()
        if longer.startswith(shorter) and len(shorter) >= 4:
            score = max(score, 0.9)
        if score >= 0.75 and score > scored.get(identity.hashtag_id, (0.0, None))[0]:
            scored[identity.hashtag_id] = (score, identity.hashtag)
    ranked = sorted(scored.values(), key=lambda pair: (-pair[0], pair[1].key))
    return [hashtag for _, hashtag in ranked[:limit]]
