"""The Atom feed of newly approved entries (Django's syndication framework).

Only approved entries appear: pending, rejected and retired never do. Descriptions are
plain text in the registry; Atom's summary is HTML, so the text is escaped into it and a
feed reader shows any markup in a description as the text it is.

RFC 4287 asks for exactly one <updated> per entry: Django writes it only from
`item_updateddate`, and the feed's own <updated> is the latest of its entries' dates.

Every Atom feed of the site (this one and the changes feeds of directory.history) is
served through `validated`: an ETag and a Last-Modified from the newest recorded change
of the public registry, so a feed reader's conditional GET is answered 304 until
something public changes.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.views.decorators.http import condition

from hashtags.models import Hashtag
from hashtags.opendata import changelog

FEED_SIZE = 30


def _newest(request) -> tuple[int, datetime | None]:
    """The newest change, read once per request for both validators."""
    if not hasattr(request, "newest_change"):
        request.newest_change = changelog.newest()
    return request.newest_change


def _etag(request, *args, **kwargs) -> str:
    return f'"registry-change-{_newest(request)[0]}"'


def _last_modified(request, *args, **kwargs) -> datetime | None:
    return _newest(request)[1]


# A feed view answering conditional GETs (If-None-Match, If-Modified-Since) with 304.
validated = condition(etag_func=_etag, last_modified_func=_last_modified)


class LatestEntriesFeed(Feed):
    feed_type = Atom1Feed
    title = "Healthcare Hashtag Directory: newly approved hashtags"
    subtitle = "Healthcare hashtags and chats as curators approve them."
    author_name = "Healthcare Hashtag Directory"

    # Links are made from SITE_URL, not the request's Host header, so the feed's
    # addresses are the site's public ones whatever proxy or alias served it.
    def link(self) -> str:
        return settings.SITE_URL + "/"

    def feed_url(self) -> str:
        return settings.SITE_URL + reverse("files:feed-latest")

    def feed_guid(self) -> str:
        return self.feed_url()

    def items(self):
        return (
            Hashtag.objects.approved()
            .filter(approved_at__isnull=False)
            .order_by("-approved_at", "-pk")
            .prefetch_related("categories")[:FEED_SIZE]
        )

    def item_title(self, item: Hashtag) -> str:
        return f"#{item.tag} — {item.name}"

    def item_description(self, item: Hashtag) -> str:
        # linebreaks() escapes the text before adding paragraph tags.
        return linebreaks(item.description or item.name, autoescape=True)

    def item_link(self, item: Hashtag) -> str:
        return settings.SITE_URL + item.get_absolute_url()

    def item_guid(self, item: Hashtag) -> str:
        # Stable even if the entry's display tag is later edited.
        return f"{settings.SITE_URL}/#hashtag-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Hashtag) -> datetime:
        return item.approved_at

    def item_updateddate(self, item: Hashtag) -> datetime:
        # The entry's last change, never before its approval (an approval recorded by an
        # import may carry a later date than the row's own timestamp).
        return max(item.updated, item.approved_at)

    def item_categories(self, item: Hashtag) -> list[str]:
        return [category.name for category in item.categories.all()]
