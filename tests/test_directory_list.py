"""The directory page /hashtags/: search, filters with counts, keyset pages, bad input."""

import re
from datetime import time

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashtags import published
from hashtags.models import Alias, Chat, Status
from tests.support import bulk_entries, facet_count, tags_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(make_hashtag, make_category, make_chat):
    diseases = make_category("diseases", name="Diseases")
    cancer = make_category("cancer", parent=diseases, name="Cancer")
    breast = make_category("breast-cancer", parent=cancer, name="Breast cancer")
    leadership = make_category("leadership", name="Leadership")
    hcldr = make_hashtag(
        "HCLDR",
        name="Healthcare Leaders",
        kind="chat",
        categories=[leadership],
        platforms=["x"],
        description="A weekly chat on healthcare leadership.",
    )
    make_chat(hcldr, weekdays="TU", start_time=time(20, 30))
    bcsm = make_hashtag(
        "BCSM",
        name="Breast Cancer Social Media",
        kind="disease",
        categories=[breast],
        platforms=["x", "bluesky"],
    )
    make_chat(bcsm, weekdays="MO", start_time=time(21, 0))
    make_hashtag("LCSM", name="Lung Cancer Social Media", kind="disease", categories=[cancer])
    make_hashtag("Salud", name="Salud digital", kind="community", language="es")
    make_hashtag("HiddenCancer", name="Cancer pending", status=Status.PENDING, categories=[cancer])
    return {"hcldr": hcldr, "bcsm": bcsm}


def test_directory_lists_public_entries_in_tag_order(visitor, registry):
    page = visitor.get("/hashtags/")
    assert page.status_code == 200
    assert tags_on(page.content.decode()) == ["BCSM", "HCLDR", "LCSM", "Salud"]
    assert "4 hashtags" in page.content.decode()


@pytest.mark.parametrize("query", ["hcldr", "#HCLDR", "HCL", "＃ｈｃｌｄｒ", "leadership"])
def test_search_is_forgiving_about_case_hash_and_prefix(visitor, registry, query):
    page = visitor.get("/hashtags/", {"q": query}).content.decode()
    assert tags_on(page)[0] == "HCLDR"


def test_search_matches_words_of_the_name_and_ranks_exact_tag_first(visitor, registry):
    page = visitor.get("/hashtags/", {"q": "cancer"}).content.decode()
    assert tags_on(page) == ["BCSM", "LCSM"]
    assert "HiddenCancer" not in page
    page = visitor.get("/hashtags/", {"q": "lcsm"}).content.decode()
    assert tags_on(page) == ["LCSM"]


def test_search_finds_an_entry_by_its_alias(visitor, registry):
    Alias(hashtag=registry["bcsm"], tag="BreastCancerSM").save()
    page = visitor.get("/hashtags/", {"q": "breastcancersm"}).content.decode()
    assert tags_on(page) == ["BCSM"]


def test_category_filter_includes_descendants(visitor, registry):
    page = visitor.get("/hashtags/", {"category": "diseases"}).content.decode()
    assert tags_on(page) == ["BCSM", "LCSM"]
    page = visitor.get("/hashtags/", {"category": "breast-cancer"}).content.decode()
    assert tags_on(page) == ["BCSM"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "disease"}, ["BCSM", "LCSM"]),
        ({"platform": "bluesky"}, ["BCSM"]),
        ({"language": "es"}, ["Salud"]),
        ({"language": "ES"}, ["Salud"]),
        ({"has_chat": "true"}, ["BCSM", "HCLDR"]),
        ({"has_chat": "false"}, ["LCSM", "Salud"]),
        ({"kind": "disease", "has_chat": "true", "platform": "x"}, ["BCSM"]),
        ({"q": "cancer", "category": "cancer", "kind": "disease"}, ["BCSM", "LCSM"]),
    ],
)
def test_filters_narrow_the_list(visitor, registry, params, expected):
    page = visitor.get("/hashtags/", params)
    assert page.status_code == 200
    assert tags_on(page.content.decode()) == expected


