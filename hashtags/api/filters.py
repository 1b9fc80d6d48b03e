"""The query parameters of GET /api/v1/hashtags/ (SPEC "REST API").

A malformed value (an unknown kind, status or weekday, a date that is not a date, a
boolean that is not true/false) is a 400 naming the parameter. A well-formed value that
matches nothing (an unknown category slug, platform or language) gives an empty list,
as any filter would.
"""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from hashtags.models import PUBLIC_STATUSES, Category, Chat, Hashtag, Kind, Weekday
from hashtags.search import search


class LenientTextField(forms.CharField):
    """Free text where a NUL byte is just noise: drop it rather than refuse the request
    (the database could not compare it anyway)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\x00", "") if isinstance(value, str) else value


class PresentValueMixin:
    """A parameter given empty (?kind=) is refused rather than ignored: only leaving the
    parameter out means "any"."""

    def to_python(self, value):
        if value == "":
            raise ValidationError("Give a value, or leave the parameter out.", code="empty")
        return super().to_python(value)


class StrictChoiceField(PresentValueMixin, django_filters.fields.ChoiceField):
    pass


class StrictDateTimeField(PresentValueMixin, django_filters.fields.IsoDateTimeField):
    pass


class StrictBooleanField(PresentValueMixin, forms.Field):
    """true or false, and nothing else (django-filter would quietly ignore "maybe")."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        text = str(value).strip().lower()
        if text not in {"true", "false"}:
            raise ValidationError("Use true or false.", code="invalid")
        return text == "true"


class TextFilter(django_filters.CharFilter):
    field_class = LenientTextField


class StrictChoiceFilter(django_filters.ChoiceFilter):
    field_class = StrictChoiceField


class StrictDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = StrictDateTimeField


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class HashtagFilter(django_filters.FilterSet):
    q = TextFilter(
        method="filter_q",
        help_text="Search: '#' and case ignored; matches a tag or alias by prefix "
        "('hcl' finds HCLDR) and words of the name and description.",
    )
    category = TextFilter(
        method="filter_category",
        help_text="A category slug; entries of its sub-categories are included.",
    )
    kind = StrictChoiceFilter(choices=Kind.choices, help_text="The kind of hashtag.")
    platform = TextFilter(
        method="filter_platform",
        help_text="A platform code (x, bluesky, mastodon, linkedin, threads, instagram, other).",
    )
    language = TextFilter(
        method="filter_language",
        help_text="A BCP 47 language tag; 'en' also matches regional forms such as en-GB.",
    )
    status = StrictChoiceFilter(
        choices=[(status.value, status.label) for status in PUBLIC_STATUSES],
        help_text="approved or retired (both by default).",
    )
    has_chat = StrictBooleanFilter(
        method="filter_has_chat",
        help_text="true: only entries with an active chat; false: only entries without.",
    )
    chat_weekday = StrictChoiceFilter(
        choices=Weekday.choices,
        method="filter_chat_weekday",
        help_text="Entries with an active chat on this weekday (RFC 5545 code).",
    )
    updated_since = StrictDateTimeFilter(
        method="filter_updated_since",
        help_text="Entries changed at or after this instant (ISO 8601), for mirrors.",
    )

    class Meta:
        model = Hashtag
        fields: list[str] = []  # every filter is declared above

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search(queryset, value)

    def filter_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        category = Category.objects.filter(slug=value).first()
        return queryset.in_category(category) if category else queryset.none()

    def filter_platform(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        links = Hashtag.platforms.through.objects.filter(
            hashtag_id=OuterRef("pk"), platform_id=value.strip().lower()
        )
        return queryset.filter(Exists(links))

    def filter_language(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(language__iexact=value) | Q(language__istartswith=f"{value}-"))

    def filter_has_chat(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        chats = Chat.objects.active().filter(hashtag_id=OuterRef("pk"))
        return queryset.filter(Exists(chats)) if value else queryset.exclude(Exists(chats))

    def filter_chat_weekday(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        chats = Chat.objects.active().filter(hashtag_id=OuterRef("pk"), weekdays__contains=value)
        return queryset.filter(Exists(chats))

    def filter_updated_since(self, queryset: QuerySet, name: str, value: datetime) -> QuerySet:
        try:
            instant = value.astimezone(UTC)
        except OverflowError:
            # Beyond the calendar's ends once in UTC: before everything, or after it.
            return queryset if value.year < 2 else queryset.none()
        return queryset.filter(updated__gte=instant)
