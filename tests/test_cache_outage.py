"""The site with its Redis gone: reads are served uncached, rate-limited writes wait (503
with Retry-After, nothing written), /readyz says the cache is down, and all of it comes
back when Redis does. The Redis is real and the test's own (started on a free port,
stopped and started again), never the shared one."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import redis
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from hashtags import published
from hashtags.models import Hashtag, Report, Submission
from tests.submission_helpers import proposal, started, submission_data
from tests.support import ROOT, closed_port

pytestmark = pytest.mark.django_db

READS = [
    "/",
    "/hashtags/",
    "/hashtags/?q=hcl",
    "/hashtags/HCLDR/",
    "/hashtags/HCLDR/history/",
    "/categories/",
    "/chats/",
    "/chats.ics",
    "/hashtags/HCLDR/chats.ics",
    "/feeds/latest/",
    "/api/v1/hashtags/",
    "/api/v1/hashtags/HCLDR/",
    "/api/v1/categories/",
    "/api/v1/export.json",
    "/api/v1/export.csv",
]


class OwnRedis:
    """A redis-server of the test's own, on a free port, that the test stops and starts."""

    def __init__(self) -> None:
        self.command = shutil.which("redis-server")
        if self.command is None:
            pytest.skip("no redis-server on PATH")
        self.port = closed_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [
                self.command,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def cache_settings(timeout: float) -> dict:
    """CACHES as config/settings.py makes them from REDIS_URL and REDIS_TIMEOUT_SECONDS."""
    code = "import django, json; django.setup(); from django.conf import settings as s;"
    code += "print(json.dumps(s.CACHES))"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "REDIS_URL": "redis://127.0.0.1:6379/11",
        "REDIS_TIMEOUT_SECONDS": str(timeout),
    }
    result = subprocess.run(  # noqa: S603 - our own settings module
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def own_redis(settings) -> Iterator[OwnRedis]:
    """The cache on the test's own Redis, as REDIS_URL configures it (with its timeouts),
    and the page cache on."""
    server = OwnRedis()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.REGISTRY_CACHE_SECONDS = 300
    settings.SUBMISSION_MIN_SECONDS = 0
    try:
        yield server
    finally:
        server.stop()
        caches["default"].close()


@pytest.fixture
def entry(make_hashtag, make_chat):
    hashtag = make_hashtag("HCLDR", name="Healthcare leaders")
    make_chat(hashtag)
    return hashtag


def report_data() -> dict:
    return {"reason": "outdated", "comment": "The chat moved to Thursdays.", "started": started()}


def test_with_redis_stopped_every_read_is_served_uncached(own_redis, entry):
    browser = Client(raise_request_exception=False)
    assert browser.get("/hashtags/HCLDR/")["X-Cache"] == "miss"
    assert browser.get("/hashtags/HCLDR/")["X-Cache"] == "hit"
    assert "ETag" in browser.get("/api/v1/export.json")

    own_redis.stop()

    for url in READS:
        started_at = time.monotonic()
        answer = browser.get(url)
        assert answer.status_code == 200, url
        assert "X-Cache" not in answer, url  # computed, not a copy from before
        assert time.monotonic() - started_at < 5, url
    # Computed from the database: a page from before would not show the new name.
    Hashtag.objects.filter(pk=entry.pk).update(name="Healthcare leaders, renamed")
    published.publish([entry.pk])
    assert b"Healthcare leaders, renamed" in browser.get("/hashtags/HCLDR/").content
    assert "ETag" not in browser.get("/api/v1/export.json")  # no version to make it from


def test_with_redis_stopped_rate_limited_writes_answer_503_and_write_nothing(own_redis, entry):
    own_redis.stop()
    browser = Client(raise_request_exception=False)

    for url, data in (
        ("/submit/", submission_data(tag="WhileDown")),
        ("/hashtags/HCLDR/report/", report_data()),
        ("/hashtags/HCLDR/suggest/", {"name": "Another name", "started": started()}),
    ):
        answer = browser.post(url, data)
        assert answer.status_code == 503, url
        assert answer["Retry-After"] == "30"
        assert "cannot check its sending limits" in answer.content.decode()
    api = APIClient(raise_request_exception=False)
    answer = api.post("/api/v1/submissions/", proposal(), format="json")
    assert (answer.status_code, answer["Retry-After"]) == (503, "30")
    assert "try again" in answer.json()["detail"]
    assert not Submission.objects.exists()
    assert not Report.objects.exists()
    assert list(Hashtag.objects.values_list("name", flat=True)) == ["Healthcare leaders"]


def test_readyz_reports_the_cache_and_everything_returns_with_redis(own_redis, entry):
    browser = Client(raise_request_exception=False)
    ready = browser.get("/readyz")
    assert (ready.status_code, ready.content) == (200, b"ready\ndatabase: ok\ncache: ok\n")

    own_redis.stop()
    ready = browser.get("/readyz")
    # Still ready: the site serves without its cache, and says so.
    assert (ready.status_code, ready.content) == (
        200,
        b"ready\ndatabase: ok\ncache: unavailable\n",
    )
    assert browser.post("/submit/", submission_data(tag="WhileDown")).status_code == 503

    own_redis.start()  # empty, on the same port; the site reconnects by itself
    assert browser.get("/readyz").content.endswith(b"cache: ok\n")
    assert browser.get("/hashtags/HCLDR/")["X-Cache"] == "miss"
    assert browser.get("/hashtags/HCLDR/")["X-Cache"] == "hit"
    assert browser.post("/submit/", submission_data(tag="AfterwardsOk")).status_code == 302
    assert set(Hashtag.objects.values_list("tag", flat=True)) == {"HCLDR", "AfterwardsOk"}


def test_a_redis_that_stops_answering_costs_a_page_its_timeouts_not_a_worker(settings, entry):
    # A port that takes connections (the kernel's backlog) and never answers.
    silent = socket.create_server(("127.0.0.1", 0))
    caches_setting = cache_settings(timeout=0.3)
    assert caches_setting["default"]["OPTIONS"] == {
        "socket_connect_timeout": 0.3,
        "socket_timeout": 0.3,
    }
    caches_setting["default"]["LOCATION"] = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
    settings.CACHES = caches_setting
    settings.REGISTRY_CACHE_SECONDS = 300
    browser = Client(raise_request_exception=False)
    try:
        for url in ("/", "/hashtags/", "/hashtags/HCLDR/", "/api/v1/hashtags/HCLDR/"):
            started_at = time.monotonic()
            assert browser.get(url).status_code == 200, url
            # A few cache calls, each given up after 0.3 s.
            assert time.monotonic() - started_at < 3, url
        assert browser.get("/readyz").content.endswith(b"cache: unavailable\n")
        assert browser.post("/submit/", submission_data(tag="Silent")).status_code == 503
    finally:
        caches["default"].close()
        silent.close()


def test_a_curators_change_while_redis_is_down_is_saved_and_shown(
    own_redis, entry, curator_api, django_capture_on_commit_callbacks, caplog
):
    own_redis.stop()
    curator_api.raise_request_exception = False
    with django_capture_on_commit_callbacks(execute=True):
        answer = curator_api.patch(
            "/api/v1/hashtags/HCLDR/", {"name": "Healthcare leaders, edited"}, format="json"
        )
    assert answer.status_code == 200, answer.content
    assert "could not expire the cached pages" in caplog.text  # said, not a 500
    page = Client(raise_request_exception=False).get("/hashtags/HCLDR/")
    assert b"Healthcare leaders, edited" in page.content
