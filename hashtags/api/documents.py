"""The entry documents of GET /api/v1/hashtags/ and GET /api/v1/hashtags/<tag>/, built
from plain rows.

`HashtagSerializer` and `HashtagDetailSerializer` define these documents (the OpenAPI
schema is generated from them, and tests/test_api_documents.py compares every byte
with them), but running DRF's field machinery over a page of nested model instances
cost about 1.4 ms per entry, three times the SQL. Here an entry is a `.values()` row and
its related rows are read by the page's id set, one query per relation, so a page costs
the same few queries as `with_details()` and the rest is dictionary building.

Every value is formatted as the serializers format it: dates as ISO 8601, datetimes in
the current time zone with "Z" for UTC (DRF's DateTimeField), local times as HH:MM,
enumerations as their plain values, links on SITE_URL (`absolute`). A change to the
serializers must be made here too; the byte-for-byte test says where they differ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import quote

import orjson
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from rest_framework.renderers import JSONRenderer

from hashtags import schedules
from hashtags.activity.summary import SERIES_DAYS
from hashtags.api.serializers import NEXT_OCCURRENCES
from hashtags.models import (
    Category,
    Chat,
    DailyActivity,
    Hashtag,
    HashtagModerator,
    Identity,
    Platform,
    freshness_of,
    load_breaks,
)
from hashtags.validators import MAX_KEY_LENGTH, tag_key

Row = dict[str, Any]
Document = dict[str, Any]

# The entry's own columns, read in the page's one query (the successor's tag by a join).
HASHTAG_COLUMNS = (
    "pk",
    "tag",
    "key",
    "name",
    "description",
    "kind",
    "language",
    "website",
    "status",
    "start_date",
    "end_date",
    "place",
    "source",
    "last_verified",
    "reminder_sent_at",
    "created",
    "updated",
    "replaced_by__tag",
)
# The list's rows also carry the sort key of ordering=activity: the cursor is read from it.
LIST_COLUMNS = (*HASHTAG_COLUMNS, "activity_uses")
# The detail's activity summary comes with the entry, as `with_details()` selects it.
SUMMARY_COLUMNS = (
    "activity_summary__as_of",
    "activity_summary__uses_7d",
    "activity_summary__accounts_7d",
    "activity_summary__last_seen",
)
DETAIL_COLUMNS = (*HASHTAG_COLUMNS, *SUMMARY_COLUMNS)
# What django.urls.reverse leaves unquoted in an argument (the `pchar` of RFC 3986).
URL_SAFE = RFC3986_SUBDELIMS + "/~:@"
_MARKER = "HHDARGUMENT"


def list_queryset() -> QuerySet[Hashtag]:
    """The list's base: public entries with their activity sort key, and none of
    `with_details()`'s prefetches (which `.values()` rows cannot take)."""
    return Hashtag.objects.public().with_activity_uses()


def _linker(name: str) -> Callable[[str], str]:
    """An absolute-link maker for the URL `name` with one argument: `reverse` once, then
    the argument quoted the way `reverse` quotes it (character by character, so the
    pieces concatenate to reverse's own answer), on SITE_URL as `absolute` puts it."""
    head, _, tail = reverse(name, args=[_MARKER]).partition(_MARKER)
    head = settings.SITE_URL + head

    def link(value: str) -> str:
        return head + quote(value, safe=URL_SAFE) + tail

    return link


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _list_date(value: Any) -> Any:
    """A date in a list, as ListField(child=DateField()) gives it: strings as stored,
    empty ones as null."""
    if not value:
        return None
    return value if isinstance(value, str) else value.isoformat()


