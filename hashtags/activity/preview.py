"""A pending tag's recent use, for the curator reviewing its submission: asked of every
configured server when the review page is opened, and kept in the cache for
PREVIEW_SECONDS, so reopening the page asks nobody. Nothing is stored in the database:
the entry is not public, and may never be.

The review page must not hang on a slow server, so each server gets one try with a
short timeout and no waiting on rate limits; what failed is shown as failed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from hashtags.activity.adapters import configured_adapters
from hashtags.activity.client import Client, FetchError

PREVIEW_SECONDS = 6 * 60 * 60
PREVIEW_TIMEOUT_SECONDS = 5.0


@dataclass
class Preview:
    fetched_at: datetime
    # network name → (posts, accounts) in the last 7 days, each day its busiest server's
    networks: dict[str, tuple[int, int]] = field(default_factory=dict)
    servers: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def cache_key(tag: str) -> str:
    from hashtags.validators import tag_key

    return "activity:preview:" + hashlib.sha256(tag_key(tag).encode()).hexdigest()


def preview(tag: str) -> Preview:
    key = cache_key(tag)
    found = cache.get(key)
    if isinstance(found, Preview):
        return found
    result = Preview(fetched_at=timezone.now())
    timeout = min(settings.ACTIVITY_TIMEOUT_SECONDS, PREVIEW_TIMEOUT_SECONDS)
    with Client(timeout=timeout, retries=1, max_wait=0) as client:
        for adapter in configured_adapters():
            busiest: dict = {}
            for server in adapter.servers():
                try:
                    days = adapter.fetch(client, server, tag)
                except FetchError as error:
                    result.failures.append(f"{urlsplit(server).netloc}: {error}")
                    continue
                result.servers.append(urlsplit(server).netloc)
                for day in days:
                    uses, accounts = busiest.get(day.day, (0, 0))
                    busiest[day.day] = (max(uses, day.uses), max(accounts, day.accounts))
            if busiest:
                week = sorted(busiest)[-7:]
                result.networks[adapter.name] = (
                    sum(busiest[day][0] for day in week),
                    sum(busiest[day][1] for day in week),
                )
    cache.set(key, result, PREVIEW_SECONDS)
    return result
