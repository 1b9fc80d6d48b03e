"""Edit suggestions: anyone proposes a change to a public entry; a curator applies it.

A suggestion is a `Submission` of kind "edit" that holds only the fields it changes
(`payload`, in `hashtags.records.record()` form) and the entry's values of those fields
when it was made (`base`). Nothing about the entry changes until a curator approves;
approving writes the chosen fields through `hashtags.entries.update`, the one write
path, so the entry's history records the curator and the suggestion's reference. Its
author hears by email when it is received and when it is decided (hashtags.curation.notifications).

A field the entry changed since the suggestion was made (its value is no longer `base`)
is a conflict: applying it would overwrite someone else's change, so it is refused and
the curator may apply the other fields only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hashtags import entries, records
from hashtags.curation import notifications
from hashtags.curation.moderation import ModerationError, coded_reason
from hashtags.entries import save_as
from hashtags.models import PUBLIC_STATUSES, Category, Hashtag, Moderator, Submission

# What a suggestion may change: the entry's fields, except its tag (which changes
# through aliases and merges), its aliases (identities are the curators' to assign) and
# what only curators set.
SUGGESTIBLE = tuple(
    name for name in entries.FIELDS if name not in ("tag", "aliases", *entries.CURATOR_FIELDS)
)
NOTHING_CHANGED = gettext_lazy("Nothing changed: the suggestion is the same as the entry.")


class SuggestionConflict(ModerationError):
    """The entry changed, since the suggestion was made, in fields it would change."""

    def __init__(self, submission: Submission, fields: Sequence[str]) -> None:
        self.fields = list(fields)
        names = ", ".join(self.fields)
        super().__init__(
            f"#{submission.tag} changed since this suggestion was made, in: {names}. "
            "Applying it would overwrite that change; apply the other fields only, or "
            "reject it."
        )


def _proposed_record(current: dict[str, Any], plan: entries.Plan) -> dict[str, Any]:
    """The planned entry as `record()` data, lists not given keeping the current ones."""
    chats = plan.chats
    if chats is not None:
        # Entries list their chats by start time; a suggestion giving them in another
        # order is not a change.
        chats = sorted(chats, key=lambda chat: chat.start_time)
    proposed = records.record(
        plan.hashtag,
        categories=[c.slug for c in plan.categories] if plan.categories is not None else [],
        platforms=plan.platforms or [],
        aliases=[],
        chats=chats or [],
        moderators=plan.moderators or [],
    )
    for name in entries.LISTS:
        if getattr(plan, name) is None:
            proposed[name] = current[name]
    return proposed


@transaction.atomic
def suggest_edit(
    *,
    hashtag: Hashtag,
    submitter_name: str,
    submitter_email: str,
    note: str = "",
    **changes: Any,
) -> Submission:
    """A pending edit suggestion for the public entry `hashtag`, holding only the fields
    of `changes` that differ from the entry; or a ValidationError field by field (and on
    no field when nothing differs). The entry itself is not written."""
    entry = Hashtag.objects.filter(pk=hashtag.pk, status__in=PUBLIC_STATUSES).first()
    if entry is None:
        raise ModerationError(f"#{hashtag.tag} is not in the directory.")
    submission = Submission(
        language=translation.get_language(),
        kind=Submission.Kind.EDIT,
        hashtag=entry,
        tag=entry.tag,
        submitter_name=submitter_name,
        submitter_email=submitter_email,
        note=note or "",
    )
    errors: dict[str, list[str]] = {}
    try:
        submission.full_clean(exclude=["hashtag", "payload", "base"])
    except ValidationError as error:
        errors.update(error.message_dict)
    for name in sorted(set(changes) - set(SUGGESTIBLE)):
        errors[name] = [_("This field cannot be changed by a suggestion.")]
        changes.pop(name)
    current = entries.stored_record(entry)
    try:
        # `prepare` sets the changes on the object it is given: a copy, never `entry`.
        plan = entries.prepare(Hashtag.objects.get(pk=entry.pk), **changes)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    proposed = _proposed_record(current, plan)
    payload = {
        name: proposed[name]
        for name in entries.FIELDS
        if name in changes and proposed[name] != current[name]
    }
    if not payload:
        raise ValidationError({NON_FIELD_ERRORS: [str(NOTHING_CHANGED)]}, code="unchanged")
    submission.payload = payload
    submission.base = {name: current[name] for name in payload}
    submission.save()
    transaction.on_commit(lambda: notifications.submission_received(submission))
    return submission


def _pending_edit(submission: Submission) -> Submission:
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.kind != Submission.Kind.EDIT:
        raise ModerationError("This submission is a new entry, not an edit suggestion.")
    if locked.state != Submission.State.PENDING:
        raise ModerationError(f"This suggestion is already {locked.get_state_display().lower()}.")
    return locked


def conflicts(submission: Submission, current: dict[str, Any] | None = None) -> list[str]:
    """The fields of the suggestion that the entry changed since it was made (and not to
    the suggested value)."""
    if submission.hashtag is None:
        return list(submission.payload)
    current = current if current is not None else entries.stored_record(submission.hashtag)
    return [
        name
        for name, value in submission.payload.items()
        if current.get(name) != submission.base.get(name) and current.get(name) != value
    ]


def _as_changes(payload: dict[str, Any]) -> dict[str, Any]:
    """The record's values as `entries.update` takes them (categories as rows)."""
    changes = dict(payload)
    if "categories" in changes:
        slugs = changes["categories"]
        found = {c.slug: c for c in Category.objects.filter(slug__in=slugs)}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise ValidationError(
                {
                    "categories": _("No longer a category: %(slugs)s.")
                    % {"slugs": ", ".join(missing)}
                }
            )
        changes["categories"] = [found[slug] for slug in slugs]
    return changes


