"""Thin viewsets over the registry's named querysets and its write functions.

Reads are public. POST submissions/ is public and throttled. Every other write needs a
curator's token (see permissions.py). Anonymous answers to GET carry the page cache's
ETag (directory/cache.py: the registry's generation, the minute and the address), and
If-None-Match answers 304 while nothing changed.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

import orjson
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from hashtags import entries, published, schedules
from hashtags.api.errors import Conflict, SubmissionsClosed, error_responses
from hashtags.api.filters import HashtagFilter
from hashtags.api.permissions import (
    ADD_HASHTAG,
    CHANGE_HASHTAG,
    CHANGE_SUBMISSION,
    HasCuratorPermissions,
)
from hashtags.api.renderers import PublishedJSONRenderer
from hashtags.api.serializers import (
    EARLIEST_DATE,
    LATEST_DATE,
    ApproveInputSerializer,
    CategorySerializer,
    EntryInputSerializer,
    HashtagDetailSerializer,
    HashtagSerializer,
    NoInputSerializer,
    RejectInputSerializer,
    RetireInputSerializer,
    SubmissionInputSerializer,
    SubmissionStatusSerializer,
    SuggestionInputSerializer,
    UpcomingSerializer,
)
from hashtags.api.throttling import SubmissionThrottle
from hashtags.counts import public_entry_counts
from hashtags.curation import moderation, suggestions
from hashtags.models import (
    Category,
    Chat,
    Hashtag,
    Submission,
    Switchboard,
    load_breaks,
    submissions_open,
)

ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[200],
    description="Send it back in If-None-Match to get 304 while nothing changed.",
)
NOT_MODIFIED = {304: OpenApiResponse(description="Not modified since the ETag you sent.")}


class CuratorWritesMixin:
    """Public actions allow anyone; actions named in `curator_permissions` need a curator."""

    curator_permissions: dict[str, tuple[str, ...]] = {}

    def get_permissions(self):
        if self.action in self.curator_permissions:
            return [HasCuratorPermissions()]
        return [AllowAny()]

    def validated(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(
            data=self.request.data, context={"request": self.request}, **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


HASHTAG_ORDERINGS = {
    "tag": ("key", "pk"),
    "-tag": ("-key", "-pk"),
    "created": ("created", "pk"),
    "-created": ("-created", "-pk"),
    "updated": ("updated", "pk"),
    "-updated": ("-updated", "-pk"),
    # Posts in the last 7 days counted (hashtags.activity); -activity: most active first.
    "activity": ("activity_uses", "pk"),
    "-activity": ("-activity_uses", "-pk"),
}
# What a submission reference looks like (22 URL-safe characters); the schema's example.
EXAMPLE_REFERENCE = "Xk3_9fQ2bLr0aZ7uVw1yTg"
TAG_PARAMETER = OpenApiParameter(
    "tag",
    OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    description="The tag or an alias, in any case, with or without '#'.",
    examples=[OpenApiExample("A tag", value="HCLDR")],
)
REFERENCE_PARAMETER = OpenApiParameter(
    "reference",
    OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    description="The reference given when the submission was made.",
    examples=[OpenApiExample("A reference", value=EXAMPLE_REFERENCE)],
)
SLUG_PARAMETER = OpenApiParameter(
    "slug",
    OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    description="The category's slug.",
    examples=[OpenApiExample("A category", value="cancer")],
)


@extend_schema_view(
    list=extend_schema(
        summary="Public entries, filtered and paginated",
        parameters=[ETAG_HEADER],
        responses={200: HashtagSerializer(many=True), **NOT_MODIFIED, **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="One public entry by tag or alias",
        description="With the entry's `activity` on the open networks (the list leaves it out).",
        parameters=[TAG_PARAMETER, ETAG_HEADER],
        responses={200: HashtagDetailSerializer, **NOT_MODIFIED, **error_responses(404)},
    ),
    create=extend_schema(
        summary="Create an entry (curators)",
        request=EntryInputSerializer,
        responses={201: HashtagSerializer, **error_responses(400, 401, 403, 413, 415)},
    ),
    partial_update=extend_schema(
        summary="Change an entry (curators)",
        description="Fields given replace the entry's; a list given (chats, moderators, "
        "categories, platforms) replaces the whole list.",
        parameters=[TAG_PARAMETER],
        request=EntryInputSerializer(partial=True),
        responses={200: HashtagSerializer, **error_responses(400, 401, 403, 404, 413, 415)},
    ),
)
class HashtagViewSet(CuratorWritesMixin, viewsets.GenericViewSet):
    """Registry entries. Only approved and retired entries are public: pending, rejected
    and unknown tags answer 404."""

    serializer_class = HashtagSerializer
    filterset_class = HashtagFilter
    lookup_field = "tag"
    lookup_value_regex = "[^/]+"
    orderings = HASHTAG_ORDERINGS
    default_ordering = "tag"
    http_method_names = ["get", "post", "patch", "head", "options"]
    curator_permissions = {
        "create": (ADD_HASHTAG,),
        "partial_update": (CHANGE_HASHTAG,),
        "retire": (CHANGE_HASHTAG,),
        "verify": (CHANGE_HASHTAG,),
    }

    def get_queryset(self):
        return Hashtag.objects.public().with_details()

    def get_serializer_class(self):
        return HashtagDetailSerializer if self.action == "retrieve" else HashtagSerializer

    def get_renderers(self) -> list[BaseRenderer]:
        # The answers hold the stored documents' JSON text (hashtags.published), which
        # orjson writes as it is, around DRF-compatible envelopes.
        if self.action in ("list", "retrieve", "create", "partial_update", "retire", "verify"):
            return [PublishedJSONRenderer()]
        return super().get_renderers()

    def get_object(self) -> Hashtag:
        raw = self.kwargs[self.lookup_field]
        # One query for the entry whatever name it was asked by (the writes read what they
        # change themselves; answers are the published documents).
        entry = Hashtag.objects.public().resolve(raw)
        if entry is None:
            raise NotFound(f"#{raw[:100]} is not in the directory.")
        self.check_object_permissions(self.request, entry)
        return entry

    def _answer(self, entry: Hashtag, code: int = status.HTTP_200_OK) -> Response:
        """The entry's published document, as the write left it."""
        (row,) = published.of([entry.pk])
        headers = None
        if code == status.HTTP_201_CREATED:
            headers = {"Location": orjson.loads(row.document)["url"]}
        return Response(published.listed(row), status=code, headers=headers)

    def list(self, request: Request) -> Response:
        # The page's entries and their stored documents in one query (hashtags.published).
        queryset = self.filter_queryset(
            Hashtag.objects.public().with_activity_uses().with_published()
        )
        page = self.paginate_queryset(queryset.values(*published.LIST_COLUMNS))
        return self.get_paginated_response(
            [published.listed(row) for row in published.current_rows(page)]
        )

    def retrieve(self, request: Request, tag: str) -> Response:
        # One indexed read of the stored document, by any of the entry's names.
        row = published.find(tag)
        if row is None:
            raise NotFound(f"#{tag[:100]} is not in the directory.")
        return Response(published.detail(row))

    def create(self, request: Request) -> Response:
        data = self.validated(EntryInputSerializer)
        entry = entries.create(curator=request.user, reason="Created through the API", **data)
        return self._answer(entry, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, tag: str) -> Response:
        entry = self.get_object()
        data = self.validated(EntryInputSerializer, partial=True)
        changed = entries.update(
            hashtag=entry, curator=request.user, reason="Changed through the API", **data
        )
        return self._answer(changed)

    @extend_schema(
        summary="Retire an entry (curators)",
        description="The entry stays public, marked retired; `replaced_by` names the public "
        "entry that succeeds it, which its page and API answer point to.",
        parameters=[TAG_PARAMETER],
        request=RetireInputSerializer,
        responses={200: HashtagSerializer, **error_responses(400, 401, 403, 404, 409, 413, 415)},
    )
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, tag: str) -> Response:
        entry = self.get_object()
        data = self.validated(RetireInputSerializer)
        moderation.retire(
            hashtag=entry,
            curator=request.user,
            reason=data.get("reason", ""),
            replaced_by=data.get("replaced_by") or None,
        )
        return self._answer(entry)

    @extend_schema(
        summary="Mark an entry as verified today (curators)",
        parameters=[TAG_PARAMETER],
        request=None,
        responses={200: HashtagSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, tag: str) -> Response:
        entry = self.get_object()
        self.validated(NoInputSerializer)
        moderation.verify(hashtag=entry, curator=request.user)
        return self._answer(entry)


@extend_schema_view(
    list=extend_schema(
        summary="The category tree, with entry counts",
        parameters=[ETAG_HEADER],
        responses={200: CategorySerializer(many=True), **NOT_MODIFIED, **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="One category, with its entry count",
        parameters=[SLUG_PARAMETER, ETAG_HEADER],
        responses={200: CategorySerializer, **NOT_MODIFIED, **error_responses(404)},
    ),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The category tree (Diseases › Cancer › Breast cancer), in tree order; an entry
    counts towards its categories and all their ancestors."""

    serializer_class = CategorySerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    filter_backends: list = []
    default_ordering_fields = ("path", "pk")

    def get_queryset(self):
        return Category.objects.select_related("parent")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        with_entry_counts(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self) -> Category:
        slug = self.kwargs["slug"]
        category = self.get_queryset().filter(slug=slug).first()
        if category is None:
            raise NotFound(f"There is no category {slug[:80]!r}.")
        with_entry_counts([category])
        return category


def with_entry_counts(categories: list[Category]) -> None:
    """Give each category its `entry_count` from the count the site shows too (kept per
    registry generation), rather than counting again per category."""
    counts = public_entry_counts()
    for category in categories:
        category.entry_count = counts.get(category.pk, 0)


@extend_schema_view(
    create=extend_schema(
        summary="Propose an entry, or suggest an edit to one (anyone; throttled)",
        description="The same rules and messages as the site's forms. With `entry`, an "
        "edit suggestion for that public entry holding only the fields given that differ "
        "from it; nothing changes until a curator approves it. The submitter's name and "
        "email are private: no answer ever shows them.",
        request=PolymorphicProxySerializer(
            component_name="SubmissionOrSuggestionInput",
            serializers=[SubmissionInputSerializer, SuggestionInputSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: SubmissionStatusSerializer,
            **error_responses(400, 413, 415, 503),
        },
    ),
    retrieve=extend_schema(
        summary="A submission's state and, if rejected, the reason",
        parameters=[REFERENCE_PARAMETER],
        responses={200: SubmissionStatusSerializer, **error_responses(404)},
    ),
)
class SubmissionViewSet(CuratorWritesMixin, viewsets.GenericViewSet):
    """Proposed entries and their review. A submission's reference is its only key."""

    serializer_class = SubmissionStatusSerializer
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"
    filter_backends: list = []
    pagination_class = None
    curator_permissions = {
        "approve": (CHANGE_HASHTAG, CHANGE_SUBMISSION),
        "reject": (CHANGE_HASHTAG, CHANGE_SUBMISSION),
    }

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(SubmissionThrottle())
        return throttles

    def get_object(self) -> Submission:
        reference = self.kwargs["reference"]
        submission = None
        if reference.isascii() and len(reference) <= 64:
            submission = (
                Submission.objects.select_related("hashtag").filter(reference=reference).first()
            )
        if submission is None:
            raise NotFound("There is no submission with this reference.")
        self.check_object_permissions(self.request, submission)
        return submission

    def _answer(self, submission: Submission, code: int = status.HTTP_200_OK) -> Response:
        submission = Submission.objects.select_related("hashtag").get(pk=submission.pk)
        data = self.get_serializer(submission).data
        headers = {"Location": data["url"]} if code == status.HTTP_201_CREATED else None
        return Response(data, status=code, headers=headers)

    def create(self, request: Request) -> Response:
        if not submissions_open():
            raise SubmissionsClosed(Switchboard.current().closed_message or None)
        if isinstance(request.data, dict) and "entry" in request.data:
            data = self.validated(SuggestionInputSerializer)
            submission = suggestions.suggest_edit(hashtag=data.pop("entry"), **data)
        else:
            data = self.validated(SubmissionInputSerializer)
            submission = moderation.submit_hashtag(**data, refuse_duplicate_content=True)
        return self._answer(submission, status.HTTP_201_CREATED)

    def retrieve(self, request: Request, reference: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def _pending_entry(self, submission: Submission) -> Hashtag:
        if submission.state != Submission.State.PENDING:
            raise Conflict(f"This submission is already {submission.get_state_display().lower()}.")
        if submission.hashtag is None:
            raise Conflict("This submission has no entry to decide on.")
        return submission.hashtag

    @extend_schema(
        summary="Approve a pending submission or edit suggestion (curators)",
        description="A new entry becomes public. An edit suggestion is applied to its "
        "entry, all of it or only `fields`; a field the entry changed since the "
        "suggestion was made is a conflict (409), never overwritten.",
        parameters=[REFERENCE_PARAMETER],
        request=ApproveInputSerializer,
        responses={
            200: SubmissionStatusSerializer,
            **error_responses(400, 401, 403, 404, 409, 413, 415),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, reference: str) -> Response:
        submission = self.get_object()
        data = self.validated(ApproveInputSerializer)
        if submission.kind == Submission.Kind.EDIT:
            suggestions.apply_suggestion(
                submission=submission, curator=request.user, fields=data.get("fields")
            )
            return self._answer(submission)
        if "fields" in data:
            raise ValidationError({"fields": ["Only an edit suggestion is applied in part."]})
        moderation.approve(hashtag=self._pending_entry(submission), curator=request.user)
        return self._answer(submission)

    @extend_schema(
        summary="Reject a pending submission or edit suggestion with a reason (curators)",
        parameters=[REFERENCE_PARAMETER],
        request=RejectInputSerializer,
        responses={
            200: SubmissionStatusSerializer,
            **error_responses(400, 401, 403, 404, 409, 413, 415),
        },
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, reference: str) -> Response:
        submission = self.get_object()
        data = self.validated(RejectInputSerializer)
        reason = {"reason": data.get("reason", ""), "code": data.get("reason_code", "")}
        if submission.kind == Submission.Kind.EDIT:
            suggestions.reject_suggestion(submission=submission, curator=request.user, **reason)
            return self._answer(submission)
        moderation.reject(hashtag=self._pending_entry(submission), curator=request.user, **reason)
        return self._answer(submission)


# --- Upcoming chats ----------------------------------------------------------------------

WINDOW_PARAMETER_SCHEMA = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]
}


UPCOMING_MAX_DAYS = 31


def _include_unconfirmed(raw: str | None) -> bool:
    if raw is None:
        return False
    if raw != "unconfirmed":
        raise ValidationError(
            {"include": [f"Use unconfirmed, or leave include out (got “{raw[:50]}”)."]}
        )
    return True


def _instant(raw: str | None, zone: zoneinfo.ZoneInfo, field: str) -> datetime | None:
    """A date (midnight) or date-time; naive ones are read in `zone`. None when absent."""
    if raw is None:
        return None
    text = raw.strip()
    try:
        if len(text) <= 10:
            value = datetime.combine(date.fromisoformat(text), time(0), tzinfo=zone)
        else:
            value = datetime.fromisoformat(text)
            if value.tzinfo is None:
                value = value.replace(tzinfo=zone)
    except ValueError:
        raise ValidationError(
            {field: ["Enter a date (2026-03-10) or an ISO 8601 date-time."]}
        ) from None
    if not EARLIEST_DATE <= value.date() <= LATEST_DATE:
        raise ValidationError(
            {field: [f"Choose a time between {EARLIEST_DATE} and {LATEST_DATE}."]}
        )
    return value


@extend_schema(
    summary="Chat meetings in a window, in any time zone",
    parameters=[
        OpenApiParameter(
            "start",
            WINDOW_PARAMETER_SCHEMA,
            description="Start of the window: a date (midnight in tz) or an ISO 8601 "
            "date-time (naive ones are read in tz). Default: now.",
        ),
        OpenApiParameter(
            "end",
            WINDOW_PARAMETER_SCHEMA,
            description=f"End of the window (exclusive), at most "
            f"{UPCOMING_MAX_DAYS} days after start. Default: start + 7 days.",
        ),
        OpenApiParameter(
            "tz",
            OpenApiTypes.STR,
            description="IANA time zone to give times in, e.g. America/New_York. Default: UTC.",
        ),
        OpenApiParameter(
            "include",
            OpenApiTypes.STR,
            enum=["unconfirmed"],
            description="unconfirmed: also the meetings of chats with no evidence that they "
            "still meet (status unconfirmed: their entry not confirmed, and their tag not "
            "seen in use, within the verification period, a year by default). Default: only chats "
            "presented as meeting.",
        ),
        ETAG_HEADER,
    ],
    responses={200: UpcomingSerializer, **NOT_MODIFIED, **error_responses(400)},
)
class UpcomingChatsView(generics.GenericAPIView):
    """Every meeting of the chats of approved entries in a window of at most 31 days, in
    time order, computed in each chat's own zone and given in `tz`: none of a chat that
    has ended or not yet started, none within a break, none on a cancelled date, and none
    of a chat with no evidence that it still meets unless `include=unconfirmed`."""

    serializer_class = UpcomingSerializer
    filter_backends: list = []
    pagination_class = None

    def get(self, request: Request) -> Response:
        params = request.query_params
        zone_name = params.get("tz", "UTC")
        try:
            zone = schedules.get_zone(zone_name)
        except schedules.UnknownTimeZone as error:
            raise ValidationError({"tz": [str(error)]}) from None
        start = _instant(params.get("start"), zone, "start") or timezone.now().astimezone(zone)
        end = _instant(params.get("end"), zone, "end") or start + timedelta(days=7)
        if end <= start:
            raise ValidationError({"end": ["The end must be after the start."]})
        if end - start > timedelta(days=UPCOMING_MAX_DAYS):
            raise ValidationError(
                {
                    "end": [
                        f"The window can be at most {UPCOMING_MAX_DAYS} days "
                        "long; ask for the next part in another request."
                    ]
                }
            )
        chats = Chat.objects.public(now=start)
        if not _include_unconfirmed(params.get("include")):
            chats = chats.confirmed()
        chats = chats.select_related("hashtag", "hashtag__activity_summary")
        chats = load_breaks(list(chats.marking_breaks().order_by("pk")))
        occurrences = schedules.upcoming(chats, start, end)
        context = {"request": request, "zone": zone}
        payload = {
            "start": start.astimezone(zone).isoformat(),
            "end": end.astimezone(zone).isoformat(),
            "timezone": zone_name,
            "results": occurrences,
        }
        return Response(UpcomingSerializer(payload, context=context).data)
