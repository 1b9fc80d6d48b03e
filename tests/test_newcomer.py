"""A newcomer's first hour: `make run` on any port serves absolute links that work, and a
management command's stdout carries only its output (logs go to stderr)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def command_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SITE_URL"}}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def test_a_backup_written_from_stdout_is_pure_json(tmp_path):
    env = command_env(tmp_path)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    dump = manage(env, "dumpdata", "hashtags.category", "hashtags.platform")
    rows = json.loads(dump.stdout)
    assert {row["model"] for row in rows} == {"hashtags.category", "hashtags.platform"}
    # Nothing of the admin lock-out's start-up chatter, on either stream.
    assert "AXES" not in dump.stdout + dump.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - http only
        assert response.status == 200, url
        return response.read().decode()


@pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "python").exists(), reason="make run needs the .venv"
)
def test_make_run_on_another_port_serves_links_to_that_port(tmp_path):
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - the README's own command
        ["make", "--no-print-directory", "run", f"PORT={port}"],  # noqa: S607 - make from PATH
        cwd=ROOT,
        env=command_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                get(f"{base}/healthz")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(server.stdout.read().decode())
                time.sleep(0.5)
        page = get(f"{base}/chats/")
        links = set(re.findall(r'href="((?:https?|webcal)://[^"]+)"', page))
        own = {link for link in links if "/chats.ics" in link}
        assert own, "the chats page offers its calendar"
        assert all(f"127.0.0.1:{port}/" in link for link in own), own
        feed = next(link for link in own if link.startswith("http"))
        assert get(feed).startswith("BEGIN:VCALENDAR")
        sitemap = get(f"{base}/sitemap.xml")
        assert f"http://127.0.0.1:{port}/hashtags/" in sitemap
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.mark.django_db
def test_the_home_and_category_pages_leave_out_empty_categories(
    visitor, make_category, make_hashtag
):
    cancer = make_category("cancer", name="Cancer")
    breast = make_category("breast-cancer", parent=cancer, name="Breast cancer")
    make_category("rare-cancers", parent=cancer, name="Rare cancers")
    make_category("diabetes", name="Diabetes")
    make_hashtag("BCSM", categories=[breast])

    home = visitor.get("/").content.decode()
    assert ">Cancer</a>" in home and ">Breast cancer</a>" in home
    assert "Rare cancers" not in home and "Diabetes" not in home

    category = visitor.get("/categories/cancer/").content.decode()
    assert ">Breast cancer</a>" in category and "Rare cancers" not in category
