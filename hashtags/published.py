"""The published entry: each public entry's documents, produced once when the entry is
written, stored, and read by every reader.

A curated registry is written rarely and read very often, so what readers need is made
by the writer. `publish(ids)` is the one producer: the write path calls it (in its own
transaction, after everything else it writes) for the entries it changed, and it stores
for each public entry one `Published` row holding

- `document`: the entry as `GET /api/v1/hashtags/` lists it (the JSON text itself);
- `activity`: the `activity` the detail adds to it (`GET /api/v1/hashtags/<tag>/`);
- `record`: the entry as the export writes it (format version 1, hashtags.opendata.registry_io);
- the columns the directory's counts read: kind, language, whether it has a chat that
  meets now (`Chat.is_meeting`), its categories and its platforms (`FacetCount` is kept
  from them: see `_apply`), and the same as `terms`, which the list filters of the site
  and the API read (hashtags.filters: one indexed table, no join).

An entry that stops being public (rejected, merged away, deleted) loses its row, and the
counts lose what it added. Each change of an entry's record is recorded as a `Change`
(hashtags.opendata.changelog): the changes feed, the history pages and mirrors read those. The
API's list, detail and write answers, the export and `manage.py publish --check` read
these rows; nothing else produces an entry's JSON.

Some of a document moves with time: a chat's next meetings and its status (ended, or
unconfirmed once the entry's evidence runs out: `hashtags.models.has_evidence`), the
entry's freshness. Each row says until when it holds (`valid_until`: the end of the first
next meeting, the next midnight in a chat's zone, the next freshness boundary, the end of
the evidence) and under which settings it was made (`basis`: SITE_URL and the
verification periods). A reader that finds a row past its time, or made under other
settings, publishes that entry again before answering (`_current`), so a document is
never served stale and no scheduler is needed.

What the counts count moves with time too: whether an entry has a chat that meets now.
Each row says when that may change by itself (`counted_until`: a chat's last day
passing, a break without an end beginning, the evidence running out), and the readers of
those counts publish the rows past it again first (`recount_moved`), the same way.

Counts are kept in `FacetCount` and changed once per transaction: every change of the
counts a transaction makes is gathered (`batch`) and applied at its end in one sorted
statement list, so two writers never take count rows in opposite orders.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import quote

import orjson
from django.apps import apps
from django.conf import settings
from django.db import connections, router, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import RFC3986_SUBDELIMS

from hashtags import records, schedules
from hashtags.activity.summary import SERIES_DAYS
from hashtags.models import (
    Change,
    ChatStatus,
    DailyActivity,
    FacetCount,
    Hashtag,
    Identity,
    Published,
    evidence_ends,
    freshness_of,
)
from hashtags.opendata import changelog
from hashtags.validators import MAX_KEY_LENGTH, tag_key

Document = dict[str, Any]

# A chat's next meetings in its document.
NEXT_OCCURRENCES = 3
# Entries produced per round of queries (one query per relation per round).
CHUNK = 500
# What django.urls.reverse leaves unquoted in an argument (the `pchar` of RFC 3986).
URL_SAFE = RFC3986_SUBDELIMS + "/~:@"
_MARKER = "HHDARGUMENT"


# --- Producing ------------------------------------------------------------------------


def basis() -> str:
    """The settings a document depends on: one made under others is made again."""
    return "|".join(
        str(value)
        for value in (
            settings.SITE_URL,
            settings.VERIFY_AFTER_DAYS,
            settings.STALE_AFTER_DAYS,
            settings.REMINDER_INTERVAL_DAYS,
        )
    )


def _linker(name: str):
    """An absolute-link maker for the URL `name` with one argument: `reverse` once, then
    the argument quoted as `reverse` quotes it, on SITE_URL."""
    head, _, tail = reverse(name, args=[_MARKER]).partition(_MARKER)
    head = settings.SITE_URL + head

    def link(value: str) -> str:
        return head + quote(value, safe=URL_SAFE) + tail

    return link


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime(value: datetime | None, zone: tzinfo) -> str | None:
    """In the site's zone, ISO 8601, "Z" for UTC (as DRF writes a DateTimeField)."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def dumps(value: Any) -> str:
    """Compact JSON text, UTF-8 as is, U+2028 and U+2029 escaped (as DRF's renderer
    writes them, so a document can sit inside a script)."""
    return (
        orjson.dumps(value)
        .replace(b"\xe2\x80\xa8", b"\\u2028")
        .replace(b"\xe2\x80\xa9", b"\\u2029")
        .decode()
    )


