"""Benchmark-only URLs: the product's URLs plus three baselines, the framework's own
ceilings for each shape of work, served by the same server in the same run.

- B0: a minimal JSON answer through the full middleware stack (no database).
- B1: one row fetched by primary key with .values(), as JsonResponse.
- B2: a hand-written list of 20 rows with .values(), as JsonResponse.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from config.urls import handler500  # noqa: F401 - the product's 500 handler
from hashtags.models import Hashtag

FIELDS = ("id", "tag", "name", "kind", "language", "status", "updated")


def b0(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def b1(request: HttpRequest, pk: int) -> JsonResponse:
    row = Hashtag.objects.filter(pk=pk).values(*FIELDS).first()
    return JsonResponse({"result": row})


def b2(request: HttpRequest) -> JsonResponse:
    rows = list(Hashtag.objects.filter(status="approved").order_by("key").values(*FIELDS)[:20])
    return JsonResponse({"results": rows})


urlpatterns = [
    path("bench/b0", b0),
    path("bench/b1/<int:pk>", b1),
    path("bench/b2", b2),
    path("", include("config.urls")),
]
