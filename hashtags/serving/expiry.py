"""Cached pages to expire once a transaction commits: the only work signals do here.

Every model a public page shows sends signals (save, delete, the links of an entry to
its categories and platforms). Each is reduced to the pages it touches: some entries'
(an entry, its chats and their breaks, its aliases, its hosts) or every page (a category,
a platform: their names show on every page that lists them). Writes that concern only
entries that are neither public nor were when read (a new submission, a rejection, a
pending entry's chats) touch nothing: public submissions cannot empty the cache.

Once the transaction commits, the cached pages of the entries touched and every list are
expired (hashtags.serving.cache.bump_entries), or, for a change that touches everything, every
cached page (bump_generation). After the commit, so that a reader caching between the
write and the commit does so under the old versions, which this then expires. Nothing is
expired for a transaction that rolls back.

The documents and counts those pages read are business data: the write path publishes
them explicitly (hashtags.published), never a receiver here.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from hashtags.serving import cache as registry_cache

# A host's details show on the pages of every entry they host: past this many entries,
# their change expires every page rather than each entry's.
MAX_ENTRIES_ONE_BY_ONE = 200


def expire(entries: set[int], keys: set[str], everything: bool) -> None:
    """Expire the cached pages of these entries (by id, and pages known by key) and every
    list; or, for a change that touches everything, every cached page."""
    from hashtags.models import Hashtag, Identity

    if everything:
        registry_cache.bump_generation()
        return
    keys = set(keys)
    if entries:
        # Their pages, those at their aliases' addresses (kept under the alias's key), and
        # those of the entries they succeed, by any name (a retired entry's page names
        # its successor).
        keys.update(
            Hashtag.objects.using("default").filter(pk__in=entries).values_list("key", flat=True)
        )
        keys.update(
            Identity.objects.using("default")
            .filter(Q(hashtag_id__in=entries) | Q(hashtag__replaced_by_id__in=entries))
            .values_list("key", flat=True)
        )
    registry_cache.bump_entries(keys)


def note(
    *, entries: set[int] | None = None, keys: set[str] | None = None, everything: bool = False
) -> None:
    """Expire the cached pages of these entries (by id; `keys`: pages known by key, a renamed
    entry's old one) or every page, once the transaction commits (at once outside one)."""
    transaction.on_commit(partial(expire, set(entries or ()), set(keys or ()), everything))


def may_show_publicly(sender: type, instance: object, *, created: bool = False) -> bool:
    """Could this write change a public page? Not when it only concerns entries that are
    neither public now nor were when read (a new submission, a rejection, a pending
    entry's chats and links), nor a moderator just created (linked to nothing yet)."""
    from hashtags.models import PUBLIC_STATUSES, Hashtag, Moderator

    if sender is Moderator and created:
        return False
    if isinstance(instance, Hashtag):  # the entry, or its links (m2m_changed, forward)
        known = created or "_status_in_db" in instance.__dict__
        before = None if created else instance.__dict__.get("_status_in_db")
        instance._status_in_db = instance.status  # what the database holds from now on
        return not known or instance.status in PUBLIC_STATUSES or before in PUBLIC_STATUSES
    hashtag_id = _entry_of(instance)
    if hashtag_id is None:
        return True  # a category, a platform, a moderator's details, a reverse link
    known = getattr(instance, "_state", None) and instance._state.fields_cache.get("hashtag")
    if known is not None and "_status_in_db" in known.__dict__:
        # The entry this row was saved with, whose stored status is known (written in
        # this transaction, or read with it): no query.
        return known._status_in_db in PUBLIC_STATUSES
    return Hashtag.objects.public().filter(pk=hashtag_id).exists()


def _entry_of(instance: object) -> int | None:
    """The id of the entry a row belongs to (a chat's break: its chat's entry)."""
    from hashtags.models import Chat, ChatPause

    if isinstance(instance, ChatPause):
        return Chat.objects.filter(pk=instance.chat_id).values_list("hashtag_id", flat=True).first()
    return getattr(instance, "hashtag_id", None)


def entries_written(hashtags: Iterable[Any], *, created: set[int]) -> None:
    """Expire the pages of entries written, with everything of theirs (their chats,
    breaks, aliases, hosts and links): what the signals of their saves would expire, for
    entries the write path writes in bulk, which sends none. `created`: the `id()` of
    those just created."""
    from hashtags.models import Hashtag

    entries: set[int] = set()
    keys: set[str] = set()
    for hashtag in hashtags:
        old_key = hashtag.__dict__.get("_key_in_db")
        if not may_show_publicly(Hashtag, hashtag, created=id(hashtag) in created):
            continue
        keys |= {hashtag.key, old_key} - {None, ""}
        hashtag._key_in_db = hashtag.key
        entries.add(hashtag.pk)
    if entries:
        note(entries=entries, keys=keys)


def accounts_changed(moderator_ids: Iterable[int]) -> None:
    """Expire the pages of the entries these host accounts host (their names show there)."""
    from hashtags.models import Hashtag

    hosted = list(
        Hashtag.objects.filter(hosts__moderator_id__in=list(moderator_ids))
        .values_list("pk", flat=True)
        .distinct()[: MAX_ENTRIES_ONE_BY_ONE + 1]
    )
    if len(hosted) > MAX_ENTRIES_ONE_BY_ONE:
        note(everything=True)
    else:
        note(entries=set(hosted))  # a host's name counts for nothing


def _changed(sender: type, instance: object = None, **kwargs: Any) -> None:
    from hashtags.models import Hashtag, Identity, Moderator

    action = kwargs.get("action")
    if action is not None and not str(action).startswith("post_"):
        return  # m2m_changed also fires before the change
    if isinstance(instance, Hashtag):
        created = {id(instance)} if kwargs.get("created") else set()
        entries_written([instance], created=created)
        return
    if not may_show_publicly(sender, instance, created=bool(kwargs.get("created"))):
        return
    if isinstance(instance, Moderator):
        accounts_changed([instance.pk])
        return
    hashtag_id = _entry_of(instance)
    if hashtag_id is None:
        note(everything=True)  # a category, a platform, a reverse link from a category
    elif isinstance(instance, Identity):
        # An alias's address keeps its pages under its own key, which a deleted or
        # renamed alias no longer has by the time the change commits.
        note(entries={hashtag_id}, keys={instance.key} - {""})
    else:
        note(entries={hashtag_id})


def connect_signals() -> None:
    from hashtags import models

    senders = [
        models.Hashtag,
        models.Identity,
        models.Alias,
        models.Category,
        models.Chat,
        models.ChatPause,
        models.Moderator,
        models.HashtagModerator,
        models.Platform,
    ]
    for sender in senders:
        post_save.connect(_changed, sender=sender, dispatch_uid=f"changes-save-{sender}")
        post_delete.connect(_changed, sender=sender, dispatch_uid=f"changes-del-{sender}")
    for through in (models.Hashtag.categories.through, models.Hashtag.platforms.through):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"changes-m2m-{through}")
