"""The counts next to each filter value on /hashtags/: each is the number of results the
page would show with that value chosen and every other filter kept, and they are cached
per registry generation, so a curator's edit changes them at once."""

import io
import re
import threading
from collections.abc import Iterator
from datetime import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.filters import DirectoryFilter, cached_facets, facets_memo_name
from hashtags import published
from hashtags.models import Chat, Hashtag, Status
from hashtags.serving import cache as registry_cache
from hashtags.serving.cache import state
from tests.support import (
    facet_count,
    make_category,
    make_chat,
    make_hashtag,
    offered,
    shared_by_the_module,
)

pytestmark = pytest.mark.django_db


def chosen_counts(page: str) -> list[int]:
    """The counts shown next to the values already chosen."""
    return [
        int(n)
        for n in re.findall(r'class="selected" href="[^"]*">[^<]*<span class="count">(\d+)', page)
    ]


def total(page: str) -> int:
    return int(re.search(r'<h2 class="results-count">(\d+) hashtag', page).group(1))


@pytest.fixture(scope="module")
def entries(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Made once for the module; what a test writes is rolled back after it (a savepoint
    of its own)."""
    with shared_by_the_module(django_db_blocker):
        make_entries()
        yield


@pytest.fixture
def registry(entries, db) -> None:
    """Entries in two categories of one subtree, inactive chats, several languages."""


def make_entries() -> None:
    diseases = make_category("diseases", name="Diseases")
    cancer = make_category("cancer", parent=diseases, name="Cancer")
    breast = make_category("breast-cancer", parent=cancer, name="Breast cancer")
    lung = make_category("lung-cancer", parent=cancer, name="Lung cancer")
    leadership = make_category("leadership", name="Leadership")
    hcldr = make_hashtag(
        "HCLDR", name="Healthcare Leaders", kind="chat", categories=[leadership],
        platforms=["x"],
    )  # fmt: skip
    make_chat(hcldr, weekdays="TU", start_time=time(20, 30))
    bcsm = make_hashtag(
        "BCSM", name="Breast Cancer Social Media", kind="disease",
        categories=[breast, lung, leadership], platforms=["x", "bluesky"],
    )  # fmt: skip
    make_chat(bcsm, weekdays="MO", start_time=time(21, 0))
    lcsm = make_hashtag(
        "LCSM", name="Lung Cancer Social Media", kind="disease", categories=[lung, cancer],
        platforms=["bluesky"],
    )  # fmt: skip
    make_chat(lcsm, weekdays="WE", start_time=time(19, 0), is_active=False)
    make_hashtag("Salud", name="Salud digital", kind="community", language="es",
                 categories=[diseases])  # fmt: skip
    make_hashtag("SaludCancer", name="Cancer en español", kind="disease", language="es",
                 categories=[breast], platforms=["x"])  # fmt: skip
    make_hashtag("HiddenCancer", name="Cancer pending", status=Status.PENDING,
                 categories=[cancer], platforms=["x"])  # fmt: skip


def test_an_entry_in_several_categories_of_a_subtree_counts_once(visitor, registry):
    page = visitor.get("/hashtags/").content.decode()
    # BCSM (breast + lung), LCSM (lung + cancer), SaludCancer (breast): three entries.
    assert facet_count(page, "category", "cancer") == 3
    assert facet_count(page, "category", "diseases") == 4  # and Salud
    assert facet_count(page, "category", "lung-cancer") == 2
    assert facet_count(page, "category", "leadership") == 2
    assert facet_count(page, "has_chat", "true") == 2  # LCSM's chat is inactive
    assert facet_count(page, "has_chat", "false") == 3
    assert facet_count(page, "language", "es") == 2
    assert total(page) == 5  # the pending entry is counted nowhere


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "cancer"},
        {"kind": "disease"},
        {"category": "cancer"},
        {"category": "cancer", "platform": "x"},
        {"kind": "disease", "language": "es"},
        {"has_chat": "false", "category": "diseases"},
        {"has_chat": "true", "kind": "disease", "language": "en"},
        {"q": "social", "kind": "disease", "platform": "bluesky", "has_chat": "true"},
        {"kind": "disease", "language": "ES", "has_chat": "false", "category": "diseases"},
    ],
)
def test_each_count_is_the_number_of_results_choosing_that_value_gives(visitor, registry, params):
    page = visitor.get("/hashtags/", params).content.decode()
    counts = offered(page)
    assert counts, page
    # A chosen value's count is the number of results shown.
    assert chosen_counts(page) == [total(page)] * len(chosen_counts(page))
    for (parameter, value), count in counts.items():
        chosen = visitor.get("/hashtags/", {**params, parameter: value}).content.decode()
        assert total(chosen) == count, (parameter, value)
    # A value that is not offered would give no results.
    for parameter, value in [("kind", "conference"), ("platform", "mastodon")]:
        if (parameter, value) not in counts and parameter not in params:
            chosen = visitor.get("/hashtags/", {**params, parameter: value})
            assert total(chosen.content.decode()) == 0


def test_the_chosen_value_is_shown_even_when_nothing_matches(visitor, registry):
    page = visitor.get("/hashtags/", {"kind": "conference"}).content.decode()
    assert total(page) == 0
    assert "conference" in page


def test_counts_change_at_once_after_a_curator_edit(
    visitor, registry, make_hashtag, django_capture_on_commit_callbacks
):
    assert facet_count(visitor.get("/hashtags/").content.decode(), "kind", "chat") == 1
    with django_capture_on_commit_callbacks(execute=True):
        make_hashtag("NewChat", name="A new chat", kind="chat")  # saved as in the admin
    assert facet_count(visitor.get("/hashtags/").content.decode(), "kind", "chat") == 2
    with django_capture_on_commit_callbacks(execute=True):
        chat = Chat.objects.get(hashtag__tag="BCSM")
        chat.delete()
        # Past the write path, so published here, as every such writer must (the
        # filters and counts read the published rows).
        published.publish([chat.hashtag_id])
    page = visitor.get("/hashtags/", {"kind": "disease"}).content.decode()
    assert facet_count(page, "has_chat", "true") is None


def test_counts_are_kept_until_the_registry_changes(visitor, registry):
    before = visitor.get("/hashtags/").content.decode()
    filtered = visitor.get("/hashtags/", {"language": "es"}).content.decode()
    # A write past the write path (as bulk loads do) is not seen…
    salud = Hashtag.objects.get(tag="Salud")
    Hashtag.objects.filter(pk=salud.pk).update(kind="chat")
    assert facet_count(visitor.get("/hashtags/").content.decode(), "kind", "chat") == 1
    assert check_output() == [f"entry\t{salud.pk}\tdiffers"]  # but the check says so
    # …until the writer publishes again, as such writers must (the command also expires
    # the cached pages and the filtered views' counts).
    call_command("publish")
    after = visitor.get("/hashtags/").content.decode()
    assert facet_count(before, "kind", "community") == 1
    assert facet_count(after, "kind", "chat") == 2
    assert facet_count(after, "kind", "community") is None
    assert facet_count(filtered, "kind", "chat") is None
    refiltered = visitor.get("/hashtags/", {"language": "es"}).content.decode()
    assert facet_count(refiltered, "kind", "chat") == 1
    assert check_output() == []


def check_output() -> list[str]:
    """What `publish --check` reports (it fails exactly when it reports something)."""
    out = io.StringIO()
    try:
        call_command("publish", "--check", stdout=out)
    except SystemExit as exit_:
        assert exit_.code == 1
        assert out.getvalue()
    return out.getvalue().splitlines()


def test_addresses_showing_the_same_entries_share_their_counts(visitor, registry):
    visitor.get("/hashtags/", {"language": "es", "q": "cancer"})
    # The search words and the language are what matter, not their spelling.
    with CaptureQueriesContext(connection) as queries:
        visitor.get("/hashtags/", {"language": "ES", "q": "  cancer!"})
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def memo_key(filterset: DirectoryFilter) -> str:
    """Where hashtags.serving.cache.per_generation keeps these counts under this generation."""
    return f"registry:memo:{state()[0]}:{facets_memo_name(filterset)}"


SPANISH = {"language": "es"}


def valid_filter(params: dict) -> DirectoryFilter:
    filterset = DirectoryFilter(params, queryset=Hashtag.objects.public())
    assert filterset.is_valid()
    return filterset


def test_while_one_request_counts_the_others_wait_for_its_result(registry, monkeypatch):
    """Two requests for one filtered view do not both count a million rows (the
    unfiltered directory's counts are kept as entries change: test_kept_counts.py)."""
    monkeypatch.setattr(registry_cache, "LOCK_POLL_SECONDS", 0.05)
    first = valid_filter(SPANISH)
    expected = first.facets()
    key = memo_key(first)
    # Another worker holds the lock and is counting; its result lands a little later.
    assert registry_cache.cache.add(f"{key}:lock", "counting", 60)
    later = threading.Timer(0.2, registry_cache.cache.set, (key, expected, 60))
    later.start()
    with CaptureQueriesContext(connection) as queries:
        facets = cached_facets(valid_filter(SPANISH))
    later.join()
    assert queries.captured_queries == []  # nothing counted here
    assert facets.total == expected.total == 2


def test_a_request_that_waits_in_vain_counts_itself(registry, monkeypatch):
    monkeypatch.setattr(registry_cache, "LOCK_WAIT_SECONDS", 0.2)
    filterset = valid_filter(SPANISH)
    key = memo_key(filterset)
    registry_cache.cache.add(f"{key}:lock", "counting", 60)  # a worker that died mid-count
    with CaptureQueriesContext(connection) as queries:
        facets = cached_facets(filterset)
    assert facets.total == 2
    assert len(queries.captured_queries) >= 3  # the kind/language/chat, platform, category
    assert registry_cache.cache.get(key) is not None  # and keeps the result for the others


def test_the_counting_request_releases_its_lock(registry):
    filterset = valid_filter(SPANISH)
    key = memo_key(filterset)
    cached_facets(filterset)
    assert registry_cache.cache.get(key) is not None
    assert registry_cache.cache.get(f"{key}:lock") is None
    # The next request finds the counts without a query.
    with CaptureQueriesContext(connection) as queries:
        cached_facets(valid_filter(SPANISH))
    assert queries.captured_queries == []
