"""Shared caching of anonymous reads, never stale.

The registry has a *generation*: a number in the shared cache (Redis when REDIS_URL is
set) that every change to a registry model bumps, after its transaction commits. Each
cached page's key and ETag include the generation, so a curator's edit makes every
cached page and every ETag obsolete at once; nothing is ever invalidated one key at a
time, and nothing stale can be served once the change is committed.

`RegistryCacheMiddleware` serves anonymous GET/HEAD requests to the home page, the
directory, entry, category and upcoming-chats pages and the API:
- a request whose If-None-Match carries the current ETag gets a 304 at the cost of one
  cache read (no database query, no view);
- otherwise a cached copy of the same address (path, query string and Accept header)
  under the current generation is served; failing that, the view runs and a 200 answer
  without cookies is stored for `REGISTRY_CACHE_SECONDS`.

With read replicas, for REPLICA_LAG_SECONDS after a change answers are neither stored
nor given an ETag, since a replica may not have replayed the change yet.

Signed-in users (curators), requests carrying a session cookie or an Authorization
header (API tokens) always reach the view. Time-dependent content (next meetings) is at
most TIME_BUCKET seconds old: the minute is part of every ETag and stored copy. Cached
answers skip the view, so the API's throttles count only the requests that reach it.

No stampede: one request at a time (a lock in the shared cache) computes a page that is
missing or a minute old. Meanwhile the others serve last minute's copy of the *same*
generation (never an older generation: a change is visible at once), or, when there is
no copy yet, wait up to LOCK_WAIT_SECONDS for the one being computed.
Writes that bypass model signals (queryset.update(), bulk_create(), raw SQL) must call
`bump_generation()` themselves (seed_synthetic does; the importer saves through the
models, so its signals do it).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers

from hashtags.routers import replicas

GENERATION_KEY = "registry:generation"
CHANGED_AT_KEY = "registry:changed_at"
TIME_BUCKET = 60
# One request at a time computes a missing or outdated page (a lock in the shared cache);
# the others serve the previous minute's copy, or wait for the new one while the lock is
# held (at most LOCK_WAIT_SECONDS). The lock expires after LOCK_SECONDS if its holder dies.
LOCK_SECONDS = 30
LOCK_WAIT_SECONDS = 15.0  # longer than any page takes (the uncached directory at 1M: ~3 s)
LOCK_POLL_SECONDS = 0.02
CACHED_PREFIXES = ("/hashtags/", "/categories/", "/chats/", "/api/v1/")
CACHED_PATHS = ("/",)  # the home page
# Answers that have their own conditional GET or are not registry reads.
EXCLUDED_SUFFIXES = ("/report/",)
EXCLUDED_PREFIXES = ("/api/v1/export.",)


def state() -> tuple[int, float]:
    """The registry's generation and when it last changed (one cache round trip)."""
    values = cache.get_many([GENERATION_KEY, CHANGED_AT_KEY])
    if GENERATION_KEY not in values:
        # add() so that two workers starting at once agree on the first value.
        cache.add(GENERATION_KEY, 1, timeout=None)
        values[GENERATION_KEY] = cache.get(GENERATION_KEY, 1)
    return int(values[GENERATION_KEY]), float(values.get(CHANGED_AT_KEY, 0.0))


def generation() -> int:
    return state()[0]


def bump_generation() -> None:
    """Make every cached page and ETag obsolete (call after a write that sends no signal)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, 2, timeout=None)
    cache.set(CHANGED_AT_KEY, time.time(), timeout=None)


def replica_may_lag(changed_at: float) -> bool:
    """With read replicas, a read just after a change may come from a replica that has not
    replayed it yet: such answers are neither stored nor given an ETag."""
    return bool(replicas()) and time.time() - changed_at < settings.REPLICA_LAG_SECONDS


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
    return Hashtag.objects.filter(pk=hashtag_id, status__in=PUBLIC_STATUSES).exists()


def connect_signals() -> None:
    from hashtags import models

    senders = [
        models.Hashtag,
        models.Identity,
        models.Alias,
        models.Category,
        models.Chat,
        models.Moderator,
        models.HashtagModerator,
        models.Platform,
    ]
    for sender in senders:
        post_save.connect(_bump_after_commit, sender=sender, dispatch_uid=f"gen-save-{sender}")
        post_delete.connect(_bump_after_commit, sender=sender, dispatch_uid=f"gen-del-{sender}")
    for through in (models.Hashtag.categories.through, models.Hashtag.platforms.through):
        m2m_changed.connect(_bump_after_commit, sender=through, dispatch_uid=f"gen-m2m-{through}")


def is_cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    path = request.path
    if path not in CACHED_PATHS and not path.startswith(CACHED_PREFIXES):
        return False
    if path.endswith(EXCLUDED_SUFFIXES):
        return False
    if path.startswith(EXCLUDED_PREFIXES):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "Authorization" in request.headers:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class RegistryCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.REGISTRY_CACHE_SECONDS or not is_cacheable_request(request):
            return self.get_response(request)
        current, changed_at = state()
        address = f"{request.get_full_path()}\n{request.headers.get('Accept', '')}"
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        # Pages also show time-dependent facts (a chat's next meeting, "live now"): the
        # minute is part of the ETag and of each stored copy, so those are at most
        # TIME_BUCKET old (2 × TIME_BUCKET while one request refreshes a copy).
        bucket = int(clock() // TIME_BUCKET)
        etag = f'W/"g{current}-{bucket}-{digest[:16]}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            patch_vary_headers(response, ("Accept", "Cookie"))
            return response
        key = f"registry:page:{current}:{digest}"
        lock = f"registry:lock:{current}:{digest}"
        cached = cache.get(key)
        if cached is not None and cached[0] == bucket:
            return _replay(cached, "hit")
        locked = cache.add(lock, 1, LOCK_SECONDS)
        if not locked:
            if cached is not None and cached[0] == bucket - 1:
                # Last minute's copy of the current generation while another request
                # refreshes it: no stampede of identical recomputations each minute.
                return _replay(cached, "stale")
            # Another worker is computing this very page (just after a change, say):
            # wait for its copy rather than repeat the work; compute if it is late.
            waited = wait_for(key, lock, accept=lambda copy: copy[0] >= bucket)
            if waited is not None:
                return _replay(waited, "hit")
        try:
            response = self.get_response(request)
            if replica_may_lag(changed_at):
                return response
            if response.status_code == 200 and not response.streaming and not response.cookies:
                response["ETag"] = etag
                patch_vary_headers(response, ("Accept", "Cookie"))
                headers = list(response.items())
                response["X-Cache"] = "miss"
                cache.set(
                    key,
                    (bucket, response.status_code, headers, response.content),
                    settings.REGISTRY_CACHE_SECONDS,
                )
            return response
        finally:
            if locked:
                cache.delete(lock)


def clock() -> float:
    """The time the minute buckets are taken from (tests move it)."""
    return time.time()


def _replay(cached: tuple, how: str) -> HttpResponse:
    _bucket, status, headers, content = cached
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response["X-Cache"] = how
    return response


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
