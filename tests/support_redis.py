"""The tests' Redis, named by one setting: TEST_REDIS_URL (default
redis://127.0.0.1:6379/9). Its database number is the first of the tests' databases: each
pytest-xdist worker uses its own (gw0 database 9, gw1 database 10 …; a run without
workers uses 9). Database 0, where a developer's own cache lives, is refused.

Two test runs at once on one Redis need different TEST_REDIS_URLs: every test that uses
Redis empties its worker's database before and after it (tests/conftest.py)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
import redis

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
# The cache's key prefix in the tests, and in the processes they start.
PREFIX = "hhd-test"


def redis_url() -> str:
    """This worker's database: TEST_REDIS_URL's number plus the worker's."""
    parts = urlsplit(TEST_REDIS_URL)
    first = int(parts.path.strip("/") or "0")
    if first == 0:
        raise ValueError(
            f"TEST_REDIS_URL={TEST_REDIS_URL} names database 0, a developer's own cache; "
            "name the first of the tests' databases (redis://127.0.0.1:6379/9)"
        )
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    return parts._replace(path=f"/{first + worker}").geturl()


def connect() -> redis.Redis | None:
    """A client of this worker's database, or None when no Redis answers."""
    client = redis.Redis.from_url(redis_url(), socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        return None
    return client


def require() -> redis.Redis:
    """This worker's database; the test skips without Redis, except in CI, where it fails."""
    client = connect()
    if client is None:
        message = f"no Redis at {redis_url()} (TEST_REDIS_URL)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI starts one and must run this test")
        pytest.skip(message)
    return client
