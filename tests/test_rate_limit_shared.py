"""The submission rate limit holds across worker processes when Redis is the cache."""

import os
import subprocess
import sys

import pytest

from hashtags.models import Hashtag
from tests.submission_helpers import submission_data
from tests.support import ROOT
from tests.support_redis import PREFIX

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(redis_cache, settings):
    settings.SUBMISSION_RATE = "2/hour"
    return redis_cache


def spend_budget_in_another_process(redis_url: str, times: int) -> None:
    """Another worker: a separate Python process with its own settings and cache client."""
    code = (
        "import django; django.setup();"
        "from django.test import RequestFactory;"
        "from hashtags.serving.ratelimit import spend;"
        f"[spend(RequestFactory().post('/submit/'), 'submit') for _ in range({times})]"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": PREFIX,
        "SUBMISSION_RATE": "2/hour",
    }
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)  # noqa: S603


def test_submissions_counted_by_another_worker_use_up_the_same_budget(
    redis_db, redis_cache, client
):
    spend_budget_in_another_process(redis_db, times=2)
    refused = client.post("/submit/", submission_data(tag="ThirdTry"))
    assert refused.status_code == 429
    assert not Hashtag.objects.exists()


def test_without_the_other_worker_the_budget_is_intact(redis_cache, client):
    assert client.post("/submit/", submission_data(tag="FirstTry")).status_code == 302
