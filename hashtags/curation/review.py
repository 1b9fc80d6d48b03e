"""What waits for the curators, and how long it takes: the review queue's queries and its
workload figures.

The queue gathers five kinds of work, each read from where it lives:

- ``new``: new submissions (a pending `Submission` of kind "new" and its pending entry);
- ``edit``: edit suggestions (a pending `Submission` of kind "edit");
- ``claim``: steward claims (a `Steward` in state "claimed");
- ``report``: open reports (`Report` not resolved);
- ``verify``: public entries due for a check (freshness due, stale or never confirmed).

Each item carries the moment it started waiting, so the queue reads oldest first. The
decisions themselves are made elsewhere (moderation, suggestions, stewardship in
hashtags.curation); this module only reads.

`median_review_time` is public: the status page quotes it as the expected wait.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from hashtags.models import (
    Freshness,
    Hashtag,
    Report,
    Status,
    Steward,
    Submission,
    freshness_limits,
)

# Who curates: staff with the entry's change permission (the Curators group has it).
CURATES = "hashtags.change_hashtag"


def curates(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.has_perm(CURATES)


KINDS = {
    "new": "New submission",
    "edit": "Edit suggestion",
    "claim": "Steward claim",
    "report": "Report",
    "verify": "Due for a check",
}
KIND_PLURALS = {
    "new": "New submissions",
    "edit": "Edit suggestions",
    "claim": "Steward claims",
    "report": "Reports",
    "verify": "Entries due for a check",
}
FIGURES_DAYS = 30


@dataclass(frozen=True)
class Item:
    """One thing waiting for a curator."""

    kind: str
    pk: int
    tag: str
    summary: str
    since: datetime
    changes_requested: bool = False

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def new_submissions() -> QuerySet[Submission]:
    return Submission.objects.filter(
        state=Submission.State.PENDING,
        kind=Submission.Kind.NEW,
        hashtag__status=Status.PENDING,
    ).select_related("hashtag")


def edit_suggestions() -> QuerySet[Submission]:
    return Submission.objects.filter(
        state=Submission.State.PENDING, kind=Submission.Kind.EDIT
    ).select_related("hashtag")


def steward_claims() -> QuerySet[Steward]:
    return Steward.objects.filter(state=Steward.State.CLAIMED).select_related("hashtag")


def open_reports() -> QuerySet[Report]:
    return Report.objects.filter(resolved_at__isnull=True).select_related("hashtag")


def due_entries(now: datetime | None = None) -> QuerySet[Hashtag]:
    """Public entries due for a check: confirmed more than VERIFY_AFTER_DAYS ago, or never
    confirmed and public that long (as the stewards' reminders count them), or dormant (no
    use seen on the open networks for ACTIVITY_DORMANT_DAYS: `refresh_activity`)."""
    now = now or timezone.now()
    public = Hashtag.objects.public()
    limit, _ = freshness_limits(now)
    due, stale = (public.with_freshness(f, now) for f in (Freshness.DUE, Freshness.STALE))
    never = public.with_freshness(Freshness.UNVERIFIED, now).filter(
        Q(approved_at__lt=limit) | Q(approved_at__isnull=True, created__lt=limit)
    )
    dormant = public.filter(pk__in=public.dormant(now.date()).values("pk"))
    return due | stale | never | dormant


def _dormant_since(entry: Hashtag, today: date) -> date | None:
    """The day the entry became dormant, or None if it is not."""
    try:
        summary = entry.activity_summary
    except ObjectDoesNotExist:
        return None
    if not summary.is_dormant(today):
        return None
    return (summary.last_seen or summary.tracked_since) + timedelta(
        days=settings.ACTIVITY_DORMANT_DAYS
    )


def _verify_item(entry: Hashtag, now: datetime) -> Item:
    since = _due_since(entry)
    if entry.last_verified is None:
        detail = "Never confirmed"
    else:
        detail = f"Last confirmed {timezone.localtime(entry.last_verified):%Y-%m-%d}"
    dormant = _dormant_since(entry, now.date())
    if dormant is not None:
        seen = entry.activity_summary.last_seen
        detail = (
            f"Dormant: no use seen since {seen:%Y-%m-%d}"
            if seen
            else f"Dormant: no use seen since counting began "
            f"({entry.activity_summary.tracked_since:%Y-%m-%d})"
        ) + f"; {detail[0].lower()}{detail[1:]}"
        moment = datetime.combine(dormant, datetime.min.time(), tzinfo=UTC)
        since = min(since, moment)
    return Item("verify", entry.pk, entry.tag, detail, since)


def _due_since(entry: Hashtag) -> datetime:
    """When the entry became due: VERIFY_AFTER_DAYS after its last check, or after its
    approval (or creation) when it was never checked."""
    start = entry.last_verified or entry.approved_at or entry.created
    return start + timedelta(days=settings.VERIFY_AFTER_DAYS)


def counts(now: datetime | None = None) -> dict[str, int]:
    """How many items of each kind wait (one COUNT query per kind)."""
    return {
        "new": new_submissions().count(),
        "edit": edit_suggestions().count(),
        "claim": steward_claims().count(),
        "report": open_reports().count(),
        "verify": due_entries(now).count(),
    }


def queue(kind: str | None = None, now: datetime | None = None) -> list[Item]:
    """Everything waiting (or only `kind`), oldest first."""
    items: list[Item] = []
    wanted = [kind] if kind in KINDS else list(KINDS)
    if "new" in wanted:
        items += [
            Item(
                "new",
                s.pk,
                s.tag,
                s.hashtag.name if s.hashtag else "",
                s.created,
                s.changes_requested_at is not None,
            )
            for s in new_submissions()
        ]
    if "edit" in wanted:
        items += [
            Item(
                "edit",
                s.pk,
                s.tag,
                "Changes " + ", ".join(s.payload),
                s.created,
                s.changes_requested_at is not None,
            )
            for s in edit_suggestions()
        ]
    if "claim" in wanted:
        items += [
            Item("claim", c.pk, c.hashtag.tag, "Asks to keep the entry current", c.created)
            for c in steward_claims()
        ]
    if "report" in wanted:
        items += [
            Item("report", r.pk, r.hashtag.tag, r.get_reason_display(), r.created)
            for r in open_reports()
        ]
    if "verify" in wanted:
        moment = now or timezone.now()
        items += [
            _verify_item(h, moment) for h in due_entries(moment).select_related("activity_summary")
        ]
    return sorted(items, key=lambda item: (item.since, item.kind, item.pk))


def _decided(since: datetime, until: datetime) -> QuerySet[Submission]:
    return Submission.objects.filter(
        state__in=[Submission.State.APPROVED, Submission.State.REJECTED],
        decided_at__gte=since,
        decided_at__lt=until,
    )


def median_review_time(now: datetime | None = None) -> timedelta | None:
    """The median time from submission to decision of the submissions and edit
    suggestions decided in the last 30 days; None when none was decided."""
    now = now or timezone.now()
    pairs = _decided(now - timedelta(days=FIGURES_DAYS), now).values_list("created", "decided_at")
    waits = [decided - created for created, decided in pairs]
    if not waits:
        return None
    return statistics.median(waits)


@dataclass(frozen=True)
class Week:
    starts: datetime
    approved: int
    rejected: int


def decisions_per_week(weeks: int = 4, now: datetime | None = None) -> list[Week]:
    """Approved and rejected submissions and suggestions in each of the last `weeks`
    seven-day periods, the latest first (periods end at `now`)."""
    now = now or timezone.now()
    first = now - timedelta(days=7 * weeks)
    rows = list(_decided(first, now).values_list("decided_at", "state"))
    found = []
    for index in range(weeks):
        end = now - timedelta(days=7 * index)
        start = end - timedelta(days=7)
        states = [state for decided, state in rows if start <= decided < end]
        found.append(
            Week(
                start,
                states.count(Submission.State.APPROVED),
                states.count(Submission.State.REJECTED),
            )
        )
    return found


def other_submissions(submission: Submission, limit: int = 20) -> list[Submission]:
    """The submitter's other submissions (same email, any case), newest first: for
    curators only, since the email is private."""
    return list(
        Submission.objects.filter(submitter_email__iexact=submission.submitter_email)
        .exclude(pk=submission.pk)
        .select_related("hashtag")
        .order_by("-created", "-pk")[:limit]
    )


def _in_words(seconds: int) -> str:
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "less than a minute"


def waited(since: datetime, now: datetime | None = None) -> str:
    """How long an item has waited, as a curator reads it ("3 days", "5 hours")."""
    return _in_words(max(0, int(((now or timezone.now()) - since).total_seconds())))


def duration(value: timedelta | None) -> str:
    """A median wait in words ("2 days", "5 hours"); "—" when there is none."""
    return "—" if value is None else _in_words(max(0, int(value.total_seconds())))
