"""Public forms: registering a hashtag (with its chats and hosts) and reporting a problem.

The forms only read and shape input; the rules live in hashtags.validators and
hashtags.curation.moderation, which the API and the importer use too.
"""

import hashlib
import secrets
import time
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache as shared_cache
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hashtags import entries
from hashtags.entries import check_identity
from hashtags.models import (
    CHAT_MINUTES,
    CHAT_WEEKS,
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_CHATS,
    MAX_HOSTS,
    Category,
    Frequency,
    Hashtag,
    Kind,
    Platform,
    ReportReason,
    Role,
    Weekday,
)
from hashtags.schedules import UnknownTimeZone, get_zone
from hashtags.validators import MAX_TAG_LENGTH, clean_tag

TIMESTAMP_SALT = "directory.forms.started"
# How long a shown form may wait before it is sent (a signed start time older than this is
# refused); each start time is accepted once.
TOKEN_MAX_AGE = 86400
MONTH_WEEKS = [
    ("1", _("1st")),
    ("2", _("2nd")),
    ("3", _("3rd")),
    ("4", _("4th")),
    ("-1", _("Last")),
]


@cache
def zone_names() -> list[str]:
    """The IANA zones offered while typing (one <datalist> per page, not a <select> per
    chat: hundreds of options rendered once)."""
    return sorted(zone for zone in available_timezones() if "/" in zone and "Etc/" not in zone)


def sign_start(at: float | None = None) -> str:
    """A form's signed start time, with a nonce: two forms shown in the same instant
    still get different tokens, and each token is accepted once."""
    moment = time.time() if at is None else at
    return signing.dumps([moment, secrets.token_hex(8)], salt=TIMESTAMP_SALT)


def _input_type(widget: forms.Widget) -> str:
    return widget.attrs.get("type") or getattr(widget, "input_type", "")


class TypedInputs(forms.Form):
    """Date, time and number inputs hold only what their type accepts (other text is
    invalid HTML, and browsers show it as an empty field): after a failed check, such a
    field is shown empty beside its error, which quotes what was typed."""

    TYPES = ("date", "time", "number")

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or not self._errors:
            return
        # The form is shown again: a typed field holds its value as its input type writes
        # it (31/10/2023, read on a Spanish page, is shown as 2023-10-31), or nothing.
        self.data = self.data.copy()
        for name, field in self.fields.items():
            if _input_type(field.widget) not in self.TYPES:
                continue
            key = self.add_prefix(name)
            if name in self._errors:
                given = self.data.get(key) or ""
                if given:
                    message = gettext("You typed “%(given)s”.") % {"given": given[:40]}
                    self._errors[name].append(message)
                self.data[key] = ""
            elif self.cleaned_data.get(name) is not None:
                self.data[key] = field.widget.format_value(self.cleaned_data[name])


