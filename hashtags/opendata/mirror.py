"""A mirror: this database made a copy of another registry, and kept one.

The first run (an empty database) reads the source's newest change sequence, then its
export (`/api/v1/export.json?include_retired=true`), and imports it through the import's
exact mode (hashtags.opendata.registry_io: every time restored), recording that sequence. Each
later run reads the source's changes feed (`/api/v1/changes/?after=<sequence>`) and
applies each change through the same write path, one page per transaction with the new
sequence, so a run cut short resumes where it stopped. A change made between the
sequence read and the export is in both: applying a record that is already there
changes nothing, so the copy ends exactly as the source is.

The category tree is read from `/api/v1/categories/` on every run (names and
descriptions as the source has them). A source whose export format or feed this site
does not know is refused before anything is written.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from django.conf import settings
from django.db import transaction

from hashtags import published
from hashtags.entries import save_as
from hashtags.models import PUBLIC_STATUSES, Change, Hashtag, Identity, MirrorState, Status
from hashtags.opendata import changelog, registry_io
from hashtags.validators import tag_key

logger = logging.getLogger(__name__)

PAGE = 500
TIMEOUT_SECONDS = 60


class MirrorError(Exception):
    """The source cannot be mirrored (unreachable, not a registry, an unknown format)."""


@dataclass
class Report:
    started: bool = False  # the first run: the export was copied
    imported: int = 0  # entries in the export copied
    applied: int = 0  # changes applied from the feed
    sequence: int = 0  # the source's last change applied
    notes: list[str] = field(default_factory=list)


class Source:
    """The other registry, read over HTTP (its public API)."""

    def __init__(self, base_url: str, client: httpx.Client | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.client = client or httpx.Client(
            timeout=TIMEOUT_SECONDS,
            follow_redirects=True,
            headers={"User-Agent": f"HealthcareHashtagDirectory-mirror ({settings.SITE_URL})"},
        )

    def get(self, path: str, **params: Any) -> httpx.Response:
        url = self.base + path + (f"?{urlencode(params)}" if params else "")
        try:
            answer = self.client.get(url)
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise MirrorError(f"Cannot read {url}: {error}") from None
        if answer.status_code != 200:
            raise MirrorError(f"{url} answered {answer.status_code}.")
        return answer

    def json(self, path: str, **params: Any) -> Any:
        answer = self.get(path, **params)
        try:
            return answer.json()
        except ValueError:
            raise MirrorError(f"{self.base}{path} did not answer JSON.") from None

    def latest(self) -> int:
        page = self.json("/api/v1/changes/", limit=1)
        latest = page.get("latest") if isinstance(page, dict) else None
        if not isinstance(latest, int) or isinstance(latest, bool):
            raise MirrorError(f"{self.base}/api/v1/changes/ is not a changes feed this site knows.")
        return latest

    def export(self) -> registry_io.ImportFile:
        text = self.get("/api/v1/export.json", include_retired="true").text
        try:
            return registry_io.read_json(io.StringIO(text))
        except registry_io.ImportFileError as error:
            raise MirrorError(f"The source's export cannot be mirrored: {error}") from None

    def categories(self) -> list[dict[str, Any]]:
        """The source's category tree, as the export writes it, parents first."""
        found, url = [], "/api/v1/categories/"
        params: dict[str, Any] = {}
        while True:
            page = self.json(url, **params)
            items = page.get("results") if isinstance(page, dict) else page
            if not isinstance(items, list):
                raise MirrorError(f"{self.base}/api/v1/categories/ is not a category list.")
            found += [
                {key: item.get(key) for key in ("slug", "name", "parent", "description")}
                | {"path": item.get("path") or ""}
                for item in items
            ]
            next_url = page.get("next") if isinstance(page, dict) else None
            if not next_url:
                break
            # Its path and query on the address given (a source may name itself otherwise).
            parts = urlsplit(next_url)
            url, params = parts.path, dict(parse_qsl(parts.query))
        found.sort(key=lambda item: (item["path"], item["slug"]))
        return [
            {key: item[key] for key in ("slug", "name", "parent", "description")} for item in found
        ]

    def changes(self, after: int, size: int = PAGE) -> Iterator[list[dict[str, Any]]]:
        """The changes after `after`, a page of `size` at a time."""
        while True:
            page = self.json("/api/v1/changes/", after=after, limit=size)
            results = page.get("results") if isinstance(page, dict) else None
            if not isinstance(results, list):
                raise MirrorError(f"{self.base}/api/v1/changes/ is not a changes feed.")
            if not results:
                return
            yield results
            after = results[-1]["sequence"]
            if not page.get("next"):
                return


