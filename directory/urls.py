"""The public site's addresses, in one namespace ("directory").

Its pages are in every language of the site: English at the plain address, the others
under their prefix (/es/hashtags/, /fr/hashtags/…). Its files, for machines and
calendar or feed readers, have one address each, without a prefix, and stay English:
the calendars (.ics), the Atom feeds, the sitemap and robots.txt.
"""

from django.contrib.sitemaps.views import sitemap
from django.urls import LocalePrefixPattern, URLResolver, path
from django.urls.resolvers import RoutePattern

from directory import chats, feeds, history, stewards, submissions, suggest, views
from directory.sitemaps import SITEMAPS

app_name = "directory"

# One address each, in English (the feeds and calendars name their own language).
files = [
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

# In every language.
pages = [
    path("", views.HomeView.as_view(), name="home"),
    # Entries. The report, suggest and claim routes come first: a tag never contains '/'.
    path("hashtags/", views.HashtagListView.as_view(), name="hashtags"),
    path("hashtags/<str:tag>/report/", submissions.ReportView.as_view(), name="report"),
    path("hashtags/<str:tag>/suggest/", suggest.SuggestView.as_view(), name="suggest"),
    path("hashtags/<str:tag>/claim/", stewards.ClaimView.as_view(), name="claim"),
    path("hashtags/<str:tag>/history/", history.history_page, name="hashtag-history"),
    path("hashtags/<str:tag>/", views.HashtagDetailView.as_view(), name="hashtag"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/<slug:slug>/", views.CategoryDetailView.as_view(), name="category"),
    path("chats/", chats.ChatsView.as_view(), name="chats"),
    # Registering a hashtag.
    path("submit/", submissions.SubmitView.as_view(), name="submit"),
    path(
        "submit/received/<str:reference>/",
        submissions.SubmissionReceivedView.as_view(),
        name="submission-received",
    ),
    path(
        "submit/status/<str:reference>/",
        submissions.SubmissionStatusView.as_view(),
        name="submission-status",
    ),
    # A steward's signed links (no account: the token is the key).
    path("steward/<str:token>/", stewards.StewardView.as_view(), name="steward"),
    path("steward/<str:token>/stop/", stewards.stop, name="steward-stop"),
]


def in_every_language(patterns: list) -> URLResolver:
    """`patterns` under the active language's prefix (none for English): what Django's
    i18n_patterns(prefix_default_language=False) makes, here inside the namespace so
    that the files above keep their one address. (Django refuses i18n_patterns() as a
    direct entry of an included URLconf, where LocaleMiddleware cannot find it; the
    site's LanguageMiddleware reads the prefix itself, directory/middleware.py.)"""
    localized = URLResolver(LocalePrefixPattern(prefix_default_language=False), patterns)
    return URLResolver(RoutePattern(""), [localized])


urlpatterns = [*files, in_every_language(pages)]
