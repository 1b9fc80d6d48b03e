from django.urls import path

from directory import chats, feeds, submissions, views

app_name = "directory"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("hashtags/<str:tag>/chats.ics", chats.hashtag_ics, name="hashtag-ics"),
    path("hashtags/<str:tag>/", views.HashtagDetailView.as_view(), name="hashtag"),
    path("categories/<slug:slug>/chats.ics", chats.category_ics, name="category-ics"),
    path("categories/<slug:slug>/", views.CategoryDetailView.as_view(), name="category"),
    path("chats/", chats.ChatsView.as_view(), name="chats"),
    path("chats.ics", chats.all_chats_ics, name="chats-ics"),
    path("feeds/latest/", feeds.LatestEntriesFeed(), name="feed-latest"),
    path(
        "submit/status/<str:reference>/",
        submissions.SubmissionStatusView.as_view(),
        name="submission-status",
    ),
]
