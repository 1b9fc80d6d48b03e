"""What the API reads and writes.

Output serializers read only what `Hashtag.objects.with_details()` prefetched, so a page
of entries costs the same few queries whatever its length. Input serializers check types
and shapes; the registry's rules (tag syntax, duplicates, schedules, zones) are checked
by the moderation and curation functions they feed, so the form and the API say the same.

The submitter's name and email are write-only: no serializer here outputs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.db import models
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hashtags import entries, schedules
from hashtags.activity.summary import SERIES_DAYS, activity_of
from hashtags.curation import suggestions
from hashtags.models import (
    CHAT_MINUTES,
    CHAT_WEEKS,
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_CANCELLED_DATES,
    MAX_CHATS,
    MAX_HOSTS,
    PUBLIC_STATUSES,
    Category,
    Chat,
    ChatStatus,
    Frequency,
    Freshness,
    Hashtag,
    HashtagModerator,
    Network,
    RejectCode,
    Role,
    Submission,
    Weekday,
)

NEXT_OCCURRENCES = 3

LOCAL_TIME_SCHEMA = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
    "description": "Local wall-clock time in the chat's zone, HH:MM (24-hour).",
    "example": "20:30",
}


def absolute(request, path: str) -> str:
    """The link to `path` in an answer: on SITE_URL, never on the request's Host header
    (a client chooses that, and a cached answer is served to every reader)."""
    return settings.SITE_URL + path if request is not None else path


@extend_schema_field(LOCAL_TIME_SCHEMA)
class LocalTimeField(serializers.TimeField):
    """HH:MM, without a zone: the zone is the chat's own."""

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


def _in_range(value: date | None) -> date | None:
    # The model's rule too; checked here so that a date of year 9999 is refused before
    # anything computes a schedule with it.
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise serializers.ValidationError(
            f"Enter a date between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."
        )
    return value


# --- Output ------------------------------------------------------------------------------


class CategoryRefSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["slug", "name", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, category: Category) -> str:
        return absolute(
            self.context.get("request"), reverse("api:category-detail", args=[category.slug])
        )


