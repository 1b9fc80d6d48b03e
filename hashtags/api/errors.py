"""One error shape for the whole API, and its description in the OpenAPI schema.

- 400: ``{"field": ["message", ...], ...}``. Nested fields are named by position, as
  the moderation functions name them: ``chats[0].start_time``. Errors that belong to no
  single field (a malformed body, a cross-field rule) are under ``non_field_errors``.
- every other error: ``{"detail": "message"}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status, views
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.response import Response

from hashtags.curation.moderation import ModerationError

NON_FIELD = "non_field_errors"
# The largest JSON body the API reads: a full submission with ten chats and twenty
# moderators is a few kilobytes.
MAX_BODY_BYTES = 256 * 1024


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The entry is not in a state that allows this."
    default_code = "conflict"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = (
        f"The request body is too large: the API accepts at most {MAX_BODY_BYTES // 1024} KB."
    )
    default_code = "too_large"


class SubmissionsClosed(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Submissions are closed for now; please try again later."
    default_code = "submissions_closed"


class BudgetUnavailable(APIException):
    """A write whose budget cannot be counted (the shared cache is down); Retry-After
    says when to try again."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "This cannot be sent just now; please try again shortly."
    default_code = "unavailable"

    def __init__(self, wait: int) -> None:
        super().__init__()
        self.wait = wait


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as flat field names: chats[0].start_time."""
    if isinstance(detail, dict):
        result: dict[str, list[str]] = {}
        for key, value in detail.items():
            if key in (NON_FIELD, "__all__"):
                name = prefix
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flatten(value, name).items():
                result.setdefault(field, []).extend(messages)
        return result
    if isinstance(detail, list | tuple):
        if all(isinstance(item, str) for item in detail):
            return {prefix or NON_FIELD: [str(item) for item in detail]} if detail else {}
        result = {}
        for index, item in enumerate(detail):
            for field, messages in flatten(item, f"{prefix}[{index}]").items():
                result.setdefault(field, []).extend(messages)
        return result
    return {prefix or NON_FIELD: [str(detail)]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus: Django ValidationErrors (raised by the moderation functions) and
    malformed bodies become field errors, refused moderation decisions 409s, and a body
    too large for Django to read a 413 like one too large for the parser."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        )
    elif isinstance(exc, ParseError):
        exc = ValidationError({NON_FIELD: [str(exc.detail)]})
    elif isinstance(exc, ModerationError):
        exc = Conflict(str(exc))
    elif isinstance(exc, RequestDataTooBig):
        # Over DATA_UPLOAD_MAX_MEMORY_SIZE Django refuses to read the body at all.
        exc = PayloadTooLarge()
    response = views.exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data = flatten(exc.detail)
    return response


# --- The schema of errors --------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": (
        'Messages by field, e.g. {"tag": ["A hashtag cannot contain spaces…"]}; nested '
        'fields are named by position ("chats[0].start_time"); "non_field_errors" holds '
        "the rest."
    ),
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

_DESCRIPTIONS = {
    400: "Invalid input: messages by field.",
    401: "A token is needed and none was sent, or the one sent is not valid "
    "(send `Authorization: Token <key>`; reads need none).",
    403: "The token's user is not a curator.",
    404: "Not found, or not public.",
    409: "The entry or submission is not in a state that allows this.",
    413: "The request body is too large.",
    415: "The body is not JSON.",
    429: "Throttled: too many requests; retry after the number of seconds in Retry-After.",
    503: "Submissions are closed for now, or cannot be counted against the client's "
    "budget just now (the site's cache is down); retry after Retry-After seconds.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error answers for an operation. 401 (an invalid token is refused even
    where none is needed) and 429 are always possible."""
    responses = {}
    for code in sorted({*codes, 401, 429}):
        body = FIELD_ERRORS_SCHEMA if code == 400 else ErrorSerializer
        responses[code] = OpenApiResponse(response=body, description=_DESCRIPTIONS[code])
    return responses
