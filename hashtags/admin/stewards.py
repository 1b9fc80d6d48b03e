"""The curators' admin for stewards: claims to accept or decline, and who keeps each
entry current.

A claim is decided through hashtags.curation.stewardship (`accept_claim`, `decline_claim`), which
locks the row, refuses a claim already decided and records who decided it: a button on
the steward's page, or a bulk action on the list. Nothing is edited by hand but the note.

Curators may decide claims when they may change entries (`hashtags.change_hashtag`), so
the Curators group needs no permissions of its own for this model. The steward's email
and name are shown only here, to them.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.dateformat import format as date_format
from simple_history.admin import SimpleHistoryAdmin

from hashtags.curation import stewardship
from hashtags.models import Steward


@admin.register(Steward)
class StewardAdmin(SimpleHistoryAdmin):
    list_display = ["hashtag", "state", "created", "decided_at", "reminded_at"]
    list_filter = ["state", "created"]
    list_select_related = ["hashtag", "decided_by"]
    search_fields = ["hashtag__tag", "name", "email"]
    fields = [
        "hashtag",
        "state",
        "name",
        "email",
        "note",
        "created",
        "asked_again",
        "decided_at",
        "decided_by",
        "decline_reason",
        "decline_note",
        "reminded_at",
    ]
    readonly_fields = [name for name in fields if name != "note"]
    actions = ["accept_selected", "decline_selected"]
    change_form_template = "admin/hashtags/steward/change_form.html"

    # Curators decide claims as part of looking after entries.

    def _curates(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm("hashtags.change_hashtag")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._curates(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._curates(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._curates(request) or super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people ask from the entry's page; submitters become stewards

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a steward's history is kept: they end rather than disappear

    def get_list_display(self, request: HttpRequest):
        columns = list(super().get_list_display(request))
        if self._curates(request):
            columns.insert(1, "email")
        return columns

    @admin.display(description="Asked again")
    def asked_again(self, steward: Steward) -> str:
        """The claim form answers the same to a claim this email already made (or
        holds): the curators see the repeats here and on the claim's review page."""
        times = [date_format(moment, "j M Y, H:i") for moment in stewardship.asked_again(steward)]
        return f"{'; '.join(times)} UTC" if times else "—"

    # Decisions: buttons on a claim's page that POST here, and bulk actions on the list.

    def get_urls(self):
        decide = self.admin_site.admin_view
        return [
            path("<int:pk>/accept/", decide(self.accept_view), name="hashtags_steward_accept"),
            *super().get_urls(),
        ]

    def _apply(self, request: HttpRequest, steward: Steward, decision, done: str) -> bool:
        try:
            decision(steward=steward, curator=request.user)
        except stewardship.StewardshipError as error:
            self.message_user(request, str(error), messages.ERROR)
            return False
        self.message_user(request, done.format(tag=steward.hashtag.tag), messages.SUCCESS)
        return True

    def _decide_view(self, request: HttpRequest, pk: int, decision, done: str) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        steward = get_object_or_404(Steward.objects.select_related("hashtag"), pk=pk)
        if request.method == "POST":
            self._apply(request, steward, decision, done)
        return HttpResponseRedirect(reverse("admin:hashtags_steward_change", args=[pk]))

    def accept_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._decide_view(request, pk, stewardship.accept_claim, ACCEPTED)

    def _bulk(self, request: HttpRequest, queryset, decision, done: str) -> None:
        for steward in queryset.select_related("hashtag"):
            self._apply(request, steward, decision, done)

    @admin.action(description="Accept the selected claims", permissions=["change"])
    def accept_selected(self, request: HttpRequest, queryset) -> None:
        self._bulk(request, queryset, stewardship.accept_claim, ACCEPTED)

    @admin.action(description="Decline the selected claims", permissions=["change"])
    def decline_selected(self, request: HttpRequest, queryset) -> None:
        self._bulk(request, queryset, stewardship.decline_claim, DECLINED)


ACCEPTED = "The claim on #{tag} is accepted: its new steward is sent their link."
DECLINED = "The claim on #{tag} is declined."