class CategorySerializer(CategoryRefSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    entry_count = serializers.IntegerField(
        read_only=True, help_text="Public entries in this category or below it."
    )
    web_url = serializers.SerializerMethodField()
    hashtags_url = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = [
            "slug",
            "name",
            "description",
            "parent",
            "path",
            "entry_count",
            "url",
            "web_url",
            "hashtags_url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, category: Category) -> str:
        return absolute(self.context.get("request"), category.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_hashtags_url(self, category: Category) -> str:
        path = reverse("api:hashtag-list") + f"?category={category.slug}"
        return absolute(self.context.get("request"), path)


class PauseSerializer(serializers.Serializer):
    """A break: {"from": date, "until": date or null (open-ended), "note": text}."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so the fields are declared here.
        return {
            "from": serializers.DateField(source="starts_on", help_text="First day off."),
            "until": serializers.DateField(
                source="ends_on",
                allow_null=True,
                help_text="Last day off; null while nobody knows when the chat returns.",
            ),
            "note": serializers.CharField(help_text='E.g. "Summer break"; may be empty.'),
        }


class ChatSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=ChatStatus.choices,
        read_only=True,
        help_text="Today, on the chat's own calendar: upcoming, active, paused or ended; "
        "unconfirmed when nothing shows it still meets (its entry not confirmed, and its "
        "tag not seen in use, within the verification period): it is left out of "
        "upcoming meetings and lists no next_occurrences.",
    )
    is_active = serializers.BooleanField(
        read_only=True,
        help_text='true exactly when status is "active" (meeting as scheduled now).',
    )
    pauses = PauseSerializer(source="pause_list", many=True, read_only=True)
    cancelled_dates = serializers.ListField(
        child=serializers.DateField(),
        help_text="Meetings that do not happen, as dates in the chat's zone.",
    )
    schedule = serializers.SerializerMethodField(help_text='In words: "Tuesdays at 8:30 PM ET".')
    rrule = serializers.SerializerMethodField(help_text="RFC 5545 recurrence rule.")
    timezone = serializers.CharField(source="timezone_id", help_text="IANA time zone.")
    weekdays = serializers.ListField(
        source="weekday_list", child=serializers.ChoiceField(choices=Weekday.choices)
    )
    month_weeks = serializers.ListField(
        source="month_week_list",
        child=serializers.IntegerField(),
        help_text="Monthly chats: weeks of the month (1-4, -1 for the last).",
    )
    start_time = LocalTimeField()
    next_occurrences = serializers.SerializerMethodField(
        help_text="The next meetings' start times, ISO 8601 in the chat's own zone."
    )

    class Meta:
        model = Chat
        # A chat as entered, with its state and schedule worked out (a chat with
        # `is_active` false stopped on a date nobody knows: its status is "ended").
        fields = [
            "title",
            "status",
            "schedule",
            "rrule",
            *(name for name in entries.CHAT_FIELDS if name != "title"),
            "next_occurrences",
        ]

    def get_schedule(self, chat: Chat) -> str:
        return schedules.describe(chat)

    def get_rrule(self, chat: Chat) -> str:
        return schedules.rrule_text(chat)

    @extend_schema_field(serializers.ListField(child=serializers.DateTimeField()))
    def get_next_occurrences(self, chat: Chat) -> list[str]:
        # isoformat() keeps the chat's own offset; DRF's DateTimeField would convert to UTC.
        return [
            occurrence.start.isoformat()
            for occurrence in schedules.next_occurrences(chat, count=NEXT_OCCURRENCES)
        ]


class HostSerializer(serializers.ModelSerializer):
    handle = serializers.CharField(source="moderator.handle")
    display_name = serializers.CharField(source="moderator.display_name")
    platform = serializers.CharField(source="moderator.platform_id")
    # Plain strings: an empty value is not a URI, so format "uri" would not describe it.
    profile_url = serializers.CharField(source="moderator.profile_url", help_text="May be empty.")
    current = serializers.BooleanField(
        source="is_current", read_only=True, help_text="Still in the role (no `until`)."
    )

    class Meta:
        model = HashtagModerator
        fields = [*entries.MODERATOR_FIELDS, "current"]
        extra_kwargs = {
            "since": {"help_text": "The year they began in the role; null if unknown."},
            "until": {"help_text": "The year they stopped; null while they hold it."},
        }


class ActivityCountsSerializer(serializers.Serializer):
    uses = serializers.IntegerField(help_text="Posts carrying the tag.")
    accounts = serializers.IntegerField(
        help_text="Accounts posting them, each day's added up (so at most this many people)."
    )


class ActivityDaySerializer(ActivityCountsSerializer):
    day = serializers.DateField(help_text="A UTC day.")


class ActivitySeriesSerializer(serializers.Serializer):
    network = serializers.ChoiceField(choices=Network.choices)
    server = serializers.CharField(help_text="The server that reported the counts.")
    days = ActivityDaySerializer(many=True, help_text="The days it reported, oldest first.")


class ActivitySerializer(serializers.Serializer):
    """An entry's use on the open networks (docs/activity.md)."""

    as_of = serializers.DateField(
        allow_null=True, help_text="The last day counted (UTC); null if never counted."
    )
    last_7_days = ActivityCountsSerializer(
        allow_null=True,
        help_text="The 7 days to as_of, every network: each network's busiest server per "
        "day (servers federate, so they are not added up); null if never counted.",
    )
    last_seen = serializers.DateField(
        allow_null=True, help_text="The last day the tag was seen in use, or null."
    )
    series = ActivitySeriesSerializer(
        many=True, help_text=f"Each server's daily counts for the last {SERIES_DAYS} days."
    )


class HashtagRefSerializer(serializers.ModelSerializer):
    """An entry by its tag and addresses (a successor; the base of a full entry)."""

    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Hashtag
        fields = ["tag", "url", "web_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, hashtag: Hashtag) -> str:
        path = reverse("api:hashtag-detail", args=[hashtag.tag])
        return absolute(self.context.get("request"), path)

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, hashtag: Hashtag) -> str:
        return absolute(self.context.get("request"), hashtag.get_absolute_url())


class HashtagSerializer(HashtagRefSerializer):
    categories = CategoryRefSerializer(many=True, read_only=True)
    platforms = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in PUBLIC_STATUSES])
    aliases = serializers.SerializerMethodField(help_text="Other tags that name this entry.")
    moderators = HostSerializer(source="hosts", many=True, read_only=True)
    chats = ChatSerializer(many=True, read_only=True)
    website = serializers.CharField(help_text="http(s) address, or empty.")
    source = serializers.CharField(
        help_text="A public page that confirms the entry (http(s) address), or empty."
    )
    freshness = serializers.ChoiceField(
        choices=Freshness.choices,
        read_only=True,
        help_text="current: confirmed within the verification period; due: a check is "
        "due; stale: due and unanswered for long; unverified: never confirmed.",
    )
    replaced_by = HashtagRefSerializer(
        read_only=True, allow_null=True, help_text="A retired entry's successor, or null."
    )

    class Meta:
        model = Hashtag
        fields = [
            "tag",
            "url",
            "web_url",
            "name",
            "description",
            "kind",
            "categories",
            "platforms",
            "language",
            "website",
            "status",
            "aliases",
            "moderators",
            "chats",
            "start_date",
            "end_date",
            "place",
            "source",
            "last_verified",
            "freshness",
            "replaced_by",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def get_aliases(self, hashtag: Hashtag) -> list[str]:
        aliases = getattr(hashtag, "alias_list", None)
        if aliases is None:  # not prefetched: one query, for single entries only
            aliases = hashtag.aliases.order_by("key")
        return [alias.tag for alias in aliases]


class HashtagDetailSerializer(HashtagSerializer):
    """One entry, with its activity (the list leaves the daily series out: it is the
    detail's alone, one query more)."""

    activity = serializers.SerializerMethodField()

    class Meta(HashtagSerializer.Meta):
        fields = [*HashtagSerializer.Meta.fields, "activity"]
        read_only_fields = fields

    @extend_schema_field(ActivitySerializer)
    def get_activity(self, hashtag: Hashtag) -> dict:
        return ActivitySerializer(activity_of(hashtag).document()).data


class SubmissionStatusSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(source="state", choices=Submission.State.choices)
    reason = serializers.CharField(
        help_text="The curator's note on the decision (a rejection has a note, a "
        "`reason_code`, or both); empty otherwise."
    )
    reason_code = serializers.ChoiceField(
        choices=RejectCode.choices,
        allow_blank=True,
        help_text="A rejection's coded reason (empty otherwise): "
        + "; ".join(f"`{code}`: {label}" for code, label in RejectCode.choices)
        + ". The status page explains each one to the submitter.",
    )
    url = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField(help_text="The status page for people.")
    hashtag = serializers.SerializerMethodField(
        help_text="The entry's API address, once it is public; null before."
    )

    class Meta:
        model = Submission
        fields = [
            "reference",
            "kind",
            "tag",
            "status",
            "reason",
            "reason_code",
            "created",
            "decided_at",
            "url",
            "status_url",
            "hashtag",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, submission: Submission) -> str:
        path = reverse("api:submission-detail", args=[submission.reference])
        return absolute(self.context.get("request"), path)

    @extend_schema_field(OpenApiTypes.URI)
    def get_status_url(self, submission: Submission) -> str:
        path = reverse("directory:submission-status", args=[submission.reference])
        return absolute(self.context.get("request"), path)

    @extend_schema_field({"type": ["string", "null"], "format": "uri"})
    def get_hashtag(self, submission: Submission) -> str | None:
        entry = submission.hashtag
        if entry is None or not entry.is_public:
            return None
        path = reverse("api:hashtag-detail", args=[entry.tag])
        return absolute(self.context.get("request"), path)


class OccurrenceSerializer(serializers.Serializer):
    """One meeting of a chat, for GET /api/v1/chats/upcoming/."""

    tag = serializers.CharField(source="chat.hashtag.tag")
    name = serializers.CharField(source="chat.hashtag.name")
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    title = serializers.CharField(source="chat.title")
    schedule = serializers.SerializerMethodField()
    start = serializers.SerializerMethodField(help_text="In the requested zone (tz).")
    end = serializers.SerializerMethodField(help_text="In the requested zone (tz).")
    local_start = serializers.SerializerMethodField(help_text="In the chat's own zone.")
    timezone = serializers.CharField(source="chat.timezone_id", help_text="The chat's zone.")
    duration_minutes = serializers.IntegerField(source="chat.duration_minutes")
    freshness = serializers.ChoiceField(
        source="chat.hashtag.freshness",
        choices=Freshness.choices,
        help_text="The entry's freshness: anything but current means nobody confirmed "
        "lately that the chat still meets.",
    )
    status = serializers.ChoiceField(
        source="chat.status",
        choices=ChatStatus.choices,
        help_text='The chat\'s status: "unconfirmed" (only with include=unconfirmed) when '
        "nothing shows it still meets.",
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, occurrence) -> str:
        path = reverse("api:hashtag-detail", args=[occurrence.chat.hashtag.tag])
        return absolute(self.context.get("request"), path)

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, occurrence) -> str:
        return absolute(self.context.get("request"), occurrence.chat.hashtag.get_absolute_url())

    def get_schedule(self, occurrence) -> str:
        return schedules.describe(occurrence.chat)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, occurrence) -> str:
        return occurrence.start.astimezone(self.context["zone"]).isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, occurrence) -> str:
        return occurrence.end.astimezone(self.context["zone"]).isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_local_start(self, occurrence) -> str:
        return occurrence.start.isoformat()


class UpcomingSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="The window's start, in the requested zone.")
    end = serializers.CharField(help_text="The window's end (exclusive).")
    timezone = serializers.CharField()
    results = OccurrenceSerializer(many=True)


# --- Input ---------------------------------------------------------------------------

# DRF's fields are lenient in the way HTML forms need: 0 becomes "0", "5" becomes 5, 1.0 is 1.
# The API speaks JSON only, so its input fields take exactly the type the schema documents.


class _ExactType:
    def to_internal_value(self, data):
        if not self.accepts(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class Text(_ExactType, serializers.CharField):
    default_error_messages = {
        "invalid": "Enter text (a JSON string).",
        # Worded as the site's form and the model word it.
        "max_length": "Ensure this value has at most {max_length} characters.",
    }

    def accepts(self, data) -> bool:
        return isinstance(data, str)


class Email(Text, serializers.EmailField):
    default_error_messages = {"invalid": "Enter a valid email address."}


class Integer(_ExactType, serializers.IntegerField):
    default_error_messages = {"invalid": "Enter a whole number (a JSON number)."}

    def accepts(self, data) -> bool:
        return isinstance(data, int) and not isinstance(data, bool)


class Boolean(_ExactType, serializers.BooleanField):
    default_error_messages = {"invalid": "Enter true or false (a JSON boolean)."}

    def accepts(self, data) -> bool:
        return isinstance(data, bool)


class Choice(serializers.ChoiceField):
    def to_internal_value(self, data):
        # "1" is not the choice 1, nor is true: the value must match a choice exactly.
        if isinstance(data, bool) or not any(
            type(data) is type(choice) and data == choice for choice in self.choices
        ):
            self.fail("invalid_choice", input=str(data)[:50])
        return super().to_internal_value(data)


class RefusesUnknownFields:
    """An input serializer that refuses a field it does not take (unknown, or read-only
    such as `status`) with a 400 naming it, rather than dropping it unseen."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(name) for name in data if name not in writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name[:100]: [
                            "Unknown field: this request does not take it. "
                            f"It takes: {', '.join(sorted(writable))}."
                        ]
                        for name in unknown[:20]
                    }
                )
        return super().to_internal_value(data)


class PauseInputSerializer(RefusesUnknownFields, serializers.Serializer):
    """A break as written: {"from": date, "until": date or null, "note": text}."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so the fields are declared here.
        return {
            "from": serializers.DateField(validators=[_in_range], help_text="First day off."),
            "until": serializers.DateField(
                required=False,
                allow_null=True,
                validators=[_in_range],
                help_text="Last day off; leave out or null while nobody knows.",
            ),
            "note": Text(required=False, allow_blank=True, max_length=200),
        }

    def validate(self, attrs: dict) -> dict:
        return _complete(self, attrs)


class ChatInputSerializer(RefusesUnknownFields, serializers.Serializer):
    title = Text(required=False, allow_blank=True, max_length=100)
    frequency = Choice(choices=Frequency.choices, required=False)
    weekdays = serializers.ListField(
        child=Choice(choices=Weekday.choices), min_length=1, max_length=7
    )
    interval = Integer(
        required=False,
        min_value=CHAT_WEEKS[0],
        max_value=CHAT_WEEKS[1],
        help_text="Weekly chats: every N weeks.",
    )
    month_weeks = serializers.ListField(
        child=Choice(choices=[1, 2, 3, 4, -1]),
        required=False,
        max_length=5,
        help_text="Monthly chats: weeks of the month, 1-4 or -1 for the last.",
    )
    start_time = LocalTimeField()
    duration_minutes = Integer(required=False, min_value=CHAT_MINUTES[0], max_value=CHAT_MINUTES[1])
    timezone = Text(max_length=64, help_text="IANA time zone.")
    starts_on = serializers.DateField(required=False, allow_null=True, validators=[_in_range])
    ends_on = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[_in_range],
        help_text="The last meeting's date in the chat's zone: no meeting after it.",
    )
    pauses = serializers.ListField(
        child=PauseInputSerializer(), required=False, max_length=50, help_text="Breaks."
    )
    cancelled_dates = serializers.ListField(
        child=serializers.DateField(validators=[_in_range]),
        required=False,
        max_length=MAX_CANCELLED_DATES,
        help_text="Meetings that do not happen: dates in the chat's zone, each a meeting day.",
    )
    is_active = Boolean(
        required=False,
        help_text="false for a chat that stopped when nobody knows its last date (default true).",
    )
    note = Text(required=False, allow_blank=True, max_length=300)

    def validate(self, attrs: dict) -> dict:
        return _complete(self, attrs)


