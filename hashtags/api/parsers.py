"""Request bodies: JSON only, bounded in size and nesting, so that no body can crash a view."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from hashtags.api.errors import MAX_BODY_BYTES, PayloadTooLarge


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a size limit (413) and every decoding failure a 400.

    DRF reads the stream directly, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not apply;
    and json.loads raises RecursionError, not ValueError, on deeply nested input.
    """

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding") or "utf-8"
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        try:
            return json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except (ValueError, RecursionError, LookupError) as error:
            # UnicodeDecodeError and JSONDecodeError are ValueErrors; LookupError is an
            # unknown charset in the Content-Type.
            raise ParseError(f"JSON parse error: {str(error)[:200]}") from None
