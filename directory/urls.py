"""The public site's pages, in one namespace ("directory"), in every language of the
site: English at the plain address, the others under their prefix (/es/hashtags/,
/fr/hashtags/…), by i18n_patterns in config/urls.py. Its files (calendars, feeds, the
sitemap) have one address each: directory.file_urls.
"""

from django.urls import path

from directory import chats, history, stewards, submissions, suggest, views

app_name = "directory"

urlpatterns = [
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