class BotCheckMixin(TypedInputs):
    """A honeypot field and a signed start time: bots fill every field and submit at once,
    or send one page's form many times (each start time is accepted once).

    The honeypot is hidden from people by CSS and from screen readers by aria-hidden; its
    label tells anyone who still reaches it to leave it empty.
    """

    homepage = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    bot_message = _(
        "We could not accept this form: it was filled in faster than a person can, or a "
        "hidden field was filled. Please wait a few seconds and send it again."
    )
    reused_message = _(
        "This form was already sent once, and each form can be sent only once. If you "
        "meant to send it again, check it below and send it once more."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["started"] = sign_start()
        self.looks_automated = False

    def clean(self):
        cleaned = super().clean()
        try:
            value = signing.loads(
                self.data.get("started", ""), salt=TIMESTAMP_SALT, max_age=TOKEN_MAX_AGE
            )
            # [time, nonce]; a bare time from a page shown before nonces were added.
            started = float(value[0] if isinstance(value, list) else value)
        except (signing.BadSignature, TypeError, ValueError, IndexError):
            started = None
        too_fast = started is None or time.time() - started < settings.SUBMISSION_MIN_SECONDS
        if cleaned.get("homepage") or too_fast:
            self.looks_automated = True
            raise ValidationError(self.bot_message, code="automated")
        if not self.spend_token(self.data.get("started", "")):
            raise ValidationError(self.reused_message, code="reused")
        return cleaned

    @staticmethod
    def spend_token(token: str) -> bool:
        """Mark the page's signed start time as used; False if it already was.

        Counted in the shared cache (Redis in production), so a token sent once to one
        worker is spent for all of them, for as long as it could still be accepted.
        """
        digest = hashlib.sha256(token.encode()).hexdigest()
        return shared_cache.add(f"form-token:{digest}", 1, TOKEN_MAX_AGE + 60)

    def restart_clock(self) -> None:
        """Re-sign the start time when the form is shown again after an error."""
        data = self.data.copy()
        data["started"] = sign_start()
        self.data = data


def url_input() -> forms.TextInput:
    """A text box for an address, with the phone's URL keyboard. Not `type=url`: the form
    takes "example.org" (https is assumed), and a mistyped address shown again with its
    error would be an invalid `value` for a url input, which HTML does not allow."""
    return forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false"})


def date_input() -> forms.DateInput:
    """A date picker: its value is always ISO 8601 (2023-10-31), the only form a date
    input holds, whatever the page's language writes dates as."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def time_input() -> forms.TimeInput:
    """A time picker: its value is always 24-hour HH:MM, whatever the page's language."""
    return forms.TimeInput(format="%H:%M", attrs={"type": "time"})


def _formfield(db_field: models.Field, **kwargs) -> forms.Field | None:
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"  # what people type: example.org
        kwargs["widget"] = url_input()
    return db_field.formfield(**kwargs)


# The page shows this group only for the conference kind (static/js/forms.js); without
# the script it stays, and its legend says it is optional.
CONFERENCE_LEGEND = _("Conference dates and place (optional: conferences only)")


class SubmissionForm(BotCheckMixin, forms.ModelForm):
    """A new entry as a person proposes it: the fields of `hashtags.entries.Entry` (each
    read from the model, so a new field appears here by itself), then who proposes it.
    The entry is validated once, by `hashtags.curation.moderation.submit_hashtag`, whose messages
    the view puts on these fields."""

    tag = forms.CharField(
        label=_("Hashtag"),
        max_length=MAX_TAG_LENGTH + 10,
        help_text=_("Letters, digits and _, no spaces, e.g. #HCLDR."),
        widget=forms.TextInput(attrs={"autocapitalize": "off", "spellcheck": "false"}),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        # The labels name each ancestor ("Diseases › Cancer"): fetch them in the same query.
        queryset=Category.objects.select_related("parent__parent__parent"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick any that fit."),
    )
    submitter_name = forms.CharField(label=_("Your name"), max_length=200)
    submitter_email = forms.EmailField(
        label=_("Your email"),
        help_text=_("Only the curators see it; we write to you when your submission is reviewed."),
    )
    note = forms.CharField(
        label=_("Note to the curators"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # The page's groups of entry fields; a field of the entry shape not named here is shown
    # in the first group.
    groups = (
        (_("The hashtag"), ("tag", "name", "description", "kind", "categories")),
        (_("Where it lives"), ("platforms", "language", "website", "source")),
        (CONFERENCE_LEGEND, ("start_date", "end_date", "place")),
    )

    class Meta:
        model = Hashtag
        fields = [
            *(name for name in entries.OWN_FIELDS if name not in entries.CURATOR_FIELDS),
            "categories",
            "platforms",
        ]
        labels = {
            "name": _("Name"),
            "kind": _("Kind"),
            "description": _("Description"),
            "language": _("Language"),
            "website": _("Website"),
            "source": _("Where can curators confirm this?"),
            "platforms": _("Where the conversation happens"),
            "start_date": _("Start date"),
            "end_date": _("End date"),
            "place": _("Place"),
        }
        help_texts = {
            "source": _("A public page showing the hashtag, e.g. the hosts' schedule."),
            "description": _("What the hashtag is about and who takes part. Plain text."),
            "language": _("A language tag such as en, es or pt-BR."),
            "platforms": "",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "platforms": forms.CheckboxSelectMultiple,
            "start_date": date_input(),
            "end_date": date_input(),
        }
        formfield_callback = _formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = None  # the entry that already holds the tag, to link to it
        self.fields["kind"].initial = Kind.CHAT

    def field_groups(self) -> list[tuple[str, list]]:
        placed = {name for _legend, names in self.groups for name in names}
        extra = [name for name in self._meta.fields if name not in placed]
        return [
            (legend, [self[name] for name in (*names, *(extra if index == 0 else ()))])
            for index, (legend, names) in enumerate(self.groups)
        ]

    def category_groups(self) -> list[tuple[str, list[tuple[Any, str]], bool]]:
        """The category checkboxes grouped by their top-level category: (the top's name,
        [(checkbox, label within the group)], whether one of them is ticked), in the
        ontology's order. The page folds each group until it is opened or ticked."""
        groups: dict[str, list[tuple[Any, str]]] = {}
        for option in self["categories"]:
            names = option.data["value"].instance.path_names()
            if len(names) > 1:
                label = " › ".join(names[1:])
            else:
                label = gettext("%(name)s (general)") % {"name": names[0]}
            groups.setdefault(names[0], []).append((option, label))
        return [
            (name, options, any(option.data["selected"] for option, _label in options))
            for name, options in groups.items()
        ]

    def clean_tag(self) -> str:
        tag = clean_tag(self.cleaned_data["tag"].strip())
        try:
            check_identity(tag)
        except ValidationError as error:
            self.existing = Hashtag.objects.resolve(tag)
            raise ValidationError(error.message_dict["tag"], code="duplicate") from None
        return tag

    def _post_clean(self) -> None:
        """The model is validated once, by the service (see the class docstring)."""

    def entry(self) -> dict:
        """The cleaned `Entry` data, for `submit_hashtag(**form.entry(), ...)`."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ChatForm(TypedInputs):
    """One recurring chat. Left blank, it is skipped."""

    title = forms.CharField(label=_("Title"), required=False, max_length=100)
    frequency = forms.ChoiceField(
        label=_("Repeats"),
        choices=Frequency.choices,
        initial=Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Day(s)"), choices=Weekday.choices, widget=forms.CheckboxSelectMultiple
    )
    interval = forms.IntegerField(
        label=_("Every N weeks"),
        min_value=CHAT_WEEKS[0],
        max_value=CHAT_WEEKS[1],
        initial=1,
        help_text=_("Weekly chats: 1 every week, 2 every other week…"),
    )
    month_weeks = forms.MultipleChoiceField(
        label=_("Weeks of the month"),
        choices=MONTH_WEEKS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Monthly chats only, e.g. 1st and 3rd."),
    )
    start_time = forms.TimeField(label=_("Local start time"), widget=time_input())
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=CHAT_MINUTES[0],
        max_value=CHAT_MINUTES[1],
        initial=60,
    )
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("Type to search, e.g. America/New_York."),
        widget=forms.TextInput(
            attrs={"list": "iana-zones", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    starts_on = forms.DateField(
        label=_("First chat (date)"),
        required=False,
        widget=date_input(),
        help_text=_("Needed for every-N-weeks chats."),
    )

    def has_changed(self) -> bool:
        # The page puts the visitor's own zone in a blank block (static/js/forms.js): a
        # zone alone is not a chat, so a block with nothing else filled in is skipped.
        if self.initial.get("timezone"):
            return super().has_changed()
        return any(name != "timezone" for name in self.changed_data)

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


class ModeratorForm(TypedInputs):
    handle = forms.CharField(label=_("Handle"), max_length=100, help_text=_("Without '@'."))
    display_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    platform = forms.ModelChoiceField(
        label=_("Platform"), queryset=Platform.objects.all(), initial="x", empty_label=None
    )
    profile_url = forms.URLField(
        label=_("Profile URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=url_input(),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.HOST)


# The page shows the first block and keeps the other blank ones behind "Add another"
# (templates/directory/_subforms.html): every block is in the page, so the management
# form's TOTAL_FORMS always counts what is sent.
ChatFormSet = forms.formset_factory(ChatForm, extra=3, max_num=MAX_CHATS, validate_max=True)
ModeratorFormSet = forms.formset_factory(
    ModeratorForm, extra=3, max_num=MAX_HOSTS, validate_max=True
)


def split_blocks(formset) -> tuple[list, list]:
    """The blocks of a formset to show, and the blank ones to offer behind "Add another":
    the entry's own blocks (an edit) or the first one, and any block filled in or with an
    error; the rest are blank extras."""
    first = max(formset.initial_form_count(), 1)
    shown, more = [], []
    for index, form in enumerate(formset.forms):
        used = form.is_bound and (form.has_changed() or form.errors)
        (shown if index < first or used else more).append(form)
    return shown, more


class ReportForm(BotCheckMixin):
    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=ReportReason.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What should the curators check or change?"),
    )
    field_order = ["reason", "comment", "homepage", "started"]


# --- Suggesting an edit to a public entry ------------------------------------------------


def _one_line_endings(value):
    # Browsers send a textarea's lines ending in CRLF; stored text ends them in LF, and an
    # untouched description must not count as a change.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class SuggestForm(SubmissionForm):
    """The entry's fields, filled with its current values, and who suggests the change.
    Everything but the tag may be changed; `hashtags.curation.suggestions.suggest_edit` keeps only
    what differs."""

    tag = None  # the tag changes through aliases and merges, by curators

    groups = (
        (_("The hashtag"), ("name", "description", "kind", "categories")),
        (_("Where it lives"), ("platforms", "language", "website", "source")),
        (CONFERENCE_LEGEND, ("start_date", "end_date", "place")),
    )

    class Meta(SubmissionForm.Meta):
        fields = [name for name in SubmissionForm.Meta.fields if name != "tag"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submitter_email"].help_text = _(
            "Only the curators see it, in case they have a question about your suggestion."
        )
        self.fields["note"].label = _("What changed, and where can curators confirm it?")

    def clean(self):
        cleaned = super().clean()
        return {name: _one_line_endings(value) for name, value in cleaned.items()}


class DateLinesField(forms.CharField):
    """Dates, one a line (YYYY-MM-DD), as a sorted list of ISO dates."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(day) for day in value)
        return value

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(self.prepare_value(initial)) != self.to_python(data)
        except ValidationError:
            return True

    def to_python(self, value) -> list[str]:
        days, bad = set(), []
        for line in (super().to_python(value) or "").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                days.add(date.fromisoformat(line).isoformat())
            except ValueError:
                bad.append(line[:20])
        if bad:
            raise ValidationError(
                gettext("Write each date as YYYY-MM-DD, one a line (not “%(line)s”).")
                % {"line": bad[0]},
                code="invalid",
            )
        return sorted(days)


class SuggestChatForm(ChatForm):
    """A chat as the suggest form shows it: its schedule and its life (last date,
    cancelled meetings, whether it still meets). Breaks are kept as stored."""

    ends_on = forms.DateField(
        label=_("Last chat (date)"),
        required=False,
        widget=date_input(),
        help_text=_("When the chat has ended or will end; leave empty while it goes on."),
    )
    cancelled_dates = DateLinesField(
        label=_("Cancelled meetings"),
        required=False,
        help_text=_("Dates that do not take place, one a line (YYYY-MM-DD)."),
    )
    is_active = forms.BooleanField(
        label=_("Still meets"),
        required=False,
        initial=True,
        help_text=_("Untick for a chat that stopped when nobody knows its last date."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class SuggestModeratorForm(ModeratorForm):
    since = forms.IntegerField(
        label=_("Since (year)"),
        required=False,
        min_value=EARLIEST_DATE.year,
        max_value=LATEST_DATE.year,
    )
    until = forms.IntegerField(
        label=_("Until (year)"),
        required=False,
        min_value=EARLIEST_DATE.year,
        max_value=LATEST_DATE.year,
        help_text=_("Leave empty while they hold the role."),
    )


SuggestChatFormSet = forms.formset_factory(
    SuggestChatForm, extra=1, max_num=MAX_CHATS, validate_max=True, can_delete=True
)
SuggestModeratorFormSet = forms.formset_factory(
    SuggestModeratorForm, extra=1, max_num=MAX_HOSTS, validate_max=True, can_delete=True
)
