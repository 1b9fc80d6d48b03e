"""Suggesting an edit to a public entry: the form, filled with the entry as it is.

Sending it creates an edit suggestion in the curators' queue (the same reference, status
page, spam defences and rate limit as registering a hashtag); the entry changes only
when a curator approves it (hashtags.curation.suggestions).
"""

import logging
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from directory.forms import SuggestChatFormSet, SuggestForm, SuggestModeratorFormSet, zone_names
from directory.submissions import EntryPageMixin, SubmitView, rate_limited_page
from hashtags import entries
from hashtags.curation import suggestions
from hashtags.models import Switchboard, submissions_open

logger = logging.getLogger(__name__)


def _chat_initial(chat: dict[str, Any]) -> dict[str, Any]:
    return {**chat, "start_time": time.fromisoformat(chat["start_time"])}


def _kept(formset, stored: list[dict], carried: tuple[str, ...]) -> tuple[list, list[dict]]:
    """The subforms that stay (not removed; extra ones only when filled in) and their data,
    each shown one keeping the fields the form does not show (`carried`) as stored."""
    kept, data = [], []
    for index, form in enumerate(formset.forms):
        if formset.can_delete and formset._should_delete_form(form):
            continue
        if index >= len(stored) and not form.has_changed():
            continue
        values = {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        if index < len(stored):
            values.update({name: stored[index][name] for name in carried})
        kept.append(form)
        data.append(values)
    return kept, data


class SuggestView(EntryPageMixin, View):
    template_name = "directory/suggest.html"
    url_name = "suggest"

    def get(self, request: HttpRequest, tag: str) -> HttpResponse:
        entry = self.entry(tag)
        if moved := self.canonical(tag, entry):
            return moved
        if not submissions_open():
            return self.closed(request)
        stored = entries.stored_record(entry)
        return self.render(
            request,
            entry,
            SuggestForm(instance=entry),
            SuggestChatFormSet(prefix="chats", initial=[_chat_initial(c) for c in stored["chats"]]),
            SuggestModeratorFormSet(prefix="moderators", initial=stored["moderators"]),
        )

    def post(self, request: HttpRequest, tag: str) -> HttpResponse:
        entry = self.entry(tag)
        if not submissions_open():
            return self.closed(request)
        if refused := rate_limited_page(request, "submit"):
            return refused
        stored = entries.stored_record(entry)
        form = SuggestForm(request.POST, instance=entry)
        chats = SuggestChatFormSet(
            request.POST,
            prefix="chats",
            initial=[_chat_initial(c) for c in stored["chats"]],
        )
        hosts = SuggestModeratorFormSet(
            request.POST, prefix="moderators", initial=stored["moderators"]
        )
        form_ok = form.is_valid()
        if form.looks_automated:
            logger.info("Edit suggestion refused as automated")
        if not (form_ok and chats.is_valid() and hosts.is_valid()):
            form.restart_clock()
            return self.render(request, entry, form, chats, hosts, status=400)

        chat_forms, chat_data = _kept(chats, stored["chats"], ("pauses",))
        host_forms, host_data = _kept(hosts, stored["moderators"], ())
        for chat in chat_data:
            chat["month_weeks"] = chat.get("month_weeks") or []
        data = form.cleaned_data
        try:
            submission = suggestions.suggest_edit(
                hashtag=entry,
                **form.entry(),
                chats=chat_data,
                moderators=host_data,
                submitter_name=data["submitter_name"],
                submitter_email=data["submitter_email"],
                note=data["note"],
            )
        except ValidationError as error:
            SubmitView.attach_errors(error, form, chat_forms, host_forms)
            form.restart_clock()
            return self.render(request, entry, form, chats, hosts, status=400)
        return redirect("directory:submission-received", reference=submission.reference)

    def render(self, request, entry, form, chats, hosts, status: int = 200) -> HttpResponse:
        context = {
            "hashtag": entry,
            "form": form,
            "chat_formset": chats,
            "moderator_formset": hosts,
            "zone_names": zone_names(),
        }
        return render(request, self.template_name, context, status=status)

    def closed(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "directory/submissions_closed.html",
            {"message": Switchboard.current().closed_message},
            status=503,
        )