class _Links:
    def __init__(self) -> None:
        self.api = _linker("api:hashtag-detail")
        self.web = _linker("directory:hashtag")
        self.category = _linker("api:category-detail")

    def ref(self, tag: str) -> Document:
        return {"tag": tag, "url": self.api(tag), "web_url": self.web(tag)}


def _chat_document(chat, now: datetime, confirmed: bool) -> tuple[Document, datetime | None]:
    """A chat's document, and when its next meetings move on (the first one's end). A
    chat without evidence that it still meets (`confirmed`, see `has_evidence`) lists
    no next meetings: it is not presented as meeting."""
    status = chat.status_on(chat.local_today(now), confirmed=confirmed)
    meetings = (
        []
        if status == ChatStatus.UNCONFIRMED
        else schedules.next_occurrences(chat, count=NEXT_OCCURRENCES, after=now)
    )
    cancelled = chat.cancelled_dates
    document = {
        "title": chat.title,
        "status": str(status),
        "schedule": schedules.describe(chat),
        "rrule": schedules.rrule_text(chat),
        "frequency": chat.frequency,
        "weekdays": chat.weekday_list,
        "interval": chat.interval,
        "month_weeks": chat.month_week_list,
        "start_time": chat.start_time.strftime("%H:%M"),
        "duration_minutes": chat.duration_minutes,
        "timezone": chat.timezone_id,
        "starts_on": _date(chat.starts_on),
        "ends_on": _date(chat.ends_on),
        "pauses": [
            {"from": _date(pause.starts_on), "until": _date(pause.ends_on), "note": pause.note}
            for pause in chat.pause_list
        ],
        "cancelled_dates": None
        if cancelled is None
        else [
            (day if isinstance(day, str) else day.isoformat()) if day else None for day in cancelled
        ],
        # "Active" in the document's sense: meeting as scheduled now (the record keeps
        # the stored flag, "not withdrawn").
        "is_active": status == ChatStatus.ACTIVE,
        "note": chat.note,
        "next_occurrences": [meeting.start.isoformat() for meeting in meetings],
    }
    return document, meetings[0].end.astimezone(UTC) if meetings else None


def _next_midnight(zone_name: str, now: datetime) -> datetime:
    """The next midnight in a chat's zone: its status is judged on its own calendar."""
    try:
        zone = schedules.get_zone(zone_name)
    except schedules.UnknownTimeZone:
        zone = UTC  # as Chat.local_today reads a zone the tz database lost
    local = now.astimezone(zone)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return tomorrow.astimezone(UTC)


def _freshness_changes(hashtag: Hashtag, now: datetime) -> datetime | None:
    """When the entry's freshness next changes by itself (see `freshness_of`)."""
    if hashtag.last_verified is None:
        return None
    due = hashtag.last_verified + timedelta(days=settings.VERIFY_AFTER_DAYS)
    stale = due + timedelta(days=settings.STALE_AFTER_DAYS)
    moments = [due, stale]
    if hashtag.reminder_sent_at is not None:
        moments.append(hashtag.reminder_sent_at + timedelta(days=settings.REMINDER_INTERVAL_DAYS))
    later = [moment for moment in moments if moment > now]
    return min(later) if later else None


