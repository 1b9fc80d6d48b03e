"""/sitemap.xml: the public entries, the categories and the main pages.

Addresses are built from SITE_URL (not from the request's Host header), so the sitemap
names the same canonical addresses as the pages' <link rel="canonical">. Each page is
listed in every language of the site, with its other languages as alternates
(<xhtml:link rel="alternate" hreflang>) and the English address as "x-default", as the
pages' own <link rel="alternate"> say.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from hashtags.models import Category, Hashtag


class SiteURLSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True

    @property
    def protocol(self) -> str:  # type: ignore[override]
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class HashtagSitemap(SiteURLSitemap):
    changefreq = "weekly"

    def items(self) -> QuerySet[Hashtag]:
        return Hashtag.objects.public().order_by("key").only("tag", "updated", "status")

    def lastmod(self, item: Hashtag):
        return item.updated

    def priority(self, item: Hashtag) -> float:
        # Retired entries stay reachable, but active ones are what visitors look for.
        return 0.6 if item.status == "approved" else 0.3


class CategorySitemap(SiteURLSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self) -> QuerySet[Category]:
        return Category.objects.order_by("path").only("slug")


class PageSitemap(SiteURLSitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> list[str]:
        return ["directory:home", "directory:hashtags", "directory:categories", "directory:chats"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {"pages": PageSitemap, "hashtags": HashtagSitemap, "categories": CategorySitemap}
