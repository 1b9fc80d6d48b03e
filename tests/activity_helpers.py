"""Shared pieces of the activity tests: Mastodon's tag answers, and servers that answer
them (pytest-httpserver, a real HTTP server on a loopback port).

Two "servers" (the fixture `servers`) are the one local server under two names (127.0.0.1 and
localhost), told apart by the Host header, so one can fail while the other answers.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_httpserver import HTTPServer


def today() -> date:
    return timezone.now().astimezone(UTC).date()


def history(uses: list[int], accounts: list[int] | None = None) -> list[dict]:
    """A tag's `history` as Mastodon writes it: today first, days as UTC midnights in
    Unix time, numbers as strings."""
    accounts = accounts or [min(n, max(1, n // 2)) for n in uses]
    start = today()
    return [
        {
            "day": str(int(datetime.combine(start - timedelta(days=n), time(), UTC).timestamp())),
            "uses": str(count),
            "accounts": str(people),
        }
        for n, (count, people) in enumerate(zip(uses, accounts, strict=True))
    ]


def tag_answer(name: str, uses: list[int], accounts: list[int] | None = None) -> dict:
    return {
        "name": name.lower(),
        "url": f"https://mastodon.example/tags/{name.lower()}",
        "history": history(uses, accounts),
        "following": False,
    }


@pytest.fixture(scope="module")
def _mastodon_server() -> Iterator[HTTPServer]:
    # Threaded, so a server kept waiting (a timeout test) does not hold up the other.
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def mastodon(_mastodon_server: HTTPServer) -> Iterator[HTTPServer]:
    """A local HTTP server to answer as Mastodon does; empty at the start of each test."""
    _mastodon_server.clear()
    yield _mastodon_server
    _mastodon_server.clear()


@dataclass
class Servers:
    http: HTTPServer
    first: str
    second: str

    def __iter__(self):
        return iter((self.first, self.second))

    def __getitem__(self, index):
        return [self.first, self.second][index]


@pytest.fixture(name="servers")
def two_servers(mastodon, settings) -> Servers:
    """Two Mastodon servers (base URLs) on the local HTTP server; fast retries. Named
    `servers` in tests (imported as `two_servers`, so no test argument shadows it)."""
    port = mastodon.port
    first, second = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    settings.ACTIVITY_MASTODON_SERVERS = [first, second]
    settings.ACTIVITY_BACKOFF_SECONDS = 0.01
    settings.ACTIVITY_TIMEOUT_SECONDS = 0.5
    settings.ACTIVITY_RETRIES = 3
    settings.ACTIVITY_MAX_WAIT_SECONDS = 5
    return Servers(mastodon, first, second)


def on(server: str) -> dict:
    """Match requests sent to this server name."""
    return {"headers": {"Host": server.split("://")[1]}}


def run(*args: str) -> tuple[str, str]:
    """`manage.py refresh_activity`: (its standard output, its standard error)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("refresh_activity", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counted(entry, uses_by_day: dict[int, int]) -> None:
    """Daily counts stored for `entry` ({days ago: uses}) on one Mastodon server, and its
    summary recomputed, as a refresh would leave them."""
    from hashtags.activity.summary import recompute
    from hashtags.models import DailyActivity

    for ago, uses in uses_by_day.items():
        DailyActivity.objects.create(
            hashtag=entry,
            network="mastodon",
            server="https://a.example",
            day=today() - timedelta(days=ago),
            uses=uses,
            accounts=min(uses, 1),
        )
    recompute(entry.pk, today())
