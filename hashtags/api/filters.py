"""The query parameters of GET /api/v1/hashtags/ (docs/api.md).

The parameters the directory page also has (`q`, `category`, `kind`, `platform`,
`language`, `has_chat`) and their rules come from hashtags/filters.py, so both surfaces
answer alike; this subclass adds the API's own: `status`, `chat_weekday`,
`chat_status`, `freshness` and `updated_since`. Any unknown or malformed value, or a
filter parameter given empty, is a 400 naming the parameter (django-filter's DRF backend
raises the form's errors, and hashtags/api/errors.py gives them the API's shape).
"""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django.db.models import Exists, OuterRef, QuerySet

from hashtags.filters import HashtagFilterSet, PresentChoiceFilter, PresentValueMixin
from hashtags.models import PUBLIC_STATUSES, Chat, ChatStatus, Freshness, Hashtag, Weekday


class PresentDateTimeField(PresentValueMixin, django_filters.fields.IsoDateTimeField):
    pass


class PresentDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = PresentDateTimeField


class HashtagFilter(HashtagFilterSet):
    status = PresentChoiceFilter(
        choices=[(status.value, status.label) for status in PUBLIC_STATUSES],
        help_text="approved or retired (both by default).",
    )
    chat_weekday = PresentChoiceFilter(
        choices=Weekday.choices,
        method="filter_chat_weekday",
        help_text="Entries with an active chat on this weekday (RFC 5545 code).",
    )
    chat_status = PresentChoiceFilter(
        choices=ChatStatus.choices,
        method="filter_chat_status",
        help_text="Entries with a chat in this state today, on the chat's own calendar: "
        "upcoming, active, paused (on a break) or ended.",
    )
    freshness = PresentChoiceFilter(
        choices=Freshness.choices,
        method="filter_freshness",
        help_text="current (confirmed within the verification period), due, stale "
        "(due and unanswered for long) or unverified (never confirmed).",
    )
    updated_since = PresentDateTimeFilter(
        method="filter_updated_since",
        help_text="Entries changed at or after this instant (ISO 8601), for mirrors.",
    )

    class Meta(HashtagFilterSet.Meta):
        pass

    def filter_chat_weekday(
        self, queryset: QuerySet[Hashtag], name: str, value: str
    ) -> QuerySet[Hashtag]:
        chats = Chat.objects.active().filter(hashtag_id=OuterRef("pk"), weekdays__contains=value)
        return queryset.filter(Exists(chats))

    def filter_chat_status(
        self, queryset: QuerySet[Hashtag], name: str, value: str
    ) -> QuerySet[Hashtag]:
        return queryset.with_chat_status(value)

    def filter_freshness(
        self, queryset: QuerySet[Hashtag], name: str, value: str
    ) -> QuerySet[Hashtag]:
        return queryset.with_freshness(value)

    def filter_updated_since(
        self, queryset: QuerySet[Hashtag], name: str, value: datetime
    ) -> QuerySet[Hashtag]:
        try:
            instant = value.astimezone(UTC)
        except OverflowError:
            # Beyond the calendar's ends once in UTC: before everything, or after it.
            return queryset if value.year < 2 else queryset.none()
        return queryset.filter(updated__gte=instant)
