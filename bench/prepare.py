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


def main() -> None:
    url, wanted = sys.argv[1], int(sys.argv[2])
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not exists.fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "LOG_LEVEL": "WARNING"}
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
    # This machine's PostgreSQL runs without autovacuum: without fresh statistics (every
    # table, the category links included) the planner misjudges row counts many times.
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    print(f"{name}: {have:,} entries")


def _count(url: str) -> int:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT count(*) FROM hashtags_hashtag").fetchone()[0]


if __name__ == "__main__":
    main()
