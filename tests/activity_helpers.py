"""Shared pieces of the activity tests: Mastodon's tag answers, and servers that answer
them (pytest-httpserver, a real HTTP server on a loopback port)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
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
