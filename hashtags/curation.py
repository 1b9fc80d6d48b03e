"""Curator writes: create an entry, and change one (used by the API's curator endpoints).

Like hashtags/moderation.py (whose validation helpers these reuse, so the rules live
once): small functions with keyword-only arguments that validate everything, then write
inside one transaction, recording the curator in each changed record's history.
Retiring, verifying and deciding submissions are moderation.py's own functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from hashtags.models import Category, Hashtag, HashtagModerator, Status
from hashtags.moderation import (
    check_identity,
    existing_moderator,
    save_as,
    validate_chats,
    validate_moderators,
)

# The entry's own fields a curator may set; status changes go through moderation.py.
ENTRY_FIELDS = (
    "tag",
    "name",
    "kind",
    "description",
    "language",
    "website",
    "start_date",
    "end_date",
    "place",
)


def _validate(
    entry: Hashtag,
    chats: Iterable[Mapping[str, Any]] | None,
    moderators: Iterable[Mapping[str, Any]] | None,
) -> tuple[list, list]:
    """Every error at once, keyed by field (chats[0].start_time for nested ones)."""
    errors: dict[str, list[str]] = {}
    chat_objects: list = []
    moderator_objects: list = []
    try:
        entry.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if chats is not None:
        try:
            chat_objects = validate_chats(entry, list(chats))
        except ValidationError as error:
            errors.update(error.message_dict)
    if moderators is not None:
        try:
            moderator_objects = validate_moderators(list(moderators))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return chat_objects, moderator_objects


def _save_entry(entry: Hashtag, curator, reason: str) -> None:
    try:
        with transaction.atomic():
            save_as(entry, curator, reason)
    except IntegrityError:
        # Lost a race to another spelling of the same tag: say so, as validation would.
        check_identity(entry.tag)
        raise


def _replace_related(
    entry: Hashtag, curator, chat_objects: list | None, moderator_objects: list | None
) -> None:
    if chat_objects is not None:
        for chat in entry.chats.all():
            chat._history_user = curator
            chat.delete()
        for chat in chat_objects:
            chat.hashtag = entry
            save_as(chat, curator)
    if moderator_objects is not None:
        for host in entry.hosts.all():
            host._history_user = curator
            host.delete()
        for moderator, role in moderator_objects:
            host = HashtagModerator(
                hashtag=entry, moderator=existing_moderator(moderator), role=role
            )
            if not HashtagModerator.objects.filter(
                hashtag=entry, moderator=host.moderator
            ).exists():
                save_as(host, curator)


@transaction.atomic
def create_entry(
    *,
    curator,
    tag: str,
    name: str,
    kind: str,
    description: str = "",
    categories: Iterable[Category] = (),
    platforms: Iterable[str] = (),
    language: str = "en",
    website: str = "",
    start_date=None,
    end_date=None,
    place: str = "",
    chats: Iterable[Mapping[str, Any]] = (),
    moderators: Iterable[Mapping[str, Any]] = (),
) -> Hashtag:
    """A curator's new entry: public at once (approved by that curator)."""
    entry = Hashtag(
        tag=tag,
        name=name,
        kind=kind,
        description=description or "",
        language=language or "en",
        website=website or "",
        start_date=start_date,
        end_date=end_date,
        place=place or "",
        status=Status.APPROVED,
        approved_at=timezone.now(),
        approved_by=curator,
    )
    chat_objects, moderator_objects = _validate(entry, chats, moderators)
    _save_entry(entry, curator, "Created through the API")
    entry.categories.set(list(categories))
    entry.platforms.set(list(platforms))
    _replace_related(entry, curator, chat_objects, moderator_objects)
    return entry


@transaction.atomic
def update_entry(
    *,
    hashtag: Hashtag,
    curator,
    categories: Iterable[Category] | None = None,
    platforms: Iterable[str] | None = None,
    chats: Iterable[Mapping[str, Any]] | None = None,
    moderators: Iterable[Mapping[str, Any]] | None = None,
    **changes: Any,
) -> Hashtag:
    """Change the given fields of an entry; lists given (chats, moderators, categories,
    platforms) replace the entry's whole list, lists not given stay as they are."""
    unknown = set(changes) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    entry = Hashtag.objects.select_for_update().get(pk=hashtag.pk)
    for name, value in changes.items():
        setattr(entry, name, value)
    chat_objects, moderator_objects = _validate(entry, chats, moderators)
    _save_entry(entry, curator, "Changed through the API")
    if categories is not None:
        entry.categories.set(list(categories))
    if platforms is not None:
        entry.platforms.set(list(platforms))
    _replace_related(
        entry,
        curator,
        chat_objects if chats is not None else None,
        moderator_objects if moderators is not None else None,
    )
    return entry