def test_an_inactive_chat_does_not_count_as_a_chat(visitor, registry):
    Chat.objects.filter(hashtag=registry["hcldr"]).update(is_active=False)
    # Past the write path, so published here, as every such writer must (the filters
    # read the published rows).
    published.publish([registry["hcldr"].pk])
    page = visitor.get("/hashtags/", {"has_chat": "true"}).content.decode()
    assert tags_on(page) == ["BCSM"]


def test_each_filter_value_shows_how_many_entries_it_would_give(visitor, registry):
    page = visitor.get("/hashtags/").content.decode()
    assert facet_count(page, "kind", "disease") == 2
    assert facet_count(page, "kind", "chat") == 1
    assert facet_count(page, "category", "diseases") == 2  # descendants counted
    assert facet_count(page, "category", "breast-cancer") == 1
    assert facet_count(page, "platform", "x") == 2
    assert facet_count(page, "language", "es") == 1
    assert facet_count(page, "has_chat", "true") == 2
    # A value no entry has is not offered.
    assert facet_count(page, "kind", "conference") is None


def test_counts_keep_the_other_filters_in_use(visitor, registry):
    page = visitor.get("/hashtags/", {"kind": "disease"}).content.decode()
    # With kind=disease chosen, the platform counts are among diseases only…
    assert facet_count(page, "platform", "x") == 1
    assert facet_count(page, "has_chat", "false") == 1
    # …and the other kinds still say what choosing them instead would give.
    assert facet_count(page, "kind", "community") == 1


def test_filter_links_are_shareable_get_urls_that_keep_the_search(visitor, registry):
    page = visitor.get("/hashtags/", {"q": "cancer"}).content.decode()
    assert 'href="?q=cancer&amp;kind=disease"' in page
    assert '<input type="hidden"' not in page
    page = visitor.get("/hashtags/", {"kind": "disease"}).content.decode()
    # A new search from a filtered view keeps the filter.
    assert '<input type="hidden" name="kind" value="disease">' in page
    assert "Remove<span" in page


def test_no_results_page_suggests_similar_tags_and_registering(visitor, registry):
    # One letter too many: the entry itself is listed, on both databases.
    page = visitor.get("/hashtags/", {"q": "HCLDRX"}).content.decode()
    assert 'href="/hashtags/HCLDR/"' in page
    assert "No hashtags match" not in page
    page = visitor.get("/hashtags/", {"q": "HCLDRXY"}).content.decode()
    if connection.vendor == "postgresql":
        # Typo tolerance (pg_trgm) lists the entry itself instead of a "did you mean".
        assert 'href="/hashtags/HCLDR/"' in page
        return
    assert "No hashtags match" in page
    assert 'href="/hashtags/?q=HCLDR"' in page  # did you mean #HCLDR
    assert 'href="/submit/?tag=HCLDRXY"' in page


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"kind": "spaceship"}, "kind"),
        ({"category": "no-such-category"}, "category"),
        ({"platform": "myspace"}, "platform"),
        ({"language": "not a language"}, "language"),
        ({"has_chat": "maybe"}, "has_chat"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a", "after": "notanumber~hcldr"}, "after"),
        ({"after": "a", "before": "b"}, "before"),
    ],
)
def test_bad_parameters_get_a_clear_error_naming_the_parameter(
    visitor, registry, params, parameter
):
    page = visitor.get("/hashtags/", params)
    assert page.status_code == 400
    html = page.content.decode()
    assert re.search(rf"<li>[^<]*{parameter}[^<]*: ", html), html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"q": "hcl\x00dr"}, "q"),
        ({"language": "en\x00"}, "language"),
        ({"category": "can\x00cer"}, "category"),
    ],
)
def test_a_nul_byte_in_a_parameter_is_refused_naming_it(visitor, registry, params, parameter):
    page = visitor.get("/hashtags/", params)
    assert page.status_code == 400
    html = page.content.decode()
    assert f"found in the query parameter &#x27;{parameter}&#x27;" in html
    assert '<meta name="robots" content="noindex">' in html


def test_invisible_characters_in_the_search_are_ignored(visitor, registry):
    page = visitor.get("/hashtags/", {"q": "hcl\u202edr\u200b"})
    assert tags_on(page.content.decode()) == ["HCLDR"]


