"""The curators' review queue and review pages (admin views at /admin/review/).

The queue lists everything waiting (hashtags.curation.review), oldest first. Each item opens a
review page with what a curator needs to decide — the proposal beside the current entry
or its near duplicates, look-alike and similar tags, the submitter's other submissions,
the source — and the decisions that apply to it. Every decision goes through the
registry's one write path for it (hashtags.curation.moderation, hashtags.curation.suggestions,
hashtags.curation.stewardship), which locks the row and refuses a decision already made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from hashtags import entries
from hashtags.admin.entries import MergeForm, RejectForm, show_errors
from hashtags.curation import moderation, proposals, review, stewardship, suggestions
from hashtags.curation.review import curates
from hashtags.models import Hashtag, Report, Status, Steward, Submission
from hashtags.search import lookalike_tags, similar_tags

PER_PAGE = 100
# The decisions each kind of item offers; "approve" and "reject" are the a/r shortcuts.
ACTIONS = {
    "new": ("approve", "reject", "merge", "changes"),
    "edit": ("approve", "reject", "changes"),
    "claim": ("approve", "reject"),
    "report": ("resolve",),
    "verify": ("verify",),
}
PERMISSIONS = {
    "new": "hashtags.change_hashtag",
    "edit": "hashtags.change_submission",
    "claim": "hashtags.change_hashtag",
    "report": "hashtags.change_report",
    "verify": "hashtags.change_hashtag",
}


class ChangesForm(forms.Form):
    message = forms.CharField(
        label="What should change",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Emailed to the submitter; the item stays in the queue, marked "
        '"changes requested".',
        error_messages={"required": "Write what should change: the submitter gets it."},
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label="Note (for the curators' record)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


class DeclineClaimForm(RejectForm):
    """A claim declined: a rejection with a claim's own reasons (the claimant is told the
    reason and what they can do, by email)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        code, note = self.fields["reason_code"], self.fields["reason"]
        code.choices = Steward.DeclineReason.choices
        code.error_messages["required"] = "Choose a reason: the claimant is told it."
        note.label = "Note to the claimant"
        note.help_text = 'Optional; required with "Another reason". Sent to them by email.'


FORMS: dict[str, type[forms.Form]] = {
    "reject": RejectForm,
    "merge": MergeForm,
    "changes": ChangesForm,
    "resolve": ResolveForm,
}
# A kind's own form for an action, where it differs.
KIND_FORMS: dict[tuple[str, str], type[forms.Form]] = {("claim", "reject"): DeclineClaimForm}


def form_class(kind: str, action: str) -> type[forms.Form] | None:
    return KIND_FORMS.get((kind, action)) or FORMS.get(action)


@dataclass
class Subject:
    """What a review page is about: the item's row, the entry it concerns, and the
    submission (new entries and edit suggestions)."""

    kind: str
    pk: int
    row: Any
    entry: Hashtag | None
    submission: Submission | None = None
    waiting: bool = True
    since: Any = None
    extra: dict = field(default_factory=dict)


def _guard(request: HttpRequest, kind: str | None = None) -> None:
    if not curates(request):
        raise PermissionDenied
    if kind is not None and not request.user.has_perm(PERMISSIONS[kind]):
        raise PermissionDenied


def _load(kind: str, pk: int) -> Subject:
    if kind not in review.KINDS:
        raise Http404("No such kind of review item.")
    if kind in ("new", "edit"):
        row = get_object_or_404(Submission.objects.select_related("hashtag"), pk=pk, kind=kind)
        waiting = row.state == Submission.State.PENDING and (
            kind == "edit" or (row.hashtag is not None and row.hashtag.status == Status.PENDING)
        )
        return Subject(kind, pk, row, row.hashtag, row, waiting, row.created)
    if kind == "claim":
        row = get_object_or_404(Steward.objects.select_related("hashtag"), pk=pk)
        return Subject(
            kind, pk, row, row.hashtag, None, row.state == Steward.State.CLAIMED, row.created
        )
    if kind == "report":
        row = get_object_or_404(Report.objects.select_related("hashtag"), pk=pk)
        return Subject(kind, pk, row, row.hashtag, None, row.is_open, row.created)
    row = get_object_or_404(Hashtag, pk=pk)
    waiting = review.due_entries().filter(pk=pk).exists()
    return Subject(kind, pk, row, row, None, waiting, review._due_since(row))


def item_url(kind: str, pk: int) -> str:
    return reverse("admin:review_item", args=[kind, pk])