def _entry_document(
    hashtag: Hashtag, links: _Links, zone: tzinfo, now: datetime
) -> tuple[Document, datetime | None]:
    """The entry as the API lists it, and until when that holds."""
    expiries: list[datetime] = []
    chats = []
    confirmed = hashtag.has_evidence(now)
    for chat in sorted(hashtag.chats.all(), key=lambda c: (c.start_time, c.pk)):
        document, expiry = _chat_document(chat, now, confirmed)
        chats.append(document)
        expiries.append(_next_midnight(chat.timezone_id, now))
        if expiry is not None:
            expiries.append(expiry)
    freshness_change = _freshness_changes(hashtag, now)
    if freshness_change is not None:
        expiries.append(freshness_change)
    evidence_change = evidence_ends(hashtag.last_verified, hashtag.last_seen)
    if evidence_change is not None and evidence_change > now:
        expiries.append(evidence_change)
    hosts = [
        {
            **records.account_record(link.moderator),
            "role": link.role,
            "since": link.since,
            "until": link.until,
            "current": link.until is None,
        }
        for link in sorted(hashtag.hosts.all(), key=lambda link: link.pk)
    ]
    categories = sorted(hashtag.categories.all(), key=lambda c: (c.path, c.pk))
    successor = hashtag.replaced_by
    document = {
        **links.ref(hashtag.tag),
        "name": hashtag.name,
        "description": hashtag.description,
        "kind": hashtag.kind,
        "categories": [
            {"slug": c.slug, "name": c.name, "url": links.category(c.slug)} for c in categories
        ],
        "platforms": [
            p.code
            for p in sorted(hashtag.platforms.all(), key=lambda p: (p.position, p.name, p.pk))
        ],
        "language": hashtag.language,
        "website": hashtag.website,
        "status": hashtag.status,
        "aliases": [alias.tag for alias in hashtag.alias_list],
        "moderators": hosts,
        "chats": chats,
        "start_date": _date(hashtag.start_date),
        "end_date": _date(hashtag.end_date),
        "place": hashtag.place,
        "source": hashtag.source,
        "last_verified": _datetime(hashtag.last_verified, zone),
        "freshness": str(
            freshness_of(hashtag.last_verified, now, reminder_sent_at=hashtag.reminder_sent_at)
        ),
        "replaced_by": None if successor is None else links.ref(successor.tag),
        "created": _datetime(hashtag.created, zone),
        "updated": _datetime(hashtag.updated, zone),
    }
    return document, min(expiries) if expiries else None


def _activity_documents(hashtags: Sequence[Hashtag]) -> dict[int, Document]:
    """Each entry's `activity`: its summary and each server's last SERIES_DAYS days (one
    query for the entries that were ever counted)."""
    summaries = {}
    for hashtag in hashtags:
        try:
            summaries[hashtag.pk] = hashtag.activity_summary
        except Hashtag.activity_summary.RelatedObjectDoesNotExist:
            summaries[hashtag.pk] = None
    counted = {pk: summary for pk, summary in summaries.items() if summary is not None}
    series: dict[int, dict[tuple[str, str], Document]] = defaultdict(dict)
    if counted:
        first = min(s.as_of for s in counted.values()) - timedelta(days=SERIES_DAYS - 1)
        rows = (
            DailyActivity.objects.filter(hashtag_id__in=list(counted), day__gte=first)
            .order_by("hashtag_id", "network", "server", "day")
            .values_list("hashtag_id", "network", "server", "day", "uses", "accounts")
        )
        for pk, network, server, day, uses, accounts in rows:
            as_of = counted[pk].as_of
            if not as_of - timedelta(days=SERIES_DAYS - 1) <= day <= as_of:
                continue
            one = series[pk].setdefault(
                (network, server), {"network": network, "server": server, "days": []}
            )
            one["days"].append({"uses": uses, "accounts": accounts, "day": day.isoformat()})
    documents = {}
    for pk, summary in summaries.items():
        documents[pk] = {
            "as_of": _date(summary.as_of) if summary else None,
            "last_7_days": {"uses": summary.uses_7d, "accounts": summary.accounts_7d}
            if summary
            else None,
            "last_seen": _date(summary.last_seen) if summary else None,
            "series": list(series[pk].values()),
        }
    return documents


