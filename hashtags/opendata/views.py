"""`GET /api/v1/export.json` and `GET /api/v1/export.csv`: the registry export over HTTP;
`GET /api/v1/export.schema.json`: the JSON document's JSON Schema.

The body is streamed from the database in chunks (hashtags.opendata.registry_io), so memory stays
flat whatever the registry's size. The ETag and Last-Modified are the registry's
validators (hashtags.serving.cache.validators): the export shows public entries only, so it
changes only with the registry's generation, which every visible change moves on once
committed (an `import_registry` too: it saves through the models). A conditional request
(If-None-Match / If-Modified-Since) is answered 304 from one cache read, without a
database query and without counting against the client's export budget.

The JSON export names its schema in a `Link` header (`rel="describedby"`, as JSON Schema
recommends for instances) rather than in the document: the document's bytes stay what
the data makes them, so export -> import -> export and a mirror's export stay identical
to the source's whatever the address each is served from, and the format stays version 1.
"""

import hashlib
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from hashtags.activity.export import iter_activity_csv
from hashtags.opendata import registry_io
from hashtags.serving import cache as registry_cache
from hashtags.serving.ratelimit import spend

# How long clients and proxies may keep an export before asking again (with its ETag).
MAX_AGE = 60
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8; header=present"}
# The schema changes only with a release: clients may keep it for a day.
SCHEMA_MAX_AGE = 24 * 60 * 60
FILENAME = "healthcare-hashtag-directory"
TRUE, FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


def export_validators(fmt: str, include_retired: bool) -> tuple[str, float] | None:
    """The export's ETag and Last-Modified; None while a read replica may lag. One
    document per format, variant and format version: their bytes differ, so must their
    ETags."""
    variant = "-with-retired" if include_retired else ""
    return registry_cache.validators(f"export{registry_io.FORMAT_VERSION}-{fmt}{variant}")


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    raw = request.GET.get("include_retired", "").strip().lower()
    if raw not in TRUE | FALSE:
        return JsonResponse(
            {"include_retired": [f"Use 1 or 0 (got {raw[:20]!r})."]},
            status=400,
        )
    include_retired = raw in TRUE
    # Read before the body: a change committed meanwhile gives a newer body under an
    # older ETag (one more download later), never an older body under a newer one.
    validators = export_validators(fmt, include_retired)
    if validators is not None:
        etag, modified = validators
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(modified))
        if not_modified is not None:
            # A 304 carries the validators and caching headers a 200 would (RFC 9110).
            return _with_headers(not_modified, fmt, include_retired, validators)
    # Only full answers count against the client's budget: a 304 costs next to nothing.
    if refused := _over_budget(request):
        return refused

    if request.method == "HEAD":
        response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    else:
        pieces = registry_io.iter_export(fmt, include_retired=include_retired)
        response = StreamingHttpResponse(
            (piece.encode() for piece in pieces), content_type=CONTENT_TYPES[fmt]
        )
    return _with_headers(response, fmt, include_retired, validators)


def _over_budget(request: HttpRequest) -> HttpResponse | None:
    """A 429 once the client has spent its budget of full exports (EXPORT_RATE), shared
    by every export; None while it has some left."""
    refusal = spend(request, "export")
    if refusal is None:
        return None
    response = JsonResponse(
        {"detail": "Too many full exports from your address; try again later."}, status=429
    )
    response["Retry-After"] = str(refusal.retry_after)
    return response


def _with_headers(
    response: HttpResponse,
    fmt: str,
    include_retired: bool,
    validators: tuple[str, float] | None,
) -> HttpResponse:
    suffix = "-with-retired" if include_retired else ""
    response = _download(response, f"{FILENAME}{suffix}.{fmt}", validators)
    if fmt == "json":
        address = settings.SITE_URL + reverse("export-schema")
        response["Link"] += f', <{address}>; rel="describedby"'
    return response


def _download(
    response: HttpResponse, filename: str, validators: tuple[str, float] | None
) -> HttpResponse:
    """An export's headers: its file name, validators, licence link and caching."""
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if validators is not None:
        response["ETag"] = validators[0]
        response["Last-Modified"] = http_date(validators[1])
    response["Link"] = f'<{registry_io.LICENCE["url"]}>; rel="license"'
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


# Read-only: any other method is answered 405 (not the CSRF check's 403 page), as the
# rest of the API does.
@csrf_exempt
@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    return _export(request, "json")


@csrf_exempt
@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@csrf_exempt
@require_safe
def export_activity_csv(request: HttpRequest) -> HttpResponse:
    """The activity export (hashtags.activity.export): validators from the generation,
    which every refresh_activity run moves on; the same budget as the registry export."""
    validators = registry_cache.validators("export-activity-csv")
    if validators is not None:
        etag, modified = validators
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(modified))
        if not_modified is not None:
            return _with_activity_headers(not_modified, validators)
    if refused := _over_budget(request):
        return refused
    if request.method == "HEAD":
        response = HttpResponse(content_type=CONTENT_TYPES["csv"])
    else:
        response = StreamingHttpResponse(
            (piece.encode() for piece in iter_activity_csv()), content_type=CONTENT_TYPES["csv"]
        )
    return _with_activity_headers(response, validators)


def _with_activity_headers(
    response: HttpResponse, validators: tuple[str, float] | None
) -> HttpResponse:
    return _download(response, f"{FILENAME}-activity.csv", validators)


@cache
def _schema() -> tuple[bytes, str]:
    body = registry_io.SCHEMA_FILE.read_bytes()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


@csrf_exempt
@require_safe
def export_schema(request: HttpRequest) -> HttpResponse:
    """The JSON export's JSON Schema, the file as it is in the repository. Part of the
    export: a full answer spends the export budget, a 304 does not."""
    body, etag = _schema()
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        response = not_modified
    elif refused := _over_budget(request):
        return refused
    else:
        response = HttpResponse(body, content_type="application/schema+json")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=SCHEMA_MAX_AGE)
    return response
