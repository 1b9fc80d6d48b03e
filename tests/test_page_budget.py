"""A client cannot bypass the page cache at will: an address with a parameter no page
takes (`?cb=…`) is answered but never stored, and every page computed for an anonymous
client spends its UNCACHED_PAGE_RATE budget (a 429 with Retry-After once spent), while
stored copies, other clients and the probes are served as before. In the tests' Redis,
as in production."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import support_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(make_hashtag):
    return make_hashtag("HCLDR", name="Healthcare leaders")


def stored_pages() -> int:
    client = support_redis.require()
    return sum(1 for _ in client.scan_iter(match="*registry:page:*"))


def test_made_up_parameters_are_answered_but_never_stored(page_cache, client, entry):
    for number in range(5):
        answer = client.get(f"/hashtags/HCLDR/?cb={number}")
        assert answer.status_code == 200
        assert "X-Cache" not in answer  # computed, not stored
    assert client.get("/api/v1/hashtags/?cb=1").status_code == 200
    assert stored_pages() == 0
    # The parameters pages take are stored as before.
    assert client.get("/hashtags/HCLDR/?tz=Europe/Paris")["X-Cache"] == "miss"
    assert client.get("/hashtags/HCLDR/?tz=Europe/Paris")["X-Cache"] == "hit"
    assert client.get("/hashtags/?q=hcl&kind=community")["X-Cache"] == "miss"
    assert stored_pages() == 2


def test_a_client_varying_the_address_spends_its_budget(page_cache, settings, client, entry):
    settings.UNCACHED_PAGE_RATE = "5/minute"
    assert client.get("/hashtags/HCLDR/")["X-Cache"] == "miss"  # computed: 1 of 5
    for number in range(4):
        assert client.get(f"/hashtags/?cb={number}").status_code == 200
    refused = client.get("/hashtags/?cb=busting")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "many pages in a short while" in refused.content.decode()
    # Searches are pages computed too, and a cookie or header does not escape the count.
    assert client.get("/hashtags/?q=anything").status_code == 429
    # (Another browser of the same address: the session middleware's answer deletes the
    # made-up cookie, which the test client would keep sending.)
    assert Client().get("/hashtags/", HTTP_COOKIE="sessionid=made-up").status_code == 429
    assert Client().get("/hashtags/", HTTP_AUTHORIZATION="Token made-up").status_code == 429
    # What is stored is still served to this client, and the probes answer.
    assert client.get("/hashtags/HCLDR/")["X-Cache"] == "hit"
    assert client.get("/healthz").status_code == 200
    # Another client has its own budget.
    other = client.get("/hashtags/?cb=busting", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_signed_in_curators_have_no_page_budget(page_cache, settings, curator_client, entry):
    settings.UNCACHED_PAGE_RATE = "2/minute"
    for number in range(4):
        assert curator_client.get(f"/hashtags/?q=h{number}").status_code == 200


def test_rate_limits_off_lifts_the_page_budget(page_cache, settings, client, entry):
    settings.UNCACHED_PAGE_RATE = "2/minute"
    settings.RATE_LIMITS_ENABLED = False
    for number in range(4):
        assert client.get(f"/hashtags/?cb={number}").status_code == 200