def shared_accounts(submission: Submission) -> list[dict[str, Any]]:
    """The stored host accounts the suggestion lists with other account data (display
    name, profile link, the handle's letter case), each with the other entries that show
    it. Approving leaves those accounts as they are; only a curator's edit of the account
    changes it."""
    found = []
    for proposed in submission.payload.get("moderators") or []:
        handle = str(proposed.get("handle") or "").strip().lstrip("@")
        account = Moderator.objects.filter(
            handle__iexact=handle, platform_id=proposed.get("platform") or "x"
        ).first()
        if account is None:
            continue
        stored = records.account_record(account)
        wanted = {**stored, **{k: proposed[k] for k in stored if k in proposed}}
        wanted["handle"] = handle
        if wanted == stored:
            continue
        others = Hashtag.objects.filter(hosts__moderator=account).exclude(pk=submission.hashtag_id)
        found.append(
            {
                "account": account,
                "changes": [
                    {"name": name.replace("_", " "), "value": wanted[name]}
                    for name in stored
                    if wanted[name] != stored[name]
                ],
                "entries": list(others.order_by("key").distinct()),
            }
        )
    return found


@transaction.atomic
def apply_suggestion(
    *, submission: Submission, curator: Any, fields: Iterable[str] | None = None
) -> Submission:
    """Apply the suggestion (or only `fields` of it) to its entry, recording the curator,
    and mark it approved. Refuses with SuggestionConflict when a field to apply changed
    on the entry since the suggestion was made."""
    locked = _pending_edit(submission)
    if locked.hashtag is None:
        raise ModerationError("The entry this suggestion was for no longer exists.")
    entry = Hashtag.objects.select_for_update().get(pk=locked.hashtag_id)
    if not entry.is_public:
        raise ModerationError(f"#{entry.tag} is no longer in the directory.")
    suggested = list(locked.payload)
    chosen = suggested if fields is None else list(dict.fromkeys(fields))
    unknown = [name for name in chosen if name not in suggested]
    if unknown:
        raise ValidationError(
            {
                "fields": f"Not part of this suggestion: {', '.join(unknown)}. "
                f"It changes: {', '.join(suggested)}."
            }
        )
    if not chosen:
        raise ValidationError({"fields": "Choose at least one field to apply."})
    current = entries.stored_record(entry)
    clashing = [name for name in conflicts(locked, current) if name in chosen]
    if clashing:
        raise SuggestionConflict(locked, clashing)
    changes = _as_changes({name: locked.payload[name] for name in chosen})
    entries.update(
        hashtag=entry,
        curator=curator,
        reason=f"Suggested edit {locked.reference} approved",
        # A host account is shared by the entries it hosts: a suggestion on one entry
        # links accounts, it never rewrites one (see `shared_accounts`).
        refresh_moderators=False,
        **changes,
    )
    left = [name for name in suggested if name not in chosen]
    locked.state = Submission.State.APPROVED
    locked.reason = f"Applied: {', '.join(chosen)}. Not applied: {', '.join(left)}." if left else ""
    locked.decided_at = timezone.now()
    locked.decided_by = curator
    save_as(locked, curator, "Approved")
    transaction.on_commit(lambda: notifications.submission_decided(locked))
    return locked


@transaction.atomic
def reject_suggestion(
    *, submission: Submission, curator: Any, reason: str = "", code: str = ""
) -> Submission:
    """Decline the suggestion with a coded reason and an optional note (see
    `moderation.coded_reason`); the entry stays as it is."""
    if not (code or "").strip() and not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason: the person who suggested it sees it."})
    code, reason = coded_reason(code, reason)
    locked = _pending_edit(submission)
    locked.state = Submission.State.REJECTED
    locked.reason = reason
    locked.reason_code = code
    locked.decided_at = timezone.now()
    locked.decided_by = curator
    save_as(locked, curator, "Rejected")
    transaction.on_commit(lambda: notifications.submission_decided(locked))
    return locked
