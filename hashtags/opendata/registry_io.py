"""Open data: the public registry as a versioned JSON file or a CSV file, and back.

`export_registry`, `import_registry` and the `/api/v1/export.json|csv` views all use this
module, so the formats are defined once. The registry data is published under CC0 1.0
(see `LICENCE`).

What is exported
----------------
Every public entry — approved, and retired ones when asked (`include_retired`) — with its
categories, platforms, aliases, chats (every schedule field, the active flag, the IANA zone
name) and moderators (handle, display name, platform, profile URL, role). Nothing private:
no submission, no submitter name or email, no curator note, no reports, no `approved_by`.

The output is deterministic, so the same data always gives the same bytes, and
export → import into an empty database → export gives identical files:
- entries are ordered by identity key (casefolded tag) in code-point order on every
  database (PostgreSQL sorts with `COLLATE "C"`);
- inside an entry, categories are sorted by slug, platforms by code, aliases by key,
  chats by local start time (then as stored), moderators as stored (founders first, as
  the curators listed them);
- nothing depends on the clock: the file's `updated` is the latest `updated` time
  of the exported entries, and the import restores each created entry's `created`,
  `updated` and `approved_at`.

JSON file (format version 1)
--------------------------------
UTF-8, one category or entry per line::

    {"format": "healthcare-hashtag-directory", "version": 1,
     "licence": {"id": "CC0-1.0", "name": "...", "url": "https://creativecommons.org/..."},
     "updated": "2024-01-19T12:00:00Z",            # latest entry update, or null
    "categories": [
    {"slug": "diseases", "name": "Diseases & conditions", "parent": null, "description": "..."},
    {"slug": "cancer", "name": "Cancer", "parent": "diseases", "description": ""}
    ],
    "hashtags": [
    {"tag": "HCLDR", "name": "...", "kind": "chat", "status": "approved", "status_reason": "",
     "description": "...", "language": "en", "website": "", "source": "https://...",
     "categories": ["..."], "platforms": ["x"], "aliases": [], "start_date": null,
     "end_date": null, "place": "", "replaced_by": null, "last_verified": null,
     "created": "...Z", "updated": "...Z", "approved_at": "...Z",
     "chats": [{"title": "Weekly chat", "frequency": "weekly", "weekdays": ["TU"],
                "interval": 1, "month_weeks": [], "start_time": "20:30:00",
                "duration_minutes": 60, "timezone": "America/New_York",
                "starts_on": null, "ends_on": "2023-10-31",
                "pauses": [{"from": "2023-07-01", "until": "2023-08-31", "note": "..."}],
                "cancelled_dates": ["2022-12-27"], "is_active": true, "note": ""}],
     "moderators": [{"handle": "Colin_Hung", "display_name": "Colin Hung", "platform": "x",
                     "profile_url": "https://x.com/Colin_Hung", "role": "founder",
                     "since": 2012, "until": null}]}
    ]
    }

Categories are listed parents first (ordered by path). Dates are ISO 8601 (`2017-02-19`),
times of day `HH:MM:SS` in the chat's own zone, timestamps ISO 8601 in UTC with `Z`.
`kind`, `status`, `frequency`, `role`, platform codes and weekday codes (MO…SU) are the
API's values; `month_weeks` are 1–4 and -1 (the last).

CSV file (format version 1)
---------------------------
UTF-8 (no byte-order mark; one is accepted on import), RFC 4180 quoting, CRLF line ends,
a header row and then one row per entry, with the columns of `CSV_COLUMNS` (the JSON
entry keys, in the same order). Empty cell = empty text, no date, or an empty list.
- `categories`: '|'-separated category *paths* (`diseases/cancer/breast-cancer`), so the
  tree travels with the entries; `platforms` and `aliases`: '|'-separated codes and tags
  (none of them can contain '|').
- `chats` and `moderators`: a JSON array in the cell, the same objects as in the JSON
  file.
- Formula neutralising: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
  return — which a spreadsheet would run as a formula — is written with a `'` in front
  (`'=1+1`). So that the round trip stays exact, a cell that itself starts with `'`
  followed by one of those characters or by another `'` gets one more `'`. The import
  removes exactly one leading `'` when it is followed by one of those characters or by
  `'`, and leaves every other cell as written.

Import
------
`import_registry()` reads either format (a file as exported, or a curator's spreadsheet
with some columns left out: a missing column or key keeps an existing entry's value and
takes the default for a new one). It upserts by hashtag identity (case-insensitive, via
the Identity table), reads each row's fields with the API's input fields (the same type
rules and messages), validates it through the write path (`hashtags.entries.prepare`,
like the submission form and the API), and runs in one transaction: one bad row and
nothing is written. Rows go in batches of `BATCH`: each batch's entries are read in a few
queries and written in a few statements per table (`entries.write_many`), each row still
judged with the rows before it accepted, so an import costs well under one statement per
row (bench/README.md).
Entries it creates are approved (or retired, if the file says so) — the import is a
curator's tool and bypasses the review queue. It never edits or deletes categories,
and never deletes entries. Details in `import_registry()`.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

import orjson
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max
from django.db.models.functions import Collate
from django.utils import timezone
from rest_framework import serializers

from hashtags import entries, published, records
from hashtags.api.serializers import EntryInputSerializer
from hashtags.models import Category, Hashtag, Identity, Published, Status
from hashtags.opendata import changelog
from hashtags.published import (
    ENTRY_FIELDS,
    TIMESTAMP_FIELDS,
    entry_record,
    record_json,
    record_of,
    timestamp,
)
from hashtags.validators import clean_tag, tag_key

FORMAT_NAME = "healthcare-hashtag-directory"
FORMAT_VERSION = 1
LICENCE = {
    "id": "CC0-1.0",
    "name": "CC0 1.0 Universal (Public Domain Dedication)",
    "url": "https://creativecommons.org/publicdomain/zero/1.0/",
}
CHANGE_REASON = "import_registry"
# The JSON file's JSON Schema: a file kept with the code, so that it is versioned with
# the format (a new format version gets a file of its own). Served at
# /api/v1/export.schema.json, and linked from every JSON export (hashtags.opendata.views).
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / f"export-v{FORMAT_VERSION}.schema.json"

# Entries read per database round trip when exporting; each chunk costs one query for the
# entries and one per prefetched relation, so queries grow with chunks, never per row.
CHUNK_SIZE = 500
# Rows imported together: read in a few queries, written in a few statements per table.
BATCH = 500
# Stream output in pieces of about this many characters rather than one per entry.
STREAM_BUFFER = 64 * 1024

CSV_COLUMNS = ENTRY_FIELDS
DATE_FIELDS = tuple(
    name
    for name in entries.OWN_FIELDS
    if isinstance(Hashtag._meta.get_field(name), models.DateField)
)
LIST_FIELDS = ("categories", "platforms", "aliases")
JSON_LIST_FIELDS = ("chats", "moderators")
# What an entry the import creates gets for a key the file leaves out.
NEW_ENTRY_DEFAULTS: dict[str, Any] = {
    **{name: None if name in DATE_FIELDS else "" for name in ENTRY_FIELDS},
    "language": "en",
    "status": Status.APPROVED.value,
    "last_verified": None,
    **dict.fromkeys(TIMESTAMP_FIELDS),
    **{name: [] for name in entries.LISTS},
}

# Cells a spreadsheet would run as a formula start with one of these (OWASP's list).
FORMULA_TRIGGERS = frozenset({"=", "+", "-", "@", "\t", "\r"})
LIST_SEPARATOR = "|"


# --- Serialising ----------------------------------------------------------------------


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _content(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in TIMESTAMP_FIELDS}


def category_records() -> list[dict[str, Any]]:
    """The whole category tree, parents first (categories are few: sorted in Python so
    the order is code-point order on every database)."""
    categories = sorted(Category.objects.select_related("parent"), key=lambda c: c.path)
    return [
        {
            "slug": category.slug,
            "name": category.name,
            "parent": category.parent.slug if category.parent_id else None,
            "description": category.description,
        }
        for category in categories
    ]


def exported_entries(*, include_retired: bool = False):
    """The published entries the export reads: approved entries, and retired ones when
    asked (hashtags.published: each entry's record is produced when it is written)."""
    rows = Published.objects.all()
    return rows if include_retired else rows.filter(status=Status.APPROVED)


def iter_records(*, include_retired: bool = False) -> Iterator[str]:
    """Every exported entry's record as JSON text, in key order (code-point order on
    every database), read in chunks so memory stays flat whatever the size."""
    key = Collate("key", "C") if connection.vendor == "postgresql" else "key"
    rows = exported_entries(include_retired=include_retired).order_by(key, "entry_id")
    yield from rows.values_list("record", flat=True).iterator(chunk_size=CHUNK_SIZE)


def iter_entries(*, include_retired: bool = False) -> Iterator[dict[str, Any]]:
    """Every exported entry's record, as data."""
    for text in iter_records(include_retired=include_retired):
        yield orjson.loads(text)


def latest_update(*, include_retired: bool = False) -> datetime | None:
    return exported_entries(include_retired=include_retired).aggregate(latest=Max("updated"))[
        "latest"
    ]


def _buffered(pieces: Iterable[str]) -> Iterator[str]:
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= STREAM_BUFFER:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def _json_array(texts: Iterable[str]) -> Iterator[str]:
    separator = "\n"
    for text in texts:
        yield separator + text
        separator = ",\n"
    if separator != "\n":
        yield "\n"


def _json_pieces(include_retired: bool) -> Iterator[str]:
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "licence": LICENCE,
        "updated": timestamp(latest_update(include_retired=include_retired)),
    }
    yield record_json(header)[:-1] + ',\n"categories": ['
    yield from _json_array(record_json(category) for category in category_records())
    yield '],\n"hashtags": ['
    yield from _json_array(iter_records(include_retired=include_retired))
    yield "]\n}\n"


