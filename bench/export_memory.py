"""Peak memory of the streamed registry export, on SQLite and PostgreSQL.

For each database and each size (5,000 and 50,000 entries by default) this script fills a
fresh database with bulk-created public entries (each with two categories, a platform or
two, a chat, a moderator, and an alias on every fifth entry), then streams
GET /api/v1/export.json and /api/v1/export.csv through the real views in a fresh process
and reports:

- the tracemalloc peak: the most Python memory allocated at once while exporting;
- the process's peak RSS (ru_maxrss) and its RSS just before the export started;
- the bytes sent and the time taken (tracemalloc slows Python down, so time is indicative).

Memory is flat if the figures for 50,000 entries are about those for 5,000.

    .venv/bin/python bench/export_memory.py                      # both databases
    .venv/bin/python bench/export_memory.py --databases sqlite --sizes 50000

PostgreSQL is reached at BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/hhd_bench_export); that database is dropped and
recreated. The SQLite database is a temporary file. Results are in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/hhd_bench_export"


def _django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # Production-like: DEBUG off, so Django keeps no log of the queries it runs.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()


def _rss_now_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def populate(database_url: str, entries: int) -> None:
    _django(database_url)
    from datetime import time as clock

    from django.core.management import call_command
    from django.db import transaction

    from hashtags.models import Category, Chat, Hashtag, HashtagModerator, Identity, Moderator

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        parents = Category.objects.bulk_create(
            [Category(slug=f"area-{i}", name=f"Area {i}", path=f"area-{i}") for i in range(5)]
        )
        leaves = []
        for index in range(20):
            parent = parents[index % 5]
            category = Category(slug=f"topic-{index}", name=f"Topic {index}", parent=parent)
            category.path = f"{parent.slug}/{category.slug}"
            leaves.append(category)
        Category.objects.bulk_create(leaves)
        moderators = Moderator.objects.bulk_create(
            [Moderator(handle=f"host{i}", display_name=f"Hôte {i}") for i in range(2000)]
        )
        hashtags = Hashtag.objects.bulk_create(
            [
                Hashtag(
                    tag=f"Tag{i:06d}",
                    name=f"Entry {i} — santé publique",
                    description=f"A community about health 🩺 and care, entry {i}. " * 3,
                    kind="community",
                    status="approved",
                )
                for i in range(entries)
            ],
            batch_size=2000,
        )
        through = Hashtag.categories.through
        through.objects.bulk_create(
            [
                through(hashtag_id=h.pk, category_id=leaves[(i + k) % 20].pk)
                for i, h in enumerate(hashtags)
                for k in (0, 7)
            ],
            batch_size=5000,
        )
        platforms = Hashtag.platforms.through
        platforms.objects.bulk_create(
            [
                platforms(hashtag_id=h.pk, platform_id=code)
                for i, h in enumerate(hashtags)
                for code in (("x", "bluesky") if i % 2 else ("x",))
            ],
            batch_size=5000,
        )
        zones = ["America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney"]
        Chat.objects.bulk_create(
            [
                Chat(
                    hashtag_id=h.pk,
                    weekdays="TU,TH",
                    start_time=clock(8 + i % 12, 30),
                    timezone_id=zones[i % 4],
                    title="Weekly chat",
                )
                for i, h in enumerate(hashtags)
            ],
            batch_size=5000,
        )
        HashtagModerator.objects.bulk_create(
            [
                HashtagModerator(hashtag_id=h.pk, moderator=moderators[i % 2000], role="host")
                for i, h in enumerate(hashtags)
            ],
            batch_size=5000,
        )
        Identity.objects.bulk_create(
            [
                Identity(hashtag_id=h.pk, tag=f"Alias{i:06d}", key=f"alias{i:06d}")
                for i, h in enumerate(hashtags)
                if i % 5 == 0
            ],
            batch_size=5000,
        )
    # Bulk writes go past the write path: publish every entry, as such writers must.
    from hashtags.published import publish_all

    publish_all()


def measure(database_url: str, fmt: str, *, trace: bool = True) -> dict:
    _django(database_url)
    from django.test import RequestFactory

    from hashtags.opendata import registry_io
    from hashtags.opendata import views as export_views

    view = export_views.export_json if fmt == "json" else export_views.export_csv
    request = RequestFactory().get(f"/api/v1/export.{fmt}")
    # Warm up on one entry, so the modules Django loads lazily on a first query (which a
    # serving process has long loaded) are not counted as the export's memory.
    warm_up = registry_io.iter_entries()
    next(warm_up, None)
    warm_up.close()
    rss_before = _rss_now_kib()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    sent = 0
    for piece in view(request).streaming_content:
        sent += len(piece)
    elapsed = time.perf_counter() - started
    peak = 0
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "tracemalloc_peak_mib": round(peak / 2**20, 1) if trace else None,
        "rss_before_mib": round(rss_before / 1024, 1),
        "rss_peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "bytes": sent,
        "seconds": round(elapsed, 1),
    }


def _reset_postgres(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _run(*args: str) -> str:
    # Our own script with our own arguments: nothing untrusted reaches the command line.
    command = [sys.executable, __file__, *args]
    result = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--sizes", default="5000,50000")
    parser.add_argument("--phase", choices=["populate", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--entries", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--no-trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--existing",
        metavar="URL",
        help="Time the export of an existing database (a `make bench` one) as it is, "
        "without tracemalloc (which slows Python down): seconds, size and peak RSS.",
    )
    args = parser.parse_args()

    if args.phase == "populate":
        populate(args.url, args.entries)
        return
    if args.phase == "measure":
        print(json.dumps(measure(args.url, args.format, trace=not args.no_trace)))
        return
    if args.existing:
        print("format  RSS before  RSS peak  size       time")
        for fmt in ("json", "csv"):
            measure_args = ("--url", args.existing, "--format", fmt, "--no-trace")
            r = json.loads(_run("--phase", "measure", *measure_args))
            print(
                f"{fmt:<6} {r['rss_before_mib']:>7} MiB  {r['rss_peak_mib']:>5} MiB"
                f"  {r['bytes'] / 2**20:>6.1f} MiB  {r['seconds']:>5} s",
                flush=True,
            )
        return

    print("database    entries  format  tracemalloc peak  RSS before  RSS peak  size      time")
    for database in args.databases.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            if database == "postgres":
                url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
                _reset_postgres(url)
            else:
                handle, path = tempfile.mkstemp(suffix=".sqlite3", prefix="hhd-bench-")
                os.close(handle)
                url = f"sqlite:///{path}"
            _run("--phase", "populate", "--url", url, "--entries", str(size))
            for fmt in ("json", "csv"):
                r = json.loads(_run("--phase", "measure", "--url", url, "--format", fmt))
                print(
                    f"{database:<10} {size:>8}  {fmt:<6} {r['tracemalloc_peak_mib']:>12} MiB"
                    f"  {r['rss_before_mib']:>6} MiB  {r['rss_peak_mib']:>5} MiB"
                    f"  {r['bytes'] / 2**20:>5.1f} MiB  {r['seconds']:>5} s",
                    flush=True,
                )
            if database == "sqlite":
                os.unlink(url.removeprefix("sqlite:///"))


if __name__ == "__main__":
    main()
