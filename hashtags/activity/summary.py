"""What the pages, the API and the curators read from the stored counts.

A network's use on a day is its busiest server's count (servers federate, so adding
them up would count one post several times); the networks' uses are added up. Each
entry's `ActivitySummary` (last 7 days, last day seen in use, first day counted) is
recomputed from its rows by `recompute()` after every refresh of the entry, so the
directory can sort and filter by it without adding up rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from hashtags.models import (
    MAX_ACTIVITY_COUNT,
    ActivitySummary,
    DailyActivity,
    Hashtag,
    Network,
)

SERIES_DAYS = 90
WEEK_DAYS = 7


def network_name(code: str) -> str:
    return Network(code).label


def daily_totals(rows: Iterable[DailyActivity]) -> dict[date, tuple[int, int]]:
    """day → (uses, accounts) over every network: each network's busiest server, added
    up across networks."""
    busiest: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        best = busiest[row.network, row.day]
        best[0] = max(best[0], row.uses)
        best[1] = max(best[1], row.accounts)
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for (_network, day), (uses, accounts) in busiest.items():
        totals[day][0] += uses
        totals[day][1] += accounts
    return {day: (uses, accounts) for day, (uses, accounts) in totals.items()}


def recompute(hashtag_id: int, today: date) -> ActivitySummary | None:
    """Recount the entry's summary from its rows (two queries and an upsert)."""
    week = DailyActivity.objects.filter(
        hashtag_id=hashtag_id, day__gt=today - timedelta(days=WEEK_DAYS), day__lte=today
    )
    totals = daily_totals(week)
    span = DailyActivity.objects.filter(hashtag_id=hashtag_id).aggregate(
        first=Min("day"), seen=Max("day", filter=Q(uses__gt=0))
    )
    if span["first"] is None:
        return None
    # Each day's count fits its column; a week of them added up may not, and a tag that
    # busy sorts first either way.
    uses = min(MAX_ACTIVITY_COUNT, sum(uses for uses, _ in totals.values()))
    accounts = min(MAX_ACTIVITY_COUNT, sum(accounts for _, accounts in totals.values()))
    summary, _ = ActivitySummary.objects.update_or_create(
        hashtag_id=hashtag_id,
        defaults={
            "as_of": today,
            "uses_7d": uses,
            "accounts_7d": accounts,
            "last_seen": span["seen"],
            "tracked_since": span["first"],
        },
    )
    return summary


@dataclass
class ServerSeries:
    network: str
    server: str
    days: list[DailyActivity] = field(default_factory=list)


@dataclass
class Activity:
    """An entry's activity as pages and the API show it."""

    summary: ActivitySummary | None
    series: list[ServerSeries]
    totals: dict[date, tuple[int, int]]
    first_day: date
    last_day: date

    @property
    def measured(self) -> bool:
        return self.summary is not None

    @property
    def networks(self) -> list[str]:
        return sorted({network_name(s.network) for s in self.series})

    @property
    def servers(self) -> list[str]:
        """The servers counted, by host name (mastodon.social)."""
        return sorted({urlsplit(s.server).netloc or s.server for s in self.series})

    def days(self) -> list[tuple[date, int]]:
        """(day, uses) for each of the SERIES_DAYS days, oldest first (0 when unknown)."""
        return [
            (day, self.totals.get(day, (0, 0))[0])
            for day in (self.first_day + timedelta(days=n) for n in range(SERIES_DAYS))
        ]

    def weeks(self) -> list[tuple[date, date, int, int]]:
        """(first day, last day, uses, days counted) for each week of the series, newest
        first: the sparkline's text equivalent."""
        days = self.days()
        weeks = []
        for end in range(len(days), 0, -WEEK_DAYS):
            chunk = days[max(0, end - WEEK_DAYS) : end]
            counted = sum(1 for day, _ in chunk if day in self.totals)
            weeks.append((chunk[0][0], chunk[-1][0], sum(uses for _, uses in chunk), counted))
        return weeks

    def week_by_network(self) -> list[tuple[str, int, int]]:
        """(network, posts, accounts) in the 7 days to the last day counted, each network
        by its busiest server per day: "42 posts by up to 17 accounts on Mastodon"."""
        start = self.last_day - timedelta(days=WEEK_DAYS - 1)
        week = {}
        for series in self.series:
            rows = [row for row in series.days if row.day >= start]
            week.setdefault(series.network, []).extend(rows)
        return [
            (
                network_name(network),
                sum(uses for uses, _ in daily_totals(rows).values()),
                sum(accounts for _, accounts in daily_totals(rows).values()),
            )
            for network, rows in sorted(week.items())
        ]

    def total(self) -> int:
        return sum(uses for _, uses in self.days())

    def peak(self) -> tuple[date, int] | None:
        days = [(day, uses) for day, uses in self.days() if uses]
        return max(days, key=lambda item: (item[1], item[0])) if days else None

    def sparkline(self) -> str:
        return sparkline_svg(self.days(), labelled_by="activity-chart-caption")

    def document(self) -> dict:
        """The API's `activity` (hashtags.api.serializers.ActivitySerializer)."""
        summary = self.summary
        return {
            "as_of": summary.as_of if summary else None,
            "last_7_days": {"uses": summary.uses_7d, "accounts": summary.accounts_7d}
            if summary
            else None,
            "last_seen": summary.last_seen if summary else None,
            "series": [
                {
                    "network": series.network,
                    "server": series.server,
                    "days": [
                        {"day": row.day, "uses": row.uses, "accounts": row.accounts}
                        for row in series.days
                    ],
                }
                for series in self.series
            ],
        }


