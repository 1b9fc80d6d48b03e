"""The site's URLs, with stand-ins for the steward pages (`directory:steward`,
`directory:steward-stop`) for as long as directory/urls.py does not route them: the
reminder email links to them, and these tests only need the links to resolve."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from config import urls as site
from directory import urls as directory


def stand_in(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse(token, content_type="text/plain")


_routed = {pattern.name for pattern in directory.urlpatterns}
_stand_ins = [
    path("steward/<str:token>/", stand_in, name="steward"),
    path("steward/<str:token>/stop/", stand_in, name="steward-stop"),
]

_directory = [*directory.urlpatterns, *(p for p in _stand_ins if p.name not in _routed)]

urlpatterns = [
    *(p for p in site.urlpatterns if getattr(p, "namespace", None) != "directory"),
    path("", include((_directory, "directory"))),
]

handler500 = site.handler500
