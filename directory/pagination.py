"""Keyset ("cursor") pagination for the public lists.

A page is asked for by the sort key of the row before it (`after=`) or after it
(`before=`), never by an offset, so page 500 costs what page 1 costs: the database walks
an index from the cursor instead of counting and skipping every earlier row. The cursor
is readable and shareable: the entry's identity key (`after=hcldr`), prefixed with the
search rank when the list is ordered by relevance (`after=2~hcldr`).

Sort keys must be unique among the rows listed; `Hashtag.key` is unique among public
entries (the live-identity constraint), so it is the last sort field of every list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

SEPARATOR = "~"
# A numeric position: ASCII digits only ("²" and "--1" are not numbers to the database).
POSITION = re.compile(r"-?[0-9]{1,9}")


class CursorError(ValueError):
    """A page link that cannot be read; the message names the parameter."""


@dataclass
class KeysetPage:
    items: list[Any]
    # None: no such page. "": the first page (a link without a cursor).
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


class KeysetPaginator:
    """Pages of `queryset`, ordered by `fields` ascending; int fields are named in
    `int_fields` so their cursor parts are read back as numbers."""

    def __init__(
        self,
        queryset: QuerySet,
        fields: tuple[str, ...],
        per_page: int,
        int_fields: frozenset[str] = frozenset(),
    ) -> None:
        self.queryset = queryset.order_by(*fields)
        self.fields = fields
        self.per_page = per_page
        self.int_fields = int_fields

    def cursor(self, item: Any) -> str:
        return SEPARATOR.join(str(getattr(item, name)) for name in self.fields)

    def parse(self, parameter: str, raw: str) -> tuple[Any, ...]:
        parts = raw.split(SEPARATOR, len(self.fields) - 1)
        if len(parts) != len(self.fields) or not parts[-1]:
            raise CursorError(
                f"{parameter}: this page link is not valid (it may have been cut short); "
                "start again from the first page."
            )
        values = []
        for name, part in zip(self.fields, parts, strict=True):
            if name in self.int_fields:
                if not POSITION.fullmatch(part):
                    raise CursorError(f"{parameter}: “{part[:20]}” is not a valid page position.")
                values.append(int(part))
            else:
                values.append(part)
        return tuple(values)

    def _beyond(self, values: tuple[Any, ...], lookup: str) -> Q:
        """Rows strictly after (lookup "gt") or before ("lt") `values` in the ordering."""
        condition = Q()
        for index, name in enumerate(self.fields):
            equal = dict(zip(self.fields[:index], values[:index], strict=True))
            condition |= Q(**equal, **{f"{name}__{lookup}": values[index]})
        return condition

    def page(self, *, after: str | None = None, before: str | None = None) -> KeysetPage:
        if after and before:
            raise CursorError("after, before: use one page link at a time, not both.")
        size = self.per_page
        if before:
            values = self.parse("before", before)
            backwards = self.queryset.filter(self._beyond(values, "lt")).reverse()
            rows = list(backwards[: size + 1])
            more_before = len(rows) > size
            items = list(reversed(rows[:size]))
            return KeysetPage(
                items=items,
                next_cursor=self.cursor(items[-1]) if items else None,
                previous_cursor=self.cursor(items[0]) if more_before else None,
            )
        queryset = self.queryset
        previous_cursor = None
        if after:
            values = self.parse("after", after)
            queryset = queryset.filter(self._beyond(values, "gt"))
        rows = list(queryset[: size + 1])
        items = rows[:size]
        if after and items:
            # Is there a full page before this one? If not, "previous" is the first page,
            # whose address has no cursor. One small query of at most per_page + 1 keys.
            earlier = self.queryset.filter(self._beyond(self._values(items[0]), "lt"))
            earlier_count = len(earlier.reverse().values_list(self.fields[-1])[: size + 1])
            if earlier_count > size:
                previous_cursor = self.cursor(items[0])
            elif earlier_count:
                previous_cursor = ""
        return KeysetPage(
            items=items,
            next_cursor=self.cursor(items[-1]) if len(rows) > size else None,
            previous_cursor=previous_cursor,
        )

    def _values(self, item: Any) -> tuple[Any, ...]:
        return tuple(getattr(item, name) for name in self.fields)
