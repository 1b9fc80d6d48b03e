from django.contrib.sitemaps.views import sitemap
from django.urls import path

from directory import chats, feeds, history, stewards, submissions, suggest, views
from directory.sitemaps import SITEMAPS

app_name = "directory"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # Entries. The .ics, report, suggest and claim routes come first: a tag never
    # contains '/'.
    path("hashtags/", views.HashtagListView.as_view(), name="hashtags"),
    path("hashtags/<str:tag>/chats.ics", chats.hashtag_ics, name="hashtag-ics"),
    path("hashtags/<str:tag>/report/", submissions.ReportView.as_view(), name="report"),
    path("hashtags/<str:tag>/suggest/", suggest.SuggestView.as_view(), name="suggest"),
    path("hashtags/<str:tag>/claim/", stewards.ClaimView.as_view(), name="claim"),
    path("hashtags/<str:tag>/history/", history.history_page, name="hashtag-history"),
    path(
        "hashtags/<str:tag>/history.atom",
        feeds.validated(history.ChangesFeed()),
        name="hashtag-history-atom",
    ),
    path("hashtags/<str:tag>/", views.HashtagDetailView.as_view(), name="hashtag"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/<slug:slug>/chats.ics", chats.category_ics, name="category-ics"),
    path("categories/<slug:slug>/", views.CategoryDetailView.as_view(), name="category"),
    # Chats and feeds.
    path("chats/", chats.ChatsView.as_view(), name="chats"),
    path("chats.ics", chats.all_chats_ics, name="chats-ics"),
    path("feeds/latest/", feeds.validated(feeds.LatestEntriesFeed()), name="feed-latest"),
    path("changes.atom", feeds.validated(history.ChangesFeed()), name="changes-atom"),
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
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
]
