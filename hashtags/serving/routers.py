"""Read replicas: reads go to a replica, writes and read-after-write to the primary.

`DATABASE_REPLICA_URLS` (comma-separated) adds read-only aliases `replica_1`, `replica_2`…
The router sends reads to one of them, except while the request is *pinned* to the
primary: a write (any non-GET), a signed-in curator's own session, a client that wrote
in the last `REPLICA_LAG_SECONDS` (a cookie remembers it), or code that asks with
`use_primary()` (a submitter's status page). Sessions, users and lock-out records are
always read from the primary: a replica a moment behind must not sign anyone out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_pinned: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)
PRIMARY = "default"
PIN_COOKIE = "primary_until"
ALWAYS_PRIMARY_APPS = {"sessions", "auth", "axes", "admin"}


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


@contextmanager
def use_primary() -> Iterator[None]:
    """Read from the primary inside this block (read-after-write)."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        aliases = replicas()
        if not aliases or _pinned.get() or model._meta.app_label in ALWAYS_PRIMARY_APPS:
            return PRIMARY
        return random.choice(aliases)  # noqa: S311 - load spreading, not security

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Every alias holds the same data, so objects from any of them may relate.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # Replicas copy the primary's schema through replication; `migrate` runs on the
        # primary (and on a replica only when asked, as tests do to build one).
        return True


class ReplicaPinMiddleware:
    """Pin a request to the primary when it must see its own (or a recent) write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replicas():
            return self.get_response(request)
        writes = request.method not in {"GET", "HEAD", "OPTIONS"}
        recent = _recent_writer(request)
        curator = request.path.startswith("/admin/") or _is_staff(request)
        if not (writes or recent or curator):
            return self.get_response(request)
        with use_primary():
            response = self.get_response(request)
        if writes and response.status_code < 400:
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time()) + settings.REPLICA_LAG_SECONDS),
                max_age=settings.REPLICA_LAG_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def _recent_writer(request: HttpRequest) -> bool:
    try:
        return int(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False


def _is_staff(request: HttpRequest) -> bool:
    # Only look at the user when a session exists, to keep anonymous reads query-free.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)