def _check(report: registry_io.ImportReport, what: str) -> None:
    if report.errors:
        problems = "; ".join(str(result) for result in report.errors[:5])
        raise MirrorError(f"The source's {what} could not be applied: {problems}")


def _withdraw(change: dict[str, Any]) -> None:
    """An entry the source no longer lists (merged into another, removed): no longer
    public here either, with the source's public reason."""
    identity = Identity.objects.filter(key=tag_key(change["entry"]), is_alias=False).first()
    if identity is None:
        return
    entry = Hashtag.objects.select_for_update().get(pk=identity.hashtag_id)
    if entry.status not in PUBLIC_STATUSES:
        return
    entry.status = Status.REJECTED
    entry.status_reason = change.get("reason") or "Removed from the registry it mirrors."
    save_as(entry, None, "Mirror: removed at the source")
    published.publish([entry.pk])


def _rename(change: dict[str, Any]) -> None:
    """A rename: the entry here takes its new tag before its record is applied (the
    import finds entries by tag)."""
    old, new = change.get("renamed_from"), change["entry"]
    identity = Identity.objects.filter(key=tag_key(old), is_alias=False).first()
    if identity is None or Identity.objects.filter(key=tag_key(new)).exists():
        return
    entry = Hashtag.objects.select_for_update().get(pk=identity.hashtag_id)
    entry.tag = new
    save_as(entry, None, "Mirror: renamed at the source")


def _apply(changes: list[dict[str, Any]], categories: list[dict[str, Any]]) -> None:
    """Apply a page of the source's changes, in order."""
    for change in changes:
        if not isinstance(change, dict) or not isinstance(change.get("sequence"), int):
            raise MirrorError("The changes feed gave a change without a sequence.")
        record = change.get("record")
        if record is None:
            _withdraw(change)
            continue
        if change.get("action") == Change.Action.RENAMED and change.get("renamed_from"):
            _rename(change)
        document = registry_io.ImportFile("json", categories, [registry_io.Row(1, record)])
        _check(
            registry_io.import_registry(document, exact=True, create_categories=True),
            f"change {change['sequence']} (#{change['entry']})",
        )


def mirror(
    base_url: str,
    *,
    page_size: int = PAGE,
    source: Source | None = None,
    say: Callable[[str], None] = logger.info,
) -> Report:
    """Make this database a copy of the registry at `base_url`, or bring the copy up to
    date (see the module docstring)."""
    source = source or Source(base_url)
    name = source.base
    report = Report()
    state = MirrorState.objects.filter(source=name).first()
    categories = source.categories()
    if state is None:
        if Hashtag.objects.exists():
            raise MirrorError(
                "This database already holds entries: a mirror starts from an empty database."
            )
        latest = source.latest()
        document = source.export()
        rows = list(document.rows)
        document = registry_io.ImportFile(document.format, categories, rows)
        with transaction.atomic(), changelog.acting_as(changelog.Role.IMPORT):
            _check(
                registry_io.import_registry(document, exact=True, create_categories=True),
                "export",
            )
            state = MirrorState.objects.create(source=name, sequence=latest)
        report.started, report.imported = True, len(rows)
        say(f"Copied {len(rows)} entries from {name} (its change {latest}).")
    elif categories:
        # Category names and descriptions as the source has them now.
        with transaction.atomic():
            _check(
                registry_io.import_registry(
                    registry_io.ImportFile("json", categories, []),
                    exact=True,
                    create_categories=True,
                ),
                "categories",
            )
    for page in source.changes(state.sequence, page_size):
        with transaction.atomic():
            _apply(page, categories)
            state.sequence = page[-1]["sequence"]
            state.save(update_fields=["sequence", "updated"])
        report.applied += len(page)
        say(f"Applied changes up to {state.sequence} from {name}.")
    report.sequence = state.sequence
    return report
