"""The public site's files, for machines and calendar or feed readers: one address each,
without a language prefix, in English (the feeds and calendars name their language):
the calendars (.ics), the Atom feeds, the sitemap and robots.txt. Their pages, in every
language, are directory.urls."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from directory import chats, feeds, history, views
from directory.sitemaps import SITEMAPS

app_name = "files"

urlpatterns = [
    path("hashtags/<str:tag>/chats.ics", chats.hashtag_ics, name="hashtag-ics"),
    path(
        "hashtags/<str:tag>/history.atom",
        feeds.validated(history.ChangesFeed()),
        name="hashtag-history-atom",
    ),
    path("categories/<slug:slug>/chats.ics", chats.category_ics, name="category-ics"),
    path("chats.ics", chats.all_chats_ics, name="chats-ics"),
    path("feeds/latest/", feeds.validated(feeds.LatestEntriesFeed()), name="feed-latest"),
    path("changes.atom", feeds.validated(history.ChangesFeed()), name="changes-atom"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
]
