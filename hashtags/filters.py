"""The filters of the public entry lists: one definition for the site and the API.

The directory page `/hashtags/` (directory/filters.py) and `GET /api/v1/hashtags/`
(hashtags/api/filters.py) both extend `HashtagFilterSet`, so each parameter means the
same on both:

- `q`: search (hashtags/search.py); given empty it searches nothing, as the site's
  search box sends it when submitted blank;
- `category`: a category slug, entries of its sub-categories included;
- `kind`: one of the `Kind` values;
- `platform`: a platform code (`x`, `bluesky`…; case ignored);
- `language`: a BCP 47 tag, matched regionally: `en` gives `en`, `EN` and `en-GB`
  entries, `en-GB` only `en-GB` (and its own subtags);
- `has_chat`: `true` (a recurring chat that meets now: not ended, not on a break without
  an end, and confirmed, see `Chat.objects.meeting`) or `false`;
- `active_within_days`: entries seen in use on an open network within that many days
  (1–3650; hashtags.activity).

A value that names nothing (an unknown category, platform or kind), a malformed one, or
a filter parameter given empty (`?kind=`: leave the parameter out to mean "any") is an
error of the form naming the parameter; each surface answers it with a 400.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from hashtags.models import Category, Chat, Hashtag, Kind, Platform, validate_language
from hashtags.search import MAX_QUERY_LENGTH, search

LANGUAGE_MAX_LENGTH = 35
EMPTY_MESSAGE = "Give a value, or leave the parameter out."


def has_active_chat() -> Exists:
    """Entries with a chat that meets now (`Chat.objects.meeting()`: confirmed, not
    ended, not on a break without an end)."""
    return Exists(Chat.objects.meeting().filter(hashtag=OuterRef("pk")))


def with_active_chat() -> Q:
    """The same test as `has_active_chat` as an `id IN (…)`, which PostgreSQL evaluates
    with one hash of the chats instead of one lookup per counted row."""
    return Q(pk__in=Chat.objects.meeting().values("hashtag_id"))


def language_q(code: str) -> Q:
    """Entries in the language `code` or one of its regional forms (`en`: en, en-GB)."""
    return Q(language__iexact=code) | Q(language__istartswith=f"{code}-")


def language_matches(stored: str, chosen: str) -> bool:
    """`language_q` in Python: does an entry in `stored` match the filter `chosen`?"""
    stored, chosen = stored.lower(), chosen.lower()
    return stored == chosen or stored.startswith(f"{chosen}-")


class PresentValueMixin:
    """A filter parameter given empty (?kind=) is refused rather than ignored: a link
    or script that meant a value and lost it should hear so, not get every entry."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValidationError(EMPTY_MESSAGE, code="empty")
        return super().to_python(value)


class PresentCharField(PresentValueMixin, forms.CharField):
    pass


class PresentChoiceField(PresentValueMixin, django_filters.fields.ChoiceField):
    pass


class PresentModelChoiceField(PresentValueMixin, django_filters.fields.ModelChoiceField):
    pass


