from django.contrib import admin
from django.urls import include, path

from hashtags import export_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("directory.urls")),
    path("api/v1/export.json", export_views.export_json, name="export-json"),
    path("api/v1/export.csv", export_views.export_csv, name="export-csv"),
]