def _signature(hashtag: Hashtag, now: datetime) -> dict[str, Any]:
    """What the directory's counts count of the entry: `has_chat` is a chat that meets
    now (`Chat.is_meeting`)."""
    confirmed = hashtag.has_evidence(now)
    return {
        "kind": hashtag.kind,
        "language": hashtag.language,
        "has_chat": any(
            chat.is_meeting_on(chat.local_today(now), confirmed=confirmed)
            for chat in hashtag.chats.all()
        ),
        "categories": ",".join(str(pk) for pk in sorted({c.pk for c in hashtag.categories.all()})),
        "platforms": ",".join(sorted({p.code for p in hashtag.platforms.all()})),
    }


def _counts_change(hashtag: Hashtag, now: datetime) -> datetime | None:
    """When what the counts count of the entry (`has_chat`, see `_signature`) may move on
    by itself: a chat's end date passing, a break without an end beginning, or the
    evidence that its chats meet running out. Nothing else about it moves with time."""
    moments = []
    chats = [chat for chat in hashtag.chats.all() if chat.is_active]
    for chat in chats:
        if chat.ends_on is not None:
            moments.append(_midnight_after(chat.timezone_id, chat.ends_on))
        moments += [
            _midnight_after(chat.timezone_id, pause.starts_on - timedelta(days=1))
            for pause in chat.pause_list
            if pause.ends_on is None
        ]
    if chats:
        evidence = evidence_ends(hashtag.last_verified, hashtag.last_seen)
        if evidence is not None:
            moments.append(evidence)
    later = [moment for moment in moments if moment > now]
    return min(later) if later else None


def _midnight_after(zone_name: str, day: date) -> datetime:
    """The midnight that ends `day` in a chat's zone."""
    try:
        zone = schedules.get_zone(zone_name)
    except schedules.UnknownTimeZone:
        zone = UTC
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def produce(hashtags: Sequence[Hashtag], now: datetime | None = None) -> list[Published]:
    """The `Published` rows of these public entries (fetched with `with_details()`).

    In English whatever page's request publishes them: the API and the export are English,
    and the pages put the words in their own language from the stored values."""
    with translation.override(settings.LANGUAGE_CODE):
        return _produce(hashtags, now or timezone.now())


def _produce(hashtags: Sequence[Hashtag], now: datetime) -> list[Published]:
    links = _Links()
    zone = timezone.get_current_timezone()
    made = basis()
    activities = _activity_documents(hashtags)
    rows = []
    for hashtag in hashtags:
        document, valid_until = _entry_document(hashtag, links, zone, now)
        signature = _signature(hashtag, now)
        rows.append(
            Published(
                entry_id=hashtag.pk,
                key=hashtag.key,
                status=hashtag.status,
                updated=hashtag.updated,
                document=dumps(document),
                activity=dumps(activities[hashtag.pk]),
                record=record_json(entry_record(hashtag)),
                valid_until=valid_until,
                basis=made,
                counted_until=_counts_change(hashtag, now),
                **signature,
                terms=terms_of(**signature),
            )
        )
    return rows


def language_forms(language: str) -> list[str]:
    """A language tag and each shorter form of it, lower-case: "en-GB" gives "en" and
    "en-gb" (what the language filter matches: `hashtags.filters.language_q`)."""
    subtags = language.lower().split("-")
    return ["-".join(subtags[:end]) for end in range(1, len(subtags) + 1) if subtags[0]]


def terms_of(
    *, kind: str, language: str, has_chat: bool, categories: str, platforms: str
) -> list[str]:
    """`Published.terms`: what the list filters and the directory's counts read, from
    the counted values (see the field's help text)."""
    terms = [f"k:{kind}", "h:1" if has_chat else "h:0"]
    terms += [f"l:{form}" for form in language_forms(language)]
    if language:
        terms.append(f"e:{language.lower()}")  # the language exactly (the counts' values)
    terms += [f"c:{pk}" for pk in categories.split(",") if pk]
    terms += [f"p:{code}" for code in platforms.split(",") if code]
    return sorted(set(terms))


