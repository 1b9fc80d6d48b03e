"""A swapped, dropped, doubled or wrong letter in a short query still finds the entry, on
SQLite and on PostgreSQL alike; a query that finds nothing says "did you mean"."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hashtags.models import Alias, Hashtag
from hashtags.search import one_edit_keys, search

pytestmark = pytest.mark.django_db


def tags(query: str, queryset=None) -> list[str]:
    return [h.tag for h in search(queryset or Hashtag.objects.public(), query)]


@pytest.fixture
def registry(make_hashtag):
    make_hashtag("BCSM", name="Breast cancer social media", kind="chat")
    make_hashtag("HCLDR", name="Healthcare leaders", kind="chat")
    make_hashtag("hcsm", name="Healthcare social media", kind="chat")
    make_hashtag("pinksocks", name="A community of the pink socks")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("bcms", "BCSM"),  # two neighbours swapped
        ("hlcdr", "HCLDR"),
        ("#BCMS", "BCSM"),
        ("hcdr", "HCLDR"),  # one letter missing
        ("hcldrr", "HCLDR"),  # one letter too many
        ("bcsn", "BCSM"),  # one letter wrong
        ("pinksokcs", "pinksocks"),
    ],
)
def test_one_edit_in_a_short_query_finds_the_entry(registry, query, found):
    assert tags(query) == [found]


def test_the_directory_page_lists_the_entry_for_a_swapped_letter(registry, visitor):
    page = visitor.get("/hashtags/", {"q": "bcms"}).content.decode()
    assert "1 hashtag found" in page
    assert 'href="/hashtags/BCSM/"' in page


def test_an_alias_one_edit_away_finds_its_entry(registry, make_hashtag):
    entry = make_hashtag("MedEd", name="Medical education")
    Alias.objects.create(hashtag=entry, tag="MedChat")
    assert tags("MedCaht") == ["MedEd"]
    assert tags("MeedEd") == ["MedEd"]


def test_a_query_that_finds_entries_gets_no_neighbours(registry):
    # "hcsm" is one letter from #BCSM, but it is a tag of its own.
    assert tags("hcsm") == ["hcsm"]


def test_neighbours_respect_the_filters_of_the_page(registry):
    assert tags("bcms", Hashtag.objects.public().filter(kind="community")) == []


def test_an_empty_result_says_did_you_mean_with_a_link_to_the_search(registry, visitor):
    page = visitor.get("/hashtags/", {"q": "bcms", "kind": "community"}).content.decode()
    assert "No hashtags match" in page
    assert 'Did you mean <a href="/hashtags/?q=BCSM">#BCSM</a>?' in page


def test_no_empty_refine_box_beside_an_empty_result(registry, visitor):
    page = visitor.get("/hashtags/", {"q": "zzzzzzzz"}).content.decode()
    assert "No hashtags match" in page
    assert "Refine" not in page
    page = visitor.get("/hashtags/", {"q": "bcms"}).content.decode()
    assert ">Refine<" in page  # a result has filters to narrow it by


def test_one_edit_keys_are_bounded_and_skip_long_or_tiny_queries():
    assert "bcsm" in one_edit_keys("bcms")
    assert "bcms" not in one_edit_keys("bcms")
    assert one_edit_keys("ab") == []
    assert one_edit_keys("a" * 13) == []
    assert len(one_edit_keys("abcdefghijkl")) < 1000


@pytest.mark.postgres
def test_the_one_edit_lookup_uses_the_key_index_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's (DATABASE_URL=postgres://…)")
    call_command("seed_synthetic", count=5_000, stdout=None)
    plan = search(Hashtag.objects.public(), "bcms")[:25].explain()
    # An index of the key (the unique one or the pattern one) answers each probe.
    assert "Index Cond: ((key)::text = (wanted.key)::text)" in plan, plan
    assert "Seq Scan on hashtags_identity" not in plan, plan


def test_the_one_edit_lookup_uses_the_key_index_on_sqlite(registry):
    if connection.vendor != "sqlite":
        pytest.skip("the plan is SQLite's")
    sql, params = Hashtag.objects.filter(
        identities__key__in=one_edit_keys("bcms")
    ).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "identity_key_unique" in plan or "INDEX" in plan, plan
    assert "SCAN hashtags_identity" not in plan, plan


@pytest.mark.postgres
def test_a_long_typo_one_edit_away_skips_the_similarity_search(make_hashtag):
    """A long query's trigrams are common ones: its similarity search would read much of
    the trigram index of a large registry. One edit away, the key index finds it."""
    if connection.vendor != "postgresql":
        pytest.skip("the similarity search is PostgreSQL's (DATABASE_URL=postgres://…)")
    make_hashtag("HeartBreastCancer", name="Heart and breast cancer")
    make_hashtag("HeartBeatCancer", name="Another")
    with CaptureQueriesContext(connection) as queries:
        found = [h.tag for h in search(Hashtag.objects.public(), "heartbrcastcancer")]
    assert found == ["HeartBreastCancer"]
    assert not [q for q in queries.captured_queries if "%>>" in q["sql"] or " % " in q["sql"]]
    # Nothing one edit away: the similarity search still finds the neighbours.
    found = [h.tag for h in search(Hashtag.objects.public(), "heartbrxxstcancer")]
    assert "HeartBreastCancer" in found
