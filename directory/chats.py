"""Upcoming chats: the /chats/ page (the next 7 days by day, in the viewer's zone) and the
iCalendar feeds of all chats, of one hashtag and of a category.

The viewer's zone comes from `?tz=` (an IANA name; the page's zone picker and, with
script, the browser's own zone set it). Without it each meeting is shown in its chat's
own zone, always labelled, and grouped by its local day. Only chats with evidence that
they still meet are shown (`Chat.objects.confirmed()`); `?include=unconfirmed` adds the
others, each labelled.

The page and the all-chats and category feeds show the chats that may still meet
(`Chat.objects.public()`) and are confirmed (`.confirmed()`: the feeds judge that as of
the day's start in UTC, so a feed's bytes hold for a day); an entry's own feed describes
all its chats, past ones included (`Chat.objects.listed()`), each series ending on its
chat's last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header, http_date
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from hashtags import calendar, schedules
from hashtags.models import Category, Chat, Hashtag
from hashtags.schedules import Occurrence
from hashtags.serving import cache as registry_cache

DAYS_AHEAD = 7
# At most this many meetings on the page (a registry of a million entries has hundreds
# of thousands a week); beyond it the page says so and offers the category filter.
MEETINGS_SHOWN = 500
# Subscribed calendars poll; let proxies and browsers keep a feed for a while.
FEED_MAX_AGE = 60 * 15
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
# Part of every feed ETag: bump it when the feeds' bytes change for the same records.
FEED_FORMAT = 4
# The values of ?include=: the chats with evidence only, or the unconfirmed ones too.
INCLUDE_VALUES = {"unconfirmed": True, "": False}


def public_chat_zones() -> dict[str, int]:
    """The zones of the public chats and their longest meetings: it reads every chat, so
    it is kept per registry generation (hashtags.serving.cache.per_generation)."""
    return registry_cache.per_generation(
        "chat-zones", lambda: schedules.zones_in_use(Chat.objects.public())
    )


def viewer_zone(name: str | None) -> tuple[ZoneInfo | None, str]:
    """A viewer's zone from a `tz` value (the query parameter of every page that shows
    meeting times): (zone, "") when it is a known IANA name, (None, "") when none was
    given, and (None, a message saying what is wrong and what the page shows instead)
    when it names no zone."""
    name = (name or "").strip()
    if not name:
        return None, ""
    try:
        return schedules.get_zone(name), ""
    except schedules.UnknownTimeZone as error:
        return None, _("%(problem)s Times are shown in each chat's own time zone.") % {
            "problem": error
        }


@dataclass(frozen=True)
class Meeting:
    """One occurrence as a viewer sees it: in their zone, or in the chat's own."""

    occurrence: Occurrence
    start: datetime
    end: datetime
    live: bool

    @property
    def chat(self) -> Chat:
        return self.occurrence.chat

    @property
    def zone_abbr(self) -> str:
        return schedules.zone_abbreviation(self.start)

    @property
    def zone_name(self) -> str:
        return str(self.start.tzinfo)

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)


def meetings(occurrences: list[Occurrence], zone: tzinfo | None, now: datetime) -> list[Meeting]:
    result = []
    for occurrence in occurrences:
        start, end = occurrence.start, occurrence.end
        if zone is not None:
            start, end = start.astimezone(zone), end.astimezone(zone)
        result.append(Meeting(occurrence, start, end, occurrence.is_live(now)))
    return result


def by_day(items: list[Meeting]) -> list[tuple[date, list[Meeting]]]:
    """Meetings grouped by the day they start on, in the zone they are shown in."""
    days: dict[date, list[Meeting]] = {}
    for item in sorted(items, key=lambda m: (m.start.date(), m.start_utc)):
        days.setdefault(item.start.date(), []).append(item)
    return list(days.items())


