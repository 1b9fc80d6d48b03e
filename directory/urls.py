from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("hashtags/<str:tag>/", views.HashtagDetailView.as_view(), name="hashtag"),
    path("categories/<slug:slug>/", views.CategoryDetailView.as_view(), name="category"),
]
