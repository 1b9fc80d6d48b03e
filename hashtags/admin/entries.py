"""The curators' admin: an explicit ModelAdmin for every registry model, with history.

Decisions (approve, reject, retire, verify, merge) never happen by editing the status
field: they go through hashtags.curation.moderation, which locks the row, refuses a decision
another curator already made, records who did it, and writes to the submitter. On an
entry's page they are buttons that POST; on the list they are bulk actions.

An entry's page, with its lists (categories, platforms, and the inline chats, hosts and
aliases), and a chat's page with its breaks, are judged and written by hashtags.entries,
the same way in as the API and the forms: the same checks and messages (a host listed
twice, a look-alike alias, a break outside the chat's dates), one write with the curator
and a reason in the history, one publication. The host links and the names are read-only
on their own pages; a host's account (handle, name, profile) is edited on its own page,
the one deliberate way to change what every entry that lists it shows.
"""

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, IntegerField, Value, When
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from hashtags import entries, published, schedules
from hashtags.activity.preview import preview as activity_preview
from hashtags.curation import moderation, proposals, suggestions
from hashtags.models import (
    ActivitySummary,
    Alias,
    Category,
    Chat,
    ChatPause,
    ChatStatus,
    DailyActivity,
    Freshness,
    Hashtag,
    HashtagModerator,
    Identity,
    Moderator,
    Platform,
    RejectCode,
    Report,
    Status,
    Submission,
    Switchboard,
    TimeZone,
    Weekday,
)
from hashtags.search import lookalike_tags, similar_tags


class PublishesEntries:
    """Publishes (hashtags.published) the entries whose documents show a row, once the
    admin has saved everything on the page, and after a row is deleted: the admin writes
    past `hashtags.entries`, so it publishes what it wrote itself."""

    def published_entries(self, obj) -> list[int]:
        raise NotImplementedError

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        published.publish(self.published_entries(form.instance))

    def delete_model(self, request, obj) -> None:
        ids = self.published_entries(obj)
        super().delete_model(request, obj)
        published.publish(ids)

    def delete_queryset(self, request, queryset) -> None:
        ids = [pk for obj in queryset for pk in self.published_entries(obj)]
        super().delete_queryset(request, queryset)
        published.publish(ids)


def _entries_linked(through, **link) -> list[int]:
    return list(through.objects.filter(**link).values_list("hashtag_id", flat=True))


_POSITION = re.compile(r"\w+\[(\d+)\](?:\.(\w+))?")


class EntryListFormSet(BaseInlineFormSet):
    """An inline list of an entry (`entry_list`: chats, moderators, aliases, or a chat's
    pauses), judged as a whole by hashtags.entries, as the API and the forms judge it,
    and never saved by itself: the page's one write (`WritesThroughEntries`) takes
    `items()`. Its errors land on the rows they name ("chats[1].start_time")."""

    entry_list = ""

    def kept_forms(self) -> list[forms.ModelForm]:
        return [
            form
            for form in self.forms
            if (form.has_changed() or form.instance.pk is not None)
            and not self._should_delete_form(form)
        ]

    def item(self, form: forms.ModelForm) -> Any:
        """A row as the entry's list gives it to hashtags.entries."""
        raise NotImplementedError

    def items(self) -> list[Any]:
        return [self.item(form) for form in self.kept_forms()]

    def validate_unique(self) -> None:
        """Rows listed twice are refused by hashtags.entries, with its message."""

    def validate(self, items: list[Any]) -> None:
        entries.validate_list(self.instance, self.entry_list, items)

    def clean(self) -> None:
        super().clean()
        kept = self.kept_forms()
        if any(form.errors for form in kept):
            return
        try:
            self.validate([self.item(form) for form in kept])
        except ValidationError as error:
            whole_list = []
            for key, messages_ in error.message_dict.items():
                match = _POSITION.fullmatch(key)
                if match is None:
                    whole_list.extend(messages_)
                    continue
                form = kept[int(match[1])]
                field = self.field_names.get(match[2] or "", match[2])
                form.add_error(field if field in form.fields else None, messages_)
            if whole_list:
                raise ValidationError(whole_list) from None

    # What the row's error keys call a form's fields, where the names differ.
    field_names: dict[str, str] = {}

    def settle(self) -> None:
        """What the admin's change message reads after a save (the rows were written by
        hashtags.entries, not by this formset)."""
        kept = [form for form in self.forms if not self._should_delete_form(form)]
        self.new_objects = [
            form.instance for form in self.extra_forms if form in kept and form.has_changed()
        ]
        self.changed_objects = [
            (form.instance, form.changed_data)
            for form in self.initial_forms
            if form in kept and form.has_changed()
        ]
        self.deleted_objects = [form.instance for form in self.initial_forms if form not in kept]


def _chat_item(form: forms.ModelForm, pauses: list[Any]) -> dict[str, Any]:
    return {
        **{name: form.cleaned_data.get(name) for name in entries.CHAT_COLUMNS},
        "pauses": pauses,
    }


class ChatFormSet(EntryListFormSet):
    entry_list = "chats"

    def item(self, form):
        # The breaks are edited on the chat's own page; here they are kept as stored.
        stored = list(form.instance.pauses.all()) if form.instance.pk else []
        return _chat_item(form, stored)


