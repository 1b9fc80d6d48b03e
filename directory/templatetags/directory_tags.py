"""Template helpers for the public pages: schedules in words, links to the conversation
on each platform, and chat times that say which time zone they are in."""

from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from hashtags import schedules
from hashtags.models import Freshness, Hashtag, HashtagModerator, Platform

register = template.Library()


@register.simple_tag
def platform_search_url(platform: Platform, tag: str) -> str:
    """Where to follow the conversation on a platform, or "" when it has no tag search."""
    if not platform.search_url:
        return ""
    return platform.search_url.replace("{tag}", quote(tag, safe=""))


@register.filter
def join_words(platform: Platform, tag: str) -> str:
    """How to join the conversation about `tag` there, from the platform's own data."""
    return platform.join_words(tag)


@register.simple_tag
def chat_time(moment: datetime, viewer_zone: ZoneInfo | None = None) -> SafeString:
    """A meeting time as <time>, always labelled with its zone.

    With a viewer zone (`?tz=`), the time is shown in it. Without one, it is shown in the
    chat's own zone and marked `data-localize`, so static/js/localtime.js can rewrite it
    in the browser's zone; without script the labelled chat-zone time stays.
    """
    zone_name = viewer_zone.key if viewer_zone else str(moment.tzinfo)
    shown = moment.astimezone(viewer_zone) if viewer_zone else moment
    label = schedules.zone_label(zone_name)
    text = pgettext("a meeting's day, time and zone", "%(day)s, %(time)s %(zone)s") % {
        "day": schedules.short_day_words(shown),
        "time": schedules.time_words(shown.time()),
        "zone": label,
    }
    return format_html(
        '<time datetime="{}"{} title="{}">{}</time>',
        moment.isoformat(),
        "" if viewer_zone else SafeString(" data-localize"),
        zone_name,
        text,
    )


@register.simple_tag(takes_context=True)
def with_param(context: template.Context, name: str, value: str | None) -> str:
    """A link to this page with parameter `name` set to `value` (removed when None or
    empty) and without the page cursors, so a changed filter starts from the first page
    and a page link carries one cursor only."""
    params = context["request"].GET.copy()
    for dropped in ("after", "before"):
        params.pop(dropped, None)
    if value is None or value == "":
        params.pop(name, None)
    else:
        params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else context["request"].path


@register.filter
def freshness_words(hashtag: Hashtag, freshness: str | None = None) -> str:
    """How fresh the entry's information is, in words: "Last confirmed 3 March 2026",
    "Not confirmed since 2023", "Not yet confirmed". `freshness`, when given, is the one
    the entry was published with (the page of a published entry)."""
    verified = hashtag.last_verified
    freshness = freshness or hashtag.freshness
    if verified is None:
        return _("Not yet confirmed: details may be out of date")
    day = verified.astimezone(UTC).date()
    if freshness == Freshness.STALE:
        return _("Not confirmed since %(year)s: details may be out of date") % {"year": day.year}
    if freshness == Freshness.DUE:
        return _("Last confirmed %(day)s; due for a new check") % {"day": schedules.day_words(day)}
    return _("Last confirmed %(day)s") % {"day": schedules.day_words(day)}


@register.filter
def host_years(host: HashtagModerator) -> str:
    """A host's years in the role: "since 2012", "2012 – 2014", "until 2014", or ""."""
    if host.since and host.until:
        if host.since == host.until:
            return str(host.since)
        return _("%(first)s – %(last)s") % {"first": host.since, "last": host.until}
    if host.since:
        return pgettext("a year", "since %(year)s") % {"year": host.since}
    if host.until:
        return pgettext("a year", "until %(year)s") % {"year": host.until}
    return ""


@register.filter
def in_sentence(label: str) -> str:
    """A label ("Founder") as a word inside a sentence ("founder, on X")."""
    # Translators: "yes" if your language writes a common noun in lower case inside a
    # sentence ("founder"); "no" if it keeps its capital (German: "Gründer:in").
    lower = pgettext("common nouns in lower case inside a sentence", "yes") == "yes"
    return label.lower() if lower else label
