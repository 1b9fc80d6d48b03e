"""Make sure a benchmark database exists, is migrated and holds at least N entries
(`manage.py seed_synthetic` adds what is missing). Usage: prepare.py URL N"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH_SITE_URL = "http://127.0.0.1:8077"  # bench/run.py's BASE


def main() -> None:
    url, wanted = sys.argv[1], int(sys.argv[2])
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not exists.fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    # Documents are published with the site's address (SITE_URL) in their links: the
    # benchmark's server's, so that its first reads find them current.
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "SITE_URL": BENCH_SITE_URL,
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
    have = _count(url)
    if have == 0:
        subprocess.run([*manage, "seed_demo"], env=env, check=True)  # noqa: S603
        have = _count(url)
    if have < wanted:
        count = str(wanted - have)
        subprocess.run([*manage, "seed_synthetic", "--count", count], env=env, check=True)  # noqa: S603
        have = _count(url)
    elif _stale(url):
        # Published under another address or settings (an older run): publish again.
        subprocess.run([*manage, "publish"], env=env, check=True)  # noqa: S603
    # This machine's PostgreSQL runs without autovacuum: without fresh statistics (every
    # table, the category links included) the planner misjudges row counts many times.
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    print(f"{name}: {have:,} entries")


def _stale(url: str) -> bool:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT 1 FROM hashtags_published WHERE basis NOT LIKE %s LIMIT 1",
            [BENCH_SITE_URL + "|%"],
        ).fetchone()
    return row is not None


def _count(url: str) -> int:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT count(*) FROM hashtags_hashtag").fetchone()[0]


if __name__ == "__main__":
    main()
