"""Search on PostgreSQL: ranking, prefixes, typos, the trigger-kept search document and
the indexes the search SQL uses. SQLite has the simple match (tests/test_directory_list.py
covers what both databases share)."""

import pytest
from django.core.management import call_command
from django.db import connection

from hashtags import search as search_module
from hashtags.models import Alias, Category, Hashtag
from hashtags.search import search

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("full-text and trigram search need PostgreSQL (DATABASE_URL=postgres://…)")


def tags(query: str) -> list[str]:
    return [hashtag.tag for hashtag in search(Hashtag.objects.public(), query)]


def document(hashtag: Hashtag) -> str:
    return Hashtag.objects.values_list("search_document", flat=True).get(pk=hashtag.pk)


def test_exact_tag_ranks_before_prefix_and_text_matches(make_hashtag):
    make_hashtag("HCLDRchat", name="Leaders chat")
    make_hashtag("Leaders", name="Talks about hcldr every week")
    make_hashtag("HCLDR", name="Healthcare Leaders")
    assert tags("hcldr") == ["HCLDR", "HCLDRchat", "Leaders"]
    assert tags("#HCLDR")[0] == "HCLDR"


def test_prefix_of_a_tag_finds_it(make_hashtag):
    make_hashtag("HCLDR", name="Healthcare Leaders")
    make_hashtag("hcsm", name="Healthcare social media")
    assert tags("hcl") == ["HCLDR"]


def test_a_typo_in_the_tag_still_finds_it(make_hashtag):
    make_hashtag("HCLDR", name="Healthcare Leaders")
    make_hashtag("pinksocks", name="A community of the pink socks")
    make_hashtag("BCSM", name="Breast cancer social media")
    assert tags("hcldt") == ["HCLDR"]
    assert tags("pinksox") == ["pinksocks"]


def test_a_looser_misspelling_is_found_when_nothing_is_spelt_closer(make_hashtag):
    make_hashtag("epatient", name="Patients in charge of their care")
    make_hashtag("HCLDR", name="Healthcare Leaders")
    assert tags("epatinet") == ["epatient"]  # a swap: similarity 0.38, under the close bar


def test_close_misspellings_are_preferred_to_loose_ones(make_hashtag):
    make_hashtag("hcldr", name="Healthcare Leaders")
    make_hashtag("hcldrs", name="Something else")  # similarity 0.44 to "hcldt": loose
    results = search(Hashtag.objects.public(), "hcldt")
    assert [(h.tag, h.search_rank >= 2000) for h in results] == [("hcldr", True)]
    assert tags("hcldrt") == ["hcldr", "hcldrs"]  # both close, the closer first


def test_no_spelling_neighbours_when_the_words_find_entries(make_hashtag):
    make_hashtag("HCLDR", name="Healthcare Leaders")
    make_hashtag("NurseLeaders", name="Nurse leaders chat")
    make_hashtag("Leadrs", name="Unrelated")  # as close to "leaders" as hcldr to "hcldt"
    # "leaders" finds entries by their names: no spelling neighbour is mixed in.
    assert set(tags("leaders")) == {"NurseLeaders", "HCLDR"}
    assert tags("leadrz") == ["Leadrs"]  # a query that finds nothing gets its neighbours


def test_the_spelling_check_is_asked_once_for_several_querysets(
    make_hashtag, django_assert_num_queries
):
    make_hashtag("HCLDR", name="Healthcare Leaders")
    memo: dict = {}
    with django_assert_num_queries(4):  # a prefix probe, a one-edit probe, two searches
        assert [h.tag for h in search(Hashtag.objects.public(), "hcldt", memo=memo)] == ["HCLDR"]
        assert list(search(Hashtag.objects.filter(kind="chat"), "hcldt", memo=memo)) == []


def test_an_exact_alias_ranks_right_after_an_exact_tag(make_hashtag):
    merged = make_hashtag("MedEd", name="Medical education")
    Alias.objects.create(hashtag=merged, tag="MedicalEducation")
    make_hashtag("MedicalEducationChat", name="Chat")
    results = search(Hashtag.objects.public(), "MedicalEducation")
    assert [(h.tag, h.search_rank) for h in results][:2] == [
        ("MedEd", 1),
        ("MedicalEducationChat", 2),
    ]


def test_name_outranks_category_which_outranks_description(make_hashtag, make_category):
    make_hashtag("AlphaOne", name="Plain", description="All about genomics research.")
    make_hashtag("BravoTwo", name="Genomics today")
    category = make_category("genomics", name="Genomics")
    make_hashtag("CharlieThree", name="Plain", categories=[category])
    assert tags("genomics") == ["BravoTwo", "CharlieThree", "AlphaOne"]


