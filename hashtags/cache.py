"""The registry's generation: one number in the shared cache that every change a visitor
could see moves on, and everything cached or validated for anonymous readers is keyed by.

The generation lives in the shared cache (Redis when REDIS_URL is set) and is bumped
after the transaction of every write that may change a public page commits
(`may_show_publicly`): a curator's edit, an approval, an import. Nothing is ever
invalidated one key at a time; a new generation makes every older key and validator
obsolete at once, so nothing stale is served once a change is committed.

Derived from it:
- the site's page cache and the API's ETags (directory/cache.py);
- values computed over the whole registry, once per generation (`per_generation`:
  facet counts, category counts, the zones of the public chats);
- the validators of the documents served whole, the iCalendar feeds and the export
  (`validators`): a client polling an unchanged one is answered 304 with one cache read.

A cache that lost the generation (new, flushed, restarted, or the key evicted) starts
again at the current time in microseconds rather than at 1, so no ETag it gives can equal
one given before: catching up would take a million visible changes a second.

With read replicas, for REPLICA_LAG_SECONDS after a change answers are neither stored
nor given validators, since a replica may not have replayed the change yet.

Writes that bypass model signals (queryset.update(), bulk_create(), raw SQL) must call
`bump_generation()` themselves (seed_synthetic does; the importer saves through the
models, so its signals do it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from hashtags.routers import replicas

GENERATION_KEY = "registry:generation"
CHANGED_AT_KEY = "registry:changed_at"
# One request at a time computes a missing value (a lock in the shared cache); the
# others wait while the lock is held (at most LOCK_WAIT_SECONDS). The lock expires after
# LOCK_SECONDS if its holder dies.
LOCK_SECONDS = 30
LOCK_WAIT_SECONDS = 15.0  # longer than any page takes (the uncached directory at 1M: ~3 s)
LOCK_POLL_SECONDS = 0.02


def state() -> tuple[int, float]:
    """The registry's generation and when it last changed (one cache round trip)."""
    values = cache.get_many([GENERATION_KEY, CHANGED_AT_KEY])
    if len(values) < 2:
        values = _start(values)
    return int(values[GENERATION_KEY]), float(values[CHANGED_AT_KEY])


def _start(found: dict) -> dict:
    """A generation for a cache that has none. When it last changed is unknown, so it
    counts as now: a Last-Modified never goes back before a change the cache forgot, and
    with replicas nothing is stored until they have had time to catch up."""
    now = time.time()
    # add() so that workers starting at once agree on one value.
    cache.add(CHANGED_AT_KEY, found.get(CHANGED_AT_KEY, now), timeout=None)
    cache.add(GENERATION_KEY, int(now * 1_000_000), timeout=None)
    values = cache.get_many([GENERATION_KEY, CHANGED_AT_KEY])
    # A cache that keeps nothing (DummyCache): this request's own values.
    values.setdefault(GENERATION_KEY, int(now * 1_000_000))
    values.setdefault(CHANGED_AT_KEY, now)
    return values


def generation() -> int:
    return state()[0]


def bump_generation() -> None:
    """Make every cached page and validator obsolete (call after a write that sends no
    signal)."""
    now = time.time()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # the cache lost it: a new sequence, above the old one
        cache.add(GENERATION_KEY, int(now * 1_000_000), timeout=None)
    cache.set(CHANGED_AT_KEY, now, timeout=None)


def replica_may_lag(changed_at: float) -> bool:
    """With read replicas, a read just after a change may come from a replica that has not
    replayed it yet: such answers are neither stored nor given validators."""
    return bool(replicas()) and time.time() - changed_at < settings.REPLICA_LAG_SECONDS