# --- The export's record (format version 1: hashtags.opendata.registry_io) ----------------------

# The file's columns: the entry's own fields (hashtags.records.Entry), its review state and
# record-keeping times, then its lists. A field added to Entry is a new column.
ENTRY_FIELDS = (
    *records.OWN_FIELDS,
    "status",
    "status_reason",
    "last_verified",
    "created",
    "updated",
    "approved_at",
    *records.LISTS,
)
# Record-keeping times: exported, restored on entries the import creates, but not data a
# curator edits, so they never make an entry count as changed.
TIMESTAMP_FIELDS = ("created", "updated", "approved_at")


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record_json(value: Any) -> str:
    """The export's JSON text of a value (the export's bytes: `json.dumps`, UTF-8 as is)."""
    return json.dumps(value, ensure_ascii=False)


def record_of(hashtag: Hashtag, content: dict[str, Any]) -> dict[str, Any]:
    """One entry as exported: its `records.record()` with its review state and times, in
    the columns' order. The same function describes a file's row, so comparing the two
    says whether the row would change anything."""
    extra = {
        "status": hashtag.status,
        "status_reason": hashtag.status_reason,
        "last_verified": timestamp(hashtag.last_verified),
        "created": timestamp(hashtag.created),
        "updated": timestamp(hashtag.updated),
        "approved_at": timestamp(hashtag.approved_at),
    }
    return {name: content[name] if name in content else extra[name] for name in ENTRY_FIELDS}


def entry_record(hashtag: Hashtag) -> dict[str, Any]:
    """The export's record of an entry fetched with `with_details()`."""
    return record_of(hashtag, records.stored_record(hashtag))


# --- Counting -------------------------------------------------------------------------


def counted_values(row: Published) -> list[tuple[str, str]]:
    """The (facet, value) pairs one public entry adds 1 to (see `FacetCount`)."""
    values = [("total", ""), ("kind", row.kind), ("language", row.language)]
    if row.has_chat:
        values.append(("chat", "yes"))
    values += [("platform", code) for code in row.platforms.split(",") if code]
    if row.categories:
        values.append(("categories", row.categories))
    return values


_pending = threading.local()


@dataclass
class _Pending:
    counts: Counter
    changes: list[Change]


@contextmanager
def batch() -> Iterator[None]:
    """Gather the count changes and the registry's changes of every `publish` within,
    and apply them once at the end (inside the caller's transaction, which must enclose
    it). Batches nest: the outermost applies."""
    outer = getattr(_pending, "work", None) is None
    if outer:
        _pending.work = _Pending(Counter(), [])
    try:
        yield
        if outer:
            _apply(_pending.work)
    finally:
        if outer:
            _pending.work = None


def _apply(work: _Pending) -> None:
    """Record the changes, then add to the kept counts: one statement per changed count,
    in a fixed order.

    Changes take their sequence numbers under a table lock held until the commit, so
    they commit in the order of their numbers: a reader of the changes feed that has
    seen number n never later finds a smaller one appear. The counts are changed under
    the same lock, so two transactions never wait for each other's count rows crosswise.
    """
    changes = [(facet, value, n) for (facet, value), n in sorted(work.counts.items()) if n]
    if not changes and not work.changes:
        return
    using = router.db_for_write(FacetCount)
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(Change._meta.db_table)
            # SHARE ROW EXCLUSIVE: writers queue for it; readers are not held up.
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        if work.changes:
            # Entries leaving the registry first: a mirror applying these changes in order
            # frees a merged entry's tag before the entry it went to takes it as an alias.
            work.changes.sort(key=lambda one: one.record is not None)
            at = timezone.now()
            for one in work.changes:
                one.at = at
            Change.objects.using(using).bulk_create(work.changes)
        if changes:
            table = connection.ops.quote_name(FacetCount._meta.db_table)
            cursor.executemany(
                f"INSERT INTO {table} (facet, value, count) VALUES (%s, %s, %s) "  # noqa: S608 - the model's own table name
                f"ON CONFLICT (facet, value) DO UPDATE SET count = {table}.count + excluded.count",
                changes,
            )


