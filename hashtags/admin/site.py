"""The admin, branded as the directory's curators' workbench.

`DirectoryAdminSite` is Django's admin site (installed through `hashtags.apps.
DirectoryAdminConfig` in place of `django.contrib.admin`) with the directory's name, the
count of what waits in the header of every page, what waits on the index, and the review
queue's pages, which hashtags.admin.review adds (`add_page`).
"""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path

from hashtags.curation import review
from hashtags.curation.review import curates


class DirectoryAdminSite(admin.AdminSite):
    site_header = "Healthcare Hashtag Directory — curators"
    site_title = "Healthcare Hashtag Directory curators"
    index_title = "Curators' workbench"
    index_template = "admin/directory_index.html"

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        if getattr(request, "user", None) is not None and curates(request):
            # Five COUNT queries per admin page: what waits, in the header.
            waiting = review.counts()
            context["review_counts"] = [
                (kind, review.KIND_PLURALS[kind], count) for kind, count in waiting.items()
            ]
            context["review_waiting"] = sum(waiting.values())
        return context

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pages: list = []

    def add_page(self, route: str, view, name: str) -> None:
        """A page of the curators' own (the review queue registers its pages), behind
        the admin's sign-in."""
        self.pages.append(path(route, self.admin_view(view), name=name))

    def get_urls(self):
        return [*self.pages, *super().get_urls()]
