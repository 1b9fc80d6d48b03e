"""Writes to the registry: submitting, and the curators' decisions.

The form, the API, the admin and the importer all call these functions, so the rules
live once. Each is a small function with keyword-only arguments that validates with
`full_clean()` and then saves inside `transaction.atomic()`; each decision locks the
entry's row, so two curators cannot decide the same entry twice, and records who made
the change in the entry's history.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from hashtags import notifications
from hashtags.models import (
    Alias,
    Category,
    Chat,
    Hashtag,
    HashtagModerator,
    Identity,
    Moderator,
    Platform,
    Report,
    Status,
    Submission,
    identity_taken_message,
)
from hashtags.validators import tag_key

logger = logging.getLogger(__name__)


class ModerationError(Exception):
    """A decision that cannot be applied; the message is for the curator."""


CHAT_FIELDS = (
    "title",
    "frequency",
    "weekdays",
    "interval",
    "month_weeks",
    "start_time",
    "duration_minutes",
    "timezone",
    "starts_on",
    "ends_on",
    "is_active",
    "note",
)
MODERATOR_FIELDS = ("handle", "display_name", "platform", "profile_url", "role")


def _as_chat(hashtag: Hashtag, data: Mapping[str, Any]) -> Chat:
    values = {key: data[key] for key in CHAT_FIELDS if key in data and data[key] is not None}
    zone = values.pop("timezone", None)
    if isinstance(zone, str):
        values["timezone_id"] = zone
    elif zone is not None:
        values["timezone"] = zone
    if isinstance(values.get("weekdays"), list | tuple):
        values["weekdays"] = ",".join(values["weekdays"])
    if isinstance(values.get("month_weeks"), list | tuple):
        values["month_weeks"] = ",".join(str(week) for week in values["month_weeks"])
    return Chat(hashtag=hashtag, **values)


def _errors_at(prefix: str, index: int, error: ValidationError) -> ValidationError:
    """Name nested errors by position, e.g. chats[0].start_time, so each says where it is."""
    if hasattr(error, "error_dict"):
        return ValidationError(
            {
                f"{prefix}[{index}].{field}" if field != "__all__" else f"{prefix}[{index}]": msgs
                for field, msgs in error.message_dict.items()
            }
        )
    return ValidationError({f"{prefix}[{index}]": error.messages})


def validate_chats(hashtag: Hashtag, chats: Iterable[Mapping[str, Any]]) -> list[Chat]:
    objects, errors = [], {}
    for index, data in enumerate(chats):
        chat = _as_chat(hashtag, data)
        try:
            chat.full_clean(exclude=["hashtag"])
        except ValidationError as error:
            errors.update(_errors_at("chats", index, error).error_dict)
        objects.append(chat)
    if errors:
        raise ValidationError(errors)
    return objects


def validate_moderators(
    moderators: Iterable[Mapping[str, Any]],
) -> list[tuple[Moderator, str]]:
    result, errors = [], {}
    for index, data in enumerate(moderators):
        platform = data.get("platform") or "x"
        moderator = Moderator(
            handle=str(data.get("handle", "")).strip().lstrip("@"),
            display_name=data.get("display_name", "") or "",
            platform_id=platform.pk if isinstance(platform, Platform) else platform,
            profile_url=data.get("profile_url", "") or "",
        )
        link = HashtagModerator(moderator=moderator, role=data.get("role") or "host")
        try:
            moderator.full_clean(validate_constraints=False)
            link.full_clean(exclude=["hashtag", "moderator"])
        except ValidationError as error:
            errors.update(_errors_at("moderators", index, error).error_dict)
        result.append((moderator, link.role))
    if errors:
        raise ValidationError(errors)
    return result


def existing_moderator(moderator: Moderator) -> Moderator:
    found = Moderator.objects.filter(
        handle__iexact=moderator.handle, platform_id=moderator.platform_id
    ).first()
    if found is not None:
        return found
    moderator.save()
    return moderator


def check_identity(tag: str) -> None:
    """Raise a ValidationError on `tag` if the tag or an alias already holds its identity.

    Checked before anything is written so the submitter hears it plainly; the unique index
    still judges at save time, which is what settles a race.
    """
    existing = Identity.objects.filter(key=tag_key(tag)).select_related("hashtag").first()
    if existing is not None:
        raise ValidationError({"tag": identity_taken_message(existing)}, code="duplicate")


@transaction.atomic
def submit_hashtag(
    *,
    tag: str,
    name: str,
    kind: str,
    submitter_name: str,
    submitter_email: str,
    description: str = "",
    categories: Iterable[Category] = (),
    platforms: Iterable[str | Platform] = (),
    language: str = "en",
    website: str = "",
    start_date=None,
    end_date=None,
    place: str = "",
    chats: Iterable[Mapping[str, Any]] = (),
    moderators: Iterable[Mapping[str, Any]] = (),
    note: str = "",
) -> Submission:
    """Create a pending entry and its submission, or raise ValidationError field by field.

    Nothing is written unless everything is valid. Concurrent submissions of one tag in
    different spellings leave one pending entry: the others get the duplicate message.
    """
    hashtag = Hashtag(
        tag=tag,
        name=name,
        kind=kind,
        description=description,
        language=language or "en",
        website=website or "",
        start_date=start_date,
        end_date=end_date,
        place=place or "",
        status=Status.PENDING,
    )
    submission = Submission(
        tag=tag,
        submitter_name=submitter_name,
        submitter_email=submitter_email,
        note=note or "",
    )
    errors: dict[str, list[str]] = {}
    for obj, exclude in ((hashtag, None), (submission, ["hashtag", "tag", "payload"])):
        try:
            obj.full_clean(exclude=exclude)
        except ValidationError as error:
            errors.update(error.message_dict)
    chat_objects: list[Chat] = []
    moderator_objects: list[tuple[Moderator, str]] = []
    for validate, target in (
        (lambda: validate_chats(hashtag, list(chats)), chat_objects),
        (lambda: validate_moderators(list(moderators)), moderator_objects),
    ):
        try:
            target.extend(validate())
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            hashtag.save()
    except IntegrityError:
        # Lost a race to another spelling of the same tag: say so, as validation would have.
        check_identity(hashtag.tag)
        raise
    hashtag.categories.set(list(categories))
    hashtag.platforms.set([p.pk if isinstance(p, Platform) else p for p in platforms])
    for chat in chat_objects:
        chat.hashtag = hashtag
        chat.save()
    for moderator, role in moderator_objects:
        HashtagModerator.objects.get_or_create(
            hashtag=hashtag, moderator=existing_moderator(moderator), defaults={"role": role}
        )
    submission.hashtag = hashtag
    submission.tag = hashtag.tag
    submission.payload = snapshot(hashtag)
    submission.save()
    transaction.on_commit(lambda: notifications.submission_received(submission))
    return submission


def snapshot(hashtag: Hashtag) -> dict[str, Any]:
    """The entry's data as JSON, kept on the submission as "what was proposed"."""
    return {
        "tag": hashtag.tag,
        "name": hashtag.name,
        "kind": hashtag.kind,
        "description": hashtag.description,
        "language": hashtag.language,
        "website": hashtag.website,
        "categories": sorted(hashtag.categories.values_list("slug", flat=True)),
        "platforms": sorted(hashtag.platforms.values_list("code", flat=True)),
        "chats": [
            {
                "frequency": chat.frequency,
                "weekdays": chat.weekdays,
                "interval": chat.interval,
                "month_weeks": chat.month_weeks,
                "start_time": chat.start_time.isoformat(),
                "duration_minutes": chat.duration_minutes,
                "timezone": chat.timezone_id,
            }
            for chat in hashtag.chats.all()
        ],
        "moderators": [
            {
                "handle": host.moderator.handle,
                "platform": host.moderator.platform_id,
                "role": host.role,
            }
            for host in hashtag.hosts.select_related("moderator")
        ],
    }