class ChatsView(TemplateView):
    template_name = "directory/chats.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        errors: dict[str, str] = {}
        tz_name = request.GET.get("tz", "").strip()
        zone, message = viewer_zone(tz_name)
        if message:
            errors["tz"] = message
        category = None
        slug = request.GET.get("category", "").strip()
        if slug:
            category = Category.objects.filter(slug=slug[:80]).first()
            if category is None:
                errors["category"] = _(
                    "There is no category %(slug)s: choose one from the list."
                ) % {"slug": repr(slug[:80])}
        include = request.GET.get("include", "").strip().lower()
        include_unconfirmed = INCLUDE_VALUES.get(include, False)
        if include not in INCLUDE_VALUES:
            errors["include"] = _(
                "Unknown value %(value)s for include: use unconfirmed, or leave it "
                "out. The confirmed chats are shown."
            ) % {"value": repr(include[:20])}

        now = timezone.now()
        days: list[tuple[date, list[Meeting]]] = []
        more = False
        if "category" not in errors:
            chats = Chat.objects.public()
            if category is not None:
                chats = chats.filter(hashtag__in=Hashtag.objects.in_category(category))
            if not include_unconfirmed:
                chats = chats.confirmed(now)
            found, more = schedules.soonest(
                chats,
                now,
                now + timedelta(days=DAYS_AHEAD),
                MEETINGS_SHOWN,
                # The public chats' zones cover the confirmed ones' (a wider net is fine).
                zones=None if category else public_chat_zones(),
            )
            days = by_day(meetings(found, zone, now))

        picker = schedules.zone_choices()
        if zone is not None and not any(tz_name in names for _, names in picker):
            # A valid name the picker does not list (US/Eastern, Etc/GMT+5) stays chosen.
            picker = (("Chosen", (tz_name,)), *picker)
        context = self.get_context_data(
            days=days,
            more=more,
            meetings_shown=MEETINGS_SHOWN,
            errors=errors,
            zone=zone,
            tz_name=tz_name if zone is not None else "",
            today=now.astimezone(zone).date() if zone is not None else None,
            category=category,
            category_slug=category.slug if category else "",
            include_unconfirmed=include_unconfirmed,
            # Indented by depth: the tree reads in a plain <select>.
            category_options=[
                (option.slug, "– " * option.depth + option.name)
                for option in Category.objects.all()
            ],
            zone_choices=picker,
            feed_url=(
                reverse("files:category-ics", args=[category.slug])
                if category
                else reverse("files:chats-ics")
            ),
        )
        status = 404 if "category" in errors else 400 if errors else 200
        return self.render_to_response(context, status=status)


def feed_day() -> datetime:
    """The start of today in UTC: the moment the all-chats and category feeds judge
    which chats are confirmed, so their bytes change at most once a day by themselves."""
    return datetime.combine(timezone.now().astimezone(UTC).date(), datetime.min.time(), UTC)


def feed_validators(key: str) -> tuple[str, float] | None:
    """The ETag and Last-Modified (a timestamp) of the feed named `key`: the registry's
    validators (hashtags.serving.cache.validators), so a client polling an unchanged feed costs
    one cache read and no database query. None while a read replica may lag.

    A feed's bytes depend on the records (its VTIMEZONEs hold for ever, whatever today
    is) and on the day its chats' evidence is judged (`feed_day`), so the validators
    carry that day.
    """
    return registry_cache.validators(f"ics{FEED_FORMAT}-{feed_day():%Y%m%d}-{key}")


def ics_response(
    request: HttpRequest, chats, *, key: str, name: str, description: str, filename: str
) -> HttpResponse:
    """The feed, streamed as it is written (see hashtags.calendar.iter_calendar), or 304
    Not Modified when the client's ETag or date is current, without reading a chat."""
    validators = feed_validators(key)
    if validators is not None:
        etag, modified = validators
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(modified))
        if not_modified is not None:
            return feed_headers(not_modified, filename, validators)
    if request.method == "HEAD":
        response = HttpResponse(content_type=ICS_CONTENT_TYPE)
    else:
        # Fix the database now: the body is read after the view returns, outside any
        # use_primary() block that routes this request (hashtags.serving.routers).
        chats = chats.using(chats.db)
        pieces = calendar.iter_calendar(chats, key=key, name=name, description=description)
        response = StreamingHttpResponse(pieces, content_type=ICS_CONTENT_TYPE)
    return feed_headers(response, filename, validators)


def feed_headers(
    response: HttpResponse, filename: str, validators: tuple[str, float] | None
) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    if validators is not None:
        response["ETag"] = validators[0]
        response["Last-Modified"] = http_date(validators[1])
    patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
    return response


def all_chats_ics(request: HttpRequest) -> HttpResponse:
    return ics_response(
        request,
        Chat.objects.public().confirmed(feed_day()),
        key="chats",
        name="Healthcare chats",
        description="Every chat in the Healthcare Hashtag Directory.",
        filename="healthcare-chats.ics",
    )


def hashtag_ics(request: HttpRequest, tag: str) -> HttpResponse:
    hashtag = Hashtag.objects.public().resolve(tag)
    if hashtag is None:
        raise Http404(f"#{tag[:100]} is not in the directory.")
    if tag != hashtag.tag:
        # Other casings and aliases have one canonical feed address, like the entry page.
        return HttpResponsePermanentRedirect(reverse("files:hashtag-ics", args=[hashtag.tag]))
    # The entry's calendar keeps its past chats: their series end on their last day.
    return ics_response(
        request,
        Chat.objects.listed().filter(hashtag=hashtag),
        key=f"hashtag-{hashtag.pk}",
        name=f"#{hashtag.tag} chats",
        description=f"Chats on #{hashtag.tag}: {hashtag.name}.",
        filename=f"{hashtag.tag}-chats.ics",
    )


def category_ics(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    return ics_response(
        request,
        Chat.objects.public()
        .confirmed(feed_day())
        .filter(hashtag__in=Hashtag.objects.in_category(category)),
        key=f"category-{category.slug}",
        name=f"{category.name} chats",
        description=f"Chats in the category {category.name}, and below it.",
        filename=f"{category.slug}-chats.ics",
    )
