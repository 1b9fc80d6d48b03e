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

The facet filters (`FACET_FILTERS`) read one table: each public entry's published row
(`Published.terms`, hashtags.published), indexed (GIN on PostgreSQL), so a filtered list
is one indexed lookup however the filters combine, with no join through categories,
platforms or chats. `published_q` is each one's condition on that table; the directory's
counts (directory/filters.py) count with the same conditions.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from hashtags.models import (
    Category,
    Chat,
    Hashtag,
    Kind,
    Platform,
    Published,
    validate_language,
)
from hashtags.published import recount_moved
from hashtags.search import MAX_QUERY_LENGTH, search

LANGUAGE_MAX_LENGTH = 35
EMPTY_MESSAGE = _("Give a value, or leave the parameter out.")
# The filters read from the published rows' terms (and counted next to their values on
# the directory); the others (`q`, `active_within_days`, the API's own) filter entries.
FACET_FILTERS = ("kind", "language", "has_chat", "platform", "category")


def has_active_chat() -> Exists:
    """Entries with a chat that meets now (`Chat.objects.meeting()`: confirmed, not
    ended, not on a break without an end)."""
    return Exists(Chat.objects.meeting().filter(hashtag=OuterRef("pk")))


def language_q(code: str) -> Q:
    """Entries in the language `code` or one of its regional forms (`en`: en, en-GB)."""
    return Q(language__iexact=code) | Q(language__istartswith=f"{code}-")


def subtree_terms(category: Category, categories: list[Category]) -> list[str]:
    """The 'c:' terms of `category` and of every category below it, from `categories`
    (every category: a small table, read once per filter set)."""
    below = f"{category.path}/"
    return [f"c:{c.pk}" for c in categories if c.path == category.path or c.path.startswith(below)]


def published_q(name: str, value: Any, categories: list[Category] | None = None) -> Q:
    """The condition of the facet filter `name` (cleaned `value`) on `Published` rows:
    the same entries as the filter's rule above (`language_q`, `has_active_chat`…). A
    category's subtree is read from `categories` (every category) when given."""
    if name == "kind":
        return Q(terms__has_all=[f"k:{value}"])
    if name == "language":
        return Q(terms__has_all=[f"l:{value.lower()}"])
    if name == "has_chat":
        return Q(terms__has_all=["h:1" if value else "h:0"])
    if name == "platform":
        return Q(terms__has_all=[f"p:{value.code}"])
    if name == "category":
        if categories is None:
            categories = list(Category.objects.filter(Category.subtree_q(value.path)))
        # The ids spelt out (not a subquery): the planner then knows how common they are.
        return Q(terms__has_any=subtree_terms(value, categories))
    raise ValueError(f"{name} is not a facet filter")