def _locked(hashtag: Hashtag) -> Hashtag:
    return Hashtag.objects.select_for_update().get(pk=hashtag.pk)


def save_as(obj, user, reason: str = "") -> None:
    obj._history_user = user
    if reason:
        obj._change_reason = reason[:100]
    obj.save()


def _decide_submissions(hashtag: Hashtag, *, state: str, curator, reason: str = "") -> list:
    decided = []
    for submission in hashtag.submissions.filter(state=Submission.State.PENDING):
        submission.state = state
        submission.reason = reason
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
    entry.status = Status.APPROVED
    entry.status_reason = ""
    entry.approved_at = timezone.now()
    entry.approved_by = curator
    save_as(entry, curator, "Approved")
    for submission in _decide_submissions(entry, state=Submission.State.APPROVED, curator=curator):
        transaction.on_commit(lambda s=submission: notifications.submission_decided(s))
    return entry


@transaction.atomic
def reject(*, hashtag: Hashtag, curator, reason: str) -> Hashtag:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: the submitter will see it."})
    entry = _locked(hashtag)
    _require(entry, [Status.PENDING], "rejected")
    entry.status = Status.REJECTED
    entry.status_reason = reason
    save_as(entry, curator, "Rejected")
    for submission in _decide_submissions(
        entry, state=Submission.State.REJECTED, curator=curator, reason=reason
    ):
        transaction.on_commit(lambda s=submission: notifications.submission_decided(s))
    return entry


@transaction.atomic
def retire(*, hashtag: Hashtag, curator, reason: str = "") -> Hashtag:
    entry = _locked(hashtag)
    _require(entry, [Status.APPROVED], "retired")
    entry.status = Status.RETIRED
    entry.status_reason = (reason or "").strip()
    save_as(entry, curator, "Retired")
    return entry


@transaction.atomic
def verify(*, hashtag: Hashtag, curator) -> Hashtag:
    entry = _locked(hashtag)
    _require(entry, [Status.APPROVED, Status.RETIRED], "marked verified")
    entry.last_verified = timezone.now()
    save_as(entry, curator, "Verified")
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
    names = [source.tag, *source.identities.filter(is_alias=True).values_list("tag", flat=True)]
    reason = f"Merged into #{target.tag}."
    target.categories.add(*source.categories.all())
    target.platforms.add(*source.platforms.all())
    source.status = Status.REJECTED
    source.status_reason = reason
    save_as(source, curator, "Merged")  # frees its identities
    for name in names:
        alias = Alias(hashtag=target, tag=name)
        alias.full_clean()
        save_as(alias, curator, f"Merged from #{source.tag}")
    for submission in source.submissions.filter(state=Submission.State.PENDING):
        submission.hashtag = target
        submission.state = Submission.State.APPROVED
        submission.reason = reason
        submission.decided_at = timezone.now()
        submission.decided_by = curator
        save_as(submission, curator)
        transaction.on_commit(lambda s=submission: notifications.submission_decided(s))
    target._history_user = curator
    target.save()
    return target


@transaction.atomic
def add_alias(*, hashtag: Hashtag, tag: str, curator) -> Alias:
    alias = Alias(hashtag=hashtag, tag=tag)
    alias.full_clean()
    try:
        with transaction.atomic():
            save_as(alias, curator, "Alias added")
    except IntegrityError:
        check_identity(alias.tag)
        raise
    return alias


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