def queue_view(request: HttpRequest) -> HttpResponse:
    _guard(request)
    kind = request.GET.get("kind") or None
    problem = ""
    if kind is not None and kind not in review.KINDS:
        problem = f"Unknown kind {kind[:40]!r}: choose one of {', '.join(review.KINDS)}."
        kind = None
    now = timezone.now()
    items = review.queue(kind, now)
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    median = review.median_review_time(now)
    context = {
        **admin.site.each_context(request),
        "title": "Review queue",
        "kind": kind,
        "kinds": review.KIND_PLURALS,
        "page": page,
        "rows": [
            (item, item_url(item.kind, item.pk), review.waited(item.since, now)) for item in page
        ],
        "total": len(items),
        "median": review.duration(median),
        "weeks": review.decisions_per_week(4, now),
        "problem": problem,
    }
    return TemplateResponse(
        request, "admin/review/queue.html", context, status=400 if problem else 200
    )


def _neighbours(subject: Subject) -> tuple[str | None, str | None]:
    """The previous and next items of the queue around this one (j/k on the page)."""
    order = [(i.kind, i.pk) for i in review.queue()]
    try:
        index = order.index((subject.kind, subject.pk))
    except ValueError:
        return None, (item_url(*order[0]) if order else None)
    previous = item_url(*order[index - 1]) if index > 0 else None
    following = item_url(*order[index + 1]) if index + 1 < len(order) else None
    return previous, following


def _candidates(tag: str, own_pk: int | None) -> list[dict]:
    """Existing entries a proposal may duplicate: look-alikes (same confusable skeleton)
    first, then similar spellings of its tag or their aliases."""
    lookalikes = [h for h in lookalike_tags(tag) if h.pk != own_pk]
    similar = [h for h in similar_tags(tag, limit=5) if h.pk != own_pk and h not in lookalikes]
    found = []
    for hashtag in [*lookalikes, *similar]:
        found.append(
            {
                "hashtag": hashtag,
                "why": "looks the same" if hashtag in lookalikes else "similar spelling",
                "aliases": list(
                    hashtag.identities.filter(is_alias=True).values_list("tag", flat=True)
                ),
                "url": reverse("admin:hashtags_hashtag_change", args=[hashtag.pk]),
            }
        )
    return found


def _comparison(entry: Hashtag, candidates: list[dict]) -> tuple[list, list[dict]]:
    """The proposal beside up to two near duplicates, field by field."""
    proposal = entries.stored_record(entry)
    shown = candidates[:2]
    records = [entries.stored_record(c["hashtag"]) for c in shown]
    rows = []
    for name in entries.FIELDS:
        value = proposal.get(name)
        others = [
            {
                "lines": proposals.value_lines(name, r.get(name)),
                "same": r.get(name) == value and value not in ("", [], None),
            }
            for r in records
        ]
        label = proposals.FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
        rows.append({"name": label, "lines": proposals.value_lines(name, value), "others": others})
    return rows, shown


def _marked(lines: list[str], against: list[str]) -> list[tuple[str, bool]]:
    """Each line, and whether the other side lacks it (added, or removed)."""
    other = set(against)
    return [(line, line not in other) for line in lines]


def _diff(submission: Submission) -> list[dict]:
    current = entries.stored_record(submission.hashtag) if submission.hashtag else {}
    clashing = set(suggestions.conflicts(submission, current)) if submission.hashtag else set()
    rows = []
    for name, value in submission.payload.items():
        old = proposals.value_lines(name, submission.base.get(name))
        new = proposals.value_lines(name, value)
        rows.append(
            {
                "name": proposals.FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
                "old": _marked(old, new),
                "now": _marked(proposals.value_lines(name, current.get(name)), old),
                "new": _marked(new, old),
                "conflict": name in clashing,
            }
        )
    return rows