def published_rows(conditions: list[Q], *, recount: bool = True) -> QuerySet[Published]:
    """The published rows meeting every condition (`published_q`). "Has a chat" moves
    with time: the rows it moved on are published again first (`recount_moved`: one
    indexed query when there are none), unless the caller just did (`recount`)."""
    if recount:
        recount_moved()
    return Published.objects.filter(*conditions)


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
            raise ValidationError(
                _("Use true or false (got “%(value)s”)."),
                code="invalid",
                params={"value": str(value)[:50]},
            )
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
        label=_("Search"),
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        help_text=_(
            "Search: '#' and case ignored; matches a tag or alias by prefix "
            "('hcl' finds HCLDR) and words of the name and description."
        ),
    )
    category = PresentModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        method="filter_category",
        label=_("Category"),
        error_messages={"invalid_choice": _("There is no category with the slug “%(value)s”.")},
        help_text=_("A category slug; entries of its sub-categories are included."),
    )
    kind = PresentChoiceFilter(
        choices=Kind.choices,
        method="filter_kind",
        label=_("Kind"),
        error_messages={
            "invalid_choice": format_lazy(
                _("There is no kind “%(value)s”; use one of {kinds}."), kinds=KIND_CODES
            )
        },
        help_text=_("The kind of hashtag."),
    )
    platform = CodeChoiceFilter(
        queryset=Platform.objects.all(),
        to_field_name="code",
        method="filter_platform",
        label=_("Platform"),
        error_messages={"invalid_choice": _("There is no platform with the code “%(value)s”.")},
        help_text=_("A platform code (x, bluesky, mastodon, linkedin, threads, instagram, other)."),
    )
    language = PresentCharFilter(
        method="filter_language",
        label=_("Language"),
        max_length=LANGUAGE_MAX_LENGTH,
        validators=[validate_language],
        help_text=_("A BCP 47 language tag; 'en' also matches regional forms such as en-GB."),
    )
    has_chat = TrueFalseFilter(
        method="filter_has_chat",
        label=_("Recurring chat"),
        help_text=_(
            "true: only entries with a chat that meets now (not ended, not on a break "
            "without an end, not unconfirmed); false: only entries without one."
        ),
    )
    active_within_days = PresentIntegerFilter(
        method="filter_active_within_days",
        label=_("Seen in use within (days)"),
        min_value=1,
        max_value=MAX_ACTIVE_WITHIN_DAYS,
        help_text=format_lazy(
            _("Entries seen in use on Mastodon or Bluesky within this many days (1 to {most})."),
            most=MAX_ACTIVE_WITHIN_DAYS,
        ),
    )

    class Meta:
        model = Hashtag
        fields: list[str] = []  # every filter is declared above

    def chosen(self) -> dict[str, Any]:
        """The filters in use (cleaned values; a valid form)."""
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value not in django_filters.constants.EMPTY_VALUES
        }

    def published_conditions(self, skipped: str | None = None) -> list[Q]:
        """The facet filters in use (but `skipped`) as conditions on `Published` rows."""
        return [
            published_q(name, value, self.categories() if name == "category" else None)
            for name, value in self.chosen().items()
            if name in FACET_FILTERS and name != skipped
        ]

    def categories(self) -> list[Category]:
        """Every category, in tree order (one query per filter set)."""
        if "_categories" not in self.__dict__:
            self.__dict__["_categories"] = list(Category.objects.order_by("path"))
        return self.__dict__["_categories"]

    def entries_without(
        self, skipped: str | None = None, queryset: QuerySet[Hashtag] | None = None
    ) -> QuerySet[Hashtag]:
        """`queryset` (the base queryset by default) with every filter in use applied
        but `skipped`: the others first (the search among them, so its ranks and order
        are the search's), then the facet filters in one indexed lookup of the
        published rows."""
        queryset = self.queryset if queryset is None else queryset
        for name, value in self.chosen().items():
            if name not in FACET_FILTERS and name != skipped:
                queryset = self.filters[name].filter(queryset, value)
        conditions = self.published_conditions(skipped)
        if conditions:
            queryset = queryset.filter(pk__in=self.published_rows(conditions).values("entry_id"))
        return queryset

    def published_rows(self, conditions: list[Q]) -> QuerySet[Published]:
        """`published_rows`, the moved rows published again once per filter set."""
        recount = not self.__dict__.get("_recounted")
        self.__dict__["_recounted"] = True
        return published_rows(conditions, recount=recount)

    def filter_queryset(self, queryset: QuerySet[Hashtag]) -> QuerySet[Hashtag]:
        return self.entries_without(None, queryset)

    def filter_q(self, queryset: QuerySet[Hashtag], name: str, value: str) -> QuerySet[Hashtag]:
        # The site searches its results and every facet count for the same words: one
        # memo per filter set asks the database once for what does not depend on them.
        return search(
            queryset,
            value,
            memo=self.__dict__.setdefault("_search_memo", {}),
            language=self.search_language(),
        )

    def search_language(self) -> str | None:
        """The language whose word forms the search also matches (besides English's):
        none here (the API answers in English); the directory's is its page language."""
        return None

    # Each facet filter alone (`filter_queryset` applies those in use together).
    def _facet(self, queryset: QuerySet[Hashtag], name: str, value: Any) -> QuerySet[Hashtag]:
        return queryset.filter(
            pk__in=self.published_rows(
                [published_q(name, value, self.categories() if name == "category" else None)]
            ).values("entry_id")
        )

    # One method per filter, each typed: the API's schema reads a parameter's type from
    # its method's annotations.
    def filter_category(
        self, queryset: QuerySet[Hashtag], name: str, value: Category
    ) -> QuerySet[Hashtag]:
        return self._facet(queryset, name, value)

    def filter_kind(self, queryset: QuerySet[Hashtag], name: str, value: str) -> QuerySet[Hashtag]:
        return self._facet(queryset, name, value)

    def filter_platform(
        self, queryset: QuerySet[Hashtag], name: str, value: Platform
    ) -> QuerySet[Hashtag]:
        return self._facet(queryset, name, value)

    def filter_language(
        self, queryset: QuerySet[Hashtag], name: str, value: str
    ) -> QuerySet[Hashtag]:
        return self._facet(queryset, name, value)

    def filter_has_chat(
        self, queryset: QuerySet[Hashtag], name: str, value: bool
    ) -> QuerySet[Hashtag]:
        return self._facet(queryset, name, value)

    def filter_active_within_days(
        self, queryset: QuerySet[Hashtag], name: str, value: int
    ) -> QuerySet[Hashtag]:
        return queryset.active_within(value)
