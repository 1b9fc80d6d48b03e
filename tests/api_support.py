"""Helpers for the API tests (tests/test_api_*.py): token clients and named users.

Plain functions rather than fixtures, so each test module declares the fixtures it uses.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

CURATOR_PERMISSIONS = ("add_hashtag", "change_hashtag", "change_submission")


def make_user(username: str, *, curator: bool = False):
    """A user; a curator holds the hashtag and submission permissions directly (the
    "Curators" group that grants them in production comes from a data migration)."""
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="a-long-password-123"
    )
    if curator:
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="hashtags", codename__in=CURATOR_PERMISSIONS
            )
        )
    return user


def token_header(user) -> str:
    """The `Authorization` header value for the user's token, as `drf_create_token` gives it."""
    token, _ = Token.objects.get_or_create(user=user)
    return f"Token {token.key}"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=token_header(user))
    return client


def walk(client: APIClient, url: str) -> list[dict]:
    """Every result of a paginated list, following `next` to the end."""
    results: list[dict] = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert set(body) == {"next", "previous", "results"}
        results.extend(body["results"])
        url = body["next"]
    return results


def bulk_entries(count: int, *, category_slug: str = "cancer") -> list:
    """`count` approved entries, each with a category, a platform, an active weekly chat,
    a moderator and an alias, written in a few bulk inserts (fast enough for 100)."""
    from datetime import time

    from hashtags.models import (
        Category,
        Chat,
        Hashtag,
        HashtagModerator,
        Identity,
        Moderator,
        Status,
    )
    from hashtags.validators import tag_key

    category = Category.objects.filter(slug=category_slug).first()
    if category is None:
        category = Category(slug=category_slug, name=category_slug.title())
        category.save()
    entries = Hashtag.objects.bulk_create(
        [
            Hashtag(tag=f"Bulk{n:03d}", name=f"Entry {n}", kind="chat", status=Status.APPROVED)
            for n in range(count)
        ]
    )
    Identity.objects.bulk_create(
        [Identity(hashtag=e, tag=e.tag, key=e.key, is_alias=False) for e in entries]
        + [
            Identity(hashtag=e, tag=f"Other{e.tag}", key=tag_key(f"Other{e.tag}"), is_alias=True)
            for e in entries
        ]
    )
    Hashtag.categories.through.objects.bulk_create(
        [Hashtag.categories.through(hashtag=e, category=category) for e in entries]
    )
    Hashtag.platforms.through.objects.bulk_create(
        [Hashtag.platforms.through(hashtag=e, platform_id="x") for e in entries]
    )
    Chat.objects.bulk_create(
        [
            Chat(hashtag=e, weekdays="TU", start_time=time(20, 30), timezone_id="America/New_York")
            for e in entries
        ]
    )
    moderators = Moderator.objects.bulk_create(
        [Moderator(handle=f"host_{e.tag}", platform_id="x") for e in entries]
    )
    HashtagModerator.objects.bulk_create(
        [HashtagModerator(hashtag=e, moderator=m) for e, m in zip(entries, moderators, strict=True)]
    )
    return entries
