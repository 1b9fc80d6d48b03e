"""/api/v1/: the router's resources, upcoming chats, the OpenAPI schema and its docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
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
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("chats/upcoming/", views.UpcomingChatsView.as_view(), name="chats-upcoming"),
    *router.urls,
]
