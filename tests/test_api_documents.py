"""The list and detail documents of the API (hashtags/api/documents.py) are, byte for
byte, what the DRF serializers that define them render: the same keys in the same order,
the same formats, the same links and cursors. Each answer of the view is compared with
the answer of a reference view that serializes model instances with HashtagSerializer /
HashtagDetailSerializer and renders them with DRF's own JSONRenderer, over a registry
that exercises every field (the demo data plus entries made for the corners)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from hashtags.api import documents
from hashtags.api.views import HASHTAG_ORDERINGS, HashtagViewSet
from hashtags.models import (
    ActivitySummary,
    Alias,
    Category,
    Chat,
    ChatPause,
    ChatStatus,
    DailyActivity,
    Freshness,
    Hashtag,
    HashtagModerator,
    Moderator,
    Status,
    Weekday,
)

pytestmark = pytest.mark.django_db
LIST = "/api/v1/hashtags/"
NOW = datetime(2026, 6, 16, 14, 7, 30, 123456, tzinfo=UTC)


class ReferenceViewSet(HashtagViewSet):
    """The list and detail as they were: model instances with every relation
    prefetched, DRF's serializers, DRF's JSONRenderer."""

    throttle_classes: list = []

    def get_renderers(self) -> list:
        return [JSONRenderer()]

    def list(self, request: Request) -> Response:
        queryset = self.get_queryset().with_activity_uses()
        page = self.paginate_queryset(self.filter_queryset(queryset))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, tag: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


class FastViewSet(HashtagViewSet):
    throttle_classes: list = []


@pytest.fixture
def frozen() -> Iterator[None]:
    """Both answers see the same moment (chat states, next meetings, freshness)."""
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def answer(viewset: type[HashtagViewSet], url: str, **headers: str) -> tuple[int, str, bytes]:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    request = APIRequestFactory().get(path, **headers)
    if path.startswith(LIST) and path.split("?")[0] != LIST:
        tag = path[len(LIST) :].split("/")[0]
        response = viewset.as_view({"get": "retrieve"})(request, tag=tag)
    else:
        response = viewset.as_view({"get": "list"})(request)
    response.render()
    return response.status_code, response["Content-Type"], response.content


def same(url: str, **headers: str) -> bytes:
    """The new answer to `url`, asserted equal in every byte to the reference's."""
    new = answer(FastViewSet, url, **headers)
    old = answer(ReferenceViewSet, url, **headers)
    if new != old:
        at = next((i for i, (a, b) in enumerate(zip(new[2], old[2], strict=False)) if a != b), 0)
        window = slice(max(0, at - 300), at + 300)
        pytest.fail(f"{url}: {new[:2]} {old[:2]}\nnew: {new[2][window]!r}\nold: {old[2][window]!r}")
    return new[2]


def walk_same(url: str) -> int:
    """Every page of a list, by its next links, then back by its previous links; each
    page equal to the reference's. Returns the number of rows seen."""
    import json

    rows, pages, seen = 0, [], set()
    while url:
        assert url not in seen
        seen.add(url)
        body = json.loads(same(url))
        rows += len(body["results"])
        pages.append(body)
        url = body["next"]
    back = pages[-1]["previous"]
    while back:
        back = json.loads(same(back))["previous"]
    return rows


