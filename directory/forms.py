"""Public forms: registering a hashtag (with its chats and hosts) and reporting a problem.

The forms only read and shape input; the rules live in hashtags.validators and
hashtags.moderation, which the API and the importer use too.
"""

import time
from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError

from hashtags.models import (
    Category,
    Frequency,
    Hashtag,
    Kind,
    Platform,
    ReportReason,
    Role,
    Weekday,
    validate_language,
)
from hashtags.moderation import check_identity
from hashtags.schedules import UnknownTimeZone, get_zone
from hashtags.validators import MAX_TAG_LENGTH, clean_tag

TIMESTAMP_SALT = "directory.forms.started"
MONTH_WEEKS = [("1", "1st"), ("2", "2nd"), ("3", "3rd"), ("4", "4th"), ("-1", "Last")]


@cache
def zone_names() -> list[str]:
    """The IANA zones offered while typing (one <datalist> per page, not a <select> per
    chat: hundreds of options rendered once)."""
    return sorted(zone for zone in available_timezones() if "/" in zone and "Etc/" not in zone)


class BotCheckMixin(forms.Form):
    """A honeypot field and a signed start time: bots fill every field and submit at once.

    The honeypot is hidden from people by CSS and from screen readers by aria-hidden; its
    label tells anyone who still reaches it to leave it empty.
    """

    homepage = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    bot_message = (
        "We could not accept this form: it was filled in faster than a person can, or a "
        "hidden field was filled. Please wait a few seconds and send it again."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["started"] = signing.dumps(time.time(), salt=TIMESTAMP_SALT)
        self.looks_automated = False

    def clean(self):
        cleaned = super().clean()
        try:
            started = float(
                signing.loads(self.data.get("started", ""), salt=TIMESTAMP_SALT, max_age=86400)
            )
        except (signing.BadSignature, TypeError, ValueError):
            started = None
        too_fast = started is None or time.time() - started < settings.SUBMISSION_MIN_SECONDS
        if cleaned.get("homepage") or too_fast:
            self.looks_automated = True
            raise ValidationError(self.bot_message, code="automated")
        return cleaned

    def restart_clock(self) -> None:
        """Re-sign the start time when the form is shown again after an error."""
        data = self.data.copy()
        data["started"] = signing.dumps(time.time(), salt=TIMESTAMP_SALT)
        self.data = data


class SubmissionForm(BotCheckMixin):
    tag = forms.CharField(
        label="Hashtag",
        max_length=MAX_TAG_LENGTH + 10,
        help_text="Letters, digits and underscores, without spaces, e.g. #HCLDR.",
        widget=forms.TextInput(attrs={"autocapitalize": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label="Name", max_length=200, help_text="A short title, e.g. Healthcare Leaders."
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the hashtag is about and who takes part. Plain text.",
    )
    kind = forms.ChoiceField(label="Kind", choices=Kind.choices, initial=Kind.CHAT)
    categories = forms.ModelMultipleChoiceField(
        label="Categories",
        # The labels name each ancestor ("Diseases › Cancer"): fetch them in the same query.
        queryset=Category.objects.select_related("parent__parent__parent"),
        to_field_name="slug",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Choose any that fit (Ctrl or ⌘ to choose several).",
    )
    platforms = forms.ModelMultipleChoiceField(
        label="Where the conversation happens",
        queryset=Platform.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.CharField(
        label="Language",
        max_length=35,
        initial="en",
        validators=[validate_language],
        help_text="A language tag such as en, es or pt-BR.",
    )
    website = forms.URLField(label="Website", required=False, max_length=500, assume_scheme="https")
    start_date = forms.DateField(
        label="Start date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label="End date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label="Place", required=False, max_length=200)
    submitter_name = forms.CharField(label="Your name", max_length=200)
    submitter_email = forms.EmailField(
        label="Your email",
        help_text="Only the curators see it; we write to you when your submission is reviewed.",
    )
    note = forms.CharField(
        label="Note to the curators",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = [
        "tag",
        "name",
        "description",
        "kind",
        "categories",
        "platforms",
        "language",
        "website",
        "start_date",
        "end_date",
        "place",
        "submitter_name",
        "submitter_email",
        "note",
        "homepage",
        "started",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = None  # the entry that already holds the tag, to link to it

    def clean_tag(self) -> str:
        tag = clean_tag(self.cleaned_data["tag"].strip())
        try:
            check_identity(tag)
        except ValidationError as error:
            self.existing = Hashtag.objects.lookup(tag)
            raise ValidationError(error.message_dict["tag"], code="duplicate") from None
        return tag


class ChatForm(forms.Form):
    """One recurring chat. Left blank, it is skipped."""

    title = forms.CharField(label="Title", required=False, max_length=100)
    frequency = forms.ChoiceField(
        label="Repeats",
        choices=Frequency.choices,
        initial=Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )
    weekdays = forms.MultipleChoiceField(
        label="Day(s)", choices=Weekday.choices, widget=forms.CheckboxSelectMultiple
    )
    interval = forms.IntegerField(
        label="Every N weeks",
        min_value=1,
        max_value=52,
        initial=1,
        help_text="Weekly chats: 1 for every week, 2 for every other week…",
    )
    month_weeks = forms.MultipleChoiceField(
        label="Weeks of the month",
        choices=MONTH_WEEKS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Monthly chats only, e.g. 1st and 3rd.",
    )
    start_time = forms.TimeField(
        label="Local start time", widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=5, max_value=1440, initial=60
    )
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="The IANA name, e.g. America/New_York or Europe/London.",
        widget=forms.TextInput(
            attrs={"list": "iana-zones", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    starts_on = forms.DateField(
        label="First chat (date)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Needed for every-N-weeks chats.",
    )

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        try:
            get_zone(name)
        except UnknownTimeZone as error:
            raise ValidationError(str(error), code="unknown_zone") from None
        return name

    def as_schedule(self) -> dict:
        data = dict(self.cleaned_data)
        data["month_weeks"] = data.get("month_weeks") or []
        return data


class ModeratorForm(forms.Form):
    handle = forms.CharField(label="Handle", max_length=100, help_text="Without '@'.")
    display_name = forms.CharField(label="Name", required=False, max_length=200)
    platform = forms.ModelChoiceField(
        label="Platform", queryset=Platform.objects.all(), initial="x", empty_label=None
    )
    profile_url = forms.URLField(
        label="Profile URL", required=False, max_length=500, assume_scheme="https"
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.HOST)


ChatFormSet = forms.formset_factory(ChatForm, extra=2, max_num=5, validate_max=True)
ModeratorFormSet = forms.formset_factory(ModeratorForm, extra=3, max_num=10, validate_max=True)


class ReportForm(BotCheckMixin):
    reason = forms.ChoiceField(
        label="What is wrong?", choices=ReportReason.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Details",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What should the curators check or change?",
    )
    field_order = ["reason", "comment", "homepage", "started"]
