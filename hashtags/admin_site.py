"""The admin, branded as the directory's curators' workbench.

`DirectoryAdminSite` is Django's admin site (installed through `hashtags.apps.
DirectoryAdminConfig` in place of `django.contrib.admin`) with the directory's name, the
count of what waits in the header of every page, what waits on the index, and the review
queue's pages (hashtags.admin_review).
"""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path

from hashtags import review

CURATES = "hashtags.change_hashtag"


def curates(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.has_perm(CURATES)


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

    def get_urls(self):
        from hashtags import admin_review

        view = self.admin_view
        return [
            path("review/", view(admin_review.queue_view), name="review"),
            path(
                "review/<str:kind>/<int:pk>/",
                view(admin_review.item_view),
                name="review_item",
            ),
            path(
                "review/<str:kind>/<int:pk>/<str:action>/",
                view(admin_review.decide_view),
                name="review_decide",
            ),
            *super().get_urls(),
        ]
