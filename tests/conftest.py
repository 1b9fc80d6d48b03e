"""Shared fixtures: named actors and small factories (no global data)."""

from datetime import time
from itertools import count

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from hashtags.models import Category, Chat, Hashtag, Status

_sequence = count(1)


def make_curator(username: str):
    """A staff member in the Curators group (created by a data migration)."""
    user = get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password="curator-pass-1234",
        is_staff=True,
    )
    user.groups.add(Group.objects.get(name="Curators"))
    return user


@pytest.fixture
def curator(db):
    return make_curator("curator")


@pytest.fixture
def other_curator(db):
    return make_curator("other_curator")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs a third of a second per user; tests need no brute-force defence."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An anonymous API client (JSON)."""
    return APIClient()


@pytest.fixture
def visitor(client):
    """An anonymous visitor's browser."""
    return client


@pytest.fixture
def make_category(db):
    def make(slug: str | None = None, parent: Category | None = None, **fields) -> Category:
        slug = slug or f"category-{next(_sequence)}"
        category = Category(slug=slug, name=fields.pop("name", slug.title()), parent=parent)
        for name, value in fields.items():
            setattr(category, name, value)
        category.full_clean()
        category.save()
        return category

    return make


@pytest.fixture
def make_hashtag(db):
    def make(tag: str | None = None, status: str = Status.APPROVED, **fields) -> Hashtag:
        categories = fields.pop("categories", [])
        platforms = fields.pop("platforms", [])
        hashtag = Hashtag(
            tag=tag or f"Tag{next(_sequence)}",
            name=fields.pop("name", "An entry"),
            kind=fields.pop("kind", "community"),
            status=status,
            **fields,
        )
        hashtag.full_clean()
        hashtag.save()
        hashtag.categories.set(categories)
        hashtag.platforms.set(platforms)
        return hashtag

    return make


@pytest.fixture
def make_chat(db):
    def make(hashtag: Hashtag, **fields) -> Chat:
        values = {
            "weekdays": "TU",
            "start_time": time(20, 30),
            "timezone_id": "America/New_York",
            "duration_minutes": 60,
        }
        values.update(fields)
        chat = Chat(hashtag=hashtag, **values)
        chat.full_clean()
        chat.save()
        return chat

    return make
