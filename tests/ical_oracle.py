"""The icalendar library's VEVENT for a chat: the reference the feeds' fast writer
(hashtags.calendar.event_ical) is compared with, byte for byte.

Building an icalendar Event per chat is too slow for a feed of 200,000 chats, so the
product writes events itself; this is what it must equal.
"""

from __future__ import annotations

from datetime import timedelta

import icalendar
from django.conf import settings
from django.utils import timezone

from hashtags import schedules
from hashtags.calendar import site_host
from hashtags.models import Chat


def chat_uid(chat: Chat) -> str:
    """The event's UID: stable for the life of the chat, unique across sites."""
    return f"chat-{chat.pk}@{site_host()}"


def chat_description(chat: Chat) -> str:
    hashtag = chat.hashtag
    lines = [f"#{hashtag.tag} — {hashtag.name}", schedules.describe(chat) + "."]
    if hashtag.description:
        lines += ["", hashtag.description]
    if chat.note:
        lines += ["", chat.note]
    lines += ["", settings.SITE_URL + hashtag.get_absolute_url()]
    return "\n".join(lines)


def chat_event(chat: Chat) -> icalendar.Event | None:
    """The chat as one recurring VEVENT, or None when it never meets: its rule ends on
    the chat's last day (UNTIL), and the meetings it skips (cancelled dates, meetings
    within a bounded break) are EXDATEs in the zone and form of DTSTART."""
    first = schedules.first_occurrence(chat)
    if first is None:
        return None
    event = icalendar.Event.new(
        uid=chat_uid(chat),
        summary=f"#{chat.hashtag.tag} {chat.title or 'chat'}",
        description=chat_description(chat),
        url=settings.SITE_URL + chat.hashtag.get_absolute_url(),
        # The stamp of a published calendar is the time its information last changed,
        # so an unchanged chat gives the same bytes on every fetch.
        stamp=chat.updated or timezone.now(),
        created=chat.created,
        last_modified=chat.updated,
    )
    event.add("dtstart", first)
    event.add("duration", timedelta(minutes=chat.duration_minutes))
    event.add("rrule", icalendar.vRecur.from_ical(schedules.rrule_text(chat)))
    excluded = schedules.excluded_starts(chat, first)
    if excluded:
        event.add("exdate", [start.replace(tzinfo=first.tzinfo) for start in excluded])
    return event