def validators(name: str) -> tuple[str, float] | None:
    """The ETag and Last-Modified (a timestamp) of the document called `name` in the
    registry's current state, from the shared cache alone: answering a conditional
    request with them costs no database query. None while a read replica may not have
    replayed a recent change (the answer then carries no validators).

    `name` must tell apart every document whose bytes differ for the same registry (a
    format, a filter, a format version); the generation tells apart the registry's
    states. The ETag is strong: the callers' documents are the same bytes for the same
    name and generation.
    """
    current, changed_at = state()
    if replica_may_lag(changed_at):
        return None
    return f'"{name}-g{current}"', changed_at


def _bump_after_commit(sender: type, instance: object = None, **kwargs: object) -> None:
    action = kwargs.get("action")
    if action is not None and not str(action).startswith("post_"):
        return  # m2m_changed also fires before the change
    if not may_show_publicly(sender, instance, created=bool(kwargs.get("created"))):
        return
    # After the commit: a reader that caches between the write and the commit does so under
    # the old generation, which this bump then retires.
    transaction.on_commit(bump_generation)


def may_show_publicly(sender: type, instance: object, *, created: bool = False) -> bool:
    """Could this write change a public page? Not when it only concerns entries that are
    neither public now nor were when read (a new submission, a rejection, a pending
    entry's chats and links), nor a moderator just created (linked to nothing yet): such
    writes keep every cached page, so public submissions cannot empty the cache."""
    from hashtags.models import PUBLIC_STATUSES, Hashtag, Moderator

    if sender is Moderator and created:
        return False
    if isinstance(instance, Hashtag):  # the entry, or its links (m2m_changed, forward)
        known = created or "_status_in_db" in instance.__dict__
        before = None if created else instance.__dict__.get("_status_in_db")
        instance._status_in_db = instance.status  # what the database holds from now on
        return not known or instance.status in PUBLIC_STATUSES or before in PUBLIC_STATUSES
    hashtag_id = getattr(instance, "hashtag_id", None)
    if hashtag_id is None:
        return True  # a category, a platform, a moderator's details, a reverse link
    return Hashtag.objects.public().filter(pk=hashtag_id).exists()


def connect_signals() -> None:
    from hashtags import models

    senders = [
        models.Hashtag,
        models.Identity,
        models.Alias,
        models.Category,
        models.Chat,
        models.ChatPause,
        models.Moderator,
        models.HashtagModerator,
        models.Platform,
    ]
    for sender in senders:
        post_save.connect(_bump_after_commit, sender=sender, dispatch_uid=f"gen-save-{sender}")
        post_delete.connect(_bump_after_commit, sender=sender, dispatch_uid=f"gen-del-{sender}")
    for through in (models.Hashtag.categories.through, models.Hashtag.platforms.through):
        m2m_changed.connect(_bump_after_commit, sender=through, dispatch_uid=f"gen-m2m-{through}")


def per_generation(name: str, compute: Callable[[], object], timeout: int = 86_400) -> object:
    """`compute()`, kept in the shared cache for the registry's current generation: a
    value that changes only when the registry does (counts over every public entry)
    is computed once per visible change, by one request while the others wait for it."""
    current, changed_at = state()
    key = f"registry:memo:{current}:{name}"
    value = cache.get(key)
    if value is not None:
        return value
    lock = f"{key}:lock"
    locked = cache.add(lock, 1, LOCK_SECONDS)
    if not locked:
        value = wait_for(key, lock, accept=lambda found: True)  # [] and {} are values too
        if value is not None:
            return value
    try:
        value = compute()
        if not replica_may_lag(changed_at):
            cache.set(key, value, timeout)
        return value
    finally:
        if locked:
            cache.delete(lock)


def wait_for(key: str, lock: str, accept: Callable[[object], bool] = bool) -> object | None:
    """The value another request is computing under `lock`, once it stores it at `key`
    (and `accept` takes it); None when that request ends without storing one (an error
    page, say), or after LOCK_WAIT_SECONDS (a holder that died: its lock expires later)."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(LOCK_POLL_SECONDS)
        found = cache.get_many([key, lock])
        value = found.get(key)
        if value is not None and accept(value):
            return value
        if lock not in found:
            return None
    return None
