"""Site-wide request handling: refusing a Host header's unknown port and NUL bytes,
compressing answers, the language of a request, and one log line per request."""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers

from directory.logs import logged_path

request_log = logging.getLogger("directory.requests")


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(
    request: HttpRequest, message: str, field: str = "non_field_errors"
) -> HttpResponse:
    if is_api(request):
        # The API's one shape for a 400: messages by field (hashtags/api/errors.py).
        return JsonResponse({field: [message]}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


PROBES = ("/healthz", "/readyz")


class AllowedPortMiddleware:
    """Refuse (400, as Django refuses a host not in ALLOWED_HOSTS) a Host header whose
    port is not in ALLOWED_PORTS.

    Django matches ALLOWED_HOSTS without the port, so `Host: example.org:6666` would
    pass; nothing the site builds comes from the Host header (links use SITE_URL), and
    this keeps such requests out altogether.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        allowed = settings.ALLOWED_PORTS
        # Health probes are often sent to the server's own address and port; they build
        # nothing from the host and are never cached.
        if "*" not in allowed and request.path not in PROBES:
            _domain, port = split_domain_port(request.get_host())
            if port and port not in allowed:
                raise DisallowedHost(f"Invalid port in the HTTP_HOST header: {port[:10]!r}.")
        return self.get_response(request)


class CompressionMiddleware(GZipMiddleware):
    """gzip every answer worth compressing (pages, the API, feeds, the export), except a
    page that carries a CSRF token.

    BREACH recovers a secret from the compressed size of pages that also reflect what an
    attacker sends. Three defences: a page that renders a CSRF token (forms: submit,
    report, suggest, claim, the steward's page, the admin) sets the CSRF cookie, and that
    answer is sent uncompressed; Django masks the form token anew on every request anyway;
    and Django's GZipMiddleware pads each answer with random bytes (Heal the BREACH). The
    other pages hold nothing secret. Static files are compressed ahead of time by
    WhiteNoise (CompressedManifestStaticFilesStorage).
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if settings.CSRF_COOKIE_NAME in response.cookies:
            return response
        return super().process_response(request, response)


class RejectNullBytesMiddleware:
    """Answer 400 to a NUL byte in the path, a query parameter or a form field.

    No hashtag, search or form value can contain one, and PostgreSQL cannot store one, so
    refusing it at the door keeps every view from meeting it (JSON bodies are checked by
    the API's serializers, which refuse NUL in every text field).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = self.find_null(request)
        if found:
            field, where = found
            message = f"Requests cannot contain NUL (0x00) characters: {where}."
            return bad_request(request, message, field)
        return self.get_response(request)

    @staticmethod
    def find_null(request: HttpRequest) -> tuple[str, str] | None:
        """(the field to name, where the NUL is), or None."""
        if "\x00" in request.path:
            return "non_field_errors", "found in the address"
        sources = [("query parameter", request.GET)]
        content_type = request.content_type or ""
        # API bodies are left to the API: it accepts JSON only and its serializers refuse
        # NUL field by field (reading a form body here would hide it from DRF's 415).
        if (
            not is_api(request)
            and request.method == "POST"
            and content_type
            in {
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            }
        ):
            sources.append(("form field", request.POST))
        for label, data in sources:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    name = key.replace(chr(0), "")[:50]
                    return (name or "non_field_errors"), f"found in the {label} '{name}'"
        return None


class RequestLogMiddleware:
    """One structured line per request: method, path, status, duration, user id.

    Query strings and bodies are left out: they may carry search terms or form fields;
    a steward's token is left out of the path (directory.logs).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        path = logged_path(request.path)
        request_log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path[:300],
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


class LanguageScopeMiddleware:
    """The language a request activates ends with it (Django's LocaleMiddleware, placed
    after this one, activates it for the thread): a test, a command or the next request
    on the thread starts from the site's default again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with translation.override(settings.LANGUAGE_CODE):
            return self.get_response(request)


class ApiLanguageMiddleware:
    """The API's language, after Django's LocaleMiddleware has given a page's language by
    its address (/es/… Spanish, an address without a prefix English).

    The API stays English unless a client asks otherwise: its language comes from the
    request's Accept-Language header, for the messages Django and REST framework
    translate (a validation error, "Not found."), and its answers say they vary by it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        request.LANGUAGE_CODE = translation.get_language_from_request(request)
        translation.activate(request.LANGUAGE_CODE)
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers["Content-Language"] = request.LANGUAGE_CODE
        return response
