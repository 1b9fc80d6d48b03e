"""iCalendar (RFC 5545) documents of chats, built with the icalendar library.

Each chat is one recurring VEVENT: DTSTART with the chat's TZID holding its first real
meeting (RFC 5545 counts DTSTART as an instance, so it must match the rule), the RRULE
from the schedule engine, an exact DURATION, a stable UID and the entry's address. Every
zone used gets a VTIMEZONE generated from zoneinfo, so clients that do not know IANA
names still place the meetings right.

The text fields are plain text: the library escapes what RFC 5545 needs escaped, and
nothing is ever written as HTML, so markup in a description stays text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone

from hashtags import schedules
from hashtags.models import Chat

PRODID = "-//Healthcare Hashtag Directory//Chat calendar//EN"
# How often subscribed calendars should fetch the feed again.
REFRESH = timedelta(hours=12)
# VTIMEZONE rules are written out this far ahead of today; clients that read them
# (rather than mapping the IANA TZID to their own database) need them to cover the
# meetings they show.
ZONE_YEARS_AHEAD = 10


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def chat_uid(chat: Chat) -> str:
    """The event's UID: stable for the life of the chat, unique across sites."""
    return f"chat-{chat.pk}@{site_host()}"


def chat_summary(chat: Chat) -> str:
    return f"#{chat.hashtag.tag} {chat.title or 'chat'}"


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
    """The chat as one recurring VEVENT, or None when it never meets."""
    first = schedules.first_occurrence(chat)
    if first is None:
        return None
    event = icalendar.Event.new(
        uid=chat_uid(chat),
        summary=chat_summary(chat),
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
    return event


def build_calendar(chats: Iterable[Chat], *, key: str, name: str, description: str = "") -> bytes:
    """An iCalendar document with one recurring event per chat that meets.

    `key` names the calendar stably ("chats", "hashtag-12") for its UID. Pass chats with
    select_related("hashtag").
    """
    calendar = icalendar.Calendar.new(
        uid=f"{key}@{site_host()}",
        prodid=PRODID,
        name=name,
        description=description or None,
        refresh_interval=REFRESH,
        method="PUBLISH",
        calscale="GREGORIAN",
    )
    # RFC 7986 requires the value type on REFRESH-INTERVAL.
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    # icalendar writes NAME and X-WR-CALNAME (which Apple Calendar and Outlook read);
    # Outlook reads the refresh interval from this older property.
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH).to_ical().decode())

    first_start: date | None = None
    for chat in chats:
        event = chat_event(chat)
        if event is None:
            continue
        calendar.add_component(event)
        start = event.decoded("dtstart").date()
        first_start = min(first_start or start, start)
    if first_start is not None:
        # One VTIMEZONE per TZID the events use (a UTC start is written with Z and needs
        # none), from a day before the first meeting so its observance is included.
        calendar.add_missing_timezones(
            first_date=first_start - timedelta(days=1),
            last_date=date(timezone.now().year + ZONE_YEARS_AHEAD, 1, 1),
        )
    return calendar.to_ical()
