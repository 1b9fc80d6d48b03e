"""The API's JSON renderer for answers that carry published documents."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer


def _parsed(data: Any) -> Any:
    """`data` with the stored documents' JSON text (orjson.Fragment) read back as data,
    for DRF's own renderer."""
    if isinstance(data, orjson.Fragment):
        return orjson.loads(data.contents)
    if isinstance(data, dict):
        return {key: _parsed(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_parsed(value) for value in data]
    return data


class PublishedJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer, by orjson, so that the stored documents' JSON text
    (`orjson.Fragment`, hashtags.published) is written as it is: compact, UTF-8
    (UNICODE_JSON), U+2028 and U+2029 escaped as DRF escapes them. Anything else orjson
    does not take as DRF would (an indent asked for in Accept, a lazy string, a Decimal)
    goes to DRF's own renderer, with the documents parsed."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict | None = None,
    ) -> bytes:
        if (
            data is None
            or not (self.compact and self.strict)
            or self.ensure_ascii
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(_parsed(data), accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(
                data, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
            )
        except TypeError:
            return super().render(_parsed(data), accepted_media_type, renderer_context)
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