class HostFormSet(EntryListFormSet):
    entry_list = "moderators"
    field_names = {"handle": "moderator", "platform": "moderator"}

    def item(self, form):
        account = form.cleaned_data["moderator"]
        return {
            **{name: getattr(account, name) for name in ("handle", "display_name", "profile_url")},
            "platform": account.platform_id,
            **{name: form.cleaned_data.get(name) for name in entries.HOST_FIELDS},
        }


class AliasFormSet(EntryListFormSet):
    entry_list = "aliases"

    def item(self, form):
        return form.cleaned_data["tag"]


class PauseFormSet(EntryListFormSet):
    """A chat's breaks, judged with the chat as this page sets it (none overlapping
    another, each within the chat's dates)."""

    entry_list = "pauses"
    field_names = {"from": "starts_on", "until": "ends_on"}

    def item(self, form):
        return {
            "from": form.cleaned_data.get("starts_on"),
            "until": form.cleaned_data.get("ends_on"),
            "note": form.cleaned_data.get("note") or "",
        }

    def validate(self, items: list[Any]) -> None:
        entries.validate_pauses(self.instance, items)


class WritesThroughEntries:
    """Saves the page in one write through hashtags.entries (`write_entry`), with the
    curator and a reason in the history, instead of the admin's own saving of the form,
    its many-to-many fields and its inline rows."""

    def save_model(self, request, obj, form, change) -> None:
        """Written with its lists in `save_related`."""

    def save_formset(self, request, form, formset, change) -> None:
        formset.settle()

    def save_related(self, request, form, formsets, change) -> None:
        lists = {
            formset.entry_list: formset.items()
            for formset in formsets
            if isinstance(formset, EntryListFormSet)
        }
        self.write_entry(
            request, form, lists, "Changed in the admin" if change else "Created in the admin"
        )
        for formset in formsets:
            self.save_formset(request, form, formset, change)


_DATE_SEPARATORS = re.compile(r"[\s,;]+")


class CancelledDatesField(forms.CharField):
    """A chat's cancelled dates as text, one per line (commas work too), rather than
    JSON. The list goes to the model, whose `Chat.clean` judges each date."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 24})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(day) for day in value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return [part for part in _DATE_SEPARATORS.split(text) if part]


class WeekdaysField(forms.MultipleChoiceField):
    """A chat's weekdays as checkboxes (Monday … Sunday), stored as the model's
    comma-separated RFC 5545 codes ("MO,TH")."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "weekday-boxes"})

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Weekday.choices, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):
            return [code for code in value.split(",") if code]
        return value

    def clean(self, value) -> str:
        return ",".join(super().clean(value))


class ChatForm(forms.ModelForm):
    weekdays = WeekdaysField(
        label="Weekdays",
        error_messages={"required": "Choose at least one weekday."},
        help_text="The days the chat meets (monthly chats: on the chosen weeks of the month).",
    )
    cancelled_dates = CancelledDatesField(
        required=False,
        label="Cancelled dates",
        help_text="Single meetings that do not happen: one date (YYYY-MM-DD) per line, "
        "in the chat's own time zone.",
    )

    class Meta:
        model = Chat
        fields = ["hashtag", *entries.CHAT_COLUMNS]  # the admin's fieldsets choose among them

    def _post_clean(self) -> None:
        super()._post_clean()
        # The dates that depend on the schedule (a cancelled date must be a meeting day
        # within the chat's life), judged once the schedule itself is valid; the same
        # check hashtags.entries makes for the other entry points.
        if self.errors or not self.instance.timezone_id:
            return
        try:
            schedules.validate_dates(self.instance)
        except ValidationError as error:
            self._update_errors(error)


def chat_status_label(chat: Chat) -> str:
    if chat.pk is None or not chat.timezone_id:
        return "—"
    pause = chat.current_pause
    if pause is not None and chat.status == ChatStatus.PAUSED:
        until = pause.ends_on.isoformat() if pause.ends_on else "further notice"
        return f"On a break until {until}"
    return ChatStatus(chat.status).label


class ChatInline(admin.StackedInline):
    model = Chat
    form = ChatForm
    formset = ChatFormSet
    extra = 0
    autocomplete_fields = ["timezone"]
    show_change_link = True
    fields = [
        ("title", "is_active", "chat_status"),
        ("frequency", "weekdays", "interval", "month_weeks"),
        ("start_time", "duration_minutes", "timezone"),
        ("starts_on", "ends_on"),
        "cancelled_dates",
        "breaks",
        "note",
    ]
    readonly_fields = ["chat_status", "breaks"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("hashtag", "hashtag__activity_summary")
            .prefetch_related("pauses")
        )

    @admin.display(description="Status")
    def chat_status(self, chat: Chat) -> str:
        return chat_status_label(chat)

    @admin.display(description="Breaks")
    def breaks(self, chat: Chat) -> str:
        if chat.pk is None:
            return "Save the chat first; then its breaks are edited on the chat's own page."
        url = reverse("admin:hashtags_chat_change", args=[chat.pk])
        pauses = chat.pause_list
        summary = "; ".join(str(pause) for pause in pauses) if pauses else "None"
        return format_html('{} — <a href="{}">edit the breaks</a>', summary, url)


