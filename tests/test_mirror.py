"""`manage.py mirror_registry`: a second database made a copy of a live registry over
HTTP, then kept in step through the changes feed (hashtags.opendata.mirror).

The source is this test's database, served by a live server; the mirror is another
database (a SQLite file, or a PostgreSQL database when the suite runs on PostgreSQL),
written by `manage.py` in a process of its own, as an operator would run it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from hashtags.models import Hashtag, MirrorState
from hashtags.opendata import mirror
from tests.support import token_header

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def mirror_database(tmp_path):
    """An empty database of the suite's kind, migrated: its DATABASE_URL."""
    if connection.vendor == "postgresql":
        name = f"hhd_mirror_{uuid.uuid4().hex[:12]}"
        settings_dict = connection.settings_dict
        admin = f"postgresql://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/postgres"
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        url = f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{name}"
        manage(url, "migrate", "--noinput")
        yield url
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    else:
        url = f"sqlite:///{tmp_path / 'mirror.sqlite3'}"
        manage(url, "migrate", "--noinput")
        yield url


def manage(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1", "REDIS_URL": ""}
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def assert_same_exports(source_url: str, database_url: str) -> None:
    for query, flag in (("", ()), ("?include_retired=true", ("--include-retired",))):
        served = httpx.get(f"{source_url}/api/v1/export.json{query}", timeout=60).text
        copied = manage(database_url, "export_registry", *flag).stdout
        assert copied == served


def curator_edits(source_url: str, header: str) -> None:
    """Three changes on the source, through the curator API: a description, a rename
    and a retirement."""
    api = httpx.Client(base_url=source_url, headers={"Authorization": header}, timeout=60)
    answer = api.patch("/api/v1/hashtags/HCLDR/", json={"description": "Changed for the mirror."})
    assert answer.status_code == 200, answer.text
    first = Hashtag.objects.public().exclude(tag="HCLDR").order_by("key").first()
    answer = api.patch(f"/api/v1/hashtags/{first.tag}/", json={"tag": f"{first.tag}Renamed"})
    assert answer.status_code == 200, answer.text
    last = Hashtag.objects.approved().exclude(tag="HCLDR").order_by("-key").first()
    answer = api.post(f"/api/v1/hashtags/{last.tag}/retire/", json={"reason": "Quiet now."})
    assert answer.status_code == 200, answer.text


class _Flaky(BaseHTTPRequestHandler):
    """Forwards to the live server, but fails the changes page after `fail_after` once."""

    target = ""
    fail_after: int | None = None

    def do_GET(self) -> None:
        if self.fail_after is not None and f"after={self.fail_after}&" in self.path:
            type(self).fail_after = None
            self.send_response(503)
            self.end_headers()
            return
        answer = httpx.get(self.target + self.path, timeout=60)
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("content-type", ""))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.django_db(transaction=True)
def test_a_mirror_copies_the_registry_then_applies_only_what_changed_and_resumes(
    live_server, mirror_database, curator
):
    call_command("seed_demo", verbosity=0)
    # The source read through a proxy that can fail one request of the changes feed.
    _Flaky.target, _Flaky.fail_after = live_server.url, None
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    source = f"http://127.0.0.1:{server.server_port}"
    try:
        first = manage(mirror_database, "mirror_registry", source)
        assert first.stdout.startswith(f"copied={Hashtag.objects.public().count()} applied=0")
        assert_same_exports(live_server.url, mirror_database)

        curator_edits(live_server.url, token_header(curator))
        # Read one change at a time, the second page failing: the first stays applied.
        latest = httpx.get(f"{live_server.url}/api/v1/changes/?limit=1").json()["latest"]
        _Flaky.fail_after = latest - 2
        cut = manage(mirror_database, "mirror_registry", source, "--page-size", "1", check=False)
        assert cut.returncode != 0 and "answered 503" in cut.stderr
        resumed = manage(mirror_database, "mirror_registry", source, "--page-size", "1")
        assert resumed.stdout.startswith("copied=0 applied=2 ")
        assert_same_exports(live_server.url, mirror_database)
        # Nothing new: nothing applied.
        again = manage(mirror_database, "mirror_registry", source)
        assert again.stdout.startswith("copied=0 applied=0 ")
    finally:
        server.shutdown()


class _Unknown(BaseHTTPRequestHandler):
    """A registry of another format version."""

    def do_GET(self) -> None:
        if self.path.startswith("/api/v1/export.json"):
            body = b'{"format": "healthcare-hashtag-directory", "version": 2, "hashtags": []}'
        elif self.path.startswith("/api/v1/changes/"):
            body = b'{"latest": 0, "next": null, "results": []}'
        else:
            body = b'{"next": null, "results": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.django_db
def test_a_source_of_an_unknown_format_version_is_refused_and_nothing_written():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unknown)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(mirror.MirrorError, match="Unsupported format version 2"):
            mirror.mirror(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert not MirrorState.objects.exists()
    assert not Hashtag.objects.exists()


@pytest.mark.django_db
def test_a_database_with_entries_of_its_own_is_not_made_a_mirror(make_hashtag):
    make_hashtag("HCLDR")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unknown)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(mirror.MirrorError, match="empty database"):
            mirror.mirror(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