def test_english_stems_and_several_words_all_count(make_hashtag):
    make_hashtag("BCSM", name="Breast cancer social media")
    make_hashtag("LCSM", name="Lung cancer social media")
    assert tags("cancers") == ["BCSM", "LCSM"]
    assert tags("breast cancer") == ["BCSM"]


def test_only_entries_of_the_given_queryset_are_searched(make_hashtag):
    make_hashtag("HCLDR", name="Healthcare Leaders")
    make_hashtag("HCLDRpending", status="pending", name="Pending")
    assert tags("hcldr") == ["HCLDR"]


@pytest.mark.parametrize(
    "query",
    ["#", "a\x00b", "x" * 10_000, "foo & | ! ( ) : * ' \\ <-> \"", "'';--", "a:*", "_", "ǅ̀"],
)
def test_hostile_input_never_errors(make_hashtag, client, query):
    make_hashtag("HCLDR", name="Healthcare Leaders")
    list(search(Hashtag.objects.public(), query))
    response = client.get("/hashtags/", {"q": query.replace("\x00", "")})
    assert response.status_code in (200, 400)


def test_a_common_word_ranks_at_most_the_cap(make_hashtag, monkeypatch):
    monkeypatch.setattr(search_module, "CANDIDATE_CAP", 5)
    for number in range(12):
        make_hashtag(f"Entry{number}", name="Everything about health")
    make_hashtag("Health", name="Health")
    results = tags("health")
    assert results[0] == "Health"
    assert 5 <= len(results) <= 11  # prefix (capped) + text (capped), never all 13


# The search document is kept by triggers -------------------------------------------


def test_document_is_filled_on_insert_and_follows_updates(make_hashtag):
    entry = make_hashtag("HCLDR", name="Healthcare Leaders", description="Weekly chat")
    assert "'hcldr':1A" in document(entry)
    assert "'leader':3B" in document(entry)
    assert "'week':4" in document(entry)
    Hashtag.objects.filter(pk=entry.pk).update(name="Nursing informatics")
    assert "nurs" in document(entry)
    assert "leader" not in document(entry)
    assert tags("informatics") == ["HCLDR"]


def test_bulk_created_entries_are_searchable(db):
    Hashtag.objects.bulk_create(
        [Hashtag(tag=f"Bulk{n}", name="Rare disease day", status="approved") for n in range(3)]
    )
    assert tags("rare disease") == ["Bulk0", "Bulk1", "Bulk2"]


def test_adding_and_removing_an_alias_updates_the_document(make_hashtag):
    entry = make_hashtag("MedEd", name="Medical education")
    alias = Alias.objects.create(hashtag=entry, tag="MedStudents")
    assert "'medstudents':" in document(entry)
    assert tags("medstud") == ["MedEd"]
    alias.delete()
    assert "medstudents" not in document(entry)
    assert tags("medstud") == []


def test_category_links_and_renames_update_the_document(make_hashtag, make_category):
    category = make_category("cardio", name="Cardiology")
    entry = make_hashtag("HeartChat", name="Weekly chat")
    entry.categories.add(category)
    assert tags("cardiology") == ["HeartChat"]
    Category.objects.filter(pk=category.pk).update(name="Vascular medicine")
    assert tags("cardiology") == []
    assert tags("vascular") == ["HeartChat"]
    entry.categories.remove(category)
    assert tags("vascular") == []


# Indexes ------------------------------------------------------------------------------


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN "
            "('hashtags_hashtag', 'hashtags_identity')"
        )
        return {row[0] for row in cursor.fetchall()}


def test_search_indexes_and_trigram_extension_exist(db):
    assert {"hashtag_search_document_gin", "identity_key_trgm_gin", "identity_key_pattern"} <= (
        index_names()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)


def test_search_sql_uses_the_indexes_on_twenty_thousand_entries(db):
    call_command("seed_synthetic", count=20_000, stdout=None)
    plans = {}
    for label, query in {"prefix": "BreastCancer", "typo": "hcldt", "text": "vaccine"}.items():
        plans[label] = search(Hashtag.objects.public(), query)[:25].explain()
    assert "identity_key_pattern" in plans["prefix"] or "identity_key_unique" in plans["prefix"]
    assert "identity_key_trgm_gin" in plans["typo"], plans["typo"]
    assert "hashtag_search_document_gin" in plans["text"]
    for plan in plans.values():
        assert "Seq Scan on hashtags_identity" not in plan, plan