class HostInline(admin.TabularInline):
    model = HashtagModerator
    formset = HostFormSet
    extra = 0
    autocomplete_fields = ["moderator"]
    fields = ["moderator", "role", "since", "until"]
    verbose_name = "host or moderator"
    verbose_name_plural = "hosts and moderators"


class AliasForm(forms.ModelForm):
    """An alias row: its tag is judged with the entry's other names by hashtags.entries
    (AliasFormSet), with the messages the API gives, not alone by the model."""

    def _post_clean(self) -> None:
        self.instance.tag = self.cleaned_data.get("tag", "")


class AliasInline(admin.TabularInline):
    model = Alias
    form = AliasForm
    formset = AliasFormSet
    extra = 0
    fields = ["tag", "created"]
    readonly_fields = ["created"]
    verbose_name_plural = "aliases (other tags that lead to this entry)"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="The submitter sees this reason on their status page and in an email.",
    )


def reject_code_choices() -> list[tuple[str, str]]:
    from hashtags.models import REJECT_CODE_HELP

    return [(code, f"{label} — {REJECT_CODE_HELP[code][0]}") for code, label in RejectCode.choices]


class RejectForm(forms.Form):
    """A rejection: a coded reason (required; the applicant reads its explanation and
    what to do next) and an optional note ("Another reason" needs one)."""

    reason_code = forms.ChoiceField(
        label="Reason",
        widget=forms.RadioSelect(attrs={"class": "reject-codes"}),
        choices=reject_code_choices,
        error_messages={"required": "Choose a reason: the applicant sees its explanation."},
    )
    reason = forms.CharField(
        label="Note to the applicant",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text='Optional; required with "Another reason". Shown on their status page and '
        "in the email.",
    )

    def clean(self):
        data = super().clean()
        if data.get("reason_code") == RejectCode.OTHER and not data.get("reason", "").strip():
            self.add_error("reason", 'With "Another reason", write the reason.')
        return data


class RetireForm(ReasonForm):
    replaced_by = forms.CharField(
        label="Successor",
        required=False,
        max_length=200,
        help_text="Optional: the tag (or an alias) of the approved entry its community "
        "moved to, e.g. HCLDR.",
    )


