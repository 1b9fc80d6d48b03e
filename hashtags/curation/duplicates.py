"""The duplicate-content rule: the same proposed entry text, sent again under another tag.

A spammer who varies only the tag gets past the identity check (hashtags.entries) and,
from many addresses, past the per-client budgets. So a new entry whose name and
description, once normalised (NFKC, case-folded, whitespace collapsed), match those of an
entry proposed by anyone within DUPLICATE_CONTENT_HOURS is refused, with a message that
names the rule. The submission form and `POST /api/v1/submissions/` both ask
hashtags.curation.moderation.submit_hashtag to apply it (the API answers 400 under
"non_field_errors"); a rejection lets the text be proposed again; 0 hours turns it off.

The text's fingerprint is claimed in the shared cache (an atomic add in Redis, so two
workers cannot both accept it) before the entry is written, and released if the entry is
then refused for another reason, so a mistake does not block its own correction.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def fingerprint(name: str, description: str) -> str:
    def normal(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())

    text = f"{normal(name)}\n{normal(description)}"
    return hashlib.sha256(text.encode()).hexdigest()


def message(hours: int) -> str:
    return (
        f"Duplicate content: an entry with this same name and description was proposed "
        f"in the last {hours} hours. Each hashtag needs its own name and description; if "
        "you sent this one already, it is waiting for review."
    )


def _key(name: str, description: str) -> str:
    return f"duplicate-content:{fingerprint(name, description)}"


def release(*, name: str, description: str) -> None:
    """Let this text be proposed again (its entry was rejected)."""
    cache.delete(_key(name, description))


@contextmanager
def unique_content(*, name: str, description: str) -> Iterator[None]:
    """Refuse (ValidationError, not field-bound) text proposed within the window; keep the
    claim if the body of the `with` succeeds, release it if it raises."""
    hours = settings.DUPLICATE_CONTENT_HOURS
    if hours <= 0:
        yield
        return
    key = _key(name, description)
    if not cache.add(key, 1, hours * 3600):
        raise ValidationError({NON_FIELD_ERRORS: [message(hours)]}, code="duplicate_content")
    try:
        yield
    except BaseException:
        cache.delete(key)
        raise