# --- Publishing -----------------------------------------------------------------------


def _details(ids: Iterable[int], using: str):
    return (
        Hashtag.objects.using(using).public().filter(pk__in=list(ids)).with_details().order_by("pk")
    )


SIGNATURE_FIELDS = ("kind", "language", "has_chat", "categories", "platforms")
STORED_FIELDS = (
    "key",
    "status",
    "updated",
    "document",
    "activity",
    "record",
    "valid_until",
    "basis",
    "counted_until",
    *SIGNATURE_FIELDS,
    "terms",
)


def publish(entry_ids: Iterable[int], now: datetime | None = None) -> None:
    """Produce and store the documents of these entries, whatever happened to them
    (created, changed, made public or not, deleted), and bring the counts up to date.
    Runs in the caller's transaction; the entries' rows are locked while they are
    produced, so two publishers of one entry take turns."""
    ids = sorted(set(entry_ids))
    using = router.db_for_write(Published)
    # The counts' changes of every chunk are applied once, at the end, sorted, with the
    # registry's changes.
    with transaction.atomic(using=using, savepoint=False), batch():
        for start in range(0, len(ids), CHUNK):
            _publish_chunk(ids[start : start + CHUNK], using, now)


def _publish_chunk(ids: list[int], using: str, now: datetime | None) -> None:
    with transaction.atomic(using=using, savepoint=False):
        list(Hashtag.objects.using(using).select_for_update().filter(pk__in=ids).values("pk"))
        old = {row.entry_id: row for row in Published.objects.using(using).filter(entry_id__in=ids)}
        new = {row.entry_id: row for row in produce(list(_details(ids, using)), now)}
        delta: Counter[tuple[str, str]] = Counter()
        for row in old.values():
            delta.subtract(counted_values(row))
        for row in new.values():
            delta.update(counted_values(row))
        gone = [pk for pk in old if pk not in new]
        if gone:
            Published.objects.using(using).filter(entry_id__in=gone).delete()
        if new:
            Published.objects.using(using).bulk_create(
                new.values(),
                update_conflicts=True,
                unique_fields=["entry_id"],
                update_fields=STORED_FIELDS,
            )
        _pending.work.counts.update(delta)
        _pending.work.changes += _changes(ids, old, new, using)
    # An entry's document names its successor by tag, and only while it is public: the
    # entries it succeeds are published again when its tag or its being public changes.
    moved = [pk for pk, row in old.items() if pk not in new or _tag(new[pk]) != _tag(row)]
    if moved:
        predecessors = (
            Hashtag.objects.using(using)
            .public()
            .filter(replaced_by_id__in=moved)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        publish(list(predecessors), now)


def _changes(
    ids: list[int], old: dict[int, Published], new: dict[int, Published], using: str
) -> list[Change]:
    """The registry's changes from `old` rows to `new` (see hashtags.opendata.changelog)."""
    found = []
    for pk in ids:
        before, after = old.get(pk), new.get(pk)
        if before is None and after is None:
            continue
        merged_into = None
        if after is None:
            # Merged: its tag is now another entry's alias.
            merged_into = (
                Identity.objects.using(using)
                .filter(key=before.key, is_alias=True)
                .values_list("hashtag__tag", flat=True)
                .first()
            )
        one = changelog.change(
            pk,
            (after or before).key,
            before and before.record,
            after and after.record,
            merged_into=merged_into,
            at=timezone.now(),
        )
        if one is not None:
            found.append(one)
    return found


def _tag(row: Published) -> str:
    return json.loads(row.record)["tag"]


def schema_is_current(using: str = "default") -> bool:
    """Whether every table of the registry has every column its model has. Not so while
    migrations older than the newest run: one that publishes (0016) runs this producer,
    which writes and reads the newest columns, so it leaves the publishing to the newest
    migration that publishes (0023)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in apps.get_app_config("hashtags").get_models():
            if model._meta.proxy:
                continue
            if model._meta.db_table not in tables:
                return False
            described = connection.introspection.get_table_description(cursor, model._meta.db_table)
            columns = {column.name for column in described}
            if any(field.column not in columns for field in model._meta.concrete_fields):
                return False
    return True


def publish_all(*, chunk: int = 5000, using: str = "default") -> int:
    """Publish every entry again and count everything afresh: after bulk writes that
    went past the write path (`seed_synthetic`), and to fill the table the first time.
    The number of public entries; 0 (nothing done) on a database whose migrations are
    not all applied yet (`schema_is_current`)."""
    if not schema_is_current(using):
        return 0
    done = 0
    with transaction.atomic(using=using):
        Published.objects.using(using).all().delete()
        FacetCount.objects.using(using).all().delete()
        totals: Counter[tuple[str, str]] = Counter()
        ids = list(
            Hashtag.objects.using(using).public().order_by("pk").values_list("pk", flat=True)
        )
        for start in range(0, len(ids), chunk):
            rows = []
            for part in range(start, min(start + chunk, len(ids)), CHUNK):
                rows += produce(list(_details(ids[part : part + CHUNK], using)))
            Published.objects.using(using).bulk_create(rows, batch_size=1000)
            for row in rows:
                totals.update(counted_values(row))
            done += len(rows)
        FacetCount.objects.using(using).bulk_create(
            [FacetCount(facet=f, value=v, count=n) for (f, v), n in sorted(totals.items())],
            batch_size=5000,
        )
    return done


# --- Reading --------------------------------------------------------------------------


def _current(rows: list[Published], now: datetime) -> list[Published]:
    """`rows`, with those past their time or made under other settings published again
    first (in one round, whatever their number)."""
    made = basis()
    expired = [
        row.entry_id
        for row in rows
        if row.basis != made or (row.valid_until is not None and row.valid_until <= now)
    ]
    if not expired:
        return rows
    with transaction.atomic(using=router.db_for_write(Published)):
        publish(expired, now)
    fresh = {
        row.entry_id: row
        for row in Published.objects.using(router.db_for_write(Published)).filter(
            entry_id__in=expired
        )
    }
    again = set(expired)
    return [
        fresh[row.entry_id] if row.entry_id in again else row
        for row in rows
        if row.entry_id not in again or row.entry_id in fresh
    ]


READ_FIELDS = ("entry_id", "document", "valid_until", "basis")
# A list page's rows (`Hashtag.objects.with_published()`): the sort keys its cursor is
# read from, and the stored document.
LIST_COLUMNS = (
    "pk",
    "key",
    "created",
    "updated",
    "activity_uses",
    "published_document",
    "published_valid_until",
    "published_basis",
)


def current_rows(page: Sequence[dict[str, Any]]) -> list[Published]:
    """A list page's rows (LIST_COLUMNS) as published rows, current (see `_current`)."""
    rows = [
        Published(
            entry_id=row["pk"],
            document=row["published_document"],
            valid_until=row["published_valid_until"],
            basis=row["published_basis"],
        )
        for row in page
    ]
    return _current(rows, timezone.now())


def find(raw_tag: str, *, fields: Sequence[str] = (*READ_FIELDS, "activity")) -> Published | None:
    """The published entry a tag or alias names, in any spelling (one indexed read), or
    None for a tag no public entry holds."""
    key = tag_key(raw_tag)
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    row = (
        Published.objects.filter(entry_id__in=Identity.objects.filter(key=key).values("hashtag_id"))
        .only(*fields)
        .first()
    )
    if row is None:
        # A public entry written past the write path and never published yet (a bulk
        # load): published now, so that it reads as the others do.
        public = Hashtag.objects.public().filter(identities__key=key)
        unpublished = public.values_list("pk", flat=True).first()
        if unpublished is None:
            return None
        row = Published(entry_id=unpublished, basis="")
    found = _current([row], timezone.now())
    return found[0] if found else None


def of(entry_ids: Sequence[int], *, fields: Sequence[str] = READ_FIELDS) -> list[Published]:
    """The published rows of these entries, in their order (one query; ids of entries
    that are not public are left out)."""
    rows = {
        row.entry_id: row
        for row in Published.objects.filter(entry_id__in=list(entry_ids)).only(*fields)
    }
    return _current([rows[pk] for pk in entry_ids if pk in rows], timezone.now())


def detail(row: Published) -> orjson.Fragment:
    """The entry's detail document: its document with its activity."""
    return orjson.Fragment(row.document[:-1] + ',"activity":' + row.activity + "}")


def listed(row: Published) -> orjson.Fragment:
    return orjson.Fragment(row.document)


@dataclass
class Difference:
    entry_id: int
    stored: str | None
    produced: str | None


def differences(now: datetime | None = None) -> list[Difference]:
    """Entries whose stored documents differ from what the producer makes of them now
    (a write that went past the write path: a queryset update, raw SQL, a bulk load),
    and entries public but unpublished or published but no longer public. Empty when
    everything published is what readers should see. Rows past their time or made under
    other settings are compared as they will be served: made again."""
    now = now or timezone.now()
    made = basis()
    stored = {row.entry_id: row for row in Published.objects.all()}
    public = list(Hashtag.objects.public().order_by("pk").values_list("pk", flat=True))
    found: list[Difference] = []
    for pk in set(stored) - set(public):
        found.append(Difference(pk, stored[pk].document, None))
    for start in range(0, len(public), CHUNK):
        for row in produce(list(_details(public[start : start + CHUNK], "default")), now):
            old = stored.get(row.entry_id)
            if old is None:
                found.append(Difference(row.entry_id, None, row.document))
                continue
            if old.basis != made or (old.valid_until is not None and old.valid_until <= now):
                continue
            if any(getattr(old, name) != getattr(row, name) for name in _COMPARED):
                found.append(Difference(row.entry_id, old.document, row.document))
    return sorted(found, key=lambda difference: difference.entry_id)


_COMPARED = ("key", "status", "document", "activity", "record", *SIGNATURE_FIELDS, "terms")


def recount_moved(now: datetime | None = None) -> int:
    """Publish again the entries whose counted values have moved on by themselves since
    they were published (`Published.counted_until`: a chat ended, its evidence ran out),
    so the kept counts hold now; the number of entries. One indexed query when there are
    none, which is nearly always."""
    now = now or timezone.now()
    using = router.db_for_write(Published)
    moved = list(
        Published.objects.using(using)
        .filter(counted_until__lte=now)
        .values_list("entry_id", flat=True)
    )
    if moved:
        with transaction.atomic(using=using):
            publish(moved, now)
    return len(moved)


def kept_counts(*facets: str) -> dict[str, dict[str, int]]:
    """{facet: {value: public entries}} as kept in `FacetCount` (only `facets`, when
    named): one query, a few thousand rows at most. The `chat` count moves with time:
    a reader of it calls `recount_moved` first."""
    kept: dict[str, dict[str, int]] = defaultdict(dict)
    rows = FacetCount.objects.filter(count__gt=0)
    if facets:
        rows = rows.filter(facet__in=facets)
    for facet, value, count in rows.values_list("facet", "value", "count"):
        kept[facet][value] = count
    return kept


def count_differences() -> dict[tuple[str, str], tuple[int, int]]:
    """{(facet, value): (kept, counted now from the published rows)} where they differ."""
    fresh: Counter[tuple[str, str]] = Counter()
    for row in Published.objects.only(*SIGNATURE_FIELDS).iterator(chunk_size=5000):
        fresh.update(counted_values(row))
    kept = {
        (facet, value): count
        for facet, values in kept_counts().items()
        for value, count in values.items()
    }
    return {
        name: (kept.get(name, 0), fresh.get(name, 0))
        for name in set(kept) | set(fresh)
        if kept.get(name, 0) != fresh.get(name, 0)
    }
