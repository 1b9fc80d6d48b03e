"""Search over the registry: one module for the directory page, the API and the
submission form's "did you mean".

The same interface on both databases. This version matches on every database: each word
of the query must be a prefix of the tag or an alias (case-insensitive, '#' ignored), or
appear in the name or description; an exact tag or alias match ranks first.
"""

from __future__ import annotations

import re
import unicodedata

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
    """Live entries whose tag looks like `tag` ("did you mean #HCLDR?"), excluding an
    exact identity match: a shared prefix of at least four characters either way."""
    key = tag_key(tag)
    if len(key) < 3:
        return []
    stem = key[: max(3, min(len(key) - 1, 6))]
    candidates = (
        Hashtag.objects.live()
        .filter(Q(key__startswith=stem) | Q(identities__key__startswith=stem))
        .exclude(key=key)
        .distinct()
        .order_by("key")[: limit * 4]
    )
    return sorted(candidates, key=lambda h: (abs(len(h.key) - len(key)), h.key))[:limit]
