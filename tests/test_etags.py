"""The validators every cached or conditional answer takes from the registry's generation
(hashtags.serving.cache): pages and the API, the calendar feeds and the export change their ETag
together when a visitor could see a change, never repeat an old ETag after the cache is
emptied, and give none while a read replica may lag."""

import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command

from hashtags.serving import cache as registry_cache

pytestmark = pytest.mark.django_db

ADDRESSES = ("/hashtags/HCLDR/", "/api/v1/hashtags/HCLDR/", "/chats.ics", "/api/v1/export.csv")


@pytest.fixture
def entry(make_hashtag, make_chat):
    hcldr = make_hashtag("HCLDR", name="Healthcare Leaders")
    make_chat(hcldr)
    return hcldr


def etags(client) -> dict[str, str]:
    return {address: client.get(address)["ETag"] for address in ADDRESSES}


def test_a_visible_change_gives_every_document_a_new_etag(
    client, entry, django_capture_on_commit_callbacks
):
    before = etags(client)
    with django_capture_on_commit_callbacks(execute=True):
        entry.name = "Healthcare Leaders Worldwide"
        entry.save()
    for address, etag in before.items():
        answer = client.get(address, HTTP_IF_NONE_MATCH=etag)
        assert answer.status_code == 200, address
        assert answer["ETag"] != etag, address


def test_an_emptied_cache_never_answers_304_to_an_etag_it_gave_before(client, entry):
    before = etags(client)
    generation = registry_cache.generation()
    cache.clear()  # a restarted or flushed Redis: the generation is gone
    assert registry_cache.generation() > generation
    for address, etag in before.items():
        answer = client.get(address, HTTP_IF_NONE_MATCH=etag)
        assert answer.status_code == 200, address
        assert answer["ETag"] != etag, address


def test_an_emptied_cache_moves_last_modified_on(client, entry):
    with time_machine.travel(datetime(2026, 3, 7, 12, 0, tzinfo=UTC)) as clock:
        first = client.get("/api/v1/export.json")
        clock.shift(3600)
        cache.clear()  # the change that came meanwhile is forgotten with it
        answer = client.get("/api/v1/export.json", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert answer.status_code == 200


def test_an_import_gives_the_export_and_feeds_a_new_etag(
    client, tmp_path, db, django_capture_on_commit_callbacks
):
    before = {address: client.get(address)["ETag"] for address in ADDRESSES[2:]}
    sheet = tmp_path / "new.csv"
    sheet.write_text("tag,name,kind\r\n#MedEd,Medical Education,specialty\r\n")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_registry", str(sheet), stdout=io.StringIO())
    for address, etag in before.items():
        answer = client.get(address, HTTP_IF_NONE_MATCH=etag)
        assert answer.status_code == 200, address
    assert "MedEd" in b"".join(client.get("/api/v1/export.csv").streaming_content).decode()


def test_while_a_replica_may_lag_nothing_carries_an_etag(
    client, entry, settings, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(registry_cache, "replicas", lambda: ["replica_1"])
    settings.REPLICA_LAG_SECONDS = 10
    with time_machine.travel(datetime(2026, 3, 7, 12, 0, tzinfo=UTC), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            entry.save()  # a change just now
        for address in ADDRESSES:
            answer = client.get(address, HTTP_IF_NONE_MATCH="*")
            assert answer.status_code == 200, address
            assert "ETag" not in answer and "Last-Modified" not in answer, address
        clock.shift(11)
        for address in ADDRESSES:
            assert client.get(address)["ETag"], address
