"""The run behind `manage.py refresh_activity`: ask every configured server about every
public entry's tag, and store the answers.

Each (entry, server) answer is upserted in one transaction with the entry's summary, so
reading a day again replaces its counts (never adds to them) and an interrupted run
leaves every entry either as it was or fully updated. A server that fails is reported
and the run goes on; a server that asks to wait too long (rate limit) or fails
GIVE_UP_AFTER times in a row is left alone for the rest of the run, each entry it then
misses counted as a failure. Logs name servers and tags, nothing else.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date

from django.db import transaction
from django.utils import timezone

from hashtags import published
from hashtags.activity import summary
from hashtags.activity.adapters import configured_adapters
from hashtags.activity.client import Client, FetchError, RateLimited
from hashtags.activity.networks import DayCount, NetworkAdapter
from hashtags.models import DailyActivity, Hashtag
from hashtags.opendata import changelog
from hashtags.serving.cache import bump_generation

logger = logging.getLogger(__name__)

GIVE_UP_AFTER = 3


@dataclass
class Report:
    entries: int = 0
    servers: set[str] = field(default_factory=set)
    fetched: int = 0
    failures: Counter = field(default_factory=Counter)  # server → failed fetches
    reasons: dict[str, str] = field(default_factory=dict)  # server → its last problem

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def summary(self) -> str:
        line = (
            f"{plural(self.entries, 'entry', 'entries')}, "
            f"{plural(len(self.servers), 'server')}, {plural(self.failed, 'failure')}"
        )
        if self.failures:
            details = "; ".join(
                f"{server}: {self.reasons[server]} ×{count}"
                for server, count in sorted(self.failures.items())
            )
            line += f" ({details})"
        return line


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def refresh(
    hashtags: Iterable[Hashtag],
    *,
    adapters: list[NetworkAdapter] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    adapters = configured_adapters() if adapters is None else adapters
    entries = list(hashtags)
    report = Report()
    given_up: dict[str, str] = {}
    in_a_row: Counter = Counter()
    today = timezone.now().astimezone(UTC).date()
    with Client() as client:
        for index, hashtag in enumerate(entries, start=1):
            wrote = False
            for adapter in adapters:
                for server in adapter.servers():
                    report.servers.add(server)
                    if server in given_up:
                        report.failures[server] += 1
                        continue
                    try:
                        days = adapter.fetch(client, server, hashtag.tag)
                    except FetchError as error:
                        report.failures[server] += 1
                        report.reasons[server] = str(error)
                        in_a_row[server] += 1
                        logger.warning("%s %s #%s: %s", adapter.name, server, hashtag.tag, error)
                        if isinstance(error, RateLimited) or in_a_row[server] >= GIVE_UP_AFTER:
                            given_up[server] = str(error)
                            logger.warning(
                                "%s %s: left alone for the rest of this run", adapter.name, server
                            )
                        continue
                    in_a_row[server] = 0
                    report.fetched += 1
                    store(hashtag, adapter.code, server, days, today)
                    wrote = wrote or bool(days)
            if not wrote:
                # Still recount: the week moves on even on a day no server answered.
                with transaction.atomic():
                    summary.recompute(hashtag.pk, today)
            report.entries += 1
            if progress is not None:
                progress(index, len(entries))
    if report.entries:
        # The entries' documents carry their activity: published again, in one step.
        with changelog.acting_as(changelog.Role.SYSTEM):
            published.publish([hashtag.pk for hashtag in entries])
        bump_generation()  # the entry pages, directory and API show these counts
    return report


def store(hashtag: Hashtag, network: str, server: str, days: list[DayCount], today: date) -> None:
    """Upsert one server's days for the entry and recount its summary, all or nothing."""
    now = timezone.now()
    rows = [
        DailyActivity(
            hashtag=hashtag,
            network=network,
            server=server,
            day=day.day,
            uses=day.uses,
            accounts=day.accounts,
            fetched_at=now,
        )
        for day in days
        if day.day <= today
    ]
    with transaction.atomic():
        DailyActivity.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["hashtag", "network", "server", "day"],
            update_fields=["uses", "accounts", "fetched_at"],
        )
        summary.recompute(hashtag.pk, today)
