"""/api/v1/: the router's resources, upcoming chats, the OpenAPI schema and its docs."""

from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from hashtags.api import views

app_name = "api"


class Router(DefaultRouter):
    # JSON is the only format, so no ".json" suffix routes.
    include_format_suffixes = False


router = Router()
router.register("hashtags", views.HashtagViewSet, basename="hashtag")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("submissions", views.SubmissionViewSet, basename="submission")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up code as a file, so the strict
    # Content-Security-Policy (no inline script) holds on the docs page too.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("chats/upcoming/", views.UpcomingChatsView.as_view(), name="chats-upcoming"),
    *router.urls,
]
