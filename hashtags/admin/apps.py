"""Django's admin app with the directory's own site (hashtags.admin.site); installed in
place of `django.contrib.admin`. A module of its own: app configs load before models."""

from django.contrib.admin.apps import AdminConfig


class DirectoryAdminConfig(AdminConfig):
    default_site = "hashtags.admin.site.DirectoryAdminSite"
