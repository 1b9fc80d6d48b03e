"""`GET /api/v1/export.json` and `GET /api/v1/export.csv`: the registry export over HTTP.

The body is streamed from the database in chunks (hashtags.registry_io), so memory stays
flat whatever the registry's size. The ETag and Last-Modified come from a few indexed
aggregates and are cached, so a conditional request (If-None-Match / If-Modified-Since)
is answered 304 without touching the entries. A full response always recomputes them,
so a body is never labelled with an older ETag; a 304 may lag a change by at most
VALIDATORS_CACHE_SECONDS, like any cache with that max-age.
"""

from datetime import datetime

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from hashtags import registry_io

VALIDATORS_CACHE_SECONDS = 60
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8; header=present"}
FILENAME = "healthcare-hashtag-directory"
TRUE, FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


def _cache_key(fmt: str, include_retired: bool) -> str:
    return f"registry-export:v{registry_io.FORMAT_VERSION}:{fmt}:{int(include_retired)}"


def _validators(fmt: str, include_retired: bool, *, fresh: bool) -> tuple[str, datetime | None]:
    key = _cache_key(fmt, include_retired)
    cached = None if fresh else cache.get(key)
    if cached is None:
        digest, modified = registry_io.export_fingerprint(include_retired=include_retired)
        # One document per format: the JSON and CSV bodies differ, so must their ETags.
        cached = (f'"{fmt}-{digest}"', modified)
        cache.set(key, cached, VALIDATORS_CACHE_SECONDS)
    return cached


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
            return not_modified
    etag, modified = _validators(fmt, include_retired, fresh=True)

    if request.method == "HEAD":
        response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    else:
        response = StreamingHttpResponse(
            (
                piece.encode()
                for piece in registry_io.iter_export(fmt, include_retired=include_retired)
            ),
            content_type=CONTENT_TYPES[fmt],
        )
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