@pytest.fixture
def registry(frozen) -> list[Hashtag]:
    """The demo registry and entries made for every corner of the documents."""
    call_command("seed_demo", verbosity=0)
    top = Category.objects.create(slug="zz-top", name="Top “quoted” \\ café")
    middle = Category.objects.create(slug="zz-middle", name="Middle", parent=top)
    leaf = Category.objects.create(slug="zz-leaf", name="Leaf\u2028line", parent=middle)

    def entry(tag: str, **fields) -> Hashtag:
        categories = fields.pop("categories", [])
        platforms = fields.pop("platforms", [])
        hashtag = Hashtag(tag=tag, name=fields.pop("name", tag), **fields)
        hashtag.save()
        hashtag.categories.set(categories)
        hashtag.platforms.set(platforms)
        return hashtag

    successor = entry(
        "ZzSuccessor",
        kind="community",
        status=Status.APPROVED,
        description='Line one\nline two\u2028sep\u2029para "quotes" \\ back </script> \x01',
        categories=[leaf, middle, top],
        platforms=["x", "bluesky", "mastodon", "linkedin"],
        language="pt-BR",
        website="https://example.org/é?a=1&b=2",
        source="https://example.org/source",
        start_date=date(2026, 1, 2),
        end_date=date(2026, 12, 31),
        place="São Paulo · 東京",
        last_verified=NOW - timedelta(days=3),
    )
    retired = entry(
        "ZzRetired",
        kind="chat",
        status=Status.RETIRED,
        replaced_by=successor,
        status_reason="Moved.",
        last_verified=NOW - timedelta(days=2000),
        reminder_sent_at=NOW - timedelta(days=100),
    )
    unicode = entry(
        "Médicos",
        name="Médicos — ĉiuj 🩺",
        kind="specialty",
        status=Status.APPROVED,
        categories=[middle],
        platforms=["threads"],
        language="es",
        last_verified=datetime(2026, 5, 1, 0, 0, tzinfo=UTC),
    )
    plain = entry("ZzPlain", kind="other", status=Status.APPROVED, description="", place="")
    entry("ZzPending", kind="other", status=Status.PENDING)
    for hashtag, alias in ((successor, "ZzNewName"), (successor, "ZzAnother"), (unicode, "Médico")):
        Alias(hashtag=hashtag, tag=alias).save()

    chats = [
        Chat(
            hashtag=successor,
            title="Weekly “chat”",
            weekdays="TU,TH",
            start_time=time(20, 30),
            timezone_id="America/New_York",
            starts_on=date(2025, 1, 7),
            cancelled_dates=["2026-06-18", "2026-06-23"],
            note="From their page\u2028second",
        ),
        Chat(
            hashtag=successor,
            frequency="monthly",
            weekdays="WE",
            month_weeks="1,-1",
            start_time=time(9, 0),
            duration_minutes=90,
            timezone_id="Asia/Kolkata",
            ends_on=date(2026, 12, 30),
        ),
        Chat(
            hashtag=successor,
            weekdays="MO",
            interval=2,
            start_time=time(0, 0),
            timezone_id="Pacific/Chatham",
            starts_on=date(2026, 1, 5),
        ),
        Chat(
            hashtag=retired,
            weekdays="SU",
            start_time=time(18, 15),
            timezone_id="Europe/London",
            ends_on=date(2025, 6, 1),
        ),
        Chat(
            hashtag=unicode,
            weekdays="FR",
            start_time=time(12, 0),
            timezone_id="UTC",
            is_active=False,
        ),
        Chat(
            hashtag=unicode,
            weekdays="SA",
            start_time=time(7, 45),
            timezone_id="Australia/Sydney",
            starts_on=date(2027, 3, 6),
        ),
    ]
    Chat.objects.bulk_create(chats)
    ChatPause.objects.bulk_create(
        [
            ChatPause(chat=chats[0], starts_on=date(2026, 7, 1), ends_on=date(2026, 8, 31)),
            ChatPause(chat=chats[0], starts_on=date(2026, 6, 1), ends_on=None, note="Break ✂"),
            ChatPause(chat=chats[2], starts_on=date(2026, 6, 10), ends_on=date(2026, 6, 20)),
        ]
    )
    accounts = Moderator.objects.bulk_create(
        [
            Moderator(handle="zz_one", display_name="Ünï Cödé", profile_url="https://x.com/a"),
            Moderator(handle="zz_two", platform_id="bluesky"),
            Moderator(handle="zz_three", display_name="Three"),
        ]
    )
    HashtagModerator.objects.bulk_create(
        [
            HashtagModerator(hashtag=successor, moderator=accounts[1], since=2019, until=2022),
            HashtagModerator(hashtag=successor, moderator=accounts[0], role="founder", since=2015),
            HashtagModerator(hashtag=successor, moderator=accounts[2], until=2024),
            HashtagModerator(hashtag=retired, moderator=accounts[0]),
        ]
    )
    ActivitySummary.objects.create(
        hashtag=successor,
        as_of=date(2026, 6, 15),
        uses_7d=42,
        accounts_7d=17,
        last_seen=date(2026, 6, 14),
        tracked_since=date(2026, 1, 1),
    )
    ActivitySummary.objects.create(
        hashtag=plain, as_of=date(2026, 6, 15), tracked_since=date(2026, 6, 1)
    )
    DailyActivity.objects.bulk_create(
        [
            DailyActivity(
                hashtag=successor,
                network=network,
                server=server,
                day=date(2026, 6, 15) - timedelta(days=back),
                uses=uses,
                accounts=min(uses, 3),
            )
            for network, server in (
                ("mastodon", "https://mastodon.social"),
                ("mastodon", "https://med-mastodon.com"),
                ("bluesky", "https://bsky.social"),
            )
            for back, uses in ((0, 5), (1, 0), (40, 9), (120, 7))
        ]
    )
    return list(Hashtag.objects.public())


def test_every_entry_detail_is_the_serializers_byte_for_byte(registry):
    tags = [hashtag.tag for hashtag in registry]
    assert len(tags) >= 15
    for tag in tags:
        same(f"{LIST}{tag}/")