def iter_json(*, include_retired: bool = False) -> Iterator[str]:
    """The JSON file, in pieces of about STREAM_BUFFER characters."""
    return _buffered(_json_pieces(include_retired))


def neutralise(cell: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (see the module docstring)."""
    if cell[:1] in FORMULA_TRIGGERS or (
        cell[:1] == "'" and (cell[1:2] in FORMULA_TRIGGERS or cell[1:2] == "'")
    ):
        return "'" + cell
    return cell


def unneutralise(cell: str) -> str:
    """Undo exactly what `neutralise()` did."""
    if cell[:1] == "'" and (cell[1:2] in FORMULA_TRIGGERS or cell[1:2] == "'"):
        return cell[1:]
    return cell


def _csv_cells(record: Mapping[str, Any], paths: Mapping[str, str]) -> list[str]:
    cells = []
    for column in CSV_COLUMNS:
        value = record[column]
        if column == "categories":
            value = LIST_SEPARATOR.join(paths.get(slug, slug) for slug in value)
        elif column in LIST_FIELDS:
            value = LIST_SEPARATOR.join(value)
        elif column in JSON_LIST_FIELDS:
            value = record_json(value) if value else ""
        elif value is None:
            value = ""
        cells.append(neutralise(value))
    return cells


class _Line:
    """A file-like object whose write() returns what it was given, so csv.writer can
    produce one formatted line at a time (the pattern Django's streaming docs use)."""

    def write(self, value: str) -> str:
        return value


def _csv_pieces(include_retired: bool) -> Iterator[str]:
    writer = csv.writer(_Line(), lineterminator="\r\n")
    paths = dict(Category.objects.values_list("slug", "path"))
    yield writer.writerow(CSV_COLUMNS)
    for record in iter_entries(include_retired=include_retired):
        yield writer.writerow(_csv_cells(record, paths))


def iter_csv(*, include_retired: bool = False) -> Iterator[str]:
    """The CSV file, in pieces of about STREAM_BUFFER characters."""
    return _buffered(_csv_pieces(include_retired))


def iter_export(fmt: str, *, include_retired: bool = False) -> Iterator[str]:
    if fmt == "json":
        return iter_json(include_retired=include_retired)
    if fmt == "csv":
        return iter_csv(include_retired=include_retired)
    raise ValueError(f"Unknown export format {fmt!r}: use json or csv.")


# --- Reading --------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be read (not a registry export, a bad header…)."""


@dataclass
class Row:
    number: int  # CSV: the spreadsheet row (the header is row 1); JSON: the entry's position
    data: dict[str, Any] | None
    problem: str = ""  # set when the row could not even be read


@dataclass
class ImportFile:
    """A file to import, read: its format, its category tree (JSON only) and its rows."""

    format: str
    categories: list[Any] | None  # the JSON file's category tree; None for CSV
    rows: Iterable[Row]


def detect_format(name: str, head: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".csv"):
        return "csv"
    return "json" if head.lstrip("\ufeff \t\r\n").startswith("{") else "csv"


def read_json(stream: TextIO) -> ImportFile:
    try:
        data = json.load(stream)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            f"The file is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise ImportFileError(
            f'The JSON file is not a registry export: it needs "format": "{FORMAT_NAME}".'
        )
    if data.get("version") != FORMAT_VERSION:
        raise ImportFileError(
            f"Unsupported format version {data.get('version')!r}: this site reads "
            f"version {FORMAT_VERSION}."
        )
    hashtags = data.get("hashtags")
    if not isinstance(hashtags, list):
        raise ImportFileError('The data needs a "hashtags" list.')
    categories = data.get("categories", [])
    if not isinstance(categories, list):
        raise ImportFileError('"categories" must be a list.')
    rows = (
        Row(number, entry)
        if isinstance(entry, dict)
        else Row(number, None, "expected an object with the entry's fields")
        for number, entry in enumerate(hashtags, start=1)
    )
    return ImportFile("json", categories, rows)


def _split(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip()]


def _csv_row(header: list[str], cells: list[str], number: int) -> Row:
    if len(cells) > len(header):
        return Row(number, None, f"{len(cells)} cells, but the header has {len(header)} columns")
    # Some spreadsheets drop a row's trailing empty cells: they are empty, not missing.
    cells = cells + [""] * (len(header) - len(cells))
    data: dict[str, Any] = {}
    problems = []
    for column, raw in zip(header, cells, strict=False):
        cell = unneutralise(raw)
        if column in LIST_FIELDS:
            data[column] = _split(cell)
        elif column in JSON_LIST_FIELDS:
            if not cell.strip():
                data[column] = []
                continue
            try:
                data[column] = json.loads(cell)
            except json.JSONDecodeError as error:
                problems.append(f"{column}: not a valid JSON list ({error.msg}, at {error.pos})")
        elif column in DATE_FIELDS or column in ("last_verified", *TIMESTAMP_FIELDS):
            data[column] = cell.strip() or None
        else:
            data[column] = cell
    if problems:
        return Row(number, None, "; ".join(problems))
    return Row(number, data)


def read_csv(stream: TextIO) -> ImportFile:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("The CSV file is empty: it needs a header row.") from None
    except csv.Error as error:
        raise ImportFileError(f"The CSV header cannot be read: {error}.") from None
    header = [name.strip().lstrip("\ufeff") for name in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise ImportFileError(
            f"Unknown column(s): {', '.join(unknown)}. The columns are: {', '.join(CSV_COLUMNS)}."
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise ImportFileError(f"Column(s) given twice: {', '.join(duplicated)}.")
    if "tag" not in header:
        raise ImportFileError('The CSV file needs a "tag" column.')

    def rows() -> Iterator[Row]:
        number = 1
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield Row(number, None, f"cannot be read as CSV: {error}")
                return
            if any(cell.strip() for cell in cells):
                yield _csv_row(header, cells, number)

    return ImportFile("csv", None, rows())


def read_file(stream: TextIO, fmt: str) -> ImportFile:
    return read_json(stream) if fmt == "json" else read_csv(stream)


# --- Importing ------------------------------------------------------------------------

CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"


@dataclass
class RowResult:
    row: int | None  # None for a category of the file's tree
    subject: str  # "#HCLDR", or "category diseases"
    outcome: str
    detail: str = ""

    def __str__(self) -> str:
        where = f"row {self.row} " if self.row is not None else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{where}{self.subject}: {self.outcome}{detail}"


@dataclass
class ImportReport:
    results: list[RowResult] = field(default_factory=list)
    dry_run: bool = False

    @property
    def errors(self) -> list[RowResult]:
        return [result for result in self.results if result.outcome == ERROR]

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.errors

    def count(self, outcome: str, *, rows_only: bool = True) -> int:
        return sum(
            1
            for result in self.results
            if result.outcome == outcome and (result.row is not None or not rows_only)
        )

    def summary(self) -> str:
        rows = [result for result in self.results if result.row is not None]
        text = (
            f"{len(rows)} row{'s' if len(rows) != 1 else ''}: {self.count(CREATED)} created, "
            f"{self.count(UPDATED)} updated, {self.count(UNCHANGED)} unchanged, "
            f"{self.count(ERROR)} with errors."
        )
        categories = sum(
            1 for result in self.results if result.row is None and result.outcome == CREATED
        )
        if categories:
            text += f" {categories} categor{'y' if categories == 1 else 'ies'} created."
        if self.errors:
            where = ", ".join(
                f"row {result.row}" if result.row is not None else result.subject
                for result in self.errors[:10]
            )
            more = "…" if len(self.errors) > 10 else ""
            text += f" Nothing was written: fix {where}{more} and import again."
        elif self.dry_run:
            text += " Dry run: nothing was written."
        return text


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _parsetimestamp(value: Any, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError({name: "Give a time as ISO 8601 text, e.g. 2024-01-08T12:00:00Z."})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            {name: f"{value!r} is not an ISO 8601 time, e.g. 2024-01-08T12:00:00Z."}
        ) from None
    if moment.tzinfo is None:
        raise ValidationError(
            {name: f"Give {value!r} with its UTC offset, e.g. 2024-01-08T12:00:00Z."}
        )
    return moment.astimezone(UTC)


def _slug_name(slug: str) -> str:
    words = re.split(r"[-_]+", slug)
    return " ".join(words).strip().capitalize() or slug


@dataclass
class _ValidRow:
    """A validated row: the entry's plan (hashtags.entries) and what only files carry."""

    entry: entries.Plan
    categories: list[str]  # paths as given (the last segment is the slug)
    times: dict[str, datetime | None]
    record: dict[str, Any]


@dataclass
class _Context:
    create_categories: bool
    curator: Any
    categories: dict[str, Category]
    # A mirror's copy (hashtags.opendata.mirror): every time restored, a retired entry may return.
    exact: bool = False
    # Identities and moderator accounts already given by earlier rows of the file.
    keys: dict[str, int] = field(default_factory=dict)
    moderators: dict[tuple[str, str], tuple[int, dict[str, str]]] = field(default_factory=dict)
    # The entries written, published together once every row is in.
    written: list[int] = field(default_factory=list)


@functools.cache
def _input_fields() -> dict[str, Any]:
    """The API's input fields of an entry (`EntryInputSerializer`, built once): a row's
    entry fields are read with them, so each field's type rule is written once."""
    return dict(EntryInputSerializer().fields)


def _error_names(name: str, detail: Any) -> dict[str, list[str]]:
    """A DRF error's messages keyed as the write path keys them (`chats[0].start_time`)."""
    if isinstance(detail, dict):
        found: dict[str, list[str]] = {}
        for key, inner in detail.items():
            if key == "non_field_errors":
                where = name
            elif isinstance(key, int):
                where = f"{name}[{key}]"
            else:
                where = f"{name}.{key}"
            for where_inner, messages in _error_names(where, inner).items():
                found.setdefault(where_inner, []).extend(messages)
        return found
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        found = {}
        for index, inner in enumerate(detail):
            for where, messages in _error_names(f"{name}[{index}]", inner).items():
                found.setdefault(where, []).extend(messages)
        return found
    messages = detail if isinstance(detail, list) else [detail]
    return {name: [str(message) for message in messages]} if messages else {}


def _check_types(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The row's fields, each of the type the format gives it: the entry's fields as the
    API reads them (an empty value is "none", as a spreadsheet writes it), the file's own
    (review state and times) here; errors keyed by field."""
    errors: dict[str, list[str]] = {}
    for name in data:
        if name not in ENTRY_FIELDS:
            errors.setdefault(name, []).append(
                f"Unknown field; the fields are: {', '.join(ENTRY_FIELDS)}."
            )
    for name in ("status", "status_reason"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            errors.setdefault(name, []).append("Expected text.")
    for name, keys in (("chats", entries.CHAT_FIELDS), ("moderators", entries.MODERATOR_FIELDS)):
        items = data.get(name)
        for index, item in enumerate(items if isinstance(items, list) else []):
            unknown = sorted(set(item) - set(keys)) if isinstance(item, dict) else []
            if unknown:
                errors[f"{name}[{index}]"] = [
                    f"Unknown field(s) {', '.join(unknown)}; the fields are: {', '.join(keys)}."
                ]
    fields = _input_fields()
    for name in entries.FIELDS:
        value = data.get(name)
        if value in (None, "") or name in errors:
            continue
        try:
            fields[name].run_validation(value)
        except serializers.ValidationError as error:
            for where, messages in _error_names(name, error.detail).items():
                errors.setdefault(where, messages)
    return errors


def _validate_categories(paths: list[str], ctx: _Context) -> list[str]:
    problems = []
    for path in paths:
        segments = [segment.strip() for segment in path.strip("/").split("/")]
        for segment in segments:
            try:
                validate_slug(segment)
            except ValidationError:
                problems.append(
                    f"{segment!r} is not a category slug (letters, digits, hyphens, underscores)."
                )
                break
        else:
            if segments[-1] not in ctx.categories and not ctx.create_categories:
                problems.append(
                    f"Unknown category {segments[-1]!r}; create it first, or import with "
                    "--create-categories."
                )
    return problems


def _validate_row(
    data: dict[str, Any], existing: Hashtag | None, ctx: _Context, known: entries.Known
) -> _ValidRow:
    """Validate a row (merged over the existing entry or the defaults) without writing:
    the entry through `hashtags.entries.prepare`, like every other way in, and what only
    a file carries (status, times, category paths, other rows) here."""
    errors = _check_types(data)
    if errors:
        raise ValidationError(errors)
    old_status = existing.status if existing is not None else None
    hashtag = existing if existing is not None else Hashtag()
    hashtag.status = data.get("status") or ""
    hashtag.status_reason = data.get("status_reason") or ""
    times = {}
    for name in ("last_verified", *TIMESTAMP_FIELDS):
        try:
            times[name] = _parsetimestamp(data.get(name), name)
        except ValidationError as error:
            errors.update(error.message_dict)
    hashtag.last_verified = times.get("last_verified")
    if hashtag.status not in (Status.APPROVED, Status.RETIRED):
        errors["status"] = [
            f"Must be approved or retired (got {hashtag.status!r}): the import adds public "
            "entries; pending ones go through the submission queue."
        ]
    elif old_status == Status.RETIRED and hashtag.status == Status.APPROVED and not ctx.exact:
        errors["status"] = ["The entry is retired, and a retired entry stays retired."]

    categories = data.get("categories") or []
    problems = _validate_categories(categories, ctx)
    if problems:
        errors["categories"] = problems

    changes = {name: data.get(name) or None for name in DATE_FIELDS}
    changes.update(
        {name: data.get(name) or "" for name in entries.OWN_FIELDS if name not in DATE_FIELDS}
    )
    plan = None
    try:
        plan = entries.prepare(
            hashtag,
            exclude=["created", "updated", "approved_at", "approved_by"],
            known=known,
            platforms=data.get("platforms") or [],
            aliases=data.get("aliases") or [],
            chats=data.get("chats") or [],
            moderators=data.get("moderators") or [],
            **changes,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if plan is not None:
        given = [alias for alias in plan.aliases if tag_key(alias) in ctx.keys]
        if given:
            errors["aliases"] = [
                f"#{alias} is already given in row {ctx.keys[tag_key(alias)]}." for alias in given
            ]
        for index, (moderator, _link) in enumerate(plan.moderators):
            account = (moderator.handle.lower(), moderator.platform_id)
            earlier = ctx.moderators.get(account)
            if earlier is not None and earlier[1] != entries.account_record(moderator):
                errors[f"moderators[{index}]"] = [
                    f"@{moderator.handle} on {moderator.platform_id} is given with other "
                    f"details in row {earlier[0]}; one account has one display name and "
                    "profile URL."
                ]
    if errors:
        raise ValidationError(errors)
    content = records.record(
        hashtag,
        categories=[path.strip("/").split("/")[-1].strip() for path in categories],
        platforms=plan.platforms,
        aliases=plan.aliases,
        # Unsaved chats keep their file order among equal start times.
        chats=sorted(plan.chats, key=lambda chat: chat.start_time),
        moderators=plan.moderators,
    )
    plan.chats = sorted(plan.chats, key=lambda chat: chat.start_time)
    return _ValidRow(plan, categories, times, record_of(hashtag, content))


def _ensure_categories(paths: list[str], ctx: _Context, created: list[str]) -> list[Category]:
    result = []
    for path in paths:
        parent = None
        for segment in (segment.strip() for segment in path.strip("/").split("/")):
            node = ctx.categories.get(segment)
            if node is None:
                node = Category(slug=segment, name=_slug_name(segment), parent=parent)
                node.full_clean()
                entries.save_as(node, ctx.curator, CHANGE_REASON)
                ctx.categories[segment] = node
                created.append(segment)
            parent = node
        result.append(parent)
    return result


def _changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [name for name in new if name not in TIMESTAMP_FIELDS and old.get(name) != new[name]]


def _row_key(row: Row) -> str | None:
    try:
        return tag_key(clean_tag(str(row.data.get("tag") or "").strip()))
    except ValidationError:
        return None


@dataclass
class _Read:
    """A row read and matched to the entry that holds its tag, before it is validated."""

    row: Row
    tag: str
    key: str
    identity: Identity | None  # what holds the tag now, if anything
    existing: Hashtag | None = None  # the entry the row updates
    base: dict[str, Any] = field(default_factory=dict)  # as exported, or the defaults

    @property
    def subject(self) -> str:
        return f"#{self.tag}"

    @property
    def given(self) -> dict[str, Any]:
        # An empty status or language cell means "as it is" (or the default), not "none".
        return {k: v for k, v in self.row.data.items() if v or k not in ("status", "language")}


def _tag_of(row: Row) -> RowResult | str:
    """A row's tag, or why the row cannot be imported (unreadable, no tag, a bad tag)."""
    if row.data is None:
        return RowResult(row.number, "(unreadable row)", ERROR, row.problem)
    raw_tag = row.data.get("tag")
    if not isinstance(raw_tag, str) or not raw_tag.strip():
        return RowResult(row.number, "(no tag)", ERROR, "tag: Enter a hashtag, e.g. #HCLDR.")
    try:
        return clean_tag(raw_tag.strip())
    except ValidationError as error:
        return RowResult(row.number, f"#{raw_tag.strip()}", ERROR, f"tag: {_messages(error)}")


def _refusal(read: _Read, ctx: _Context) -> str | None:
    """Why the row cannot update or create the entry its tag names, if it cannot: the tag
    given by an earlier row, another entry's alias, an entry awaiting review."""
    tag = read.tag
    if read.key in ctx.keys:
        return f"tag: #{tag} is already given in row {ctx.keys[read.key]}."
    ctx.keys[read.key] = read.row.number
    if read.identity is None:
        return None
    owner = read.identity.hashtag
    if read.identity.is_alias:
        return (
            f"tag: #{tag} is another name for #{owner.tag}; give the entry under its "
            f"own tag #{owner.tag}."
        )
    if owner.status == Status.PENDING:
        return f"tag: #{owner.tag} is awaiting review; approve or reject it before importing it."
    return None


def _read_batch(rows: list[Row]) -> list[RowResult | _Read]:
    """Match a batch of rows to their entries: the identities of their tags in one query,
    the entries they may update (with everything the export shows) in a few more."""
    tags = [_tag_of(row) for row in rows]
    keys = {tag_key(tag) for tag in tags if isinstance(tag, str)}
    identities = {
        identity.key: identity
        for identity in Identity.objects.filter(key__in=keys).select_related("hashtag")
    }
    owners = [
        identity.hashtag_id
        for identity in identities.values()
        if not identity.is_alias and identity.hashtag.status != Status.PENDING
    ]
    details = Hashtag.objects.filter(pk__in=owners).with_details().in_bulk()
    reads: list[RowResult | _Read] = []
    for row, tag in zip(rows, tags, strict=True):
        if isinstance(tag, RowResult):
            reads.append(tag)
            continue
        key = tag_key(tag)
        read = _Read(row, tag, key, identities.get(key))
        if read.identity is not None:
            read.existing = details.get(read.identity.hashtag_id)
        read.base = (
            entry_record(read.existing) if read.existing is not None else dict(NEW_ENTRY_DEFAULTS)
        )
        reads.append(read)
    return reads


def _import_rows(rows: list[Row], ctx: _Context) -> list[RowResult]:
    """Import a batch of rows (in file order): read together, validated one by one (each
    judged with the rows before it accepted), written together."""
    reads = _read_batch(rows)
    known = entries.Known(
        [{**read.base, **read.given} for read in reads if isinstance(read, _Read)]
    )
    results: dict[int, RowResult] = {}
    accepted: list[tuple[int, _Read, _ValidRow]] = []
    for index, read in enumerate(reads):
        if isinstance(read, RowResult):
            results[index] = read
            continue
        refusal = _refusal(read, ctx)
        if refusal is not None:
            results[index] = RowResult(read.row.number, read.subject, ERROR, refusal)
            continue
        base, number = read.base, read.row.number
        try:
            plan = _validate_row({**base, **read.given}, read.existing, ctx, known)
        except ValidationError as error:
            results[index] = RowResult(number, read.subject, ERROR, _messages(error))
            continue
        known.hold(plan.entry.hashtag, plan.entry.aliases)
        for alias in plan.entry.aliases:
            ctx.keys.setdefault(tag_key(alias), number)
        for moderator, _link in plan.entry.moderators:
            account = (moderator.handle.lower(), moderator.platform_id)
            ctx.moderators.setdefault(account, (number, entries.account_record(moderator)))
        same_times = not ctx.exact or all(
            base[name] == timestamp(plan.times[name]) for name in TIMESTAMP_FIELDS
        )
        if read.existing is not None and same_times and _content(base) == _content(plan.record):
            results[index] = RowResult(number, read.subject, UNCHANGED)
            continue
        accepted.append((index, read, plan))
    results.update(_write_rows(accepted, ctx))
    return [results[index] for index in range(len(rows))]


def _write_rows(
    accepted: list[tuple[int, _Read, _ValidRow]], ctx: _Context
) -> dict[int, RowResult]:
    """Write the accepted rows of a batch together. Should that fail (a clash only the
    database saw, a race), nothing of the batch is kept and its rows are imported again
    one by one, from the start, so the report names the row."""
    if not accepted:
        return {}
    made: list[str] = []  # categories created by this attempt
    try:
        with transaction.atomic():
            return _write(accepted, ctx, made)
    except (ValidationError, IntegrityError) as error:
        for slug in made:
            ctx.categories.pop(slug, None)
        if len(accepted) == 1:
            ((index, read, _plan),) = accepted
            reason = _messages(error) if isinstance(error, ValidationError) else str(error)
            return {index: RowResult(read.row.number, read.subject, ERROR, reason)}
    rows = {read.row.number for _index, read, _plan in accepted}
    # What these rows told the context (their tags, aliases, hosts) is told again.
    ctx.keys = {key: number for key, number in ctx.keys.items() if number not in rows}
    ctx.moderators = {
        account: given for account, given in ctx.moderators.items() if given[0] not in rows
    }
    return {index: _import_rows([read.row], ctx)[0] for index, read, _plan in accepted}


def _write(
    accepted: list[tuple[int, _Read, _ValidRow]], ctx: _Context, made: list[str]
) -> dict[int, RowResult]:
    created_categories = {}
    now = timezone.now()
    for index, read, plan in accepted:
        hashtag = plan.entry.hashtag
        if read.existing is None:
            hashtag.created = plan.times["created"] or now
            # An explicit empty approval time is kept (a round trip stays exact); a
            # spreadsheet without the column gets the time of the import.
            hashtag.approved_at = plan.times["approved_at"] if "approved_at" in read.given else now
            hashtag.approved_by = ctx.curator
        new_categories: list[str] = []
        try:
            plan.entry.categories = _ensure_categories(plan.categories, ctx, new_categories)
        finally:
            made += new_categories
        created_categories[index] = new_categories
    written = entries.write_many(
        [plan.entry for _index, _read, plan in accepted],
        user=ctx.curator,
        reason=CHANGE_REASON,
        publish=False,
    )
    ctx.written += [hashtag.pk for hashtag in written]
    # The entries' own times: a mirror keeps the source's times exactly, on every entry it
    # writes; a file restores the update time of the entries it creates (a backup keeps
    # its dates). Written after the entries, since `updated` is set on every save.
    timed = []
    for _index, read, plan in accepted:
        hashtag = plan.entry.hashtag
        if ctx.exact:
            for name in TIMESTAMP_FIELDS:
                setattr(hashtag, name, plan.times[name])
            timed.append(hashtag)
        elif read.existing is None and plan.times["updated"] is not None:
            hashtag.updated = plan.times["updated"]
            timed.append(hashtag)
    # One statement per set of times (a file's entries often share them), at most one per
    # row: `updated` is set on every save, so it cannot travel with the entry's own write.
    by_times: dict[tuple, list[int]] = {}
    for hashtag in timed:
        times = tuple(getattr(hashtag, name) for name in TIMESTAMP_FIELDS)
        by_times.setdefault(times, []).append(hashtag.pk)
    for times, pks in by_times.items():
        Hashtag.objects.filter(pk__in=pks).update(**dict(zip(TIMESTAMP_FIELDS, times, strict=True)))
    results = {}
    for index, read, plan in accepted:
        detail = ""
        new_categories = created_categories[index]
        if new_categories:
            detail = f"new categor{'y' if len(new_categories) == 1 else 'ies'} " + ", ".join(
                new_categories
            )
        if read.existing is None:
            results[index] = RowResult(read.row.number, read.subject, CREATED, detail)
            continue
        changed = ", ".join(_changed_fields(read.base, plan.record))
        results[index] = RowResult(
            read.row.number, read.subject, UPDATED, "; ".join(filter(None, [changed, detail]))
        )
    return results


def _match_category(category: Category, item: Mapping[str, Any], ctx: _Context) -> list[RowResult]:
    """A mirror's copy (`exact`): an existing category takes the name, description and
    parent the file gives, and the entries in it are published again (their
    documents name it)."""
    parent_slug = item.get("parent")
    wanted = {
        "name": item.get("name") or category.name,
        "description": item.get("description") or "",
        "parent": ctx.categories.get(parent_slug) if parent_slug else None,
    }
    if all(getattr(category, name) == value for name, value in wanted.items()):
        return []
    subject = f"category {category.slug}"
    if parent_slug and wanted["parent"] is None:
        return [RowResult(None, subject, ERROR, f"Its parent {parent_slug!r} is not known.")]
    for name, value in wanted.items():
        setattr(category, name, value)
    try:
        category.full_clean()
    except ValidationError as error:
        return [RowResult(None, subject, ERROR, _messages(error))]
    entries.save_as(category, ctx.curator, CHANGE_REASON)
    ctx.written += Hashtag.objects.filter(categories=category).values_list("pk", flat=True)
    return [RowResult(None, subject, UPDATED)]


def _import_category_tree(items: list[Any], ctx: _Context) -> list[RowResult]:
    """Create the file's categories that are missing, parents first. Existing
    categories are left as they are: the ontology is curated in the admin."""
    results: list[RowResult] = []
    pending: list[tuple[int, dict[str, Any]]] = []
    for index, item in enumerate(items):
        label = f"categories[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("slug"), str):
            results.append(RowResult(None, label, ERROR, "Expected an object with a slug."))
            continue
        unknown = sorted(set(item) - {"slug", "name", "parent", "description"})
        if unknown:
            results.append(RowResult(None, label, ERROR, f"Unknown field(s) {', '.join(unknown)}."))
            continue
        if item["slug"] not in ctx.categories:
            pending.append((index, item))
        elif ctx.exact:
            results.extend(_match_category(ctx.categories[item["slug"]], item, ctx))
    progress = True
    while pending and progress:
        progress = False
        waiting = []
        for index, item in pending:
            parent_slug = item.get("parent")
            if parent_slug and parent_slug not in ctx.categories:
                waiting.append((index, item))
                continue
            category = Category(
                slug=item["slug"],
                name=item.get("name") or _slug_name(item["slug"]),
                description=item.get("description") or "",
                parent=ctx.categories.get(parent_slug) if parent_slug else None,
            )
            subject = f"category {item['slug']}"
            try:
                category.full_clean()
            except ValidationError as error:
                results.append(RowResult(None, subject, ERROR, _messages(error)))
                continue
            entries.save_as(category, ctx.curator, CHANGE_REASON)
            ctx.categories[category.slug] = category
            results.append(RowResult(None, subject, CREATED))
            progress = True
        pending = waiting
    for _index, item in pending:
        results.append(
            RowResult(
                None,
                f"category {item['slug']}",
                ERROR,
                f"Its parent {item.get('parent')!r} is neither in the file nor in the directory.",
            )
        )
    return results


def import_registry(
    source: ImportFile,
    *,
    dry_run: bool = False,
    create_categories: bool = False,
    curator=None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
    exact: bool = False,
    role: str = changelog.Role.IMPORT,
) -> ImportReport:
    """Upsert every row of `source` in one transaction; nothing is written if any row
    has an error or when `dry_run` is set. Returns the per-row report.

    Each row is matched to an entry by identity (its tag, case-insensitive). A row that
    names an alias, or an entry still awaiting review, is an error. A row identical to the
    entry (compared as exported, timestamps aside) is "unchanged" and not saved, so no
    history is written for it; otherwise the entry is saved with the change reason
    "import_registry" (and `curator` as the history user when given). Every row is
    checked even after an error, so the report lists them all.

    `exact` (a mirror's copy): every entry's times are restored as given, and a retired
    entry may be approved again. The changes it makes are recorded as made by `role`.
    """
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic(), changelog.acting_as(role):
        ctx = _Context(
            create_categories=create_categories,
            curator=curator,
            categories={category.slug: category for category in Category.objects.all()},
            exact=exact,
        )
        if source.categories and create_categories:
            report.results.extend(_import_category_tree(source.categories, ctx))
        # A retired entry names its successor, which must be public: when the successor
        # comes later in the file, the row is tried again once every row has been read.
        waiting: list[tuple[int, Row]] = []
        batch: list[Row] = []

        def import_batch() -> None:
            for row, result in zip(batch, _import_rows(batch, ctx), strict=True):
                if result.outcome == ERROR and "replaced_by: " in result.detail:
                    waiting.append((len(report.results), row))
                report.results.append(result)
            batch.clear()

        for count, row in enumerate(source.rows, start=1):
            batch.append(row)
            if len(batch) == BATCH:
                import_batch()
            if progress is not None and count % progress_every == 0:
                progress(count)
        import_batch()
        for index, row in waiting:
            successor = row.data.get("replaced_by")
            if isinstance(successor, str) and successor and tag_key(successor) in ctx.keys:
                ctx.keys.pop(_row_key(row), None)
                report.results[index] = _import_rows([row], ctx)[0]
        if report.errors or dry_run:
            transaction.set_rollback(True)
        else:
            # Every written entry published at once, last: a few queries per hundreds of
            # entries, and the counts' rows are touched only just before the commit.
            published.publish(ctx.written)
    return report


def open_text(path: str, stdin: TextIO | None = None) -> TextIO:
    """Open a file for import: UTF-8 with or without a byte-order mark."""
    if path == "-":
        if stdin is None:
            raise ImportFileError("No standard input to read.")
        return io.TextIOWrapper(stdin.buffer, encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")
