"""The public site: thin views over the registry's named querysets.

Every page answers with a fixed number of database queries whatever the number of rows
it shows: lists prefetch what their cards show, counts come from grouped queries, and
long lists page by keyset (directory/pagination.py) rather than by offset.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import DetailView, TemplateView

from directory import entry
from directory.chats import public_chat_zones, viewer_zone
from directory.filters import HAS_CHAT_CHOICES, DirectoryFilter, cached_facets, language_name
from directory.pagination import CursorError, KeysetPaginator
from hashtags import published, schedules
from hashtags.activity.summary import activity_of
from hashtags.counts import categories_with_counts, public_category_counts
from hashtags.models import Category, Chat, Hashtag
from hashtags.search import similar_tags, words
from hashtags.validators import clean_tag

PAGE_SIZE = 24
RECENT_COUNT = 6
UPCOMING_DAYS = 7
UPCOMING_SHOWN = 8
FILTER_PARAMETERS = (
    "category",
    "kind",
    "platform",
    "language",
    "has_chat",
    "active_within_days",
)
# The directory's orders besides the default (A–Z, or relevance for a search).
SORTS = {"activity": "Most active this week"}
MOST_ACTIVE_COUNT = 5
ACTIVITY_WINDOWS = (7, 30, 90)  # the directory's "seen in use within" links, in days


def card_queryset(queryset: QuerySet[Hashtag]) -> QuerySet[Hashtag]:
    """What `_hashtag_card.html` shows: three prefetches, whatever the number of cards
    (and each entry's activity summary, which its chats' status reads)."""
    return queryset.select_related("activity_summary").prefetch_related(
        "categories",
        Prefetch(
            "chats",
            queryset=Chat.objects.order_by("start_time", "pk").prefetch_related("pauses"),
        ),
    )


def build_tree(categories: list[Category]) -> list[Category]:
    """Nest categories (given in path order) under their parents, as `.nodes` lists."""
    by_id: dict[int, Category] = {}
    roots: list[Category] = []
    for category in categories:
        category.nodes = []
        by_id[category.pk] = category
        parent = by_id.get(category.parent_id) if category.parent_id else None
        (parent.nodes if parent else roots).append(category)
    return roots


def query_string(params: dict[str, Any]) -> str:
    filled = {name: value for name, value in params.items() if value not in (None, "")}
    return f"?{urlencode(filled)}" if filled else ""


class HomeView(TemplateView):
    template_name = "directory/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The home page shows where the hashtags are: a category without one is left out
        # (the full ontology, empty categories included, is on /categories/).
        context["categories"] = build_tree([c for c in public_category_counts() if c.entry_count])
        context["recent"] = card_queryset(
            Hashtag.objects.approved().order_by("-approved_at", "-pk")
        )[:RECENT_COUNT]
        context["most_active"] = most_active(MOST_ACTIVE_COUNT)
        now = timezone.now()
        # Only chats with evidence that they still meet; /chats/ offers the others.
        context["upcoming"], context["upcoming_more"] = schedules.soonest(
            Chat.objects.public().confirmed(now),
            now,
            now + timedelta(days=UPCOMING_DAYS),
            UPCOMING_SHOWN,
            zones=public_chat_zones(),
        )
        context["now"] = now
        context["viewer_zone"], problem = viewer_zone(self.request.GET.get("tz"))
        context["tz_error"] = f"tz: {problem}" if problem else ""
        return context


class HashtagListView(TemplateView):
    """/hashtags/: search, filters with counts, keyset pages."""

    template_name = "directory/hashtag_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        status = 400 if context["errors"] else 200
        return self.render_to_response(context, status=status)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        filterset = DirectoryFilter(params, queryset=Hashtag.objects.public())
        context["filter"] = filterset
        errors: list[str] = []
        page = None
        facets = None
        sort = params.get("sort", "")
        if sort and sort not in SORTS:
            errors.append(
                "sort: "
                + _("Sort by %(sorts)s, or leave it out for A–Z.") % {"sorts": ", ".join(SORTS)}
            )
        if filterset.is_valid() and not errors:
            # The relevance order exists only when the query has words to rank by ("#"
            # or "!!!" alone search nothing and list everything).
            searching = "search_rank" in filterset.qs.query.annotations
            fields = ("search_rank", "key") if searching else ("key",)
            queryset = filterset.qs
            if sort == "activity":
                # Most posts first: the keyset walks the negated count up.
                queryset = queryset.with_activity_uses().annotate(activity_rank=-F("activity_uses"))
                fields = ("activity_rank", "key")
            paginator = KeysetPaginator(
                card_queryset(queryset),
                fields,
                PAGE_SIZE,
                int_fields=frozenset({"search_rank", "activity_rank"}),
            )
            try:
                page = paginator.page(after=params.get("after"), before=params.get("before"))
            except CursorError as error:
                errors.append(str(error))
            facets = cached_facets(filterset)
        elif not filterset.is_valid():
            errors.extend(f"{name}: {message}" for name, message in filterset.errors_by_field)
        context.update(page=page, facets=facets, errors=errors, sort=sort)
        context["activity_windows"] = [(days, str(days)) for days in ACTIVITY_WINDOWS]

        query = filterset.form.cleaned_data.get("q") or ""
        if not words(query):
            query = ""
        context["query"] = query
        context["active_filters"] = self.active_filters(filterset) if not errors else []
        context["filters_title"] = ", ".join(
            label for _name, _heading, label in context["active_filters"]
        )
        if page is not None and not page.items and query:
            context["suggestions"] = similar_tags(query, Hashtag.objects.public())
        # The canonical address keeps what changes the results and drops what does not
        # (unknown parameters, empty values), in a fixed order.
        canonical = {name: params.get(name, "") for name in ("q", *FILTER_PARAMETERS, "sort")}
        canonical.update(after=params.get("after", ""), before=params.get("before", ""))
        context["canonical_url"] = (
            f"{settings.SITE_URL}{self.request.path}{query_string(canonical)}"
        )
        context["filtered"] = any(canonical[name] for name in canonical)
        # A new search keeps the filters in use (as hidden fields of the search form).
        context["keep"] = [
            (name, canonical[name])
            for name in (*FILTER_PARAMETERS, "sort")
            if canonical[name] and not errors
        ]
        return context

    @staticmethod
    def active_filters(filterset: DirectoryFilter) -> list[tuple[str, str, str]]:
        """(parameter, heading, chosen value's label) for each filter in use."""
        data = filterset.form.cleaned_data
        chosen = []
        if data.get("category"):
            chosen.append(("category", _("Category"), data["category"].name))
        if data.get("kind"):
            chosen.append(("kind", _("Kind"), Hashtag(kind=data["kind"]).get_kind_display()))
        if data.get("has_chat") is not None:
            label = dict(HAS_CHAT_CHOICES)["true" if data["has_chat"] else "false"]
            chosen.append(("has_chat", _("Recurring chat"), str(label)))
        if data.get("platform"):
            chosen.append(("platform", _("Platform"), data["platform"].name))
        if data.get("language"):
            chosen.append(("language", _("Language"), language_name(data["language"])))
        if data.get("active_within_days"):
            days = data["active_within_days"]
            label = ngettext(
                "Seen in use within %(days)s day", "Seen in use within %(days)s days", days
            ) % {"days": days}
            chosen.append(("active_within_days", _("Activity"), label))
        return chosen


class HashtagDetailView(DetailView):
    template_name = "directory/hashtag_detail.html"
    context_object_name = "hashtag"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raw = kwargs["tag"]
        # The published entry, by any of its names: one indexed read (directory/entry.py).
        row = published.find(raw, fields=(*published.READ_FIELDS, "record"))
        if row is None:
            return not_in_directory(request, raw)
        self.page = entry.page(row)
        self.object = self.page.hashtag
        if raw != self.object.tag:
            # Other casings, '#'-prefixed spellings and aliases have one canonical address.
            return HttpResponsePermanentRedirect(self.object.get_absolute_url())
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            chats=self.page.chats,
            hosts=self.page.hosts,
            categories=self.page.categories,
            platforms=self.page.platforms,
            freshness=self.object.published_freshness,
        )
        context["viewer_zone"], problem = viewer_zone(self.request.GET.get("tz"))
        context["tz_error"] = f"tz: {problem}" if problem else ""
        context["language_name"] = language_name(self.object.language)
        context["activity"] = activity_of(self.object)
        return context


