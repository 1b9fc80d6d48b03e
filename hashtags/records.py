"""An entry as plain data: the fields people give (`Entry`) and the record of a stored
entry in those terms (`stored_record`), which the write path compares, submissions keep
as proposed, and the export's record is built on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, TypedDict

from hashtags.models import (
    Category,
    Chat,
    ChatPause,
    Hashtag,
    HashtagModerator,
    Identity,
    Moderator,
    Platform,
)
from hashtags.validators import tag_key


class Entry(TypedDict, total=False):
    """An entry's data as submitters, curators, files and the demo registry give it.

    Lists given replace the entry's whole list; a key left out keeps what is stored.
    """

    tag: str
    name: str
    kind: str
    description: str
    language: str
    website: str
    source: str
    start_date: date | None
    end_date: date | None
    place: str
    replaced_by: str | Hashtag | None
    categories: Sequence[Category]
    platforms: Sequence[str | Platform]
    aliases: Sequence[str]
    chats: Sequence[Mapping[str, Any]]
    moderators: Sequence[Mapping[str, Any]]


FIELDS = tuple(Entry.__annotations__)
LISTS = ("categories", "platforms", "aliases", "chats", "moderators")
# The entry's own columns, in the order forms and files show them.
OWN_FIELDS = tuple(name for name in FIELDS if name not in LISTS)
# What only curators set (and files carry): a retired entry's successor.
CURATOR_FIELDS = ("replaced_by",)

# A chat's schedule and life, as every entry point gives it (timezone by IANA name;
# pauses as a list of PAUSE_FIELDS).
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
    "pauses",
    "cancelled_dates",
    "is_active",
    "note",
)
# The chat's own columns (its pauses are rows of their own).
CHAT_COLUMNS = tuple(name for name in CHAT_FIELDS if name != "pauses")
# A break, as people write it: {"from": "2026-07-01", "until": "2026-08-31", "note": ...};
# "until" may be null (open-ended).
PAUSE_FIELDS = ("from", "until", "note")
ACCOUNT_FIELDS = ("handle", "display_name", "platform", "profile_url")
MODERATOR_FIELDS = (*ACCOUNT_FIELDS, "role", "since", "until")


# --- Records: an entry as plain data -------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Hashtag):
        return value.tag
    return value.isoformat() if isinstance(value, date) else value


def pause_record(pause: ChatPause) -> dict[str, Any]:
    return {"from": _plain(pause.starts_on), "until": _plain(pause.ends_on), "note": pause.note}


def chat_record(chat: Chat) -> dict[str, Any]:
    return {
        "title": chat.title,
        "frequency": chat.frequency,
        "weekdays": chat.weekday_list,
        "interval": chat.interval,
        "month_weeks": chat.month_week_list,
        "start_time": chat.start_time.isoformat(),
        "duration_minutes": chat.duration_minutes,
        "timezone": chat.timezone_id,
        "starts_on": _plain(chat.starts_on),
        "ends_on": _plain(chat.ends_on),
        "pauses": [pause_record(pause) for pause in chat.pause_list],
        # As stored (ISO dates, which sort as dates): a row written past the validators
        # with a date nobody can read still has a record.
        "cancelled_dates": sorted(_plain(day) for day in chat.cancelled_dates or ()),
        "is_active": chat.is_active,
        "note": chat.note,
    }


def account_record(moderator: Moderator) -> dict[str, str]:
    """The account's own data (shared by every entry the account hosts)."""
    return {
        "handle": moderator.handle,
        "display_name": moderator.display_name,
        "platform": moderator.platform_id,
        "profile_url": moderator.profile_url,
    }


def moderator_record(moderator: Moderator, link: HashtagModerator) -> dict[str, Any]:
    """A host of one entry: the account, and its role and years on this entry."""
    return {
        **account_record(moderator),
        "role": link.role,
        "since": link.since,
        "until": link.until,
    }


def record(
    hashtag: Hashtag,
    *,
    categories: Sequence[str],
    platforms: Sequence[str],
    aliases: Sequence[str],
    chats: Sequence[Chat],
    moderators: Sequence[tuple[Moderator, HashtagModerator]],
) -> dict[str, Any]:
    """The entry's `Entry` data as JSON values (categories by slug), in a fixed order: what
    a submission keeps as proposed, and the heart of the export's record."""
    data = {name: _plain(getattr(hashtag, name)) for name in OWN_FIELDS}
    data.update(
        categories=sorted(set(categories)),
        platforms=sorted(set(platforms)),
        aliases=sorted(aliases, key=tag_key),
        chats=[chat_record(chat) for chat in chats],
        moderators=[moderator_record(moderator, link) for moderator, link in moderators],
    )
    return data


def stored_record(hashtag: Hashtag) -> dict[str, Any]:
    """`record()` of a saved entry, read through its relations (prefetched or not)."""
    return record(
        hashtag,
        categories=[category.slug for category in hashtag.categories.all()],
        platforms=[platform.code for platform in hashtag.platforms.all()],
        aliases=[alias.tag for alias in stored_aliases(hashtag)],
        chats=sorted(hashtag.chats.all(), key=lambda chat: (chat.start_time, chat.pk)),
        moderators=[
            (host.moderator, host) for host in sorted(hashtag.hosts.all(), key=lambda host: host.pk)
        ],
    )


def stored_aliases(hashtag: Hashtag) -> list[Identity]:
    prefetched = getattr(hashtag, "alias_list", None)
    if prefetched is not None:
        return list(prefetched)
    return list(hashtag.identities.filter(is_alias=True).order_by("key"))
