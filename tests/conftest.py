"""Shared fixtures: named actors and small factories (no global data), and the tests'
Redis (tests/support_redis.py)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import import_module

import pytest
import time_machine
from django.core.cache import BaseCache, cache, caches
from rest_framework.test import APIClient

from tests import support, support_redis
from tests.submission_helpers import submission_data
from tests.support import make_user, token_client


@pytest.fixture
def curator(db):
    return make_user("curator", curator=True)


@pytest.fixture
def other_curator(db):
    return make_user("other_curator", curator=True)


@pytest.fixture
def curator_client(client, curator):
    """The curator's browser, signed in (the admin)."""
    client.force_login(curator)
    return client


@pytest.fixture
def curator_api(curator):
    """An API client with the curator's token."""
    return token_client(curator)


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


@pytest.fixture(scope="session", autouse=True)
def redis_left_empty() -> Iterator[None]:
    """Each worker's Redis database starts the run empty and must end it empty: whatever
    writes to Redis (a test, a server it starts) cleans up after itself (`redis_db`)."""
    client = support_redis.connect()
    if client is not None:
        client.flushdb()
    yield
    if client is not None:
        left = sorted(key.decode() for key in client.scan_iter(count=1000))
        where = support_redis.redis_url()
        assert not left, f"the tests left {len(left)} keys in {where}: {left[:10]}"


@pytest.fixture
def redis_db() -> Iterator[str]:
    """This worker's Redis database (its URL), empty when the test starts and emptied when
    it ends. Without Redis the test skips, except in CI, where it fails."""
    client = support_redis.require()
    client.flushdb()
    yield support_redis.redis_url()
    client.flushdb()


@pytest.fixture
def redis_cache(redis_db, settings) -> BaseCache:
    """Django's cache on this worker's Redis database, as production's REDIS_URL sets it."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_db,
            "KEY_PREFIX": support_redis.PREFIX,
        }
    }
    # Changing CACHES resets the cache handles: this is the Redis one, and the one
    # django.core.cache.cache (which the code uses) now stands for.
    return caches["default"]


@pytest.fixture
def stopped_clock() -> Iterator[time_machine.Traveller]:
    """Time stands still (so no minute boundary changes an ETag) until a test moves it."""
    moment = datetime(2026, 3, 7, 12, 0, 30, tzinfo=UTC)
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller


@pytest.fixture
def page_cache(redis_cache, settings, stopped_clock) -> BaseCache:
    """The page cache on, for as long as in production, in this worker's Redis."""
    settings.REGISTRY_CACHE_SECONDS = 300
    return redis_cache


@pytest.fixture
def api():
    """An anonymous API client (JSON)."""
    return APIClient()


@pytest.fixture
def visitor(client):
    """An anonymous visitor's browser."""
    return client


@pytest.fixture
def submitter(visitor, django_capture_on_commit_callbacks):
    """Someone sending the submission form as a browser would (the emails queued on
    commit are sent): `submitter()` sends a valid form, `submitter(data)` the data given."""

    def post(data: dict | None = None, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return visitor.post("/submit/", data or submission_data(), **headers)

    return post


@pytest.fixture
def make_category(db):
    return support.make_category


@pytest.fixture
def make_hashtag(db):
    return support.make_hashtag


@pytest.fixture
def make_chat(db):
    return support.make_chat


@pytest.fixture(autouse=True)
def reference_data(request: pytest.FixtureRequest) -> None:
    """A transactional test empties every table when it ends (`flush`), and Django's
    post_migrate signal then puts back content types and permissions, but not what the
    data migrations load (platforms, time zones, the Curators group). Each transactional
    test gets them back here, with the migrations' own functions, rather than the site
    carrying a hook that only tests need."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from hashtags.models import Platform

    if not Platform.objects.exists():
        import_module("hashtags.migrations.0002_platforms_and_time_zones").load(apps, None)
        import_module("hashtags.migrations.0004_curators_group").create_group(apps, None)
        import_module("hashtags.migrations.0014_applicant").fill(apps, None)
