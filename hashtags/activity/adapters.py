"""The networks the registry asks about a tag's use: one adapter class per network
(hashtags.activity.networks describes the interface)."""

from __future__ import annotations

from hashtags.activity.bluesky import Bluesky
from hashtags.activity.mastodon import Mastodon
from hashtags.activity.networks import NetworkAdapter

ADAPTERS: tuple[type[NetworkAdapter], ...] = (Mastodon, Bluesky)


def configured_adapters() -> list[NetworkAdapter]:
    """An adapter of each network the settings let the registry ask."""
    return [adapter() for adapter in ADAPTERS if adapter.configured()]
