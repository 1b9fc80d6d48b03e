"""`manage.py import_registry` at scale: statements per row and wall time (issue 30).

Writes a synthetic export document of N entries (every kind of content a file carries:
categories from the document's tree, platforms, aliases, chats with breaks and cancelled
dates, hosts shared between entries), then, in a fresh database, imports it three times
through `registry_io.import_registry` (what the command runs):

- `create`: into an empty registry, every row created;
- `unchanged`: the same file again, every row unchanged;
- `update`: the file with every entry's name and first chat changed.

For each it prints the SQL statements sent (counted with a connection execute wrapper)
per row, and the seconds taken.

    .venv/bin/python bench/import_speed.py --rows 2000                      # SQLite (temp file)
    .venv/bin/python bench/import_speed.py --rows 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/hd_import_bench    # PostgreSQL

The PostgreSQL database is dropped and created again first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZONES = ["America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney", "UTC"]
PLATFORMS = ["x", "bluesky", "mastodon", "linkedin"]
KINDS = ["chat", "disease", "specialty", "community", "organization", "health_it", "other"]
CATEGORIES = [
    {"slug": "diseases", "name": "Diseases", "parent": None, "description": ""},
    {"slug": "cancer", "name": "Cancer", "parent": "diseases", "description": ""},
    {"slug": "breast-cancer", "name": "Breast cancer", "parent": "cancer", "description": ""},
    {"slug": "specialties", "name": "Specialties", "parent": None, "description": ""},
    {"slug": "oncology", "name": "Oncology", "parent": "specialties", "description": ""},
    {"slug": "health-it", "name": "Health IT", "parent": None, "description": ""},
]
HOSTS = 2000


def entry(i: int) -> dict:
    """The i-th synthetic entry, as the export writes it."""
    chats = []
    if i % 3 == 0:
        chats.append(
            {
                "title": "Weekly chat",
                "frequency": "weekly",
                "weekdays": [("MO", "TU", "WE", "TH")[i % 4]],
                "interval": 1,
                "month_weeks": [],
                "start_time": f"{8 + i % 12:02d}:30:00",
                "duration_minutes": 60,
                "timezone": ZONES[i % len(ZONES)],
                "starts_on": "2020-01-06",
                "ends_on": None,
                "pauses": [{"from": "2024-07-01", "until": "2024-08-31", "note": "Summer"}]
                if i % 6 == 0
                else [],
                "cancelled_dates": [f"2024-12-{23 + i % 4}"] if i % 9 == 0 else [],
                "is_active": True,
                "note": "",
            }
        )
    hosts = []
    for offset in range(i % 3):
        n = (i * 7 + offset * 13) % HOSTS
        hosts.append(
            {
                "handle": f"host{n}",
                "display_name": f"Host {n}",
                "platform": "x",
                "profile_url": f"https://x.com/host{n}",
                "role": "host" if offset else "founder",
                "since": 2015 + n % 8,
                "until": None,
            }
        )
    return {
        "tag": f"Bench{i:06d}Health",
        "name": f"Bench entry {i}",
        "kind": KINDS[i % len(KINDS)],
        "status": "approved",
        "status_reason": "",
        "description": f"A synthetic entry about health and care, number {i}.",
        "language": ("en", "es", "fr")[i % 3],
        "website": f"https://example.org/{i}" if i % 2 else "",
        "source": "",
        "categories": sorted({CATEGORIES[i % 6]["slug"], CATEGORIES[(i * 5) % 6]["slug"]}),
        "platforms": sorted({PLATFORMS[i % 4], PLATFORMS[(i // 4) % 4]}),
        "aliases": [f"Bench{i:06d}Alt"] if i % 10 == 0 else [],
        "start_date": None,
        "end_date": None,
        "place": "",
        "replaced_by": None,
        "last_verified": "2026-11-01T12:00:00Z",
        "created": "2025-01-01T00:00:00Z",
        # Each entry its own update time, as in a real export (restoring them is the
        # import's costliest part per row).
        "updated": (datetime(2025, 6, 1, tzinfo=UTC) + timedelta(seconds=i))
        .isoformat()
        .replace("+00:00", "Z"),
        "approved_at": "2025-01-02T00:00:00Z",
        "chats": chats,
        "moderators": hosts,
    }


def document(rows: int, *, changed: bool = False) -> dict:
    hashtags = [entry(i) for i in range(rows)]
    if changed:
        for one in hashtags:
            one["name"] += " (changed)"
            for chat in one["chats"][:1]:
                chat["duration_minutes"] = 90
    return {
        "format": "healthcare-hashtag-directory",
        "version": 1,
        "licence": {"id": "CC0-1.0"},
        "updated": None,
        "categories": CATEGORIES,
        "hashtags": hashtags,
    }


def _django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["REDIS_URL"] = ""
    os.environ["RATE_LIMITS"] = "off"
    import django

    django.setup()


def _fresh_postgres(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def run(label: str, doc: dict) -> dict:
    import io

    from django.db import connection

    from hashtags.opendata import registry_io

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    text = json.dumps(doc)
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        report = registry_io.import_registry(
            registry_io.read_json(io.StringIO(text)), create_categories=True
        )
    seconds = time.perf_counter() - started
    if report.errors:
        sys.exit(f"{label}: {report.errors[:3]}")
    rows = len(doc["hashtags"])
    result = {
        "run": label,
        "rows": rows,
        "seconds": round(seconds, 1),
        "statements": statements,
        "per_row": round(statements / rows, 2),
        "summary": report.summary(),
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--database-url", help="PostgreSQL (dropped and created again)")
    parser.add_argument("--only-create", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{folder}/import.sqlite3"
        if url.startswith("postgres"):
            _fresh_postgres(url)
        _django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        run("create", document(options.rows))
        if not options.only_create:
            run("unchanged", document(options.rows))
            run("update", document(options.rows, changed=True))


if __name__ == "__main__":
    main()