def show_errors(form: forms.Form, error: ValidationError) -> None:
    """A decision's ValidationError on the form: each message on its field when the form
    has one, else above the form, naming the field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages_ in error.message_dict.items():
        if name in form.fields:
            form.add_error(name, messages_)
        else:
            form.add_error(None, [f"{name}: {message}" for message in messages_])


class MergeForm(forms.Form):
    into = forms.CharField(
        label="Merge into",
        help_text="The entry to keep, e.g. HCLDR; the duplicate's tag becomes its alias.",
    )

    def clean_into(self) -> Hashtag:
        target = Hashtag.objects.resolve(self.cleaned_data["into"])
        if target is None:
            raise ValidationError("No live entry has this tag or alias.")
        return target


class FreshnessFilter(admin.SimpleListFilter):
    """Freshness of the entries a curator can verify (approved and retired ones), and the
    list of those needing a check, oldest check first (`HashtagAdmin.get_ordering`):
    due, stale and never confirmed, and dormant (no use seen on the open networks for
    ACTIVITY_DORMANT_DAYS)."""

    title = "freshness"
    parameter_name = "freshness"
    TO_CHECK = "check"
    NEED_A_CHECK = (Freshness.DUE, Freshness.STALE, Freshness.UNVERIFIED)

    DORMANT = "dormant"

    def lookups(self, request, model_admin):
        return [
            (self.TO_CHECK, "Needs a check, oldest first"),
            *Freshness.choices,
            (self.DORMANT, "Dormant (no use seen on the open networks)"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        now = timezone.now()
        if value == self.TO_CHECK:
            # Due for a check, and dormant entries however recently confirmed: a
            # community that stopped using its tag may have moved on.
            public = queryset.public()
            due, stale, never = (public.with_freshness(f, now) for f in self.NEED_A_CHECK)
            return due | stale | never | public.dormant(now.date())
        if value == self.DORMANT:
            return queryset.public().dormant(now.date())
        if value in Freshness.values:
            return queryset.public().with_freshness(value, now)
        return queryset.none()


class ChatStatusFilter(admin.SimpleListFilter):
    """Entries with at least one chat in the given state (on the chat's own calendar)."""

    title = "chat status"
    parameter_name = "chat_status"

    def lookups(self, request, model_admin):
        return ChatStatus.choices

    def queryset(self, request, queryset):
        if self.value() in ChatStatus.values:
            return queryset.with_chat_status(self.value())
        return queryset if self.value() is None else queryset.none()


_PLACED_ELSEWHERE = (
    "tag",
    "language",
    "website",
    "source",
    "start_date",
    "end_date",
    "place",
    "replaced_by",
)


def _summary(obj: Hashtag) -> ActivitySummary | None:
    """The entry's activity summary (selected with the row in the list), or None."""
    try:
        return obj.activity_summary
    except ActivitySummary.DoesNotExist:
        return None


@admin.register(Hashtag)
class HashtagAdmin(WritesThroughEntries, PublishesEntries, SimpleHistoryAdmin):
    # Columns that fit 1280 px beside the filters (the language is a filter).
    list_display = [
        "__str__",
        "name",
        "kind",
        "status",
        "created_on",
        "verified_on",
        "freshness",
    ]
    list_display_links = ["__str__", "name"]
    list_filter = [
        "status",
        FreshnessFilter,
        ChatStatusFilter,
        "kind",
        "categories",
        "platforms",
        "language",
        "created",
    ]
    search_fields = ["tag", "key", "name", "identities__key"]
    list_select_related = ["approved_by", "activity_summary"]
    list_per_page = 50
    autocomplete_fields = ["categories", "replaced_by"]
    readonly_fields = [
        "key",
        "status",
        "status_reason",
        "created",
        "updated",
        "approved_at",
        "approved_by",
        "verification",
        "submission_details",
        "near_duplicates",
        "activity",
    ]
    date_hierarchy = "created"
    inlines = [ChatInline, HostInline, AliasInline]
    actions = ["approve_selected", "reject_selected", "retire_selected", "verify_selected"]
    change_form_template = "admin/hashtags/hashtag/change_form.html"
    fieldsets = [
        # The entry's fields (hashtags.entries.Entry); one added there shows up here.
        (
            None,
            {
                "fields": [
                    "tag",
                    "key",
                    *(name for name in entries.OWN_FIELDS if name not in _PLACED_ELSEWHERE),
                    "categories",
                ]
            },
        ),
        ("Where and who", {"fields": ["platforms", "language", "website", "source"]}),
        ("Conference", {"fields": ["start_date", "end_date", "place"], "classes": ["collapse"]}),
        (
            "Review",
            {
                "fields": [
                    "status",
                    "status_reason",
                    "replaced_by",
                    "submission_details",
                    "near_duplicates",
                    "activity",
                    "verification",
                    "created",
                    "updated",
                    "approved_at",
                    "approved_by",
                ]
            },
        ),
    ]

    def view_on_site(self, obj: Hashtag) -> str | None:
        # Only a public entry has a page; the admin shows the one "View on site" link.
        return obj.get_absolute_url() if obj.is_public else None

    def get_ordering(self, request):
        if request.GET.get(FreshnessFilter.parameter_name) == FreshnessFilter.TO_CHECK:
            # The check list, longest unconfirmed first: never confirmed counts as the
            # oldest check (nulls first), and among those the longest public first.
            return [
                F("last_verified").asc(nulls_first=True),
                F("approved_at").asc(nulls_first=True),
                "pk",
            ]
        # The moderation queue: pending entries first, newest first within each status.
        pending_first = Case(
            When(status=Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [pending_first.asc(), "-created", "-pk"]

    def get_search_results(self, request, queryset, search_term):
        if request.GET.get("field_name") == "replaced_by":
            # The successor picker offers the entries that may be one.
            queryset = queryset.approved()
        return super().get_search_results(request, queryset, search_term.strip().lstrip("#"))

    def get_readonly_fields(self, request, obj=None):
        # The tag of a decided entry changes through aliases and merges, not by retyping.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Status.PENDING:
            fields.append("tag")
        return fields

    def write_entry(self, request, form, lists, reason) -> None:
        # The registry's one way in: the entry with its lists, judged and written once
        # (a lost race for the tag answered plainly), then published when public.
        for name in ("categories", "platforms"):
            if name in form.cleaned_data:
                lists[name] = list(form.cleaned_data[name])
        entries.write(entries.prepare(form.instance, **lists), user=request.user, reason=reason)

    def published_entries(self, obj: Hashtag) -> list[int]:
        return [obj.pk]

    @admin.display(description="Created", ordering="created")
    def created_on(self, obj: Hashtag) -> str:
        return timezone.localtime(obj.created).strftime("%Y-%m-%d")

    @admin.display(description="Last verified", ordering="last_verified")
    def verified_on(self, obj: Hashtag) -> str:
        if obj.last_verified is None:
            return "Never"
        return timezone.localtime(obj.last_verified).strftime("%Y-%m-%d")

    @admin.display(description="Freshness", ordering="last_verified")
    def freshness(self, obj: Hashtag) -> str:
        """The schedule's freshness and, under it, the tag's use on the open networks
        (one column, so the list fits 1280 px beside its filters)."""
        if not obj.is_public:
            return "—"
        label = Freshness(obj.freshness).label
        activity = self.activity_state(obj)
        if activity == "—":
            return label
        return format_html('{}<br><span class="activity-state">{}</span>', label, activity)

    @admin.display(description="Last verified")
    def verification(self, obj: Hashtag) -> str:
        if obj.last_verified is None:
            return "Never"
        when = timezone.localtime(obj.last_verified).strftime("%Y-%m-%d")
        who = f" by {obj.last_verified_by.get_username()}" if obj.last_verified_by else ""
        return f"{when}{who} ({Freshness(obj.freshness).label.lower()})"

    @admin.display(description="Submission")
    def submission_details(self, obj: Hashtag) -> str:
        if obj.pk is None:
            return "—"
        rows = obj.submissions.order_by("created")
        if not rows:
            return "Entered by a curator."
        lines = [
            (
                reverse("admin:hashtags_submission_change", args=[s.pk]),
                s.reference,
                s.submitter_name,
                s.submitter_email,
                s.created.strftime("%Y-%m-%d %H:%M"),
                f" — note: {s.note}" if s.note else "",
            )
            for s in rows
        ]
        return format_html_join("", '<p><a href="{}">{}</a> — {} &lt;{}&gt;, {} UTC{}</p>', lines)

    @admin.display(description="Use on the open networks")
    def activity(self, obj: Hashtag) -> str:
        if obj.pk is None:
            return "—"
        if obj.status == Status.PENDING:
            # Fetched now (or from the cache): a pending tag is never polled.
            found = activity_preview(obj.tag)
            lines = [
                f"{network}: {uses} post{pluralize(uses)} by up to {accounts} "
                f"account{pluralize(accounts)} in the last 7 days"
                for network, (uses, accounts) in found.networks.items()
            ] or ["No server answered."]
            if found.servers:
                lines.append(f"Asked {', '.join(found.servers)}.")
            lines += [f"Failed: {failure}" for failure in found.failures]
            lines.append(f"Fetched {timezone.localtime(found.fetched_at):%Y-%m-%d %H:%M} UTC.")
            return format_html_join("", "<p>{}</p>", ((line,) for line in lines))
        summary = _summary(obj)
        if summary is None:
            return "Not counted yet (manage.py refresh_activity counts public entries daily)."
        seen = summary.last_seen.isoformat() if summary.last_seen else "not since counting began"
        dormant = " Dormant: no use seen for a long time." if summary.is_dormant() else ""
        return (
            f"{summary.uses_7d} posts by up to {summary.accounts_7d} accounts in the 7 days "
            f"to {summary.as_of}; last seen in use: {seen}.{dormant}"
        )

    @admin.display(description="Activity", ordering="activity_summary__uses_7d")
    def activity_state(self, obj: Hashtag) -> str:
        summary = _summary(obj)
        if summary is None:
            return "—"
        if summary.is_dormant():
            return "dormant"
        return f"{summary.uses_7d} this week"

    @admin.display(description="Near duplicates already in the registry")
    def near_duplicates(self, obj: Hashtag) -> str:
        if obj.pk is None:
            return "—"
        lookalikes = [h for h in lookalike_tags(obj.tag) if h.pk != obj.pk]
        similar = [
            h for h in similar_tags(obj.tag, limit=5) if h.pk != obj.pk and h not in lookalikes
        ]
        if not (lookalikes or similar):
            return "None found."
        links = [
            (
                reverse("admin:hashtags_hashtag_change", args=[h.pk]),
                h.tag,
                h.get_status_display(),
                "; looks the same" if h in lookalikes else "",
            )
            for h in [*lookalikes, *similar]
        ]
        return format_html_join(", ", '<a href="{}">#{}</a> ({}{})', links)

    # Decisions on one entry: buttons on its page that POST to these views.

    def get_urls(self):
        decide = self.admin_site.admin_view
        return [
            path("<int:pk>/approve/", decide(self.approve_view), name="hashtags_hashtag_approve"),
            path("<int:pk>/reject/", decide(self.reject_view), name="hashtags_hashtag_reject"),
            path("<int:pk>/retire/", decide(self.retire_view), name="hashtags_hashtag_retire"),
            path("<int:pk>/verify/", decide(self.verify_view), name="hashtags_hashtag_verify"),
            path("<int:pk>/merge/", decide(self.merge_view), name="hashtags_hashtag_merge"),
            *super().get_urls(),
        ]

    def _entry(self, request: HttpRequest, pk: int) -> Hashtag:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(Hashtag, pk=pk)

    def _back(self, entry: Hashtag) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:hashtags_hashtag_change", args=[entry.pk]))

    def _apply(self, request, entry: Hashtag, decision, done: str, **kwargs) -> bool:
        try:
            decision(hashtag=entry, curator=request.user, **kwargs)
        except moderation.ModerationError as error:
            self.message_user(request, str(error), messages.ERROR)
            return False
        except ValidationError as error:
            found = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            problems = "; ".join(
                f"{field}: {' '.join(texts)}" if field else " ".join(texts)
                for field, texts in found.items()
            )
            self.message_user(request, f"#{entry.tag}: {problems}", messages.ERROR)
            return False
        self.message_user(request, done.format(tag=entry.tag), messages.SUCCESS)
        return True

    def _post_only(self, request, pk: int, decision, done: str) -> HttpResponse:
        entry = self._entry(request, pk)
        if request.method != "POST":
            return self._back(entry)
        self._apply(request, entry, decision, done)
        return self._back(entry)

    def approve_view(self, request, pk: int) -> HttpResponse:
        return self._post_only(request, pk, moderation.approve, "#{tag} is approved and public.")

    def verify_view(self, request, pk: int) -> HttpResponse:
        return self._post_only(request, pk, moderation.verify, "#{tag} is marked verified today.")

    def reject_view(self, request, pk: int) -> HttpResponse:
        entry = self._entry(request, pk)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            self._apply(
                request,
                entry,
                moderation.reject,
                "#{tag} is rejected.",
                code=data["reason_code"],
                reason=data["reason"],
            )
            return self._back(entry)
        return self._form_page(request, entry, form, "Reject")

    def retire_view(self, request, pk: int) -> HttpResponse:
        entry = self._entry(request, pk)
        form = RetireForm(request.POST or None)
        form.fields["reason"].required = False
        if request.method == "POST" and form.is_valid():
            try:
                retired = moderation.retire(
                    hashtag=entry,
                    curator=request.user,
                    reason=form.cleaned_data["reason"],
                    replaced_by=form.cleaned_data["replaced_by"].strip() or None,
                )
            except moderation.ModerationError as error:
                self.message_user(request, str(error), messages.ERROR)
                return self._back(entry)
            except ValidationError as error:
                show_errors(form, error)
            else:
                successor = retired.replaced_by
                then = f" Its successor is #{successor.tag}." if successor else ""
                self.message_user(request, f"#{retired.tag} is retired.{then}", messages.SUCCESS)
                return self._back(entry)
        return self._form_page(request, entry, form, "Retire")

    def merge_view(self, request, pk: int) -> HttpResponse:
        entry = self._entry(request, pk)
        form = MergeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            target = form.cleaned_data["into"]
            try:
                moderation.merge(duplicate=entry, into=target, curator=request.user)
            except (moderation.ModerationError, ValidationError) as error:
                self.message_user(
                    request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR
                )
                return self._form_page(request, entry, form, "Merge")
            self.message_user(
                request, f"#{entry.tag} is merged into #{target.tag} as an alias.", messages.SUCCESS
            )
            return self._back(target)
        return self._form_page(request, entry, form, "Merge")

    def _form_page(self, request, entry: Hashtag, form, title: str) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": entry,
            "title": f"{title} #{entry.tag}",
            "form": form,
            "action_title": title,
        }
        return TemplateResponse(request, "admin/hashtags/hashtag/decision_form.html", context)

    # Bulk actions on the list: each entry through the same decision function.

    def _bulk(self, request, queryset, decision, done: str, **kwargs) -> None:
        applied = sum(self._apply(request, entry, decision, done, **kwargs) for entry in queryset)
        if applied > 1:
            self.message_user(request, f"{applied} entries updated.", messages.SUCCESS)

    @admin.action(description="Approve the selected entries", permissions=["change"])
    def approve_selected(self, request, queryset) -> None:
        self._bulk(request, queryset, moderation.approve, "#{tag} is approved and public.")

    @admin.action(description="Retire the selected entries", permissions=["change"])
    def retire_selected(self, request, queryset) -> None:
        self._bulk(request, queryset, moderation.retire, "#{tag} is retired.")

    @admin.action(description="Mark the selected entries verified", permissions=["change"])
    def verify_selected(self, request, queryset) -> None:
        self._bulk(request, queryset, moderation.verify, "#{tag} is marked verified today.")

    @admin.action(description="Reject the selected entries…", permissions=["change"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._bulk(
                request,
                queryset,
                moderation.reject,
                "#{tag} is rejected.",
                code=form.cleaned_data["reason_code"],
                reason=form.cleaned_data["reason"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Reject the selected entries",
            "form": form,
            "entries": queryset,
            "action": "reject_selected",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/hashtags/hashtag/bulk_reason.html", context)


@admin.register(Category)
class CategoryAdmin(PublishesEntries, SimpleHistoryAdmin):
    list_display = ["__str__", "slug", "path"]
    list_select_related = ["parent", "parent__parent"]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["path"]

    def published_entries(self, obj: Category) -> list[int]:
        # Entries show their categories' slugs and names.
        return _entries_linked(Hashtag.categories.through, category_id=obj.pk)


class ReadOnly:
    """A list to read: its rows change on their entry's page (hashtags.entries)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Identity)
class IdentityAdmin(ReadOnly, SimpleHistoryAdmin):
    """Every live name of every entry; read-only, as the registry keeps it in step."""

    list_display = ["__str__", "hashtag", "is_alias", "key", "created"]
    list_filter = ["is_alias"]
    list_select_related = ["hashtag"]
    search_fields = ["key", "tag"]


class ChatPauseInline(admin.TabularInline):
    """A chat's breaks. They are part of the chat: whoever may change the chat may change
    its breaks (the Curators group has the chat's permissions)."""

    model = ChatPause
    formset = PauseFormSet
    extra = 0
    fields = ["starts_on", "ends_on", "note"]
    verbose_name_plural = "breaks (no meetings from the first day to the last, inclusive)"

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("hashtags.view_chat") or self.has_change_permission(
            request, obj
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("hashtags.change_chat")

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("hashtags.change_chat")

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("hashtags.change_chat")


class ChatStatusListFilter(admin.SimpleListFilter):
    """Where each chat is in its life today, on its own calendar."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ChatStatus.choices

    def queryset(self, request, queryset):
        if self.value() in ChatStatus.values:
            return queryset.with_status(self.value())
        return queryset if self.value() is None else queryset.none()


@admin.register(Chat)
class ChatAdmin(WritesThroughEntries, PublishesEntries, SimpleHistoryAdmin):
    """A chat and its breaks, written as a change to its entry's chats (hashtags.entries).
    Chats are added on their entry's page, where the entry's list is judged whole."""

    form = ChatForm
    list_display = [
        "__str__",
        "chat_status",
        "starts_on",
        "ends_on",
        "frequency",
        "weekdays",
        "start_time",
        "timezone",
        "is_active",
    ]
    list_filter = [ChatStatusListFilter, "is_active", "frequency", "weekdays"]
    list_select_related = ["hashtag", "hashtag__activity_summary", "timezone"]
    search_fields = ["hashtag__tag", "title"]
    autocomplete_fields = ["hashtag", "timezone"]
    fields = [
        "hashtag",
        ("title", "is_active", "chat_status"),
        ("frequency", "weekdays", "interval", "month_weeks"),
        ("start_time", "duration_minutes", "timezone"),
        ("starts_on", "ends_on"),
        "cancelled_dates",
        "note",
    ]
    readonly_fields = ["chat_status"]
    inlines = [ChatPauseInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("pauses")

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "hashtag"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Status")
    def chat_status(self, chat: Chat) -> str:
        return chat_status_label(chat)

    def write_entry(self, request, form, lists, reason) -> None:
        chat = form.instance
        hashtag = Hashtag.objects.select_for_update().get(pk=chat.hashtag_id)
        others = [entries.chat_record(other) for other in hashtag.chats.exclude(pk=chat.pk)]
        edited = _chat_item(form, lists.get("pauses", []))
        entries.write(
            entries.prepare(hashtag, chats=[*others, edited]), user=request.user, reason=reason
        )

    def published_entries(self, obj: Chat) -> list[int]:
        return [obj.hashtag_id]


@admin.register(Moderator)
class ModeratorAdmin(PublishesEntries, SimpleHistoryAdmin):
    list_display = ["__str__", "handle", "platform", "profile_url"]
    list_filter = ["platform"]
    list_select_related = ["platform"]
    search_fields = ["handle", "display_name"]

    def published_entries(self, obj: Moderator) -> list[int]:
        return list(obj.roles.values_list("hashtag_id", flat=True))


@admin.register(HashtagModerator)
class HashtagModeratorAdmin(ReadOnly, SimpleHistoryAdmin):
    """Who hosts which entry; changed on the entry's page, where the list is judged."""

    list_display = ["moderator", "role", "hashtag"]
    list_filter = ["role"]
    list_select_related = ["moderator", "hashtag"]
    search_fields = ["moderator__handle", "moderator__display_name", "hashtag__tag"]


class FieldsForm(forms.Form):
    """The fields of an edit suggestion a curator applies (set up per suggestion)."""

    fields = forms.MultipleChoiceField(
        label="Fields to apply", widget=forms.CheckboxSelectMultiple, choices=()
    )


def _shown(name: str, value) -> str:
    """A record's field as a curator reads it (hashtags.curation.proposals.value_lines), a line per
    item; "—" for nothing."""
    return "\n".join(proposals.value_lines(name, value)) or "—"


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    """New entries are decided on their entry; edit suggestions here, with each field
    shown old → new (hashtags.curation.suggestions applies them)."""

    list_display = [
        "__str__",
        "kind",
        "state",
        "submitter_name",
        "created",
        "decided_at",
        "decided_by",
    ]
    list_filter = ["state", "kind", "created"]
    list_select_related = ["hashtag", "decided_by"]
    search_fields = ["tag", "reference", "submitter_name", "submitter_email"]
    readonly_fields = [
        "reference",
        "kind",
        "hashtag",
        "tag",
        "state",
        "reason_code",
        "reason",
        "changes_requested",
        "changes_requested_at",
        "submitter_name",
        "submitter_email",
        "note",
        "changes",
        "payload",
        "created",
        "decided_at",
        "decided_by",
    ]
    change_form_template = "admin/hashtags/submission/change_form.html"

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Changes (old → new)")
    def changes(self, obj: Submission) -> str:
        if obj.kind != Submission.Kind.EDIT:
            return "A new entry: see its page."
        return self._changes_table(obj)

    @staticmethod
    def _changes_table(obj: Submission, form: forms.Form | None = None) -> str:
        current = entries.stored_record(obj.hashtag) if obj.hashtag else {}
        clashing = set(suggestions.conflicts(obj, current)) if obj.hashtag else set()
        rows = [
            (
                form["fields"][index].tag(wrap_label=True) if form is not None else name,
                " conflict" if name in clashing and obj.state == "pending" else "",
                _shown(name, obj.base.get(name)),
                _shown(name, value),
                format_html(
                    "<br><strong>Conflict:</strong> the entry now has <pre>{}</pre>",
                    _shown(name, current.get(name)),
                )
                if name in clashing and obj.state == "pending"
                else "",
            )
            for index, (name, value) in enumerate(obj.payload.items())
        ]
        body = format_html_join(
            "",
            '<tr class="suggested-field{1}"><th>{0}</th><td><pre>{2}</pre></td>'
            "<td><pre>{3}</pre>{4}</td></tr>",
            rows,
        )
        return format_html(
            '<table class="suggestion-changes"><thead><tr><th>Field</th>'
            "<th>Old (when suggested)</th><th>New (suggested)</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            body,
        )

    # Decisions on an edit suggestion: buttons on its page that POST to these views.

    def get_urls(self):
        decide = self.admin_site.admin_view
        return [
            path("<int:pk>/apply/", decide(self.apply_view), name="hashtags_submission_apply"),
            path(
                "<int:pk>/decline/",
                decide(self.decline_view),
                name="hashtags_submission_decline",
            ),
            *super().get_urls(),
        ]

    def _suggestion(self, request: HttpRequest, pk: int) -> Submission:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            Submission.objects.select_related("hashtag"), pk=pk, kind=Submission.Kind.EDIT
        )

    def _back(self, submission: Submission) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:hashtags_submission_change", args=[submission.pk])
        )

    def _page(self, request, submission, form, title: str, changes: str = "") -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": submission,
            "title": f"{title}: edit suggestion for #{submission.tag}",
            "form": form,
            "changes": changes,
            "action_title": title,
        }
        return TemplateResponse(request, "admin/hashtags/submission/decision_form.html", context)

    def apply_view(self, request, pk: int) -> HttpResponse:
        """GET: the changes with a box per field; POST `all` or the chosen `fields`."""
        submission = self._suggestion(request, pk)
        form = FieldsForm(request.POST or None)
        form.fields["fields"].choices = [(name, name) for name in submission.payload]
        if request.method == "POST" and ("all" in request.POST or form.is_valid()):
            fields = None if "all" in request.POST else form.cleaned_data["fields"]
            try:
                suggestions.apply_suggestion(
                    submission=submission, curator=request.user, fields=fields
                )
            except moderation.ModerationError as error:
                self.message_user(request, str(error), messages.ERROR)
            except ValidationError as error:
                show_errors(form, error)
            else:
                applied = ", ".join(fields or submission.payload)
                self.message_user(
                    request, f"#{submission.tag}: applied {applied}.", messages.SUCCESS
                )
                return self._back(submission)
        changes = self._changes_table(submission, form)
        return self._page(request, submission, form, "Apply", changes)

    def decline_view(self, request, pk: int) -> HttpResponse:
        submission = self._suggestion(request, pk)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                suggestions.reject_suggestion(
                    submission=submission,
                    curator=request.user,
                    code=form.cleaned_data["reason_code"],
                    reason=form.cleaned_data["reason"],
                )
            except moderation.ModerationError as error:
                self.message_user(request, str(error), messages.ERROR)
                return self._back(submission)
            except ValidationError as error:
                show_errors(form, error)
            else:
                self.message_user(
                    request, f"The suggestion for #{submission.tag} is rejected.", messages.SUCCESS
                )
                return self._back(submission)
        return self._page(request, submission, form, "Reject")


class OpenReportFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


class ReportForm(forms.ModelForm):
    resolve = forms.BooleanField(
        required=False, label="Mark resolved", help_text="With the note above, if any."
    )

    class Meta:
        model = Report
        fields = ["resolution_note"]


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    form = ReportForm
    list_display = ["__str__", "hashtag", "reason", "created", "resolved_at", "resolved_by"]
    list_filter = [OpenReportFilter, "reason", "created"]
    list_select_related = ["hashtag", "resolved_by"]
    search_fields = ["hashtag__tag", "comment"]
    readonly_fields = ["hashtag", "reason", "comment", "created", "resolved_at", "resolved_by"]
    fields = [
        "hashtag",
        "reason",
        "comment",
        "created",
        "resolution_note",
        "resolve",
        "resolved_at",
        "resolved_by",
    ]
    actions = ["resolve_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("resolved_at", "-created")

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if form.cleaned_data.get("resolve") and obj.resolved_at is None:
            try:
                moderation.resolve_report(
                    report=obj, curator=request.user, note=obj.resolution_note
                )
            except moderation.ModerationError as error:
                self.message_user(request, str(error), messages.ERROR)
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Mark the selected reports resolved", permissions=["change"])
    def resolve_selected(self, request, queryset) -> None:
        done = 0
        for report in queryset.filter(resolved_at__isnull=True):
            moderation.resolve_report(report=report, curator=request.user)
            done += 1
        self.message_user(request, f"{done} report(s) resolved.", messages.SUCCESS)


@admin.register(Switchboard)
class SwitchboardAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "submissions_open", "updated"]
    fields = ["submissions_open", "closed_message", "updated"]
    readonly_fields = ["updated"]

    def has_add_permission(self, request) -> bool:
        return not Switchboard.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Platform)
class PlatformAdmin(PublishesEntries, admin.ModelAdmin):
    list_display = ["name", "code", "search_url", "position"]
    search_fields = ["name", "code"]

    def published_entries(self, obj: Platform) -> list[int]:
        # Entries list their platforms in the platforms' order.
        return _entries_linked(Hashtag.platforms.through, platform_id=obj.pk)


@admin.register(TimeZone)
class TimeZoneAdmin(admin.ModelAdmin):
    """The tz database's zones; loaded by migration, refreshed by `sync_timezones`."""

    search_fields = ["name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DailyActivity)
class DailyActivityAdmin(admin.ModelAdmin):
    """The counts `manage.py refresh_activity` stores; read-only: they are the servers'."""

    list_display = ["hashtag", "network", "server", "day", "uses", "accounts", "fetched_at"]
    list_filter = ["network", "server", "day"]
    list_select_related = ["hashtag"]
    search_fields = ["hashtag__tag", "hashtag__key"]
    date_hierarchy = "day"
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ActivitySummary)
class ActivitySummaryAdmin(admin.ModelAdmin):
    """Each entry's activity in numbers, recomputed from its daily counts by every run."""

    list_display = ["hashtag", "uses_7d", "accounts_7d", "last_seen", "tracked_since", "as_of"]
    list_filter = ["as_of", "last_seen"]
    list_select_related = ["hashtag"]
    search_fields = ["hashtag__tag", "hashtag__key"]
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
