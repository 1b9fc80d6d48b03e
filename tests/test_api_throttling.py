"""Throttles: anonymous reads and writes, token clients and submissions each get a rate
from settings, counted in the shared cache; RATE_LIMITS=off lifts them all."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.support import make_user, token_client
from tests.support_redis import PREFIX

pytestmark = pytest.mark.django_db


def submission(tag: str) -> dict:
    return {
        "tag": tag,
        "name": f"The {tag} entry",  # its own text: the same text twice is a duplicate
        "kind": "other",
        "submitter_name": "Pat",
        "submitter_email": "pat@example.org",
    }


def test_anonymous_reads_beyond_the_rate_get_429_with_retry_after(settings, make_hashtag):
    settings.API_ANON_RATE = "3/minute"
    make_hashtag("HCLDR")
    api = APIClient()
    codes = [api.get("/api/v1/hashtags/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    throttled = api.get("/api/v1/hashtags/HCLDR/")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert "throttled" in throttled.json()["detail"]


def test_clients_are_counted_separately_by_address(settings):
    settings.API_ANON_RATE = "1/minute"
    api = APIClient()
    assert api.get("/api/v1/categories/", REMOTE_ADDR="10.0.0.1").status_code == 200
    assert api.get("/api/v1/categories/", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert api.get("/api/v1/categories/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_forged_forwarded_for_header_does_not_reset_the_count(settings):
    settings.API_ANON_RATE = "1/minute"
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    api = APIClient()
    assert api.get("/api/v1/categories/", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
    assert api.get("/api/v1/categories/", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429


def test_token_clients_have_their_own_rate(settings):
    settings.API_ANON_RATE = "1/minute"
    settings.API_USER_RATE = "2/minute"
    client = token_client(make_user("app"))
    codes = [client.get("/api/v1/categories/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert APIClient().get("/api/v1/categories/").status_code == 200  # anonymous: own count


def test_submissions_have_their_own_lower_rate(settings):
    settings.SUBMISSION_RATE = "2/hour"
    api = APIClient()
    codes = [
        api.post("/api/v1/submissions/", submission(f"Tag{n}"), format="json").status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]
    assert api.get("/api/v1/hashtags/").status_code == 200  # reads are not spent


def test_rate_limits_off_lifts_every_throttle(settings):
    settings.RATE_LIMITS_ENABLED = False
    settings.API_ANON_RATE = "1/minute"
    settings.SUBMISSION_RATE = "1/hour"
    api = APIClient()
    assert {api.get("/api/v1/categories/").status_code for _ in range(5)} == {200}
    codes = {
        api.post("/api/v1/submissions/", submission(f"Tag{n}"), format="json").status_code
        for n in range(3)
    }
    assert codes == {201}


def test_counts_live_in_the_shared_cache(settings):
    settings.API_ANON_RATE = "1/minute"
    api = APIClient()
    assert api.get("/api/v1/categories/").status_code == 200
    assert api.get("/api/v1/categories/").status_code == 429
    cache.clear()  # another worker sees the same store: clearing it resets every count
    assert api.get("/api/v1/categories/").status_code == 200


def test_with_redis_configured_the_counts_are_kept_in_redis(settings, redis_cache):
    settings.API_ANON_RATE = "1/minute"
    api = APIClient()
    assert api.get("/api/v1/categories/").status_code == 200
    assert api.get("/api/v1/categories/").status_code == 429
    keys = redis_cache._cache.get_client().keys(f"{PREFIX}:*")
    # The registry's generation (the answers' ETags) and the category counts are kept
    # there too.
    assert "throttle_anon_127.0.0.1" in [key.decode().split(":", 2)[2] for key in keys]
