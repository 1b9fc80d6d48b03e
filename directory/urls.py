from django.urls import path

from directory import submissions, views

app_name = "directory"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("hashtags/<str:tag>/", views.HashtagDetailView.as_view(), name="hashtag"),
    path("hashtags/<str:tag>/report/", submissions.ReportView.as_view(), name="report"),
    path("categories/<slug:slug>/", views.CategoryDetailView.as_view(), name="category"),
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
]