def test_details_by_alias_any_case_and_missing_tags_answer_alike(registry):
    for name in ("zznewname", "%23M%C3%A9dico", "MÉDICOS", "ZzPending", "nope", "%20"):
        same(f"{LIST}{name}/")


def test_the_list_in_every_ordering_page_by_page_is_the_serializers(registry):
    total = Hashtag.objects.public().count()
    for ordering in HASHTAG_ORDERINGS:
        assert walk_same(f"{LIST}?ordering={ordering}&page_size=4") == total
    same(LIST)
    same(f"{LIST}?page_size=100")


SEARCHES = [
    "q=hcldr",  # selective
    "q=health",  # common
    "q=hc",  # prefix
    "q=cancr",  # a typo
    "q=zznewname",  # an alias
    "q=m%C3%A9dicos",
    "q=nothing-like-it",
    "q=",
    "q=health&ordering=-activity",
    "q=cancer&category=zz-top&kind=community",
]
FILTERS = [
    "category=zz-top",
    "category=zz-leaf",
    "kind=chat",
    "platform=bluesky",
    "platform=X",
    "language=en",
    "language=pt-BR",
    "has_chat=true",
    "has_chat=false",
    "active_within_days=30",
    "status=retired",
    "status=approved",
    *(f"chat_weekday={day}" for day in Weekday.values),
    *(f"chat_status={status}" for status in ChatStatus.values),
    *(f"freshness={freshness}" for freshness in Freshness.values),
    "updated_since=2020-01-01T00:00:00Z",
]


def test_every_search_is_the_serializers(registry):
    # One registry for all of them: building it is most of the test's time.
    for query in SEARCHES:
        walk_same(f"{LIST}?{query}&page_size=3")


def test_every_filter_is_the_serializers(registry):
    for query in FILTERS:
        walk_same(f"{LIST}?{query}&page_size=3")


def test_errors_are_the_same(registry):
    for query in ("kind=nope", "cursor=garbage", "ordering=nope", "page_size=0", "kind="):
        same(f"{LIST}?{query}")


def test_an_indent_asked_for_is_rendered_as_drf_renders_it(registry):
    same(f"{LIST}?page_size=5", HTTP_ACCEPT="application/json; indent=4")
    same(f"{LIST}ZzSuccessor/", HTTP_ACCEPT="application/json; indent=2")


def test_the_documents_cover_every_field(registry):
    """The registry above really exercises what it claims to: a guard against a
    comparison that passes because a field is always empty."""
    import json

    detail = json.loads(same(f"{LIST}ZzSuccessor/"))
    assert len(detail["categories"]) == 3 and len(detail["platforms"]) == 4
    assert detail["aliases"] == ["ZzAnother", "ZzNewName"]
    assert [host["current"] for host in detail["moderators"]] == [False, True, False]
    assert {chat["frequency"] for chat in detail["chats"]} == {"weekly", "monthly"}
    assert any(chat["pauses"] for chat in detail["chats"])
    assert detail["activity"]["series"] and detail["activity"]["last_7_days"]["uses"] == 42
    body = same(f"{LIST}ZzSuccessor/")
    assert b"\\u2028" in body and b"\xe2\x80\xa8" not in body
    retired = json.loads(same(f"{LIST}ZzRetired/"))
    assert retired["replaced_by"]["tag"] == "ZzSuccessor"
    assert retired["freshness"] == "stale"


def test_the_client_sees_the_same_bytes_and_headers(registry, client, settings):
    """Through the middleware too (page cache, ETag): the body is the view's, the
    Content-Type DRF's."""
    settings.REGISTRY_CACHE_SECONDS = 0
    for url in (f"{LIST}?q=health&page_size=3", f"{LIST}Médicos/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.content == same(url)


def test_a_page_costs_the_same_few_queries_whatever_its_length(
    registry, django_assert_max_num_queries
):
    # The page, then categories, platforms, aliases, hosts, chats and their breaks.
    for size in (1, 25, 100):
        with django_assert_max_num_queries(7):
            answer(FastViewSet, f"{LIST}?page_size={size}")
    # The entry, the same six, and its activity.
    with django_assert_max_num_queries(8):
        answer(FastViewSet, f"{LIST}ZzSuccessor/")


def test_links_are_quoted_as_reverse_quotes_them(registry, settings):
    from django.urls import reverse

    link = documents._linker("api:hashtag-detail")
    for tag in ("Médicos", "a b", "x%y", "q?x#y", "ǅ🩺", "colon:at@plus+"):
        assert link(tag) == settings.SITE_URL + reverse("api:hashtag-detail", args=[tag])
