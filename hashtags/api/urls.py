"""/api/v1/: the router's resources, upcoming chats, the OpenAPI schema and its docs."""

from django.urls import path, reverse
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import APIRootView, DefaultRouter

from hashtags.api import changes, views

app_name = "api"


class Root(APIRootView):
    """GET /api/v1/: every address a client starts from, not only the router's."""

    # (key, URL name) of the addresses the router does not know about.
    more = [
        ("upcoming_chats", "api:chats-upcoming"),
        ("changes", "api:changes"),
        ("export_json", "export-json"),
        ("export_csv", "export-csv"),
        ("export_schema", "export-schema"),
        ("schema", "api:schema"),
        ("docs", "api:docs"),
    ]

    def get(self, request, *args, **kwargs):
        answer = super().get(request, *args, **kwargs)
        for key, name in self.more:
            answer.data[key] = request.build_absolute_uri(reverse(name))
        return answer


class Router(DefaultRouter):
    # JSON is the only format, so no ".json" suffix routes.
    include_format_suffixes = False
    APIRootView = Root


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
    path("changes/", changes.ChangesView.as_view(), name="changes"),
    *router.urls,
]
