"""Activity: each public entry's daily use on the open networks, and its summary."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hashtags.models.base import ChecksInDatabase


class Network(models.TextChoices):
    """The open networks whose use of a tag is counted (hashtags.activity)."""

    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"


# The largest count an activity column holds (`DailyActivity.uses`, `ActivitySummary.
# uses_7d`…): a PositiveIntegerField is PostgreSQL's `integer`. SQLite would take more;
# the limit is the same on both, so the data moves between them.
MAX_ACTIVITY_COUNT = 2**31 - 1


class DailyActivity(ChecksInDatabase, models.Model):
    """How much a public entry's tag was used on one day, as one server of one network
    reported it: counts only, never a post or an account. Written by
    `manage.py refresh_activity` (hashtags.activity.refresh), one row per (entry,
    network, server, day), upserted, so reading the same day again replaces its counts
    instead of adding to them."""

    hashtag = models.ForeignKey("Hashtag", on_delete=models.CASCADE, related_name="activity")
    network = models.CharField(max_length=20, choices=Network.choices)
    server = models.CharField(
        max_length=200, help_text=_("The server that reported the counts (its base URL).")
    )
    day = models.DateField(help_text=_("A UTC day."))
    uses = models.PositiveIntegerField(help_text=_("Posts carrying the tag that day."))
    accounts = models.PositiveIntegerField(help_text=_("Accounts that posted them."))
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "daily activity"
        ordering = ["hashtag_id", "network", "server", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["hashtag", "network", "server", "day"],
                name="activity_one_row_per_server_day",
            ),
            models.CheckConstraint(
                condition=Q(network__in=Network.values), name="activity_network_valid"
            ),
            models.CheckConstraint(
                condition=Q(accounts__lte=models.F("uses")),
                name="activity_accounts_within_uses",
                violation_error_message="More accounts than posts cannot be.",
            ),
        ]
        indexes = [models.Index(fields=["hashtag", "day"], name="activity_hashtag_day")]

    def __str__(self) -> str:
        return f"#{self.hashtag_id} on {self.server}, {self.day}: {self.uses}"


class ActivitySummary(models.Model):
    """An entry's activity in numbers the directory sorts and filters by, recomputed
    from its `DailyActivity` rows whenever they change (hashtags.activity.summary)."""

    hashtag = models.OneToOneField(
        "Hashtag", on_delete=models.CASCADE, primary_key=True, related_name="activity_summary"
    )
    as_of = models.DateField(help_text=_("The last day counted (UTC): the day of the last run."))
    uses_7d = models.PositiveIntegerField(default=0, help_text=_("Posts in the 7 days to as_of."))
    accounts_7d = models.PositiveIntegerField(
        default=0, help_text=_("Accounts posting in those 7 days (each day's, added up).")
    )
    last_seen = models.DateField(
        null=True, blank=True, help_text=_("The last day with a post carrying the tag.")
    )
    tracked_since = models.DateField(help_text=_("The first day counted."))

    class Meta:
        verbose_name_plural = "activity summaries"
        indexes = [models.Index(fields=["-uses_7d"], name="activity_summary_uses")]

    def __str__(self) -> str:
        return f"#{self.hashtag_id}: {self.uses_7d} posts to {self.as_of}"

    def is_dormant(self, today: date | None = None) -> bool:
        """`HashtagQuerySet.dormant` for this entry."""
        today = today or timezone.now().date()
        since = today - timedelta(days=settings.ACTIVITY_DORMANT_DAYS)
        return self.tracked_since <= since and (self.last_seen is None or self.last_seen < since)
