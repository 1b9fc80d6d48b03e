"""Health probes and the answer given while the database or the cache is down.

- /healthz: liveness. The process answers; the database is not touched.
- /readyz: readiness. `SELECT 1` must answer within READY_SECONDS on the client's side
  (config/postgresql: a database that stops answering is not waited for), else 503. The cache's
  state is reported beside it ("cache: ok" or "cache: unavailable") without changing
  the status: the site serves its pages without the cache (hashtags/serving/cache.py), so a
  balancer should keep sending it requests.
- server_error(): Django's 500 handler. A database or cache that cannot be reached is
  an outage, not a bug: pages get a static 503 page and the API a JSON 503, both with
  Retry-After. Nothing is cached about the failure, so the site recovers as soon as the
  database answers again, without a restart.
"""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.defaults import server_error as default_server_error

from config.postgresql.base import deadline
from hashtags.serving import cache as registry_cache

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# The database must answer /readyz within this (a new connection: within connect_timeout,
# 2 s at least in libpq).
READY_SECONDS = 1.5
DATABASE_OUTAGE = (OperationalError, InterfaceError)
OUTAGE_ERRORS = DATABASE_OUTAGE + registry_cache.UNAVAILABLE


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    try:
        with deadline(connection, READY_SECONDS):
            # An open connection that does not answer is the answer: not ready (opening
            # another would add connect_timeout to the wait).
            if connection.connection is not None and not connection.is_usable():
                raise OperationalError("the open connection did not answer")
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Readiness check failed: %s", type(error).__name__)
        connection.close()  # the next request connects afresh
        return unavailable(request, "The database is not answering.")
    cache = "ok" if registry_cache.available() else "unavailable"
    return HttpResponse(f"ready\ndatabase: ok\ncache: {cache}\n", content_type="text/plain")


def unavailable(
    request: HttpRequest,
    message: str,
    retry_after: int = RETRY_AFTER_SECONDS,
    *,
    page_message: str = "",
) -> HttpResponse:
    """The 503 answer: JSON for the API and the probes, the static page otherwise (its
    first sentence `page_message`, or that the database cannot be reached)."""
    if request.path.startswith("/api/") or request.path in {"/readyz", "/healthz"}:
        response = JsonResponse({"detail": message}, status=503)
    else:
        try:
            body = loader.render_to_string("503.html", {"message": page_message})
        except Exception:  # the static page must not fail in turn
            body = f"<!doctype html><title>Unavailable</title><h1>{message}</h1>"
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(retry_after)
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    error = sys.exc_info()[1]
    if isinstance(error, OUTAGE_ERRORS):
        if isinstance(error, DATABASE_OUTAGE):
            logger.error("Database unavailable: %s", type(error).__name__)
            # Drop the broken connection so the next request connects afresh.
            connection.close()
        else:
            logger.error("Cache unavailable: %s", type(error).__name__)
        return unavailable(
            request, "The directory is temporarily unavailable. Please try again shortly."
        )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return default_server_error(request, template_name)