class CodeChoiceField(PresentModelChoiceField):
    """A model chosen by a lower-case code, whatever case the parameter is given in."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower() or value
        return super().to_python(value)


class TrueFalseField(PresentValueMixin, forms.Field):
    """true or false (case ignored), and nothing else: "maybe" or "1" is an error rather
    than quietly ignored."""

    def to_python(self, value: Any) -> bool | None:
        value = super().to_python(value)
        if value is None:
            return None
        text = str(value).strip().lower()
        if text not in {"true", "false"}:
            raise ValidationError(f"Use true or false (got “{str(value)[:50]}”).", code="invalid")
        return text == "true"


class PresentIntegerField(PresentValueMixin, forms.IntegerField):
    pass


class PresentIntegerFilter(django_filters.NumberFilter):
    field_class = PresentIntegerField


class PresentCharFilter(django_filters.CharFilter):
    field_class = PresentCharField


class PresentChoiceFilter(django_filters.ChoiceFilter):
    field_class = PresentChoiceField


class PresentModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = PresentModelChoiceField


class CodeChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CodeChoiceField


class TrueFalseFilter(django_filters.BooleanFilter):
    field_class = TrueFalseField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


KIND_CODES = ", ".join(Kind.values)
MAX_ACTIVE_WITHIN_DAYS = 3650


class HashtagFilterSet(django_filters.FilterSet):
    """The parameters the site and the API share (see the module docstring)."""

    q = django_filters.CharFilter(
        method="filter_q",
        label="Search",
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        help_text="Search: '#' and case ignored; matches a tag or alias by prefix "
        "('hcl' finds HCLDR) and words of the name and description.",
    )
    category = PresentModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        method="filter_category",
        label="Category",
        error_messages={"invalid_choice": "There is no category with the slug “%(value)s”."},
        help_text="A category slug; entries of its sub-categories are included.",
    )
    kind = PresentChoiceFilter(
        choices=Kind.choices,
        label="Kind",
        error_messages={
            "invalid_choice": f"There is no kind “%(value)s”; use one of {KIND_CODES}."
        },
        help_text="The kind of hashtag.",
    )
    platform = CodeChoiceFilter(
        queryset=Platform.objects.all(),
        to_field_name="code",
        method="filter_platform",
        label="Platform",
        error_messages={"invalid_choice": "There is no platform with the code “%(value)s”."},
        help_text="A platform code (x, bluesky, mastodon, linkedin, threads, instagram, other).",
    )
    language = PresentCharFilter(
        method="filter_language",
        label="Language",
        max_length=LANGUAGE_MAX_LENGTH,
        validators=[validate_language],
        help_text="A BCP 47 language tag; 'en' also matches regional forms such as en-GB.",
    )
    has_chat = TrueFalseFilter(
        method="filter_has_chat",
        label="Recurring chat",
        help_text="true: only entries with a chat that meets now (not ended, not on a break "
        "without an end, not unconfirmed); false: only entries without one.",
    )
    active_within_days = PresentIntegerFilter(
        method="filter_active_within_days",
        label="Seen in use within (days)",
        min_value=1,
        max_value=MAX_ACTIVE_WITHIN_DAYS,
        help_text="Entries seen in use on Mastodon or Bluesky within this many days "
        f"(1 to {MAX_ACTIVE_WITHIN_DAYS}).",
    )

    class Meta:
        model = Hashtag
        fields: list[str] = []  # every filter is declared above

    def filter_q(self, queryset: QuerySet[Hashtag], name: str, value: str) -> QuerySet[Hashtag]:
        # The site searches its results and every facet count for the same words: one
        # memo per filter set asks the database once for what does not depend on them.
        return search(queryset, value, memo=self.__dict__.setdefault("_search_memo", {}))

    def filter_category(
        self, queryset: QuerySet[Hashtag], name: str, value: Category
    ) -> QuerySet[Hashtag]:
        return queryset.in_category(value)

    def filter_platform(
        self, queryset: QuerySet[Hashtag], name: str, value: Platform
    ) -> QuerySet[Hashtag]:
        # A semi-join rather than a join: an entry stays one row whatever else is joined.
        links = Hashtag.platforms.through.objects.filter(
            hashtag_id=OuterRef("pk"), platform_id=value.pk
        )
        return queryset.filter(Exists(links))

    def filter_language(
        self, queryset: QuerySet[Hashtag], name: str, value: str
    ) -> QuerySet[Hashtag]:
        return queryset.filter(language_q(value))

    def filter_has_chat(
        self, queryset: QuerySet[Hashtag], name: str, value: bool
    ) -> QuerySet[Hashtag]:
        return queryset.filter(has_active_chat() if value else ~has_active_chat())

    def filter_active_within_days(
        self, queryset: QuerySet[Hashtag], name: str, value: int
    ) -> QuerySet[Hashtag]:
        return queryset.active_within(value)
