from django.contrib.sitemaps.views import sitemap
from django.urls import path

from directory import submissions, views
from directory.sitemaps import SITEMAPS

app_name = "directory"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("hashtags/", views.HashtagListView.as_view(), name="hashtags"),
    path("hashtags/<str:tag>/", views.HashtagDetailView.as_view(), name="hashtag"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/<slug:slug>/", views.CategoryDetailView.as_view(), name="category"),
    path(
        "submit/status/<str:reference>/",
        submissions.SubmissionStatusView.as_view(),
        name="submission-status",
    ),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
]
