"""The curators' admin: an explicit ModelAdmin for every registry model, with history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from hashtags.models import (
    Alias,
    Category,
    Chat,
    Hashtag,
    HashtagModerator,
    Identity,
    Moderator,
    Platform,
    Report,
    Submission,
    TimeZone,
)


class ChatInline(admin.StackedInline):
    model = Chat
    extra = 0
    autocomplete_fields = ["timezone"]
    fields = [
        ("title", "is_active"),
        ("frequency", "weekdays", "interval", "month_weeks"),
        ("start_time", "duration_minutes", "timezone"),
        ("starts_on", "ends_on"),
        "note",
    ]


class HostInline(admin.TabularInline):
    model = HashtagModerator
    extra = 0
    autocomplete_fields = ["moderator"]
    verbose_name = "host or moderator"
    verbose_name_plural = "hosts and moderators"


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 0
    fields = ["tag", "created"]
    readonly_fields = ["created"]
    verbose_name_plural = "aliases (other tags that lead to this entry)"


@admin.register(Hashtag)
class HashtagAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "name", "kind", "status", "language", "updated", "last_verified"]
    list_filter = ["status", "kind", "platforms", "categories", "language", "created"]
    search_fields = ["tag", "key", "name", "identities__key"]
    list_select_related = True
    autocomplete_fields = ["categories"]
    readonly_fields = ["key", "created", "updated", "approved_at", "approved_by"]
    date_hierarchy = "created"
    inlines = [ChatInline, HostInline, AliasInline]
    fieldsets = [
        (None, {"fields": ["tag", "key", "name", "description", "kind", "categories"]}),
        ("Where and who", {"fields": ["platforms", "language", "website"]}),
        ("Conference", {"fields": ["start_date", "end_date", "place"], "classes": ["collapse"]}),
        (
            "Review",
            {
                "fields": [
                    "status",
                    "status_reason",
                    "last_verified",
                    "created",
                    "updated",
                    "approved_at",
                    "approved_by",
                ]
            },
        ),
    ]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term.lstrip("#")
        )
        return queryset, may_have_duplicates


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "slug", "path"]
    list_select_related = ["parent", "parent__parent"]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["path"]


@admin.register(Identity)
class IdentityAdmin(SimpleHistoryAdmin):
    """Every live name of every entry; read-only, as the registry keeps it in step."""

    list_display = ["__str__", "hashtag", "is_alias", "key", "created"]
    list_filter = ["is_alias"]
    list_select_related = ["hashtag"]
    search_fields = ["key", "tag"]
    readonly_fields = ["hashtag", "tag", "key", "is_alias", "created"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Chat)
class ChatAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "frequency", "weekdays", "start_time", "timezone", "is_active"]
    list_filter = ["is_active", "frequency", "weekdays"]
    list_select_related = ["hashtag"]
    search_fields = ["hashtag__tag", "title"]
    autocomplete_fields = ["hashtag", "timezone"]


@admin.register(Moderator)
class ModeratorAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "handle", "platform", "profile_url"]
    list_filter = ["platform"]
    list_select_related = ["platform"]
    search_fields = ["handle", "display_name"]


@admin.register(HashtagModerator)
class HashtagModeratorAdmin(SimpleHistoryAdmin):
    list_display = ["moderator", "role", "hashtag"]
    list_filter = ["role"]
    list_select_related = ["moderator", "hashtag"]
    search_fields = ["moderator__handle", "moderator__display_name", "hashtag__tag"]
    autocomplete_fields = ["hashtag", "moderator"]


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "state", "submitter_name", "created", "decided_at"]
    list_filter = ["state", "created"]
    list_select_related = ["hashtag"]
    search_fields = ["tag", "reference", "submitter_name", "submitter_email"]
    autocomplete_fields = ["hashtag"]
    readonly_fields = ["reference", "created", "decided_at", "decided_by", "payload"]


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "hashtag", "reason", "created", "resolved_at"]
    list_filter = ["reason", "created"]
    list_select_related = ["hashtag", "resolved_by"]
    search_fields = ["hashtag__tag", "comment"]
    autocomplete_fields = ["hashtag"]
    readonly_fields = ["created"]


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "search_url", "position"]
    search_fields = ["name", "code"]


@admin.register(TimeZone)
class TimeZoneAdmin(admin.ModelAdmin):
    """The tz database's zones; loaded by migration, refreshed by `sync_timezones`."""

    search_fields = ["name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
