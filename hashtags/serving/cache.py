"""Versions of the registry that everything cached or validated for anonymous readers is
keyed by, kept in the shared cache (Redis when REDIS_URL is set):

- the **generation**, moved on by every change a visitor could see: the lists and
  searches (any of which may hold the changed entry), the counts over the registry, the
  calendar feeds and the export are keyed by it;
- one **version per entry** (by the entry's key, so a page can find it from its address
  alone), moved on by a change to that entry: its page and API detail are keyed by it
  and by the **epoch**, which moves on with changes that may touch every entry's page
  (a category or platform renamed, a bulk write). A change to one entry thus expires
  its own pages and every list, and keeps the cached pages of every other entry.

What changed is collected during a transaction and acted on once it commits
(hashtags.serving.expiry): a reader that caches between the write and the commit does so under
the old versions, which the change then expires, so nothing stale is served once a
change is committed. `bump_generation()` expires everything (writes that send no
signals call it: queryset.update(), bulk_create(), raw SQL; seed_synthetic does).

Derived from them:
- the site's page cache and the API's ETags (directory/cache.py);
- values computed over the registry, once per generation (`per_generation`: facet
  counts of filtered views, the zones of the public chats);
- the validators of the documents served whole, the iCalendar feeds and the export
  (`validators`): a client polling an unchanged one is answered 304 with one cache read.

A cache that lost a version (new, flushed, restarted, or the key evicted) starts it
again at the current time in microseconds rather than at 1, so no ETag it gives can equal
one given before: catching up would take a million visible changes a second.

With read replicas, for REPLICA_LAG_SECONDS after a change answers are neither stored
nor given validators, since a replica may not have replayed the change yet.

While the cache cannot be reached (Redis down, or slower than its socket timeouts) the
site works without it: pages are computed and served unlabelled, values are computed
each time, documents go without validators, and a change that cannot expire what it
made obsolete is logged (stored pages are a minute old at most; values kept per
generation and validators are expired by the next change). `UNAVAILABLE` is what the
cache raises then; every user of the cache catches it (hashtags.serving.ratelimit refuses
writes it cannot count).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from hashtags.serving.routers import replicas

logger = logging.getLogger(__name__)

# What the shared cache raises when it cannot answer: redis-py's errors (a refused
# connection, a timeout, a server refusing writes). The local-memory cache never fails.
UNAVAILABLE = (RedisError,)
WARN_EVERY_SECONDS = 60
_warned_at = 0.0

GENERATION_KEY = "registry:generation"
CHANGED_AT_KEY = "registry:changed_at"
EPOCH_KEY = "registry:epoch"
# One request at a time computes a missing value (a lock in the shared cache); the
# others wait while the lock is held (at most LOCK_WAIT_SECONDS). The lock expires after
# LOCK_SECONDS if its holder dies.
LOCK_SECONDS = 30
LOCK_WAIT_SECONDS = 15.0  # longer than any page takes (the uncached directory at 1M: ~3 s)
LOCK_POLL_SECONDS = 0.02


def entry_version_key(key: str) -> str:
    """The cache key of the version of the entry whose key (`Hashtag.key`) is `key`."""
    return "registry:entry:" + hashlib.sha256(key.encode()).hexdigest()[:24]


def state() -> tuple[int, float]:
    """The registry's generation and when it last changed (one cache round trip)."""
    values = _read([GENERATION_KEY, CHANGED_AT_KEY])
    return int(values[GENERATION_KEY]), float(values[CHANGED_AT_KEY])


def entry_state(key: str) -> tuple[str, float]:
    """The version of one entry's pages ("<epoch>.<entry's version>") and when the
    registry last changed (one cache round trip)."""
    version_key = entry_version_key(key)
    values = _read([EPOCH_KEY, version_key, CHANGED_AT_KEY])
    return f"{values[EPOCH_KEY]}.{values[version_key]}", float(values[CHANGED_AT_KEY])


def _read(names: list[str]) -> dict:
    values = cache.get_many(names)
    if len(values) < len(names):
        values = _start(names, values)
    return values


