"""The entry page's objects, read from the published entry (hashtags.published).

The page shows what the API's document and the export's record hold, so it is rendered
from them: one indexed read, whatever the entry's number of chats, hosts or aliases.
The objects built here are the registry's own models, unsaved and filled from the stored
documents, so the templates and their filters (schedules in words, a chat's state, the
freshness in words) are the same ones every other page uses. A chat's next meetings are
the ones its document lists (`schedules.next_occurrences`, run when it was published),
and its status the one its document states.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils.dateparse import parse_datetime

from hashtags import published, schedules
from hashtags.models import (
    Category,
    Chat,
    ChatPause,
    Hashtag,
    HashtagModerator,
    Identity,
    Moderator,
    Platform,
    Status,
)
from hashtags.records import OWN_FIELDS
from hashtags.serving.cache import per_generation

CHAT_COLUMNS = (
    "title",
    "frequency",
    "interval",
    "duration_minutes",
    "starts_on",
    "ends_on",
    "is_active",
    "note",
)


@dataclass
class EntryPage:
    """Everything the entry page shows of one entry."""

    hashtag: Hashtag
    chats: list[Chat] = field(default_factory=list)
    hosts: list[HashtagModerator] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    platforms: list[Platform] = field(default_factory=list)


def platforms_by_code() -> dict[str, Platform]:
    """The platforms (names, tag searches, how to join), read once per registry change."""
    return per_generation(
        "platforms", lambda: {platform.code: platform for platform in Platform.objects.all()}
    )


def _value(model: type, name: str, value: Any) -> Any:
    return model._meta.get_field(name).to_python(value)


def _chat(hashtag: Hashtag, record: dict, document: dict) -> Chat:
    chat = Chat(
        hashtag=hashtag,
        weekdays=",".join(record["weekdays"]),
        month_weeks=",".join(str(week) for week in record["month_weeks"]),
        start_time=_value(Chat, "start_time", record["start_time"]),
        timezone_id=record["timezone"],
        cancelled_dates=list(record["cancelled_dates"]),
        **{name: _value(Chat, name, record[name]) for name in CHAT_COLUMNS},
    )
    chat.planned_pauses = [
        ChatPause(
            starts_on=_value(ChatPause, "starts_on", pause["from"]),
            ends_on=_value(ChatPause, "ends_on", pause["until"]),
            note=pause["note"],
        )
        for pause in record["pauses"]
    ]
    try:
        zone = schedules.get_zone(chat.timezone_id)
    except schedules.UnknownTimeZone:
        zone = None
    length = timedelta(minutes=chat.duration_minutes)
    starts = [datetime.fromisoformat(text) for text in document["next_occurrences"]]
    # Its status as published: "unconfirmed" depends on the entry's evidence, which the
    # document was made with (and holds until the evidence runs out).
    chat.published_status = document["status"]
    chat.published_meetings = [
        schedules.Occurrence(chat, start.astimezone(zone) if zone else start, start + length)
        for start in starts
    ]
    return chat


def page(row: published.Published) -> EntryPage:
    """The entry page's objects from a published row (its document and record)."""
    document = json.loads(row.document)
    record = json.loads(row.record)
    own = {
        name: _value(Hashtag, name, record[name])
        for name in OWN_FIELDS
        if name in record and name != "replaced_by"  # the successor: from the document
    }
    hashtag = Hashtag(
        pk=row.entry_id,
        status=record["status"],
        status_reason=record["status_reason"],
        last_verified=parse_datetime(record["last_verified"]) if record["last_verified"] else None,
        **own,
    )
    # The freshness as published (it holds until the document says otherwise).
    hashtag.published_freshness = document["freshness"]
    if document["replaced_by"] is not None:
        # Named only while public: its own changes publish the entries it succeeds.
        hashtag.replaced_by = Hashtag(tag=document["replaced_by"]["tag"], status=Status.APPROVED)
    hashtag.alias_list = [Identity(tag=tag, is_alias=True) for tag in document["aliases"]]
    known = platforms_by_code()
    hosts = []
    for host in record["moderators"]:
        account = Moderator(
            handle=host["handle"],
            display_name=host["display_name"],
            profile_url=host["profile_url"],
            platform_id=host["platform"],
        )
        if host["platform"] in known:
            account.platform = known[host["platform"]]
        hosts.append(
            HashtagModerator(
                moderator=account, role=host["role"], since=host["since"], until=host["until"]
            )
        )
    return EntryPage(
        hashtag=hashtag,
        chats=[
            _chat(hashtag, chat, shown)
            for chat, shown in zip(record["chats"], document["chats"], strict=True)
        ],
        hosts=hosts,
        categories=[Category(slug=c["slug"], name=c["name"]) for c in document["categories"]],
        platforms=[known[code] for code in document["platforms"] if code in known],
    )