def _page(
    request: HttpRequest, subject: Subject, bound: dict | None = None, status: int = 200
) -> TemplateResponse:
    bound = bound or {}
    actions = ACTIONS[subject.kind] if subject.waiting else ()
    forms_ = {
        name: bound.get(name) or form_class(subject.kind, name)()
        for name in actions
        if form_class(subject.kind, name)
    }
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": f"Review: {review.KINDS[subject.kind].lower()} #{_tag(subject)}",
        "subject": subject,
        "kind_label": review.KINDS[subject.kind],
        "tag": _tag(subject),
        "waited": review.waited(subject.since) if subject.since else "",
        "actions": actions,
        "forms": forms_,
        "entry_admin_url": (
            reverse("admin:hashtags_hashtag_change", args=[subject.entry.pk])
            if subject.entry
            else ""
        ),
    }
    context["action_urls"] = {
        action: reverse("admin:review_decide", args=[subject.kind, subject.pk, action])
        for action in actions
    }
    context["previous_url"], context["next_url"] = _neighbours(subject)
    if subject.submission is not None:
        context["others"] = review.other_submissions(subject.submission)
    if subject.kind == "new" and subject.entry is not None:
        candidates = _candidates(subject.entry.tag, subject.entry.pk)
        context["candidates"] = candidates
        context["comparison"], context["compared"] = _comparison(subject.entry, candidates)
        context["source"] = subject.entry.source
    if subject.kind == "edit":
        context["diff"] = _diff(subject.submission)
        context["shared_accounts"] = suggestions.shared_accounts(subject.submission)
        context["source"] = subject.submission.payload.get("source") or (
            subject.entry.source if subject.entry else ""
        )
    if subject.kind in ("claim", "report", "verify") and subject.entry is not None:
        context["source"] = subject.entry.source
    if subject.kind == "claim":
        context["asked_again"] = stewardship.asked_again(subject.row)
        context["claimant_other"] = (
            Steward.objects.filter(email__iexact=subject.row.email)
            .exclude(pk=subject.pk)
            .select_related("hashtag")
        )
    return TemplateResponse(request, "admin/review/item.html", context, status=status)


def _tag(subject: Subject) -> str:
    if subject.submission is not None:
        return subject.submission.tag
    return subject.entry.tag if subject.entry else ""


def item_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in review.KINDS:
        raise Http404("No such kind of review item.")
    _guard(request, kind)
    return _page(request, _load(kind, pk))


def _decide(request: HttpRequest, subject: Subject, action: str, data: dict) -> str:
    """Apply the decision through its write path; the message for the curator."""
    curator, tag = request.user, _tag(subject)
    kind, submission = subject.kind, subject.submission
    if action == "changes":
        moderation.request_changes(submission=submission, curator=curator, message=data["message"])
        return f"#{tag}: the submitter is asked for changes; it stays in the queue."
    if kind == "new":
        if subject.entry is None:
            raise moderation.ModerationError("This submission has no entry to decide on.")
        if action == "approve":
            moderation.approve(hashtag=subject.entry, curator=curator)
            return f"#{tag} is approved and public."
        if action == "reject":
            moderation.reject(
                hashtag=subject.entry,
                curator=curator,
                code=data["reason_code"],
                reason=data["reason"],
            )
            return f"#{tag} is rejected."
        target = data["into"]
        moderation.merge(duplicate=subject.entry, into=target, curator=curator)
        return f"#{tag} is merged into #{target.tag} as an alias."
    if kind == "edit":
        if action == "approve":
            suggestions.apply_suggestion(submission=submission, curator=curator)
            return f"The suggestion for #{tag} is applied."
        suggestions.reject_suggestion(
            submission=submission, curator=curator, code=data["reason_code"], reason=data["reason"]
        )
        return f"The suggestion for #{tag} is rejected."
    if kind == "claim":
        if action == "approve":
            stewardship.accept_claim(steward=subject.row, curator=curator)
            return f"The claim on #{tag} is accepted: its new steward is sent their link."
        stewardship.decline_claim(
            steward=subject.row, curator=curator, reason=data["reason_code"], note=data["reason"]
        )
        return f"The claim on #{tag} is declined; the claimant is told why."
    if kind == "report":
        moderation.resolve_report(report=subject.row, curator=curator, note=data["note"])
        return f"The report on #{tag} is resolved."
    moderation.verify(hashtag=subject.entry, curator=curator)
    return f"#{tag} is marked verified today."


def decide_view(request: HttpRequest, kind: str, pk: int, action: str) -> HttpResponse:
    if kind not in review.KINDS or action not in ACTIONS[kind]:
        raise Http404("No such decision for this kind of item.")
    _guard(request, kind)
    subject = _load(kind, pk)
    back = HttpResponseRedirect(item_url(kind, pk))
    if request.method != "POST":
        return back  # decisions are never made by a GET
    if not subject.waiting:
        messages.error(request, "Nothing to decide: this item was already decided.")
        return back
    chosen = form_class(kind, action)
    form = chosen(request.POST) if chosen else None
    if form is not None and not form.is_valid():
        return _page(request, subject, {action: form}, status=400)
    try:
        done = _decide(request, subject, action, form.cleaned_data if form else {})
    except (moderation.ModerationError, stewardship.StewardshipError) as error:
        messages.error(request, str(error))
        return back
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return back
        show_errors(form, error)
        return _page(request, subject, {action: form}, status=400)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("admin:review"))


admin.site.add_page("review/", queue_view, "review")
admin.site.add_page("review/<str:kind>/<int:pk>/", item_view, "review_item")
admin.site.add_page("review/<str:kind>/<int:pk>/<str:action>/", decide_view, "review_decide")
