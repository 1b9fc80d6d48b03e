"""The shared page cache (directory/cache.py, keyed by the generation in hashtags/serving/cache.py)
on a real Redis: anonymous reads are cached, a curator's edit is visible at once,
conditional GET answers 304."""

import threading
import time

import pytest

from directory import cache as directory_cache
from hashtags import entries
from hashtags.curation import moderation
from hashtags.serving import cache as registry_cache
from tests.support_redis import PREFIX


@pytest.fixture
def entry(make_hashtag):
    return make_hashtag("HCLDR", name="Healthcare Leaders")


@pytest.mark.django_db(transaction=True)
def test_a_curator_edit_is_visible_at_once_to_cached_readers(page_cache, entry, client):
    first = client.get("/hashtags/HCLDR/")
    assert first["X-Cache"] == "miss"
    assert client.get("/hashtags/HCLDR/")["X-Cache"] == "hit"
    assert client.get("/hashtags/", {"q": "hcldr"})["X-Cache"] == "miss"

    # A curator's edit through the write path, in a committed transaction.
    entries.update(hashtag=entry, curator=None, name="Healthcare Leaders Worldwide")

    again = client.get("/hashtags/HCLDR/")
    assert again["X-Cache"] == "miss"
    assert "Healthcare Leaders Worldwide" in again.content.decode()
    assert (
        "Healthcare Leaders Worldwide" in client.get("/hashtags/", {"q": "hcldr"}).content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_an_alias_or_category_change_also_retires_cached_pages(
    page_cache, entry, client, make_category
):
    client.get("/hashtags/HCLDR/")
    category = make_category("leadership", name="Leadership")
    entries.update(hashtag=entry, curator=None, categories=[category])
    page = client.get("/hashtags/HCLDR/")
    assert page["X-Cache"] == "miss"
    assert "Leadership" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_conditional_get_answers_304_until_the_registry_changes(page_cache, entry, client):
    etag = client.get("/hashtags/HCLDR/")["ETag"]
    assert client.get("/hashtags/HCLDR/", headers={"if-none-match": etag}).status_code == 304
    entry.name = "Changed"
    entry.save()
    fresh = client.get("/hashtags/HCLDR/", headers={"if-none-match": etag})
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag


@pytest.mark.django_db(transaction=True)
def test_signed_in_curators_are_never_served_from_the_cache(page_cache, entry, curator_client):
    curator_client.get("/hashtags/HCLDR/")
    assert "X-Cache" not in curator_client.get("/hashtags/HCLDR/")


@pytest.mark.django_db(transaction=True)
def test_the_cache_lives_in_redis_so_every_worker_shares_it(page_cache, entry, client):
    client.get("/categories/")
    generation = registry_cache.generation()
    keys = page_cache._cache.get_client().keys(f"{PREFIX}:*registry:page:*")
    assert keys
    assert all(f":g{generation}:".encode() in key for key in keys)


@pytest.mark.django_db(transaction=True)
def test_with_replicas_nothing_is_stored_while_a_replica_may_lag(
    page_cache, entry, client, settings, monkeypatch
):
    monkeypatch.setattr(registry_cache, "replicas", lambda: ["replica_1"])
    settings.REPLICA_LAG_SECONDS = 60
    entry.save()  # a change just now
    first = client.get("/hashtags/HCLDR/")
    assert "ETag" not in first
    assert "X-Cache" not in client.get("/hashtags/HCLDR/")
    settings.REPLICA_LAG_SECONDS = 0
    assert client.get("/hashtags/HCLDR/")["X-Cache"] == "miss"
    assert client.get("/hashtags/HCLDR/")["X-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
def test_api_reads_are_cached_and_follow_a_curator_edit(page_cache, entry, client):
    assert client.get("/api/v1/hashtags/HCLDR/")["X-Cache"] == "miss"
    cached = client.get("/api/v1/hashtags/HCLDR/")
    assert cached["X-Cache"] == "hit"
    assert cached.json()["name"] == "Healthcare Leaders"
    entries.update(hashtag=entry, curator=None, name="Leaders in Healthcare")
    assert client.get("/api/v1/hashtags/HCLDR/").json()["name"] == "Leaders in Healthcare"
    assert client.get("/api/v1/hashtags/HCLDR/")["X-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
def test_api_token_requests_are_never_served_from_the_cache(page_cache, entry, client):
    client.get("/api/v1/hashtags/HCLDR/")
    with_token = client.get("/api/v1/hashtags/HCLDR/", headers={"authorization": "Token x"})
    assert "X-Cache" not in with_token


# --- No stampede: one request recomputes a page, the others do not pile up behind it. ---


def page_and_lock_keys(page_cache) -> tuple[str, str]:
    """The (only) stored page's key and its lock's key, without the cache's key prefix."""
    raw = page_cache._cache.get_client().keys(f"{PREFIX}:*registry:page:*")
    assert len(raw) == 1
    page = raw[0].decode().split(":", 2)[2]  # prefix:version:key
    return page, page.replace("registry:page:", "registry:lock:")


def later(clock, minutes: int) -> None:
    clock.shift(minutes * directory_cache.TIME_BUCKET)


@pytest.mark.django_db(transaction=True)
def test_last_minutes_copy_is_served_while_another_request_refreshes_it(
    page_cache, stopped_clock, entry, client, django_assert_num_queries
):
    first = client.get("/hashtags/HCLDR/")
    _page, lock = page_and_lock_keys(page_cache)
    later(stopped_clock, 1)
    page_cache.add(lock, 1)  # another worker is refreshing the page
    with django_assert_num_queries(0):
        stale = client.get("/hashtags/HCLDR/")
    assert stale["X-Cache"] == "stale"
    assert stale.content == first.content
    page_cache.delete(lock)  # it finished (or died and its lock expired)
    assert client.get("/hashtags/HCLDR/")["X-Cache"] == "miss"  # this one refreshes
    assert client.get("/hashtags/HCLDR/")["X-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
def test_an_older_copy_is_never_served_even_while_another_request_refreshes_it(
    page_cache, stopped_clock, entry, client, monkeypatch
):
    client.get("/hashtags/HCLDR/")
    _page, lock = page_and_lock_keys(page_cache)
    later(stopped_clock, 2)
    monkeypatch.setattr(registry_cache, "LOCK_WAIT_SECONDS", 0.2)
    page_cache.add(lock, 1)
    assert client.get("/hashtags/HCLDR/")["X-Cache"] == "miss"


@pytest.mark.django_db(transaction=True)
def test_a_change_is_visible_at_once_even_while_the_page_is_being_recomputed(
    page_cache, entry, client, monkeypatch
):
    client.get("/hashtags/HCLDR/")
    entries.update(hashtag=entry, curator=None, name="Healthcare Leaders Worldwide")
    monkeypatch.setattr(registry_cache, "LOCK_WAIT_SECONDS", 0.2)
    _, old_lock = page_and_lock_keys(page_cache)
    digest = old_lock.rsplit(":", 1)[1]
    # Another request holds the lock for the new generation's copy of this page.
    page_cache.add(f"registry:lock:{registry_cache.generation()}:{digest}", 1)
    answer = client.get("/hashtags/HCLDR/")
    assert answer["X-Cache"] == "miss"
    assert "Healthcare Leaders Worldwide" in answer.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_request_waits_for_the_copy_another_worker_is_computing(
    page_cache, entry, client, django_assert_num_queries
):
    client.get("/hashtags/HCLDR/")
    page, lock = page_and_lock_keys(page_cache)
    stored = page_cache.get(page)
    page_cache.delete(page)
    page_cache.add(lock, 1)  # the other worker is computing it…
    timer = threading.Timer(0.2, lambda: page_cache.set(page, stored))  # …and stores it
    timer.start()
    started = time.monotonic()
    try:
        with django_assert_num_queries(0):
            answer = client.get("/hashtags/HCLDR/")
    finally:
        timer.join()
    assert answer["X-Cache"] == "hit"
    assert time.monotonic() - started >= 0.2


@pytest.mark.django_db(transaction=True)
def test_waiters_compute_the_page_themselves_when_the_other_request_stores_nothing(
    page_cache, entry, client
):
    client.get("/hashtags/HCLDR/")
    page, lock = page_and_lock_keys(page_cache)
    page_cache.delete(page)
    page_cache.add(lock, 1)
    timer = threading.Timer(0.1, lambda: page_cache.delete(lock))  # ended with an error page
    timer.start()
    started = time.monotonic()
    try:
        answer = client.get("/hashtags/HCLDR/")
    finally:
        timer.join()
    assert answer["X-Cache"] == "miss"
    assert time.monotonic() - started < registry_cache.LOCK_WAIT_SECONDS


@pytest.mark.django_db(transaction=True)
def test_the_home_and_upcoming_chats_pages_are_cached_and_follow_an_edit(
    page_cache, entry, client, make_chat
):
    make_chat(entry)
    for path in ("/", "/chats/?tz=UTC"):
        assert client.get(path)["X-Cache"] == "miss"
        assert client.get(path)["X-Cache"] == "hit"
    entry.name = "Healthcare Leaders Worldwide"
    entry.save()
    for path in ("/", "/chats/?tz=UTC"):
        page = client.get(path)
        assert page["X-Cache"] == "miss"
        assert "Healthcare Leaders Worldwide" in page.content.decode()
    assert "X-Cache" not in client.get("/chats.ics")  # the feed has its own validators


@pytest.mark.django_db(transaction=True)
def test_a_submissions_state_is_never_served_from_the_cache(page_cache, client, curator):
    # A rejection concerns an entry nobody can see, so it keeps the generation: the
    # submitter polling the state must still see it at once.
    submission = moderation.submit_hashtag(
        tag="NewChat", name="A new chat", kind="chat", submitter_name="S", submitter_email="s@x.org"
    )
    address = f"/api/v1/submissions/{submission.reference}/"
    first = client.get(address)
    assert first.json()["status"] == "pending"
    assert "ETag" not in first and "X-Cache" not in first
    moderation.reject(hashtag=submission.hashtag, curator=curator, reason="Not about health.")
    assert client.get(address).json()["status"] == "rejected"


@pytest.mark.django_db(transaction=True)
def test_a_feed_asked_for_by_head_is_then_sent_whole(page_cache, entry, client, make_chat):
    make_chat(entry)
    head = client.head("/hashtags/HCLDR/chats.ics")
    assert head.status_code == 200
    feed = client.get("/hashtags/HCLDR/chats.ics")
    assert b"BEGIN:VEVENT" in b"".join(feed.streaming_content)
    assert feed["ETag"] == head["ETag"]
