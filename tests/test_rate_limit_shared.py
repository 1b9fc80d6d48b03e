"""The submission rate limit holds across worker processes when Redis is the cache."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from hashtags.models import Hashtag
from tests.submission_helpers import submission_data

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (CI starts one)")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    settings.SUBMISSION_RATE = "2/hour"
    return prefix


def spend_budget_in_another_process(prefix: str, times: int) -> None:
    """Another worker: a separate Python process with its own settings and cache client."""
    code = (
        "import django; django.setup();"
        "from django.test import RequestFactory;"
        "from hashtags.ratelimit import spend;"
        f"[spend(RequestFactory().post('/submit/'), 'submit') for _ in range({times})]"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        "SUBMISSION_RATE": "2/hour",
    }
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)  # noqa: S603


def test_submissions_counted_by_another_worker_use_up_the_same_budget(redis_cache, client):
    spend_budget_in_another_process(redis_cache, times=2)
    refused = client.post("/submit/", submission_data(tag="ThirdTry"))
    assert refused.status_code == 429
    assert not Hashtag.objects.exists()


def test_without_the_other_worker_the_budget_is_intact(redis_cache, client):
    assert client.post("/submit/", submission_data(tag="FirstTry")).status_code == 302
