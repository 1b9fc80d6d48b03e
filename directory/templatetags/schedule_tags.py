"""Template tags for chat schedules: meetings in a viewer's zone and calendar links.

Times are formatted here rather than with Django's `date` filter, because that filter
converts aware datetimes to the site's zone (UTC) and would undo the viewer's zone.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from urllib.parse import quote, urlsplit

from django import template
from django.conf import settings
from django.utils import timezone

from directory.chats import Meeting, meetings, viewer_zone
from hashtags import schedules
from hashtags.models import Chat

register = template.Library()


@register.filter
def schedule(chat: Chat) -> str:
    """The chat's schedule in words: "Tuesdays at 8:30 PM ET"."""
    return schedules.describe(chat)


@register.filter
def rule(chat: Chat) -> str:
    """The chat's recurrence in words without its end date: "Tuesdays at 8:30 PM ET"."""
    return schedules.describe(chat, with_end=False)


@register.filter
def lifespan(chat: Chat) -> str:
    """The chat's dates: "10 January 2011 – 7 April 2023", "since 4 July 2011"."""
    return schedules.lifespan(chat)


@register.filter
def chat_state(chat: Chat) -> str:
    """Where the chat is in its life, in full: "ended 31 October 2023", "on a break until
    5 January 2027", or "" while it meets."""
    return schedules.state_words(chat)


@register.filter
def chat_state_short(chat: Chat) -> str:
    """The same for cards and lists: "chat ended 2023", "on a break"."""
    return schedules.state_words(chat, short=True)


@register.filter
def current_chats(chats) -> list[Chat]:
    """The chats that have not ended (upcoming, meeting or on a break)."""
    return [chat for chat in chats if chat.status != "ended"]


@register.filter
def confirmed_chats(chats) -> list[Chat]:
    """The chats presented as meeting or paused, not those nobody confirmed lately."""
    return [chat for chat in chats if chat.status not in ("ended", "unconfirmed")]


@register.filter
def past_chats(chats) -> list[Chat]:
    return [chat for chat in chats if chat.status == "ended"]


@register.filter
def clock(moment: datetime) -> str:
    """The wall time of an aware datetime in its own zone: 8:30 PM."""
    return schedules.time_words(moment.time())


@register.filter
def day_label(moment: datetime) -> str:
    """The day of an aware datetime in its own zone: Tue 1 Dec."""
    return schedules.short_day_words(moment)


@register.filter
def iso(moment: datetime) -> str:
    return moment.isoformat()


def _zone(value: object) -> tzinfo | None:
    if isinstance(value, tzinfo):
        return value
    zone, _ = viewer_zone(value if isinstance(value, str) else None)
    return zone


@register.simple_tag(takes_context=True)
def next_meetings(context, chat: Chat, viewer_tz: object = None, count: int = 3) -> list[Meeting]:
    """The chat's next meetings, in `viewer_tz` (a zone or an IANA name), else in the
    `tz` query parameter's zone, else in the chat's own zone."""
    zone = _zone(viewer_tz)
    request = context.get("request")
    if zone is None and viewer_tz in (None, "") and request is not None:
        zone = _zone(request.GET.get("tz"))
    now = timezone.now()
    # A published chat carries the next meetings its document lists (directory/entry.py).
    occurrences = getattr(chat, "published_meetings", None)
    if occurrences is None:
        occurrences = schedules.next_occurrences(chat, count=count, after=now)
    return meetings(occurrences[:count], zone, now)


@register.simple_tag(takes_context=True)
def shown_zone(context, viewer_tz: object = None) -> str:
    """The IANA name of the zone the page shows times in, or "" for each chat's own."""
    zone = _zone(viewer_tz)
    request = context.get("request")
    if zone is None and viewer_tz in (None, "") and request is not None:
        zone = _zone(request.GET.get("tz"))
    return str(zone) if zone is not None else ""


@register.simple_tag
def feed_links(path: str, name: str = "") -> dict[str, str]:
    """Addresses to subscribe to an iCalendar feed at `path` ("/chats.ics"): the plain
    https address, webcal:// (Apple Calendar, Outlook), and Google Calendar's and
    Outlook.com's "add by URL" pages."""
    https = settings.SITE_URL + path
    parts = urlsplit(https)
    webcal = f"webcal://{parts.netloc}{parts.path}"
    return {
        "https": https,
        "webcal": webcal,
        "google": "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe=""),
        "outlook": (
            "https://outlook.live.com/calendar/0/addfromweb?url="
            + quote(https, safe="")
            + "&name="
            + quote(name, safe="")
        ),
    }
