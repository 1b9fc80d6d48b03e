"""Mastodon: each server of ACTIVITY_MASTODON_SERVERS, `GET /api/v1/tags/<tag>`.

The answer's `history` gives the last 7 days (today first, as UTC midnights in Unix
time), each with `uses` (posts) and `accounts` as the server knows them: its own and
those federated to it. Only that week is kept, whatever else a server lists, and each
count must fit the activity columns (`count`). A 404 means the server has never seen the
tag: no use on any of those days, which is an answer, not a failure.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone

from hashtags.activity.client import Client, FetchError, read_json
from hashtags.activity.networks import DayCount, NetworkAdapter, count
from hashtags.models import Network

HISTORY_DAYS = 7


class Mastodon(NetworkAdapter):
    code = Network.MASTODON
    name = "Mastodon"

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.ACTIVITY_MASTODON_SERVERS)

    def servers(self) -> list[str]:
        return list(settings.ACTIVITY_MASTODON_SERVERS)

    def fetch(self, client: Client, server: str, tag: str) -> list[DayCount]:
        response = client.request("GET", f"{server}/api/v1/tags/{quote(tag, safe='')}")
        today = timezone.now().astimezone(UTC).date()
        if response.status_code == 404:
            return [DayCount(today - timedelta(days=n), 0, 0) for n in range(HISTORY_DAYS)]
        return parse_history(read_json(response), today)


def parse_history(document: object, today: date) -> list[DayCount]:
    """The days of a tag's `history` among the HISTORY_DAYS to `today` (a server may list
    more, or days to come: they are not its week); FetchError when the answer is not a
    tag history or contradicts itself, so nothing of it is stored."""
    history = document.get("history") if isinstance(document, dict) else None
    if not isinstance(history, list):
        raise FetchError("answered JSON without a tag history")
    first = today - timedelta(days=HISTORY_DAYS - 1)
    seen: set[date] = set()
    days = []
    for item in history:
        try:
            day = unix_day(item["day"])
            uses, accounts = count(item["uses"]), count(item["accounts"])
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            raise FetchError("answered a tag history that cannot be read") from None
        if accounts > uses:
            raise FetchError("answered a tag history with more accounts than posts")
        if day in seen:
            raise FetchError(f"answered a tag history listing {day} twice")
        seen.add(day)
        if first <= day <= today:
            days.append(DayCount(day, uses, accounts))
    return days


def unix_day(value: object) -> date:
    """The UTC day of a Unix time, as Mastodon writes a history's `day` ("1767225600",
    a midnight); ValueError, OverflowError or OSError when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(value)
    return datetime.fromtimestamp(int(value), UTC).date()