def _datetime(value: datetime | None, zone: tzinfo) -> str | None:
    """DRF's DateTimeField: in the current zone, ISO 8601, "Z" for UTC."""
    if value is None:
        return None
    text = (value.astimezone(zone) if timezone.is_aware(value) else value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class _Links:
    """The links of one answer, each URL reversed once."""

    def __init__(self) -> None:
        self.api = _linker("api:hashtag-detail")
        self.web = _linker("directory:hashtag")
        self.category = _linker("api:category-detail")


def _grouped(rows: Iterable[tuple], make: Callable[[tuple], Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(make(row))
    return grouped


def _chat_document(chat: Chat) -> Document:
    """ChatSerializer's document of a chat (its schedule worked out by `schedules`)."""
    start_time = chat.start_time
    cancelled = chat.cancelled_dates
    return {
        "title": chat.title,
        "status": str(chat.status),
        "schedule": schedules.describe(chat),
        "rrule": schedules.rrule_text(chat),
        "frequency": chat.frequency,
        "weekdays": chat.weekday_list,
        "interval": chat.interval,
        "month_weeks": chat.month_week_list,
        "start_time": None if start_time is None else start_time.strftime("%H:%M"),
        "duration_minutes": chat.duration_minutes,
        "timezone": chat.timezone_id,
        "starts_on": _date(chat.starts_on),
        "ends_on": _date(chat.ends_on),
        "pauses": [
            {"from": _date(pause.starts_on), "until": _date(pause.ends_on), "note": pause.note}
            for pause in chat.pause_list
        ],
        "cancelled_dates": None if cancelled is None else [_list_date(d) for d in cancelled],
        "is_active": chat.is_active,
        "note": chat.note,
        "next_occurrences": [
            occurrence.start.isoformat()
            for occurrence in schedules.next_occurrences(chat, count=NEXT_OCCURRENCES)
        ],
    }


def _host_document(row: tuple) -> Document:
    _, handle, display_name, platform, profile_url, role, since, until = row
    return {
        "handle": handle,
        "display_name": display_name,
        "platform": platform,
        "profile_url": profile_url,
        "role": role,
        "since": since,
        "until": until,
        "current": until is None,
    }


def entry_documents(rows: Sequence[Row]) -> list[Document]:
    """HashtagSerializer's documents of `rows` (HASHTAG_COLUMNS, in the answer's order):
    five queries for the page's categories, platforms, aliases, hosts and chats, and
    one for the chats' breaks when one has any, whatever the number of rows."""
    if not rows:
        return []
    ids = [row["pk"] for row in rows]
    links = _Links()
    zone = timezone.get_current_timezone()

    link_category = links.category
    categories = _grouped(
        Hashtag.categories.through.objects.filter(hashtag_id__in=ids)
        .order_by(*(f"category__{name}" for name in Category._meta.ordering), "category_id")
        .values_list("hashtag_id", "category__slug", "category__name"),
        lambda row: {"slug": row[1], "name": row[2], "url": link_category(row[1])},
    )
    platforms = _grouped(
        Hashtag.platforms.through.objects.filter(hashtag_id__in=ids)
        .order_by(*(f"platform__{name}" for name in Platform._meta.ordering), "platform_id")
        .values_list("hashtag_id", "platform_id"),
        lambda row: row[1],
    )
    aliases = _grouped(
        Identity.objects.filter(hashtag_id__in=ids, is_alias=True)
        .order_by("key", "pk")
        .values_list("hashtag_id", "tag"),
        lambda row: row[1],
    )
    hosts = _grouped(
        HashtagModerator.objects.filter(hashtag_id__in=ids)
        .order_by("hashtag_id", "pk")
        .values_list(
            "hashtag_id",
            "moderator__handle",
            "moderator__display_name",
            "moderator__platform_id",
            "moderator__profile_url",
            "role",
            "since",
            "until",
        ),
        _host_document,
    )
    # Chats stay model instances: their schedule, status and next meetings are the
    # schedule engine's, which reads a Chat. Most chats have no breaks: each chat says
    # whether it has any, and the breaks are read only when one does.
    chats: dict[int, list[Document]] = defaultdict(list)
    for chat in load_breaks(
        list(Chat.objects.filter(hashtag_id__in=ids).order_by("start_time", "pk").marking_breaks())
    ):
        chats[chat.hashtag_id].append(_chat_document(chat))

    link_api, link_web = links.api, links.web
    documents = []
    for row in rows:
        pk, tag = row["pk"], row["tag"]
        successor = row["replaced_by__tag"]
        documents.append(
            {
                "tag": tag,
                "url": link_api(tag),
                "web_url": link_web(tag),
                "name": row["name"],
                "description": row["description"],
                "kind": row["kind"],
                "categories": categories.get(pk, []),
                "platforms": platforms.get(pk, []),
                "language": row["language"],
                "website": row["website"],
                "status": row["status"],
                "aliases": aliases.get(pk, []),
                "moderators": hosts.get(pk, []),
                "chats": chats.get(pk, []),
                "start_date": _date(row["start_date"]),
                "end_date": _date(row["end_date"]),
                "place": row["place"],
                "source": row["source"],
                "last_verified": _datetime(row["last_verified"], zone),
                "freshness": str(
                    freshness_of(row["last_verified"], reminder_sent_at=row["reminder_sent_at"])
                ),
                "replaced_by": None
                if successor is None
                else {"tag": successor, "url": link_api(successor), "web_url": link_web(successor)},
                "created": _datetime(row["created"], zone),
                "updated": _datetime(row["updated"], zone),
            }
        )
    return documents


def find_detail_row(raw_tag: str) -> Row | None:
    """The public entry a tag or alias names (`HashtagQuerySet.resolve`), as a row of
    DETAIL_COLUMNS, or None."""
    key = tag_key(raw_tag)
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    return Hashtag.objects.public().filter(identities__key=key).values(*DETAIL_COLUMNS).first()


def activity_document(row: Row) -> Document:
    """ActivitySerializer's `activity` of the entry in `row` (`activity_of(...).document()`):
    one query for the last SERIES_DAYS days of its daily rows."""
    as_of = row["activity_summary__as_of"]
    measured = as_of is not None  # as_of is required: no summary reads as a null one
    last_day = as_of if measured else timezone.now().date()
    first_day = last_day - timedelta(days=SERIES_DAYS - 1)
    rows = DailyActivity.objects.filter(
        hashtag_id=row["pk"], day__gte=first_day, day__lte=last_day
    ).order_by("network", "server", "day")
    series: dict[tuple[str, str], Document] = {}
    for network, server, day, uses, accounts in rows.values_list(
        "network", "server", "day", "uses", "accounts"
    ):
        one = series.get((network, server))
        if one is None:
            one = series[network, server] = {"network": network, "server": server, "days": []}
        one["days"].append({"uses": uses, "accounts": accounts, "day": _date(day)})
    return {
        "as_of": _date(as_of),
        "last_7_days": {
            "uses": row["activity_summary__uses_7d"],
            "accounts": row["activity_summary__accounts_7d"],
        }
        if measured
        else None,
        "last_seen": _date(row["activity_summary__last_seen"]) if measured else None,
        "series": list(series.values()),
    }


def detail_document(row: Row) -> Document:
    """HashtagDetailSerializer's document: the entry's, then its activity."""
    document = entry_documents([row])[0]
    document["activity"] = activity_document(row)
    return document


class DocumentJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer, byte for byte, by orjson: compact, UTF-8 (UNICODE_JSON),
    U+2028 and U+2029 escaped as DRF escapes them. orjson writes every other character
    as json.dumps(ensure_ascii=False) does. Anything orjson does not take as DRF would
    (an indent asked for in Accept, a lazy string, a Decimal, non-strict or ASCII-only
    settings) goes to DRF's own renderer."""

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
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(
                data, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
            )
        except TypeError:
            return super().render(data, accepted_media_type, renderer_context)
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