def activity_of(hashtag: Hashtag, today: date | None = None) -> Activity:
    """The entry's summary and its last SERIES_DAYS days of rows: one query when the
    summary came with the entry (`with_details()` selects it), two otherwise, none for
    an entry never counted."""
    try:
        summary = hashtag.activity_summary
    except ActivitySummary.DoesNotExist:
        summary = None
    last_day = summary.as_of if summary is not None else (today or timezone.now().date())
    first_day = last_day - timedelta(days=SERIES_DAYS - 1)
    # No summary, no rows: every run that writes an entry's rows recounts its summary
    # (`recompute`), so an entry never counted costs no second query.
    rows = (
        list(
            DailyActivity.objects.filter(
                hashtag=hashtag, day__gte=first_day, day__lte=last_day
            ).order_by("network", "server", "day")
        )
        if summary is not None
        else []
    )
    series: dict[tuple[str, str], ServerSeries] = {}
    for row in rows:
        key = (row.network, row.server)
        series.setdefault(key, ServerSeries(row.network, row.server)).days.append(row)
    return Activity(summary, list(series.values()), daily_totals(rows), first_day, last_day)


SPARK_WIDTH = 3 * SERIES_DAYS
SPARK_HEIGHT = 32


def sparkline_svg(days: list[tuple[date, int]], labelled_by: str) -> str:
    """A small bar chart of posts per day, drawn on the server (no script): one bar per
    day, scaled to the busiest. Its accessible name is the caption `labelled_by`, which
    says the same in words; a table of the weeks sits beside it."""
    peak = max((uses for _, uses in days), default=0) or 1
    bars = []
    for index, (_day, uses) in enumerate(days):
        height = 0 if not uses else max(1, round(SPARK_HEIGHT * uses / peak))
        bars.append((index * 3, SPARK_HEIGHT - height, height))
    return format_html(
        '<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" '
        'viewBox="0 0 {} {}" role="img" aria-labelledby="{}">'
        '<line x1="0" y1="{}" x2="{}" y2="{}" class="sparkline-axis"/>{}</svg>',
        SPARK_WIDTH,
        SPARK_HEIGHT + 1,
        SPARK_WIDTH,
        SPARK_HEIGHT + 1,
        labelled_by,
        SPARK_HEIGHT + 0.5,
        SPARK_WIDTH,
        SPARK_HEIGHT + 0.5,
        format_html_join(
            "",
            '<rect x="{}" y="{}" width="2" height="{}" class="sparkline-bar"/>',
            (bar for bar in bars if bar[2]),
        ),
    )
