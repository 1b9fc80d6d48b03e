"""Stewards' pages: asking to become an entry's steward, and the signed-link pages.

The claim form uses the site's spam defences (honeypot, minimum fill time, a per-client
rate limit) and calls `stewardship.claim`. The steward's page opens from a signed link
(no account): GET shows the entry and the forms, each POST (with CSRF) calls one function
of hashtags.curation.stewardship and comes back to the page. The stop page also answers a mail
client's one-click POST (RFC 8058), which carries no CSRF token: there the token is the
secret. Nothing here shows or logs the steward's name or email.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from directory.forms import BotCheckMixin
from directory.submissions import EntryPageMixin, rate_limited_page
from hashtags.curation import stewardship
from hashtags.models import Chat, Hashtag

logger = logging.getLogger(__name__)


class ClaimForm(BotCheckMixin):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("Your email"),
        help_text=_("Private: only the curators see it. Your links will be sent here."),
    )
    note = forms.CharField(
        label=_("Who are you to this hashtag?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("E.g. you host its chat; a link that shows it helps the curators."),
    )
    field_order = ["name", "email", "note", "homepage", "started"]


class ClaimView(EntryPageMixin, View):
    """ "Ask to become its steward" on an approved entry: a curator accepts or declines."""

    template_name = "directory/claim.html"
    url_name = "claim"

    def entries(self) -> QuerySet[Hashtag]:
        return Hashtag.objects.approved()

    def get(self, request: HttpRequest, tag: str) -> HttpResponse:
        entry = self.entry(tag)
        if moved := self.canonical(tag, entry):
            return moved
        sent = request.GET.get("sent") == "1"
        return render(
            request, self.template_name, {"hashtag": entry, "form": ClaimForm(), "sent": sent}
        )

    def post(self, request: HttpRequest, tag: str) -> HttpResponse:
        entry = self.entry(tag)
        if refused := rate_limited_page(request, "claim"):
            return refused
        form = ClaimForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                stewardship.claim(
                    hashtag=entry, name=data["name"], email=data["email"], note=data["note"]
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                return redirect(f"{reverse('directory:claim', args=[entry.tag])}?sent=1")
        if form.looks_automated:
            logger.info("Claim refused as automated")
        form.restart_clock()
        context = {"hashtag": entry, "form": form, "sent": False}
        return render(request, self.template_name, context, status=400)


# --- The steward's pages ---------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    """The address carries the steward's secret: no cache keeps the page, and no other
    site learns the address from a Referer."""
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    return response


def bad_link(request: HttpRequest, error: stewardship.BadLink) -> HttpResponse:
    """Why a link does not work, and nothing about the entry it named."""
    return _private(
        render(request, "directory/steward_bad_link.html", {"message": str(error)}, status=410)
    )


def suggest_url(hashtag: Hashtag) -> str:
    return reverse("directory:suggest", args=[hashtag.tag])


def _chat_choice_words(chat: Chat) -> str:
    """An untitled chat by its time and zone: "Chat at 20:30 America/New_York"."""
    return gettext("Chat at %(time)s %(zone)s") % {
        "time": formats.time_format(chat.start_time, "TIME_FORMAT"),
        "zone": chat.timezone_id,
    }


class ChatChoiceForm(forms.Form):
    chat = forms.TypedChoiceField(label=_("Chat"), coerce=int)

    def __init__(self, *args, chats: list[Chat], **kwargs):
        super().__init__(*args, **kwargs)
        self.chats = {chat.pk: chat for chat in chats}
        self.fields["chat"].choices = [
            (chat.pk, chat.title or _chat_choice_words(chat)) for chat in chats
        ]

    @property
    def chosen(self) -> Chat:
        return self.chats[self.cleaned_data["chat"]]


class PauseForm(ChatChoiceForm):
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day off. Leave empty while you do not know when it returns."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class CancelForm(ChatChoiceForm):
    day = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A meeting day."),
    )


class EndForm(ChatChoiceForm):
    ends_on = forms.DateField(
        label=_("Last meeting"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for today."),
    )


# The page's forms: each POST names its action, and its fields carry its prefix.
ACTIONS = {"pause": PauseForm, "cancel": CancelForm, "end": EndForm}
DONE = {
    "confirm": _("Thank you: the entry is marked as checked today."),
    "pause": _("The break is recorded."),
    "cancel": _("The date is cancelled."),
    "end": _("The chat's end date is recorded."),
}
# Where the shared validation's keys land on each form.
ERROR_FIELDS = {
    "pause": {"from": "starts_on", "until": "ends_on", "note": "note"},
    "cancel": {"cancelled_dates": "day"},
    "end": {"ends_on": "ends_on"},
}


def attach_errors(form: forms.Form, action: str, error: ValidationError) -> None:
    """Put each message on the field it is about (a break's `pauses[0].from` on From)."""
    names = ERROR_FIELDS[action]
    for key, messages in error.message_dict.items():
        field = key.rsplit(".", 1)[-1] if key.startswith("pauses[") else key
        for message in messages:
            form.add_error(names.get(field), message)


class StewardView(View):
    template_name = "directory/steward.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.steward = stewardship.read_token(kwargs["token"], "act")
        except stewardship.BadLink as error:
            return bad_link(request, error)
        self.entry = (
            Hashtag.objects.public().with_details().filter(pk=self.steward.hashtag_id).first()
        )
        if self.entry is None:
            return bad_link(
                request, stewardship.BadLink(gettext("This entry is no longer public."))
            )
        return _private(super().dispatch(request, *args, **kwargs))

    def chats(self) -> list[Chat]:
        return list(self.entry.chats.all())

    def forms(self, bound: str = "", data=None) -> dict[str, forms.Form]:
        chats = self.chats()
        return {
            action: form_class(data if action == bound else None, prefix=action, chats=chats)
            for action, form_class in ACTIONS.items()
        }

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        done = DONE.get(request.GET.get("done", ""), "")
        return self.render(request, self.forms(), done=done)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        action = request.POST.get("action", "")
        if action == "confirm":
            stewardship.confirm(steward=self.steward)
            return self.done(action)
        if action not in ACTIONS:
            return self.render(
                request, self.forms(), problem=gettext("Choose one of the actions below.")
            )
        all_forms = self.forms(action, request.POST)
        form = all_forms[action]
        if form.is_valid():
            data = form.cleaned_data
            try:
                self.apply(action, form.chosen, data)
            except ValidationError as error:
                attach_errors(form, action, error)
            else:
                return self.done(action)
        return self.render(request, all_forms, status=400)

    def apply(self, action: str, chat: Chat, data: dict[str, Any]) -> None:
        steward = self.steward
        if action == "pause":
            stewardship.pause_chat(
                steward=steward,
                chat=chat,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                note=data["note"],
            )
        elif action == "cancel":
            stewardship.cancel_date(steward=steward, chat=chat, day=data["day"])
        else:
            stewardship.end_chat(steward=steward, chat=chat, ends_on=data["ends_on"])

    def done(self, action: str) -> HttpResponse:
        return redirect(f"{self.request.path}?done={action}")

    def render(
        self,
        request: HttpRequest,
        all_forms: dict[str, forms.Form],
        *,
        done: str = "",
        problem: str = "",
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "hashtag": self.entry,
            "chats": self.chats(),
            "forms": all_forms,
            "done": done,
            "problem": problem,
            "suggest_url": suggest_url(self.entry),
            "stop_url": reverse(
                "directory:steward-stop", args=[stewardship.make_token(self.steward, "stop")]
            ),
        }
        return render(request, self.template_name, context, status=status)


@csrf_exempt
def stop(request: HttpRequest, token: str) -> HttpResponse:
    """ "Stop reminders": GET asks, POST ends the stewardship. CSRF is not checked: the
    POST may be a mail client's one-click unsubscribe (RFC 8058), sent without cookies,
    and nothing happens unless the signed token is valid, so the token is the secret."""
    try:
        steward = stewardship.read_token(token, "stop")
    except stewardship.BadLink as error:
        return bad_link(request, error)
    if request.method == "POST":
        stewardship.stop(steward=steward)
        return _private(render(request, "directory/steward_stopped.html"))
    if request.method not in ("GET", "HEAD"):
        return _private(HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"}))
    context = {"hashtag_tag": steward.hashtag.tag}
    return _private(render(request, "directory/steward_stop.html", context))
