"""GET /api/v1/changes/: every change to the public registry, in order
(hashtags.opendata.changelog).

A client keeps the highest `sequence` it has seen and asks for `?after=<sequence>`; a
page that is full will never change (sequences only grow, and changes commit in their
order), so it may be cached for a long time, and the newest page for a minute.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from hashtags.api.errors import error_responses
from hashtags.models import Change
from hashtags.opendata import changelog
from hashtags.published import timestamp

# How long a page may be kept: the last page for a minute, a full one for a day.
FRESH_SECONDS = 60
FULL_PAGE_SECONDS = 24 * 60 * 60


@extend_schema_field({"oneOf": [{"$ref": "#/components/schemas/ExportEntry"}, {"type": "null"}]})
class RecordField(serializers.JSONField):
    """An entry as the export writes it (the export's JSON Schema), or null."""


class ChangeSerializer(serializers.Serializer):
    """One change (the schema's description; the view writes the same keys)."""

    sequence = serializers.IntegerField(help_text="Strictly increasing, never reused.")
    at = serializers.DateTimeField(help_text="When the change was made (UTC).")
    entry = serializers.CharField(help_text="The entry's tag after the change.")
    renamed_from = serializers.CharField(
        allow_null=True, help_text="For a rename, the tag before it; otherwise null."
    )
    action = serializers.ChoiceField(choices=Change.Action.choices)
    fields = serializers.ListField(
        child=serializers.CharField(),
        help_text="The fields of the entry's record that changed (record-keeping times aside).",
    )
    role = serializers.ChoiceField(
        choices=Change.Role.choices, help_text="Who made the change: a role, never a name."
    )
    reason = serializers.CharField(help_text="A public reason (a retirement, a merge), or ''.")
    url = serializers.URLField(
        allow_null=True, help_text="The entry's current document, while it is public."
    )
    history_url = serializers.URLField(help_text="The entry's history page.")
    record = RecordField(
        help_text="The entry after the change, as the export writes it (format version 1); "
        "null when it left the public registry.",
    )


class ChangesPageSerializer(serializers.Serializer):
    latest = serializers.IntegerField(help_text="The newest change's sequence (0: none yet).")
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    results = ChangeSerializer(many=True)


def _number(raw: str | None, field: str, default: int, low: int, high: int | None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({field: ["Enter a whole number."]}) from None
    if value < low or (high is not None and value > high):
        rule = f"between {low} and {high}" if high is not None else f"{low} or more"
        raise ValidationError({field: [f"Must be {rule}."]})
    return value


def item(change: Change, request: Request) -> dict:
    public = change.record is not None
    return {
        "sequence": change.sequence,
        "at": timestamp(change.at),
        "entry": change.tag,
        "renamed_from": change.renamed_from or None,
        "action": change.action,
        "fields": change.fields,
        "role": change.role,
        "reason": change.reason,
        "url": request.build_absolute_uri(reverse("api:hashtag-detail", args=[change.tag]))
        if public
        else None,
        "history_url": request.build_absolute_uri(
            reverse("directory:hashtag-history", args=[change.tag])
        ),
        "record": changelog.loads(change.record),
    }


@extend_schema(
    summary="Changes to the public registry, in order",
    tags=["changes"],
    description="Page with `after` (the last `sequence` you have); follow `next` until it "
    "is null. A mirror applies each change's `record` in order.",
    parameters=[
        OpenApiParameter(
            "after",
            OpenApiTypes.INT,
            description="Only changes with a greater sequence (default 0: from the first).",
        ),
        OpenApiParameter(
            "entry",
            OpenApiTypes.STR,
            description="Only the changes of the entry this tag names (now or before).",
        ),
        OpenApiParameter(
            "limit",
            OpenApiTypes.INT,
            description=f"Changes per page: 1 to {changelog.MAX_PAGE_SIZE} "
            f"(default {changelog.PAGE_SIZE}).",
        ),
    ],
    responses={200: ChangesPageSerializer, **error_responses(400)},
)
class ChangesView(generics.GenericAPIView):
    serializer_class = ChangesPageSerializer
    filter_backends: list = []
    pagination_class = None

    def get(self, request: Request) -> Response:
        params = request.query_params
        unknown = sorted(set(params) - {"after", "entry", "limit", "format"})
        if unknown:
            raise ValidationError({name: ["Unknown parameter."] for name in unknown})
        after = _number(params.get("after"), "after", 0, 0, None)
        limit = _number(
            params.get("limit"), "limit", changelog.PAGE_SIZE, 1, changelog.MAX_PAGE_SIZE
        )
        tag = params.get("entry")
        if tag is not None and not tag.strip("# "):
            raise ValidationError({"entry": ["Give a tag, e.g. HCLDR."]})
        entries = changelog.entries_named(tag) if tag is not None else None
        latest = changelog.latest()
        changes = changelog.page(after=after, limit=limit, entries=entries)
        full = len(changes) == limit
        next_url = None
        if full:
            query = params.copy()
            query["after"] = str(changes[-1].sequence)
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        answer = Response(
            {
                "latest": latest,
                "next": next_url,
                "results": [item(change, request) for change in changes],
            }
        )
        # A full page of every entry's changes never changes; any other page may grow.
        seconds = FULL_PAGE_SECONDS if full and entries is None else FRESH_SECONDS
        patch_cache_control(answer, public=True, max_age=seconds)
        return answer
