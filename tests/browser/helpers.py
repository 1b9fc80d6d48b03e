"""Shared pieces of the browser tests: a real Chromium driven by Playwright, the demo
registry served by pytest-django's live server, and axe-core for accessibility.

The browser is Debian's `chromium` (/usr/bin/chromium), never a downloaded one. Without
it the tests skip, saying why, unless the CI variable is set: in CI a missing browser is
a failure, not a skip.

Fixtures live here rather than in a conftest, and the test modules import them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

# Playwright's sync API runs an event loop in this thread; Django refuses database work
# from a thread with a running loop unless told it is safe, which it is here (the loop
# only talks to the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"390": PHONE, "1280": DESKTOP}

# The live server answers from another thread, so every browser test commits its data
# (a transactional database); the flush after it is followed by hashtags.apps re-loading
# the vocabularies and roles the data migrations load.
browser_db = pytest.mark.django_db(transaction=True)


def chromium_missing_reason() -> str | None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return None
    return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"


@pytest.fixture(scope="module")
def browser() -> Iterator:
    reason = chromium_missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser tests.")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    # While Playwright's loop runs, Django hands this thread separate connections; close
    # them, or PostgreSQL cannot drop the test database at the end.
    connections.close_all()


# The demo registry as the first browser test of this process seeded it (SQLite only).
_seeded: sqlite3.Connection | None = None


def seed_demo() -> None:
    """The demo registry, as `manage.py seed_demo` writes it. Seeding takes seconds and
    every browser test starts from an empty database, so on SQLite the first seeded
    database is copied aside whole (SQLite's backup) and copied back for the next tests."""
    global _seeded
    if connection.vendor != "sqlite":
        call_command("seed_demo", verbosity=0)
        return
    connection.ensure_connection()
    if _seeded is None:
        call_command("seed_demo", verbosity=0)
        _seeded = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(_seeded)
    else:
        _seeded.backup(connection.connection)


@pytest.fixture
def site(live_server) -> str:
    """The live server's address, serving the demo registry."""
    seed_demo()
    return live_server.url


def new_page(browser, viewport: dict, **context_options):
    """A fresh page (its own cookies and storage) at a viewport size."""
    context = browser.new_context(viewport=viewport, **context_options)
    context.set_default_timeout(10_000)
    return context.new_page()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now. axe-core ships inside
    axe-playwright-python, so nothing is downloaded; it is injected once per document
    and run again after each change of viewport or colour scheme."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate("axe.run({resultTypes: ['violations']}).then(r => r.violations)")


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return "\n".join(lines)


@pytest.fixture
def confirmed_chats(site) -> list[str]:
    """#BCSM and #hpm, the demo's chats with no recorded end, confirmed by a curator
    today: the demo marks no entry confirmed, so without this none of its chats is
    presented as meeting (no next meetings, nothing in the next 7 days)."""
    from hashtags.curation import moderation
    from hashtags.models import Hashtag
    from tests.support import make_user

    curator = make_user("confirming-curator", curator=True)
    tags = ["BCSM", "hpm"]
    for tag in tags:
        moderation.verify(hashtag=Hashtag.objects.get(tag=tag), curator=curator)
    return tags