def _start(names: list[str], found: dict) -> dict:
    """Versions for a cache that lacks some. When the registry last changed is unknown,
    so it counts as now: a Last-Modified never goes back before a change the cache
    forgot, and with replicas nothing is stored until they have had time to catch up."""
    now = time.time()
    # add() so that workers starting at once agree on one value.
    for name in names:
        if name not in found:
            cache.add(name, now if name == CHANGED_AT_KEY else int(now * 1_000_000), None)
    values = cache.get_many(names)
    # A cache that keeps nothing (DummyCache): this request's own values.
    for name in names:
        values.setdefault(name, now if name == CHANGED_AT_KEY else int(now * 1_000_000))
    return values


def unavailable(error: Exception, doing: str) -> None:
    """Log that the cache is unreachable, at most once a minute per process (every
    request would otherwise say it)."""
    global _warned_at
    now = time.monotonic()
    if now - _warned_at >= WARN_EVERY_SECONDS or not _warned_at:
        _warned_at = now
        logger.warning("Cache unavailable (%s): %s", type(error).__name__, doing)


def available() -> bool:
    """Whether the cache answers now (for /readyz)."""
    try:
        cache.get(GENERATION_KEY)
    except UNAVAILABLE:
        return False
    return True


def generation() -> int:
    return state()[0]


def _incr(name: str, now: float) -> None:
    try:
        cache.incr(name)
    except ValueError:  # the cache lost it: a new sequence, above the old one
        cache.add(name, int(now * 1_000_000), timeout=None)


def bump_generation() -> None:
    """Make every cached page and validator obsolete (call after a write that sends no
    signal)."""
    now = time.time()
    try:
        _incr(GENERATION_KEY, now)
        _incr(EPOCH_KEY, now)
        cache.set(CHANGED_AT_KEY, now, timeout=None)
    except UNAVAILABLE as error:
        _not_expired(error)


def bump_entries(keys: Iterable[str]) -> None:
    """Expire the cached pages of the entries with these keys, and every list (the
    generation): what a change to those entries alone makes obsolete."""
    now = time.time()
    try:
        _incr(GENERATION_KEY, now)
        for key in sorted(set(keys)):
            _incr(entry_version_key(key), now)
        cache.set(CHANGED_AT_KEY, now, timeout=None)
    except UNAVAILABLE as error:
        _not_expired(error)


def _not_expired(error: Exception) -> None:
    # The change is committed; failing its request now would only invite a second one.
    logger.error(
        "Cache unavailable (%s): a change could not expire the cached pages it made "
        "obsolete; if the cache comes back with its data, clear it",
        type(error).__name__,
    )


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
    try:
        current, changed_at = state()
    except UNAVAILABLE as error:
        unavailable(error, "documents are served without validators")
        return None
    if replica_may_lag(changed_at):
        return None
    return f'"{name}-g{current}"', changed_at


def per_generation(name: str, compute: Callable[[], object], timeout: int = 86_400) -> object:
    """`compute()`, kept in the shared cache for the registry's current generation: a
    value that changes only when the registry does (counts over every public entry)
    is computed once per visible change, by one request while the others wait for it;
    computed each time while the cache is unavailable."""
    try:
        current, changed_at = state()
        key = f"registry:memo:{current}:{name}"
        value = cache.get(key)
        if value is not None:
            return value
        lock = f"{key}:lock"
        locked = cache.add(lock, 1, LOCK_SECONDS)
        if not locked:
            value = wait_for(key, lock, accept=lambda found: True)  # [] and {} are values
            if value is not None:
                return value
    except UNAVAILABLE as error:
        unavailable(error, f"{name} is computed for each request")
        return compute()
    try:
        value = compute()
        if not replica_may_lag(changed_at):
            try:
                cache.set(key, value, timeout)
            except UNAVAILABLE as error:
                unavailable(error, f"{name} is not kept")
        return value
    finally:
        if locked:
            with contextlib.suppress(UNAVAILABLE):  # it expires
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
