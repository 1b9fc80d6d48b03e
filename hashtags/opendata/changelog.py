"""The registry's changes: what `publish` records when an entry's exported record changes,
and how a change reads in the changes feed, its Atom feed and an entry's history page.

A change is found by comparing an entry's export record (format version 1) before and
after a write, so every way in records the same changes: the API, the admin, the
moderation decisions, a steward, an import, a mirror. Times that only keep records
(`created`, `updated`, `approved_at`) are carried in the record but never listed as the
fields that changed. Who made the change is a role: a curator unless the way in says
otherwise (`acting_as`: a steward, an import, the registry's own housekeeping);
nothing private is kept: the records hold no emails, and reasons are kept only where
they are already public (a retirement's reason, a merge).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from hashtags.models import Change, Identity
from hashtags.validators import tag_key

Action = Change.Action
Role = Change.Role

# The fields of a record that only keep records: never a change's `fields`.
RECORD_KEEPING = frozenset({"created", "updated", "approved_at"})

_role: ContextVar[str] = ContextVar("change_role", default=Role.CURATOR)


@contextmanager
def acting_as(role: str) -> Iterator[None]:
    """Record the changes made within as made by `role` (the innermost wins)."""
    token = _role.set(role)
    try:
        yield
    finally:
        _role.reset(token)


def current_role() -> str:
    return _role.get()


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The record's fields whose values differ, in the record's order."""
    names = list(after) + [name for name in before if name not in after]
    return [
        name for name in names if name not in RECORD_KEEPING and before.get(name) != after.get(name)
    ]


def _action(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, fields) -> str:
    if before is None:
        return Action.CREATED
    if after is None:
        return Action.REMOVED
    if before["status"] != after["status"]:
        return Action.RETIRED if after["status"] == "retired" else Action.RESTORED
    if before["tag"] != after["tag"]:
        return Action.RENAMED
    if fields == ["aliases"]:
        added = set(after["aliases"]) - set(before["aliases"])
        return Action.ALIAS_ADDED if added else Action.ALIAS_REMOVED
    if fields == ["categories"]:
        return Action.CATEGORY_CHANGED
    if fields == ["last_verified"]:
        return Action.VERIFIED
    return Action.UPDATED


def change(
    entry_id: int,
    key: str,
    before_text: str | None,
    after_text: str | None,
    *,
    merged_into: str | None,
    at: datetime,
) -> Change | None:
    """The change from one record to another (JSON texts; None: not public), or None when
    they are equal. `merged_into`: the tag that now holds a removed entry's tag."""
    if before_text == after_text:
        return None
    before = None if before_text is None else json.loads(before_text)
    after = None if after_text is None else json.loads(after_text)
    fields = changed_fields(before or {}, after or {}) if before and after else []
    action = _action(before, after, fields)
    reason = ""
    if action == Action.REMOVED and merged_into:
        action = Action.MERGED
        reason = f"Merged into #{merged_into}."
    elif action in (Action.RETIRED, Action.RESTORED):
        reason = after["status_reason"]
    now = after or before
    return Change(
        at=at,
        entry_id=entry_id,
        tag=now["tag"],
        key=key,
        renamed_from=before["tag"] if action == Action.RENAMED else "",
        action=action,
        fields=fields,
        role=current_role(),
        reason=reason,
        before=before_text,
        record=after_text,
    )


# --- Reading --------------------------------------------------------------------------

# Changes per page of the feed: by default, and at most.
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


# Changes that only moved record-keeping times (a save that changed nothing a reader
# sees): in the feed, so a mirror keeps the same times, but not on history pages.
ONLY_RECORD_KEEPING = {"action": Action.UPDATED, "fields": []}


def latest() -> int:
    """The sequence of the newest change (0 before the first)."""
    return Change.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def newest() -> tuple[int, datetime | None]:
    """The sequence and time of the newest change ((0, None) before the first): what the
    registry's feeds are validated by (ETag, Last-Modified)."""
    found = Change.objects.order_by("-sequence").values_list("sequence", "at").first()
    return found or (0, None)


def entries_named(raw_tag: str) -> list[int]:
    """The entries a tag names: the one that holds it now (as its tag or an alias) and
    any whose changes were recorded under it (a tag renamed away, an entry removed)."""
    key = tag_key(raw_tag)
    if not key:
        return []
    now = Identity.objects.filter(key=key).values_list("hashtag_id", flat=True)
    earlier = Change.objects.filter(key=key).values_list("entry_id", flat=True)
    renamed = Change.objects.filter(renamed_from__iexact=raw_tag.lstrip("#")).values_list(
        "entry_id", flat=True
    )
    return sorted({*now, *earlier, *renamed})


def page(*, after: int = 0, limit: int = PAGE_SIZE, entries: list[int] | None = None):
    """The changes after sequence `after`, oldest first (of these entries when given)."""
    changes = Change.objects.filter(sequence__gt=after)
    if entries is not None:
        changes = changes.filter(entry_id__in=entries)
    return list(changes.order_by("sequence")[:limit])


def history(entry_id: int):
    """An entry's changes, newest first."""
    return Change.objects.filter(entry_id=entry_id).order_by("-sequence")


def loads(text: str | None) -> dict[str, Any] | None:
    return None if text is None else json.loads(text)
