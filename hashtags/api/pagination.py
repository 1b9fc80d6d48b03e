"""Cursor pagination: a page deep in the list costs what the first costs (the database
seeks to the cursor's position instead of counting past every earlier row).

The envelope is {"next": url|null, "previous": url|null, "results": [...]}. Views name the
orderings they allow in `orderings` (a whitelist mapping the `ordering` parameter to
model fields, with pk last so the order is total) and their default in
`default_ordering`.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.dateparse import parse_datetime
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

MAX_PAGE_SIZE = 100
MAX_OFFSET = timedelta(hours=14)


INVALID_CURSOR = (
    "Invalid cursor: follow the next and previous links as given, or leave cursor out "
    "to start at the first page."
)


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("pk",)
    ordering_query_param = "ordering"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError(
                {self.page_size_query_param: [f"Enter a whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        # Larger sizes are capped rather than refused, as in DRF.
        return min(int(raw), self.max_page_size)

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        orderings = getattr(view, "orderings", None)
        if not orderings:
            return tuple(getattr(view, "default_ordering_fields", self.ordering))
        value = request.query_params.get(self.ordering_query_param, view.default_ordering)
        if value not in orderings:
            raise ValidationError(
                {
                    self.ordering_query_param: [
                        f"Order by one of {', '.join(orderings)} (got {value[:50]!r})."
                    ]
                }
            )
        return orderings[value]

    def paginate_queryset(self, queryset, request, view=None):
        page = super().paginate_queryset(queryset, request, view)
        # next/previous on SITE_URL, not on the Host header the client sent.
        self.base_url = settings.SITE_URL + request.get_full_path()
        return page

    def decode_cursor(self, request):
        """A cursor that is not one this API wrote is a 400 naming the parameter, in the
        documented shape of every 400 (DRF's own answer is a 404)."""
        try:
            return self._checked_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None

    def _checked_cursor(self, request):
        cursor = super().decode_cursor(request)
        # A hand-made cursor could carry a position the database cannot compare with the
        # ordering field; refuse it like any other invalid cursor instead of failing.
        if cursor is not None and cursor.position is not None:
            field = self.ordering[0].lstrip("-")
            if "\x00" in cursor.position or len(cursor.position) > 400:
                raise NotFound(self.invalid_cursor_message)
            if field in {"created", "updated"}:
                try:
                    moment = parse_datetime(cursor.position)
                except ValueError:
                    moment = None
                # Offsets beyond ±14:00 exist in no zone, and the database refuses some.
                offset = moment.utcoffset() if moment is not None else None
                valid = moment is not None and (offset is None or abs(offset) <= MAX_OFFSET)
                if not valid:
                    raise NotFound(self.invalid_cursor_message)
            if field in {"pk", "activity_uses"} and not (
                cursor.position.isascii() and cursor.position.isdigit()
            ):
                raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_paginated_response_schema(self, schema: dict) -> dict:
        # DRF's own examples are not valid URIs (a stray quote), which linters refuse, and
        # its `nullable` is OpenAPI 3.0's: the schema is 3.1, where null is a type.
        envelope = super().get_paginated_response_schema(schema)
        page = f"{settings.SITE_URL}/api/v1/hashtags/?cursor="
        for key, cursor, words in (
            ("next", "cD1IQ0xEUg%3D%3D", "The next page's address; null on the last page."),
            ("previous", "cj0xJnA9SENMRFI%3D", "The previous page's address; null on the first."),
        ):
            link = envelope["properties"][key]
            del link["nullable"]
            link["type"] = ["string", "null"]
            link["example"] = page + cursor
            link["description"] = words
        # Every page has both links (null at either end).
        envelope["required"] = ["next", "previous", "results"]
        return envelope

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page to fetch: take it from `next` or `previous`.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page (default {self.page_size}; "
                    f"values above {MAX_PAGE_SIZE} give {MAX_PAGE_SIZE})."
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
        orderings = getattr(view, "orderings", None)
        if orderings:
            parameters.append(
                {
                    "name": self.ordering_query_param,
                    "required": False,
                    "in": "query",
                    "description": f"Sort order (default `{view.default_ordering}`); "
                    "a leading '-' reverses it.",
                    "schema": {"type": "string", "enum": list(orderings)},
                }
            )
        return parameters
