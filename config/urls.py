from django.contrib import admin
from django.urls import include, path

from directory import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("directory.urls")),
]

# A database outage answers 503 (pages and API); other errors the usual 500 page.
handler500 = "directory.health.server_error"
