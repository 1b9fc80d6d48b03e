"""The site's page cache and ETags, keyed by the registry's versions (hashtags/serving/cache.py).

An entry's own pages (`/hashtags/<tag>/`, `/api/v1/hashtags/<tag>/`) are keyed by that
entry's version, found from the address alone; every other page (lists, searches,
categories, the home page) by the registry's generation. A change to one entry expires
its own pages and the lists, and keeps every other entry's cached pages.

`RegistryCacheMiddleware` handles anonymous GET/HEAD requests to the home page, the
directory, entry, category and upcoming-chats pages and the API's registry reads:
- every 200 answer without cookies carries an ETag made of the version, the minute
  and the address (host, path, query string and Accept header); a request whose
  If-None-Match carries the current one gets a 304 at the cost of one cache read (no
  database query, no view). This is the API's ETag too ("List and detail answers carry an ETag").
- With REGISTRY_CACHE_SECONDS (0 turns storing off, as in development) such answers
  are also stored under the version: a stored copy of the same address is served
  without running the view.

Signed-in users (curators), requests carrying a session cookie or an Authorization
header (API tokens) always reach the view and get no ETag from here. Time-dependent
content (next meetings, "live now") is at most TIME_BUCKET seconds old: the minute is
part of every ETag and stored copy, which is why the ETag is weak (two answers of the
same minute may differ by a second's worth). Cached answers skip the view, so the API's
throttles count only the requests that reach it.

Every page this middleware lets a view compute for an anonymous client (a copy missing
or a minute old, an address with an unknown parameter, a client sending a cookie or an
Authorization header) spends the client's UNCACHED_PAGE_RATE budget; once it is spent
the client gets a 429 page with Retry-After, while copies and 304s are still served. So
one client cannot keep the workers busy computing pages by varying the address.

While the cache cannot be reached, pages are computed for every request and carry no
ETag from here (hashtags/serving/cache.py).

No stampede: one request at a time (a lock in the shared cache) computes a page that is
missing or a minute old. Meanwhile the others serve last minute's copy of the *same*
version (never an older version: a change is visible at once), or, when there is
no copy yet, wait up to LOCK_WAIT_SECONDS for the one being computed.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers

from directory.middleware import is_api
from hashtags.serving import cache as registry
from hashtags.serving.ratelimit import spend
from hashtags.validators import tag_key

TIME_BUCKET = 60
CACHED_PREFIXES = ("/hashtags/", "/categories/", "/chats/", "/api/v1/")
CACHED_PATHS = ("/",)  # the home page
# Answers that have their own validators (the calendar feeds and the export, whose HEAD
# answers have no body: a stored one would be replayed to a GET) or are not registry
# reads: the report and claim forms, and a submission's state, which changes without a
# visible change (a rejection does not move the generation).
EXCLUDED_SUFFIXES = ("/report/", "/suggest/", "/claim/", ".ics")
EXCLUDED_PREFIXES = ("/api/v1/export.", "/api/v1/export/", "/api/v1/submissions/")
# Every query parameter a registry read takes: the filters of the directory and the API
# (q, category, kind, platform, language, has_chat, active_within_days, status,
# chat_weekday, chat_status, freshness, updated_since), the viewer's zone, sorting and
# paging of the pages and the API, and the upcoming chats' window. A page ignores the
# names it does not take; an address naming anything else (a cache-buster's `?cb=…`) is
# answered but never stored, so made-up parameters cannot fill the cache. A name missing
# here only costs that address its copy.
KNOWN_PARAMETERS = frozenset(
    {
        "q",
        "category",
        "kind",
        "platform",
        "language",
        "has_chat",
        "active_within_days",
        "status",
        "chat_weekday",
        "chat_status",
        "freshness",
        "updated_since",
        "tz",
        "sort",
        "after",
        "before",
        "page",
        "cursor",
        "page_size",
        "ordering",
        "format",
        "start",
        "end",
        "verified",
        "include",
        "entry",
        "limit",
    }
)
# An entry's own pages: answered 200 only at the entry's tag as written (other spellings
# and aliases redirect), whose key finds the entry's version.
ENTRY_PAGE = re.compile(r"^/(?:api/v1/)?hashtags/([^/]+)/$")


def unprefixed(path: str) -> str:
    """The path without its language prefix (/es/hashtags/ → /hashtags/): a page in each
    language is cached, limited and versioned as the English one is."""
    language = translation.get_language_from_path(path)
    return path.removeprefix(f"/{language}") if language else path


def version_of(path: str) -> tuple[str, float]:
    """The version the page at `path` is kept under ("g…": the registry's generation;
    "e…": one entry's version), and when the registry last changed."""
    match = ENTRY_PAGE.match(unprefixed(path))
    key = tag_key(match.group(1)) if match else ""
    if key:
        version, changed_at = registry.entry_state(key)
        return f"e{version}", changed_at
    current, changed_at = registry.state()
    return f"g{current}", changed_at


def is_registry_read(request: HttpRequest) -> bool:
    """A GET or HEAD of a page this middleware handles (see the module's docstring)."""
    if request.method not in ("GET", "HEAD"):
        return False
    path = unprefixed(request.path)
    if path not in CACHED_PATHS and not path.startswith(CACHED_PREFIXES):
        return False
    return not (path.endswith(EXCLUDED_SUFFIXES) or path.startswith(EXCLUDED_PREFIXES))


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def is_cacheable_request(request: HttpRequest) -> bool:
    if not is_registry_read(request):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "Authorization" in request.headers:
        return False
    return not _signed_in(request)


def has_unknown_parameters(request: HttpRequest) -> bool:
    """Whether the query names a parameter no registry read takes (`?cb=…`)."""
    return not KNOWN_PARAMETERS.issuperset(request.GET)


def _shareable(response: HttpResponse) -> bool:
    """An answer every anonymous reader of the address may be given (a cookie would be
    this reader's own)."""
    return response.status_code == 200 and not response.streaming and not response.cookies


def _label(response: HttpResponse, etag: str) -> None:
    response["ETag"] = etag
    patch_vary_headers(response, ("Accept", "Cookie"))


class RegistryCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_registry_read(request):
            return self.get_response(request)
        if not is_cacheable_request(request):
            return self._compute(request)
        try:
            current, changed_at = version_of(request.path)
        except registry.UNAVAILABLE as error:
            # No version, no ETag and no copy: the page is computed, as for a signed-in user.
            registry.unavailable(error, "pages are served uncached")
            return self._compute(request)
        if registry.replica_may_lag(changed_at):
            return self._compute(request)
        # The (validated) host is part of the address too: answers build their links from
        # SITE_URL, but a copy made for one host is never served to another.
        # A page's language is in its path; the API's follows Accept-Language.
        language = request.headers.get("Accept-Language", "") if is_api(request) else ""
        address = (
            f"{request.get_host()}\n{request.get_full_path()}\n"
            f"{request.headers.get('Accept', '')}\n{language}"
        )
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        # Pages also show time-dependent facts (a chat's next meeting, "live now"): the
        # minute is part of the ETag and of each stored copy, so those are at most
        # TIME_BUCKET old (2 × TIME_BUCKET while one request refreshes a copy).
        bucket = int(time.time() // TIME_BUCKET)
        etag = f'W/"{current}-{bucket}-{digest[:16]}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            _label(response, etag)
            return response
        if not settings.REGISTRY_CACHE_SECONDS or has_unknown_parameters(request):
            response = self._compute(request)
            if _shareable(response):
                _label(response, etag)
            return response
        key = f"registry:page:{current}:{digest}"
        lock = f"registry:lock:{current}:{digest}"
        try:
            copy, locked = self._stored(key, lock, bucket)
        except registry.UNAVAILABLE as error:
            registry.unavailable(error, "pages are served uncached")
            return self._compute(request)
        if copy is not None:
            return copy
        try:
            response = self._compute(request)
            if _shareable(response):
                _label(response, etag)
                headers = list(response.items())
                response["X-Cache"] = "miss"
                copy = (bucket, response.status_code, headers, response.content)
                try:
                    cache.set(key, copy, settings.REGISTRY_CACHE_SECONDS)
                except registry.UNAVAILABLE as error:
                    registry.unavailable(error, "pages are not stored")
            return response
        finally:
            if locked:
                with contextlib.suppress(registry.UNAVAILABLE):  # it expires after LOCK_SECONDS
                    cache.delete(lock)

    def _compute(self, request: HttpRequest) -> HttpResponse:
        """The view's answer, if the client's budget of computed pages allows it (the
        API's reads have their own throttles; signed-in curators have no budget)."""
        if not request.path.startswith("/api/") and not _signed_in(request):
            refusal = spend(request, "page")
            if refusal is not None:
                response = render(
                    request, "directory/rate_limited.html", {"reading": True}, status=429
                )
                response["Retry-After"] = str(refusal.retry_after)
                return response
        return self.get_response(request)

    def _stored(self, key: str, lock: str, bucket: int) -> tuple[HttpResponse | None, bool]:
        """A stored copy to answer with, if there is one to serve; else None and whether
        this request holds the lock to compute the page."""
        cached = cache.get(key)
        if cached is not None and cached[0] == bucket:
            return _replay(cached, "hit"), False
        locked = cache.add(lock, 1, registry.LOCK_SECONDS)
        if not locked:
            if cached is not None and cached[0] == bucket - 1:
                # Last minute's copy of the current version while another request
                # refreshes it: no stampede of identical recomputations each minute.
                return _replay(cached, "stale"), False
            # Another worker is computing this very page (just after a change, say):
            # wait for its copy rather than repeat the work; compute if it is late.
            waited = registry.wait_for(key, lock, accept=lambda copy: copy[0] >= bucket)
            if waited is not None:
                return _replay(waited, "hit"), False
        return None, locked


def _replay(cached: tuple, how: str) -> HttpResponse:
    _bucket, status, headers, content = cached
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response["X-Cache"] = how
    return response