class ModeratorInputSerializer(RefusesUnknownFields, serializers.Serializer):
    handle = Text(max_length=100)
    display_name = Text(required=False, allow_blank=True, max_length=200)
    platform = Text(required=False, max_length=20, help_text="Default x.")
    profile_url = Text(required=False, allow_blank=True, max_length=500)
    role = Choice(choices=Role.choices, required=False)
    since = Integer(
        required=False,
        allow_null=True,
        min_value=EARLIEST_DATE.year,
        max_value=LATEST_DATE.year,
        help_text="The year they began in the role, if known.",
    )
    until = Integer(
        required=False,
        allow_null=True,
        min_value=EARLIEST_DATE.year,
        max_value=LATEST_DATE.year,
        help_text="The year they stopped; leave out while they hold the role.",
    )

    def validate(self, attrs: dict) -> dict:
        return _complete(self, attrs)


def _complete(serializer: serializers.Serializer, attrs: dict) -> dict:
    """A chat or moderator is given whole even in a PATCH (which replaces the list), so
    its required fields stay required when DRF's partial mode would skip them."""
    missing = [
        name for name, field in serializer.fields.items() if field.required and name not in attrs
    ]
    if missing:
        raise serializers.ValidationError(dict.fromkeys(missing, "This field is required."))
    return attrs


