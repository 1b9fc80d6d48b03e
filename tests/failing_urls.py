"""A URL configuration with a view that fails, to see the site's 500 page."""

from django.urls import include, path


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("", include("config.urls"))]

handler500 = "directory.health.server_error"