@pytest.mark.parametrize("query", ["#", "!!!", "   ", "\u200b"])
def test_a_search_without_words_lists_everything(visitor, registry, query):
    page = visitor.get("/hashtags/", {"q": query})
    assert page.status_code == 200
    assert tags_on(page.content.decode()) == ["BCSM", "HCLDR", "LCSM", "Salud"]


def test_markup_in_the_search_is_shown_as_text(visitor, registry):
    page = visitor.get("/hashtags/", {"q": "<b>bold</b>"}).content.decode()
    assert "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def walk(visitor, url: str, params: dict) -> tuple[list[str], list[dict]]:
    """Follow "Next page" links to the end; returns every tag seen and each page's links."""
    seen, pages = [], []
    response = visitor.get(url, params)
    while True:
        html = response.content.decode()
        seen.extend(tags_on(html))
        links = dict(re.findall(r'<a rel="(prev|next)" href="([^"]*)"', html))
        pages.append(links)
        if "next" not in links:
            return seen, pages
        response = visitor.get(url + links["next"].replace("&amp;", "&"))


@pytest.mark.parametrize("params", [{}, {"q": "tag"}, {"kind": "community", "q": "entry"}])
def test_pages_walk_the_whole_list_once_each_in_order(visitor, db, params):
    bulk_entries(53, prefix="Tag")
    seen, pages = walk(visitor, "/hashtags/", params)
    assert seen == [f"Tag{number:03d}" for number in range(53)]
    assert len(pages) == 3  # 24 + 24 + 5
    assert "prev" not in pages[0]
    assert "prev" in pages[1] and "prev" in pages[2]


def test_previous_page_link_leads_back_to_the_same_rows(visitor, db):
    bulk_entries(60, prefix="Tag")
    first = visitor.get("/hashtags/").content.decode()
    next_link = re.search(r'rel="next" href="([^"]*)"', first).group(1).replace("&amp;", "&")
    second = visitor.get("/hashtags/" + next_link).content.decode()
    third_link = re.search(r'rel="next" href="([^"]*)"', second).group(1).replace("&amp;", "&")
    third = visitor.get("/hashtags/" + third_link).content.decode()
    back = re.search(r'rel="prev" href="([^"]*)"', third).group(1).replace("&amp;", "&")
    assert tags_on(visitor.get("/hashtags/" + back).content.decode()) == tags_on(second)
    # From the second page, "previous" is the first page's plain address.
    assert re.search(r'rel="prev" href="([^"]*)"', second).group(1) == "/hashtags/"


def test_search_results_page_by_relevance_without_repeats(visitor, make_hashtag):
    make_hashtag("Onco", name="Oncology")
    bulk_entries(30, prefix="Onco", name="Onco")
    bulk_entries(30, prefix="Zeta", name="Onco nurses")
    seen, _ = walk(visitor, "/hashtags/", {"q": "onco"})
    assert seen[0] == "Onco"  # the exact tag ranks first
    assert len(seen) == len(set(seen)) == 61


@pytest.mark.parametrize("entries", [5, 50])
def test_directory_queries_do_not_grow_with_the_entries_shown(
    visitor, make_category, django_assert_max_num_queries, entries
):
    parent = make_category("parent")
    categories = [make_category(parent=parent) for _ in range(3)]
    bulk_entries(entries, categories=categories, platforms=["x", "bluesky"], with_chat=True)
    # entries page, categories of the cards, chats of the cards, previous-page check,
    # one count each for kind, language, platform, has_chat and category
    with django_assert_max_num_queries(9):
        assert visitor.get("/hashtags/", {"q": "entry"}).status_code == 200
    # the same, plus validating the category and platform parameters
    with django_assert_max_num_queries(11):
        page = visitor.get(
            "/hashtags/", {"category": "parent", "platform": "x", "has_chat": "true"}
        )
        assert page.status_code == 200


PARAMETERS = ["q", "category", "kind", "platform", "language", "has_chat", "after", "before"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    params=st.dictionaries(
        st.sampled_from(PARAMETERS),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
        max_size=4,
    )
)
def test_no_parameter_value_makes_the_directory_fail(visitor, registry, params):
    page = visitor.get("/hashtags/", params)
    assert page.status_code in (200, 400), params
