"""A URL configuration with a view that fails, to see the site's 500 page."""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *site_urlpatterns]

handler500 = "directory.health.server_error"
