"""`GET /api/v1/export.json` and `GET /api/v1/export.csv`: the registry export over HTTP.

The body is streamed from the database in chunks (hashtags.registry_io), so memory stays
flat whatever the registry's size. The ETag and Last-Modified come from a few indexed
aggregates and are cached, so a conditional request (If-None-Match / If-Modified-Since)
is answered 304 without touching the entries. A full response always recomputes them, so
a body is never labelled with an older ETag. Saves and deletes of registry records in a
process that serves the site (and a committed `import_registry`) forget the cached
values at once; writes from elsewhere show within VALIDATORS_CACHE_SECONDS.
"""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django_ratelimit.core import is_ratelimited

from hashtags import registry_io

VALIDATORS_CACHE_SECONDS = registry_io.VALIDATORS_CACHE_SECONDS
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8; header=present"}
FILENAME = "healthcare-hashtag-directory"
TRUE, FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


def _registry_changed(sender, **kwargs) -> None:
    if sender._meta.app_label == "hashtags":
        registry_io.forget_export_validators()


# Connected here, in the processes that serve the export; import_registry forgets the
# cached values once at the end rather than once per saved row.
post_save.connect(_registry_changed, dispatch_uid="registry-export-post-save")
post_delete.connect(_registry_changed, dispatch_uid="registry-export-post-delete")
m2m_changed.connect(_registry_changed, dispatch_uid="registry-export-m2m-changed")


def _validators(fmt: str, include_retired: bool, *, fresh: bool) -> tuple[str, datetime | None]:
    key = registry_io.export_cache_key(fmt, include_retired)
    cached = None if fresh else cache.get(key)
    if cached is None:
        digest, modified = registry_io.export_fingerprint(include_retired=include_retired)
        # One document per format: the JSON and CSV bodies differ, so must their ETags.
        cached = (f'"{fmt}-{digest}"', modified)
        cache.set(key, cached, VALIDATORS_CACHE_SECONDS)
    return cached


def _export_rate(group, request) -> str:
    return settings.EXPORT_RATE


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    raw = request.GET.get("include_retired", "").strip().lower()
    if raw not in TRUE | FALSE:
        return JsonResponse(
            {"include_retired": [f"Use 1 or 0 (got {raw[:20]!r})."]},
            status=400,
        )
    include_retired = raw in TRUE
    conditional = "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
    if conditional:
        etag, modified = _validators(fmt, include_retired, fresh=False)
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=int(modified.timestamp()) if modified else None
        )
        if not_modified is not None:
            # A 304 carries the validators and caching headers a 200 would (RFC 9110).
            return _with_headers(not_modified, fmt, include_retired, etag, modified)
    # Only full answers count against the client's budget: a 304 costs next to nothing.
    if is_ratelimited(request, group="export", key="ip", rate=_export_rate, increment=True):
        response = JsonResponse(
            {"detail": "Too many full exports from your address; try again later."}, status=429
        )
        response["Retry-After"] = "3600"
        return response
    etag, modified = _validators(fmt, include_retired, fresh=True)

    if request.method == "HEAD":
        response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    else:
        pieces = registry_io.iter_export(fmt, include_retired=include_retired)
        response = StreamingHttpResponse(
            (piece.encode() for piece in pieces), content_type=CONTENT_TYPES[fmt]
        )
    return _with_headers(response, fmt, include_retired, etag, modified)


def _with_headers(
    response: HttpResponse, fmt: str, include_retired: bool, etag: str, modified: datetime | None
) -> HttpResponse:
    suffix = "-with-retired" if include_retired else ""
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}{suffix}.{fmt}"'
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    response["Link"] = f'<{registry_io.LICENCE["url"]}>; rel="license"'
    patch_cache_control(response, public=True, max_age=VALIDATORS_CACHE_SECONDS)
    return response


@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    return _export(request, "json")


@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")
