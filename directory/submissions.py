"""Registering a hashtag and reporting a problem: the public write paths of the site.

Views read the form, apply the spam defences (honeypot, a signed minimum fill time that
is accepted once, a per-client budget shared with the API and counted in the shared
cache, the duplicate-content rule) and call one function of hashtags.curation.moderation.
"""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import DetailView

from directory.forms import (
    ChatFormSet,
    ModeratorFormSet,
    ReportForm,
    SubmissionForm,
    zone_names,
)
from directory.health import unavailable
from hashtags.curation import moderation, proposals
from hashtags.curation.review import median_review_time
from hashtags.models import (
    Hashtag,
    Report,
    Submission,
    Switchboard,
    submissions_open,
)
from hashtags.search import similar_tags
from hashtags.serving.ratelimit import spend
from hashtags.serving.routers import use_primary

logger = logging.getLogger(__name__)


def rate_limited_page(request: HttpRequest, budget: str) -> HttpResponse | None:
    """Count this POST against the client's `budget` (hashtags.serving.ratelimit: shared with
    the API); the 429 page once it is spent, the 503 page while it cannot be counted."""
    refusal = spend(request, budget)
    if refusal is None:
        return None
    if refusal.unavailable:
        why = _("Your form was not sent: the site cannot check its sending limits right now.")
        return unavailable(request, why, refusal.retry_after, page_message=why)
    response = render(request, "directory/rate_limited.html", status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


class SubmitView(View):
    template_name = "directory/submit.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not submissions_open():
            return self.closed(request)
        initial = {}
        if request.GET.get("tag"):
            initial["tag"] = request.GET["tag"][:120]
        return self.render(
            request,
            SubmissionForm(initial=initial),
            ChatFormSet(prefix="chats"),
            ModeratorFormSet(prefix="moderators"),
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        if not submissions_open():
            return self.closed(request)
        if refused := rate_limited_page(request, "submit"):
            return refused
        form = SubmissionForm(request.POST)
        chats = ChatFormSet(request.POST, prefix="chats")
        hosts = ModeratorFormSet(request.POST, prefix="moderators")
        form_ok = form.is_valid()
        if form.looks_automated:
            logger.info("Submission refused as automated")
            form.restart_clock()
            return self.render(request, form, chats, hosts, status=400)
        if not (form_ok and chats.is_valid() and hosts.is_valid()):
            form.restart_clock()
            return self.render(request, form, chats, hosts, status=400)

        chat_forms = [f for f in chats.forms if f.has_changed() and f.cleaned_data]
        host_forms = [f for f in hosts.forms if f.has_changed() and f.cleaned_data]
        data = form.cleaned_data
        try:
            submission = moderation.submit_hashtag(
                **form.entry(),
                chats=[f.as_schedule() for f in chat_forms],
                moderators=[f.cleaned_data for f in host_forms],
                submitter_name=data["submitter_name"],
                submitter_email=data["submitter_email"],
                note=data["note"],
                refuse_duplicate_content=True,
            )
        except ValidationError as error:
            self.attach_errors(error, form, chat_forms, host_forms)
            form.restart_clock()
            return self.render(request, form, chats, hosts, status=400)
        return redirect("directory:submission-received", reference=submission.reference)

    @staticmethod
    def attach_errors(error: ValidationError, form, chat_forms, host_forms) -> None:
        """Put each message of the shared validation on the field it is about."""
        for key, messages in error.message_dict.items():
            target, field = form, key
            for prefix, forms in (("chats", chat_forms), ("moderators", host_forms)):
                if key.startswith(prefix + "["):
                    index, _, field = key[len(prefix) + 1 :].partition("].")
                    target = forms[int(index.rstrip("]"))]
            if field == "tag":
                # The entry that already holds the tag, if that is the problem (in any
                # language the message is written in), to link to it.
                form.existing = Hashtag.objects.resolve(form.data.get("tag", ""))
            if field not in target.fields:
                field = None
            for message in messages:
                target.add_error(field, message)

    def render(self, request, form, chats, hosts, status: int = 200) -> HttpResponse:
        raw_tag = form.data.get("tag") if form.is_bound else form.initial.get("tag")
        suggestions = similar_tags(raw_tag, Hashtag.objects.public()) if raw_tag else []
        if form.existing is not None:
            suggestions = [h for h in suggestions if h.pk != form.existing.pk]
        context = {
            "form": form,
            "chat_formset": chats,
            "moderator_formset": hosts,
            "existing": form.existing,
            "suggestions": suggestions,
            "zone_names": zone_names(),
        }
        return render(request, self.template_name, context, status=status)

    def closed(self, request: HttpRequest) -> HttpResponse:
        switchboard = Switchboard.current()
        return render(
            request,
            "directory/submissions_closed.html",
            {"message": switchboard.closed_message},
            status=503,
        )


class SubmissionReceivedView(DetailView):
    """The confirmation right after submitting: the reference and the status link."""

    template_name = "directory/submission_received.html"
    context_object_name = "submission"

    def get_object(self, queryset=None):
        # Read-after-write: the submitter comes here straight from submitting.
        with use_primary():
            return get_object_or_404(
                Submission.objects.select_related("hashtag"), reference=self.kwargs["reference"]
            )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["suggestions"] = similar_tags(self.object.tag, Hashtag.objects.public())
        return context


def duration_words(span: timedelta) -> str:
    """A wait in words a person reads at a glance: "about 3 hours", "about 2 days"."""
    hours = span.total_seconds() / 3600
    if hours < 1:
        return _("less than an hour")
    if hours < 36:
        count = round(hours)
        return ngettext("about %(count)d hour", "about %(count)d hours", count) % {"count": count}
    days = round(hours / 24)
    if days < 14:
        return ngettext("about %(count)d day", "about %(count)d days", days) % {"count": days}
    weeks = round(days / 7)
    return ngettext("about %(count)d week", "about %(count)d weeks", weeks) % {"count": weeks}


class SubmissionStatusView(SubmissionReceivedView):
    """What was sent (never the submitter's email), where the review stands, how long a
    review takes lately, and a rejection's reason with what to do next."""

    template_name = "directory/submission_status.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        submission = self.object
        context["sent"] = proposals.summary(submission)
        now = timezone.now()
        context["waiting"] = duration_words(now - submission.created)
        median = median_review_time(now)
        context["median_wait"] = duration_words(median) if median is not None else ""
        return context


class EntryPageMixin:
    """A page of one entry at /hashtags/<tag>/<page>/ (report, suggest, claim): a tag
    no visitor can reach is a 404, and other casings and aliases are sent (301) to the
    entry's own address, as the entry page does."""

    url_name: str

    def entries(self) -> QuerySet[Hashtag]:
        return Hashtag.objects.public()

    def entry(self, tag: str) -> Hashtag:
        entry = self.entries().resolve(tag)
        if entry is None:
            raise Http404(f"#{tag[:100]} is not in the directory.")
        return entry

    def canonical(self, tag: str, entry: Hashtag) -> HttpResponse | None:
        if tag == entry.tag:
            return None
        return redirect(reverse(f"directory:{self.url_name}", args=[entry.tag]), permanent=True)


class ReportView(EntryPageMixin, View):
    """ "Report a problem" on a public entry: it lands in the curators' queue."""

    template_name = "directory/report.html"
    url_name = "report"

    def get(self, request: HttpRequest, tag: str) -> HttpResponse:
        entry = self.entry(tag)
        if moved := self.canonical(tag, entry):
            return moved
        sent = request.GET.get("sent") == "1"
        return render(
            request, self.template_name, {"hashtag": entry, "form": ReportForm(), "sent": sent}
        )

    def post(self, request: HttpRequest, tag: str) -> HttpResponse:
        entry = self.entry(tag)
        if refused := rate_limited_page(request, "report"):
            return refused
        form = ReportForm(request.POST)
        if not form.is_valid():
            form.restart_clock()
            context = {"hashtag": entry, "form": form, "sent": False}
            return render(request, self.template_name, context, status=400)
        report = Report(
            hashtag=entry, reason=form.cleaned_data["reason"], comment=form.cleaned_data["comment"]
        )
        report.full_clean()
        report.save()
        return redirect(f"{request.path}?sent=1")
