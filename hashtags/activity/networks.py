"""The adapter interface: a network is one module with one `NetworkAdapter` subclass.

An adapter names its network (`code`, one of `hashtags.models.Network`), the servers it
asks (`servers()`), and answers `fetch(client, server, tag)` with the tag's use per day
as that server knows it, or raises `FetchError` saying why not. To add a network, write
its module, add its code to `Network` (a migration), and list its class in
`hashtags.activity.adapters.ADAPTERS`.

X (Twitter) is not polled: it has no open API to ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hashtags.activity.client import Client
from hashtags.models import MAX_ACTIVITY_COUNT


@dataclass(frozen=True)
class DayCount:
    """One day's use of a tag on one server: counts only."""

    day: date
    uses: int
    accounts: int


class NetworkAdapter:
    code: str
    name: str

    @classmethod
    def configured(cls) -> bool:
        """Whether the settings let this network be asked at all."""
        return True

    def servers(self) -> list[str]:
        raise NotImplementedError

    def fetch(self, client: Client, server: str, tag: str) -> list[DayCount]:
        raise NotImplementedError


def count(value: object) -> int:
    """A count from a server's JSON (Mastodon sends numbers as strings); ValueError if it
    is not a whole number from zero to what the activity columns hold."""
    if isinstance(value, bool):
        raise ValueError(value)
    number = int(value) if isinstance(value, int | str) else None
    if number is None or not 0 <= number <= MAX_ACTIVITY_COUNT:
        raise ValueError(value)
    return number
