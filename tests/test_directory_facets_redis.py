"""The directory's counts on a real Redis (the production cache): kept per registry
generation, changed at once by a committed curator edit, counted by one request at a time."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import filters
from hashtags import entries
from hashtags.models import Hashtag
from hashtags.serving import cache as registry_cache
from tests.support import facet_count


@pytest.fixture
def redis_cache(redis_cache, settings):
    # hashtags.serving.cache, where the counts are kept, reads Redis; the page cache stays off
    # (REGISTRY_CACHE_SECONDS=0): these tests see the view.
    settings.REGISTRY_CACHE_SECONDS = 0
    return redis_cache


@pytest.mark.django_db(transaction=True)
def test_a_committed_curator_edit_changes_the_counts_at_once(redis_cache, make_hashtag, client):
    entry = make_hashtag("HCLDR", name="Healthcare Leaders", kind="chat")
    make_hashtag("BCSM", name="Breast Cancer Social Media", kind="disease")
    page = client.get("/hashtags/").content.decode()
    assert facet_count(page, "kind", "chat") == 1
    with CaptureQueriesContext(connection) as queries:
        client.get("/hashtags/")
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]

    # A curator's edit through the write path, in a committed transaction.
    entries.update(hashtag=entry, curator=None, kind="disease")

    page = client.get("/hashtags/").content.decode()
    assert facet_count(page, "kind", "chat") is None
    assert facet_count(page, "kind", "disease") == 2


@pytest.mark.django_db(transaction=True)
def test_a_request_finds_the_counts_another_is_computing(redis_cache, make_hashtag, monkeypatch):
    monkeypatch.setattr(registry_cache, "LOCK_POLL_SECONDS", 0.05)
    make_hashtag("HCLDR", name="Healthcare Leaders", kind="chat")
    filterset = filters.DirectoryFilter({"kind": "chat"}, queryset=Hashtag.objects.public())
    assert filterset.is_valid()
    key = f"registry:memo:{registry_cache.state()[0]}:{filters.facets_memo_name(filterset)}"
    counted = filterset.facets()
    # Another worker holds the lock and is counting; its result lands a little later.
    assert redis_cache.add(f"{key}:lock", "counting", 60)
    later = threading.Timer(0.2, redis_cache.set, (key, counted, 60))
    later.start()
    with CaptureQueriesContext(connection) as queries:
        assert filters.cached_facets(filterset).total == 1
    later.join()
    assert queries.captured_queries == []
