from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from directory import health
from hashtags.opendata import views as export_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/export.json", export_views.export_json, name="export-json"),
    path("api/v1/export.csv", export_views.export_csv, name="export-csv"),
    path("api/v1/export.schema.json", export_views.export_schema, name="export-schema"),
    path(
        "api/v1/export/activity.csv",
        export_views.export_activity_csv,
        name="export-activity-csv",
    ),
    path("api/v1/", include("hashtags.api.urls")),
    # The public site: its files with one address each, its pages in every language
    # (English at the plain address, /es/… and the others under their prefix).
    path("", include("directory.file_urls")),
    *i18n_patterns(path("", include("directory.urls")), prefix_default_language=False),
]

# A database outage answers 503 (pages and API); other errors the usual 500 page.
handler500 = "directory.health.server_error"
# A body over the size limit answers 413 (JSON on the API); other bad requests 400.
handler400 = "directory.errors.bad_request"