class EntryInputSerializer(RefusesUnknownFields, serializers.ModelSerializer):
    """An entry as a curator writes it (POST hashtags/, PATCH hashtags/<tag>/): the fields
    of `hashtags.entries.Entry`, each read from the model (its length, choices, and
    validators), with the exact JSON types above. The registry's own rules (tag syntax,
    duplicates, schedules, zones) are `hashtags.entries.prepare`'s."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: Text,
        models.TextField: Text,
        models.URLField: Text,
    }
    serializer_choice_field = Choice

    categories = serializers.ListField(
        child=Text(), required=False, max_length=20, help_text="Slugs."
    )
    platforms = serializers.ListField(
        child=Text(), required=False, max_length=10, help_text="Codes."
    )
    chats = serializers.ListField(child=ChatInputSerializer(), required=False, max_length=MAX_CHATS)
    moderators = serializers.ListField(
        child=ModeratorInputSerializer(), required=False, max_length=MAX_HOSTS
    )
    aliases = serializers.ListField(
        child=Text(max_length=120),
        required=False,
        max_length=20,
        help_text="Other tags that name the entry; the list given replaces the entry's.",
    )
    replaced_by = Text(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=120,
        help_text="A retired entry's successor: the tag of a public entry.",
    )

    class Meta:
        model = Hashtag
        fields = [*entries.OWN_FIELDS, "categories", "platforms", "aliases", "chats", "moderators"]
        extra_kwargs = {
            "tag": {"help_text": "The hashtag, with or without '#'.", "max_length": 120},
            "kind": {"required": True},
            "language": {"help_text": "BCP 47; default en."},
            "website": {"help_text": "http(s) URL."},
        }

    def validate_categories(self, slugs: list[str]) -> list[Category]:
        found = {category.slug: category for category in Category.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise serializers.ValidationError(f"Unknown category: {', '.join(unknown)}.")
        return list({slug: found[slug] for slug in slugs}.values())


class SubmissionInputSerializer(EntryInputSerializer):
    """A proposed entry (POST submissions/): an entry plus who proposes it."""

    submitter_name = Text(max_length=200, write_only=True)
    submitter_email = Email(
        max_length=254, write_only=True, help_text="Private: used only to tell you the outcome."
    )
    note = Text(
        required=False, allow_blank=True, max_length=2000, help_text="A note to the curators."
    )

    class Meta(EntryInputSerializer.Meta):
        fields = [
            *(
                name
                for name in EntryInputSerializer.Meta.fields
                if name not in entries.CURATOR_FIELDS
            ),
            "submitter_name",
            "submitter_email",
            "note",
        ]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name in entries.CURATOR_FIELDS:
            fields.pop(name, None)
        return fields


class SuggestionInputSerializer(SubmissionInputSerializer):
    """A suggested edit to a public entry (POST submissions/ with `entry`): the entry's
    tag and only the fields to change. A list given (chats, moderators, categories,
    platforms) replaces the whole list, as in a curator's PATCH."""

    entry = Text(
        max_length=120,
        help_text="The tag (or an alias) of the public entry to change. Give only the "
        "fields to change; the tag itself cannot be changed by a suggestion.",
    )

    class Meta(SubmissionInputSerializer.Meta):
        fields = [
            "entry",
            *(name for name in SubmissionInputSerializer.Meta.fields if name != "tag"),
        ]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name in suggestions.SUGGESTIBLE:
            if name in fields:
                fields[name].required = False
        return fields

    def validate_entry(self, value: str) -> Hashtag:
        entry = Hashtag.objects.public().resolve(value)
        if entry is None:
            raise serializers.ValidationError(
                f"#{value.lstrip('#')[:100]} is not in the directory."
            )
        return entry

    def to_internal_value(self, data):
        # Said before "Unknown field": these are the entry's, but not a suggestion's.
        fixed = [
            name
            for name in ("tag", "aliases", *entries.CURATOR_FIELDS)
            if isinstance(data, Mapping) and name in data
        ]
        if fixed:
            raise serializers.ValidationError(
                dict.fromkeys(fixed, "This field cannot be changed by a suggestion.")
            )
        return super().to_internal_value(data)


class ApproveInputSerializer(RefusesUnknownFields, serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        # "fields" is a serializer's own attribute, so the field is declared here.
        return {
            "fields": serializers.ListField(
                child=Text(max_length=40),
                required=False,
                min_length=1,
                max_length=len(entries.FIELDS),
                help_text="An edit suggestion only: the fields to apply (default: all).",
            )
        }


class NoInputSerializer(RefusesUnknownFields, serializers.Serializer):
    """An action that takes no body (verify): any field sent is refused by name."""


class RetireInputSerializer(RefusesUnknownFields, serializers.Serializer):
    reason = Text(
        required=False, allow_blank=True, max_length=2000, help_text="Why, for the record."
    )
    replaced_by = Text(
        required=False,
        allow_blank=True,
        max_length=120,
        help_text="The tag of the public entry that succeeds this one, if any.",
    )


class RejectInputSerializer(RefusesUnknownFields, serializers.Serializer):
    reason_code = serializers.ChoiceField(
        choices=RejectCode.choices,
        required=False,
        help_text="The coded reason, explained to the submitter on their status page. "
        "Without it, the `reason` is filed as `other`.",
    )
    reason = Text(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="A note shown to the submitter; required without `reason_code` and with `other`.",
    )
