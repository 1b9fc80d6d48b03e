"""Load the demo registry: real healthcare hashtags with their public sources, chats (with
their ends, breaks and cancelled dates) and hosts (with their years).

The demo is data, not code: `hashtags/demo/registry.json`, a file in the registry's own
open-data format (the export's JSON, version 1), loaded through the importer
(hashtags.opendata.registry_io), so every run of the demo is also a run of the import path. Its
research travels with it: the file's `research` object gives, for each entry, every
public source used and what each confirms (the importer reads only the format's keys).
The entries named under `in_review` are sent as pending submissions instead, so the
curators' queue has something in it.

Idempotent: it only loads entries whose tag is not in the registry yet, so a second run
writes nothing and never overwrites a curator's edits.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hashtags.curation import moderation
from hashtags.models import Category, Hashtag, Submission
from hashtags.opendata.registry_io import ImportFile, import_registry, read_json
from hashtags.records import FIELDS

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "registry.json"
SUBMISSION_FIELDS = ("submitter_name", "submitter_email", "note")


def _submit(data: dict, review: dict) -> None:
    """A row of the file as a visitor's submission awaiting review."""
    entry = {key: value for key, value in data.items() if key in FIELDS}
    entry.pop("replaced_by", None)
    entry["categories"] = list(Category.objects.filter(slug__in=data.get("categories", [])))
    moderation.submit_hashtag(**entry, **{key: review[key] for key in SUBMISSION_FIELDS})


class Command(BaseCommand):
    help = "Load the demo registry (hashtags/demo/registry.json) through the importer."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        text = DEMO_FILE.read_text(encoding="utf-8")
        document = read_json(io.StringIO(text))
        in_review = {item["tag"]: item for item in json.loads(text).get("in_review", [])}
        rows = [
            row
            for row in document.rows
            if row.data["tag"] not in in_review and Hashtag.objects.resolve(row.data["tag"]) is None
        ]
        report = import_registry(
            ImportFile(document.format, document.categories, rows), create_categories=True
        )
        if report.errors:
            raise CommandError(
                "The demo registry does not import:\n"
                + "\n".join(str(result) for result in report.errors)
            )
        created = report.count("created")
        rows_by_tag = {row.data["tag"]: row.data for row in read_json(io.StringIO(text)).rows}
        for tag, review in in_review.items():
            if Submission.objects.filter(tag=tag).exists() or Hashtag.objects.resolve(tag):
                continue
            _submit(rows_by_tag[tag], review)
            created += 1
        total = Hashtag.objects.count()
        self.stdout.write(
            f"Demo registry: {created} entr{'y' if created == 1 else 'ies'} added, "
            f"{total} in all ({Hashtag.objects.public().count()} public, "
            f"{Hashtag.objects.pending().count()} awaiting review)."
        )