def most_active(count: int) -> list[Hashtag]:
    """The approved entries with the most posts in the last 7 days counted (one query)."""
    return list(
        Hashtag.objects.approved()
        .filter(activity_summary__uses_7d__gt=0)
        .select_related("activity_summary")
        .order_by("-activity_summary__uses_7d", "key")[:count]
    )


def not_in_directory(request: HttpRequest, raw: str) -> HttpResponse:
    """A 404 that helps: what was asked for, similar public entries, a search box and a
    link to register the hashtag when it is a valid one."""
    try:
        tag = clean_tag(raw)
        problem = ""
    except ValidationError as error:
        tag = ""
        problem = " ".join(error.messages)
    suggestions = similar_tags(raw, Hashtag.objects.public())
    context = {
        "missing_tag": tag,
        "tag_problem": problem,
        "suggestions": suggestions,
        "register_url": f"/submit/{query_string({'tag': tag})}",
    }
    return render(request, "404.html", context, status=404)


class CategoryListView(TemplateView):
    template_name = "directory/category_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tree"] = build_tree(public_category_counts())
        return context


class CategoryDetailView(DetailView):
    template_name = "directory/category_detail.html"
    context_object_name = "category"

    def get_object(self, queryset: QuerySet | None = None) -> Category:
        return get_object_or_404(Category, slug=self.kwargs["slug"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        context = self.get_context_data(object=self.object)
        return self.render_to_response(context, status=400 if context["errors"] else 200)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        category = self.object
        slugs = category.path.split("/")[:-1]
        ancestors = {c.slug: c for c in Category.objects.filter(slug__in=slugs)}
        context["ancestors"] = [ancestors[slug] for slug in slugs if slug in ancestors]
        public = Hashtag.objects.public()
        subtree = categories_with_counts(public, within=category)
        context["subcategories"] = [
            c for c in subtree if c.parent_id == category.pk and c.entry_count
        ]
        context["entry_count"] = next((c.entry_count for c in subtree if c.pk == category.pk), 0)
        paginator = KeysetPaginator(
            card_queryset(public.in_category(category)), ("key",), PAGE_SIZE
        )
        context["errors"] = []
        context["page"] = None
        try:
            context["page"] = paginator.page(
                after=self.request.GET.get("after"), before=self.request.GET.get("before")
            )
        except CursorError as error:
            context["errors"].append(str(error))
        return context


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"
