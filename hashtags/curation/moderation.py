"""Writes to the registry: submitting, and the curators' decisions.

The form, the API, the admin and the importer all call these functions, so the rules
live once. Each is a small function with keyword-only arguments that validates with
`full_clean()` and then saves inside `transaction.atomic()`; each decision locks the
entry's row, so two curators cannot decide the same entry twice, and records who made
the change in the entry's history.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Unpack

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from hashtags import entries, published, records
from hashtags.curation import duplicates, notifications, stewardship
from hashtags.entries import Entry, check_identity, save_as
from hashtags.models import (
    Alias,
    Hashtag,
    Identity,
    RejectCode,
    Report,
    Status,
    Submission,
    lookalike_message,
)
from hashtags.validators import clean_tag, tag_key

logger = logging.getLogger(__name__)


class ModerationError(Exception):
    """A decision that cannot be applied; the message is for the curator."""


@transaction.atomic
def submit_hashtag(
    *,
    submitter_name: str,
    submitter_email: str,
    note: str = "",
    refuse_duplicate_content: bool = False,
    **entry: Unpack[Entry],
) -> Submission:
    """Create a pending entry and its submission, or raise ValidationError field by field.

    Nothing is written unless everything is valid. Concurrent submissions of one tag in
    different spellings leave one pending entry: the others get the duplicate message.
    The public ways in (the form and the API) pass `refuse_duplicate_content`: a valid
    entry whose text was proposed lately under another tag is refused
    (hashtags.curation.duplicates), after every other check, so a taken tag hears that first.
    """
    submission = Submission(
        tag=entry.get("tag") or "",
        submitter_name=submitter_name,
        submitter_email=submitter_email,
        note=note or "",
        # The page's language (/es/submit/: Spanish): the submitter's email is in it.
        language=translation.get_language(),
    )
    errors: dict[str, list[str]] = {}
    try:
        # Not "reference": a fresh random token, whose uniqueness the index guards.
        submission.full_clean(exclude=["hashtag", "tag", "payload", "reference"])
    except ValidationError as error:
        errors.update(error.message_dict)
    plan = None
    try:
        plan = entries.prepare(Hashtag(status=Status.PENDING), **entry)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    text = {"name": plan.hashtag.name, "description": plan.hashtag.description}
    with duplicates.unique_content(**text) if refuse_duplicate_content else nullcontext():
        # A public submission never changes an existing host's account details.
        hashtag = entries.write(plan, user=None, reason="Submitted", refresh_moderators=False)
        submission.hashtag = hashtag
        submission.tag = hashtag.tag
        # As proposed (the plan, just written): no need to read it back.
        submission.payload = records.record(
            hashtag,
            categories=[category.slug for category in plan.categories or ()],
            platforms=plan.platforms or (),
            aliases=plan.aliases or (),
            chats=plan.chats or (),
            moderators=plan.moderators or (),
        )
        submission.save()
    transaction.on_commit(lambda: notifications.submission_received(submission))
    return submission


def _locked(hashtag: Hashtag) -> Hashtag:
    return Hashtag.objects.select_for_update().get(pk=hashtag.pk)


def coded_reason(code: str | None, note: str | None) -> tuple[str, str]:
    """A rejection's (code, note), checked: the code is one of `RejectCode`, and "other"
    needs the note. A note alone (the API's and older callers' free-text `reason`) is
    filed as "other" with that note."""
    code, note = (code or "").strip(), (note or "").strip()
    if not code and not note:
        raise ValidationError({"reason": "Give a reason: the submitter will see it."})
    code = code or RejectCode.OTHER
    if code not in RejectCode.values:
        raise ValidationError(
            {"reason_code": f"Unknown reason code {code!r}: use one of {', '.join(RejectCode)}."}
        )
    if code == RejectCode.OTHER and not note:
        raise ValidationError(
            {"reason": 'With "Another reason", write the reason: the submitter will see it.'}
        )
    return code, note


def _decide_submissions(
    hashtag: Hashtag, *, state: str, curator, reason: str = "", reason_code: str = ""
) -> list:
    decided = []
    # The entry's own submission; edit suggestions on it are decided one by one
    # (hashtags.curation.suggestions).
    pending = hashtag.submissions.filter(state=Submission.State.PENDING, kind=Submission.Kind.NEW)
    for submission in pending:
        submission.state = state
        submission.reason = reason
        submission.reason_code = reason_code
        submission.decided_at = timezone.now()
        submission.decided_by = curator
        save_as(submission, curator)
        decided.append(submission)
    return decided


def _require(entry: Hashtag, allowed: Iterable[str], action: str) -> None:
    if entry.status not in allowed:
        who = f" by {entry.approved_by}" if entry.approved_by else ""
        raise ModerationError(
            f"#{entry.tag} cannot be {action}: it is already {entry.get_status_display().lower()}"
            f"{who if entry.status == Status.APPROVED else ''}."
        )


@transaction.atomic
def approve(*, hashtag: Hashtag, curator) -> Hashtag:
    entry = _locked(hashtag)
    _require(entry, [Status.PENDING], "approved")
    # A look-alike stored before they were refused (see migration 0010): merge or reject.
    lookalikes = entry.lookalike_clashes(Identity.objects.candidates([entry.tag]))
    if lookalikes:
        raise ModerationError(f"{lookalike_message(lookalikes[0])} Merge it or reject it.")
    entry.status = Status.APPROVED
    entry.status_reason = ""
    entry.approved_at = timezone.now()
    entry.approved_by = curator
    # A curator approves after checking the entry: that confirms it (its chats are
    # presented as meeting, see hashtags.models.has_evidence).
    entry.last_verified = entry.approved_at
    entry.last_verified_by = curator if getattr(curator, "pk", None) else None
    save_as(entry, curator, "Approved")
    published.publish([entry.pk])
    for submission in _decide_submissions(entry, state=Submission.State.APPROVED, curator=curator):
        # The submitter keeps the entry current from now on (hashtags.curation.stewardship).
        stewardship.steward_from_submission(submission)
        transaction.on_commit(lambda s=submission: notifications.submission_decided(s))
    return entry


@transaction.atomic
def reject(*, hashtag: Hashtag, curator, reason: str = "", code: str = "") -> Hashtag:
    """Reject a pending entry with a coded reason (`RejectCode`) and an optional note for
    the submitter (see `coded_reason`)."""
    code, reason = coded_reason(code, reason)
    entry = _locked(hashtag)
    _require(entry, [Status.PENDING], "rejected")
    entry.status = Status.REJECTED
    entry.status_reason = reason or RejectCode(code).label
    save_as(entry, curator, "Rejected")
    for submission in _decide_submissions(
        entry, state=Submission.State.REJECTED, curator=curator, reason=reason, reason_code=code
    ):
        transaction.on_commit(lambda s=submission: notifications.submission_decided(s))
    # A rejected proposal does not block a corrected one with the same text.
    transaction.on_commit(
        lambda: duplicates.release(name=entry.name, description=entry.description)
    )
    return entry


@transaction.atomic
def retire(
    *, hashtag: Hashtag, curator, reason: str = "", replaced_by: str | Hashtag | None = None
) -> Hashtag:
    """Retire a public entry, naming its successor (a tag or alias of a public entry)
    where its community moved."""
    entry = _locked(hashtag)
    _require(entry, [Status.APPROVED], "retired")
    entry.status = Status.RETIRED
    entry.status_reason = (reason or "").strip()
    changes = {"replaced_by": replaced_by} if replaced_by else {}
    plan = entries.prepare(entry, exclude=["created", "updated"], **changes)
    entries.write(plan, user=curator, reason="Retired")
    return entry


@transaction.atomic
def verify(*, hashtag: Hashtag, curator) -> Hashtag:
    """Record that `curator` (a curator, or later a steward) confirmed the entry is
    accurate now: its freshness becomes current."""
    entry = _locked(hashtag)
    _require(entry, [Status.APPROVED, Status.RETIRED], "marked verified")
    entry.last_verified = timezone.now()
    entry.last_verified_by = curator if getattr(curator, "pk", None) else None
    save_as(entry, curator, "Verified")
    published.publish([entry.pk])
    return entry


@transaction.atomic
def merge(*, duplicate: Hashtag, into: Hashtag, curator) -> Hashtag:
    """Fold `duplicate` into `into`: its tag and aliases become aliases of `into`, its
    categories and platforms are added, its pending submissions are answered with a link
    to `into`. The duplicate itself is kept, rejected as merged, for the record."""
    if duplicate.pk == into.pk:
        raise ModerationError("An entry cannot be merged into itself.")
    # Lock both rows in a fixed order so two merges cannot deadlock.
    locked = {
        h.pk: h
        for h in Hashtag.objects.select_for_update()
        .filter(pk__in=[duplicate.pk, into.pk])
        .order_by("pk")
    }
    source, target = locked[duplicate.pk], locked[into.pk]
    _require(source, [Status.PENDING, Status.APPROVED, Status.RETIRED], "merged")
    _require(target, [Status.APPROVED, Status.RETIRED, Status.PENDING], "merged into")
    names = [
        name
        for name in [source.tag, *(alias.tag for alias in records.stored_aliases(source))]
        # A look-alike of a name the entry has (a pair stored before look-alikes were
        # refused): kept as an alias, it would render like that name.
        if not target.identities.lookalikes(name).exists()
    ]
    reason = f"Merged into #{target.tag}."
    source.status = Status.REJECTED
    source.status_reason = reason
    save_as(source, curator, "Merged")  # frees its identities
    # The kept entry gains the duplicate's names, categories and platforms, judged and
    # written as any change to an entry is.
    gained = entries.prepare(
        target,
        categories=[*target.categories.all(), *source.categories.all()],
        platforms=[*target.platforms.all(), *source.platforms.all()],
        aliases=[*(alias.tag for alias in records.stored_aliases(target)), *names],
    )
    entries.write(gained, user=curator, reason=f"Merged from #{source.tag}", publish=False)
    for submission in source.submissions.filter(state=Submission.State.PENDING):
        if submission.kind == Submission.Kind.EDIT:
            # Its old values were the duplicate's: it cannot apply to the entry kept.
            submission.state = Submission.State.REJECTED
            submission.reason = f"{reason} Suggest the change on #{target.tag} instead."
            submission.decided_at = timezone.now()
            submission.decided_by = curator
            save_as(submission, curator)
            continue
        submission.hashtag = target
        submission.state = Submission.State.APPROVED
        submission.reason = reason
        submission.decided_at = timezone.now()
        submission.decided_by = curator
        save_as(submission, curator)
        transaction.on_commit(lambda s=submission: notifications.submission_decided(s))
    published.publish([source.pk, target.pk])
    return target


def add_alias(*, hashtag: Hashtag, tag: str, curator) -> Alias:
    """A new alias for the entry, judged with its other names (hashtags.entries)."""
    names = [alias.tag for alias in records.stored_aliases(hashtag)]
    try:
        with transaction.atomic():
            entries.update(
                hashtag=hashtag, curator=curator, reason="Alias added", aliases=[*names, tag]
            )
    except IntegrityError:
        # Lost a race for the name: say so, as validation would.
        check_identity(tag)
        raise
    return Alias.objects.get(hashtag=hashtag, key=tag_key(clean_tag(tag)))


@transaction.atomic
def request_changes(*, submission: Submission, curator, message: str) -> Submission:
    """Ask the submitter for changes: they get the curator's message by email, and the
    submission stays waiting, marked "changes requested" (the latest message is kept)."""
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Write what should change: the submitter gets it."})
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.state != Submission.State.PENDING:
        raise ModerationError(f"This submission is already {locked.get_state_display().lower()}.")
    locked.changes_requested = message
    locked.changes_requested_at = timezone.now()
    locked.full_clean(exclude=["hashtag", "payload", "base"])
    save_as(locked, curator, "Changes requested")
    transaction.on_commit(lambda: notifications.changes_requested(locked))
    return locked


@transaction.atomic
def resolve_report(*, report: Report, curator, note: str = "") -> Report:
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.resolved_at is not None:
        raise ModerationError("This report has already been resolved.")
    locked.resolved_at = timezone.now()
    locked.resolved_by = curator
    locked.resolution_note = (note or "").strip()
    save_as(locked, curator, "Resolved")
    return locked
