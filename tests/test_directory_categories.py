"""The category pages: /categories/ (the tree with counts) and /categories/<slug>/."""

import re

import pytest

from hashtags.models import Status
from tests.support import bulk_entries

pytestmark = pytest.mark.django_db


@pytest.fixture
def ontology(make_category, make_hashtag):
    diseases = make_category("diseases", name="Diseases")
    cancer = make_category("cancer", parent=diseases, name="Cancer")
    breast = make_category("breast-cancer", parent=cancer, name="Breast cancer")
    make_category("empty", name="Empty")
    make_hashtag("BCSM", categories=[breast])
    # In two categories of one subtree: counted once.
    make_hashtag("LCSM", categories=[cancer, breast])
    make_hashtag("Retired", status=Status.RETIRED, categories=[diseases])
    make_hashtag("Hidden", status=Status.PENDING, categories=[breast])
    return {"diseases": diseases, "cancer": cancer, "breast": breast}


def count_after(html: str, name: str) -> int:
    match = re.search(rf">{re.escape(name)}</a> <span class=\"count\">(\d+)", html)
    return int(match.group(1))


def test_category_tree_shows_every_category_with_public_entry_counts(visitor, ontology):
    page = visitor.get("/categories/")
    assert page.status_code == 200
    html = page.content.decode()
    assert count_after(html, "Diseases") == 3  # BCSM, LCSM, Retired; not the pending one
    assert count_after(html, "Cancer") == 2
    assert count_after(html, "Breast cancer") == 2
    # An empty category stays in the ontology, said in words rather than "0 entries".
    assert '>Empty</a> <span class="count">no hashtags yet</span>' in html
    assert count_after(html, "Cancer") == 2 and "1 entries" not in html
    # Nested: Breast cancer sits in a list inside Cancer's item.
    assert re.search(
        r">Cancer</a>.*?<ul class=\"tree\">\s*<li>\s*<a [^>]+>Breast cancer", html, re.S
    )


def test_category_page_lists_entries_of_its_descendants_and_its_children(visitor, ontology):
    page = visitor.get("/categories/diseases/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.findall(r'card-title"><a href="[^"]+">#(\w+)', html) == ["BCSM", "LCSM", "Retired"]
    assert "#Hidden" not in html
    assert "Sub-categories" in html and count_after(html, "Cancer") == 2
    assert "3 hashtags" in html
    assert 'href="/hashtags/?category=diseases"' in html


def test_category_page_has_breadcrumbs_to_its_ancestors(visitor, ontology):
    html = visitor.get("/categories/breast-cancer/").content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert re.findall(r">([^<]+)</a>", crumbs) == [
        "Home",
        "Categories",
        "Diseases",
        "Cancer",
        "Breast cancer",
    ]


def test_category_page_seo(visitor, ontology):
    html = visitor.get("/categories/cancer/").content.decode()
    assert "<title>Cancer: healthcare hashtags · Healthcare Hashtag Directory</title>" in html
    assert '<link rel="canonical" href="http://127.0.0.1:8000/categories/cancer/">' in html
    assert '<meta property="og:title" content="Cancer: healthcare hashtags">' in html
    assert '<meta name="description" content="2 hashtags in Cancer' in html


def test_unknown_category_is_not_found(visitor, db):
    assert visitor.get("/categories/no-such-thing/").status_code == 404


def test_long_category_pages_by_keyset(visitor, make_category):
    big = make_category("big", name="Big")
    bulk_entries(30, prefix="Big", categories=[big])
    first = visitor.get("/categories/big/").content.decode()
    assert len(re.findall(r'class="card"', first)) == 24
    next_link = re.search(r'rel="next" href="\?after=(\w+)"', first).group(1)
    assert next_link == "big023"
    second = visitor.get("/categories/big/", {"after": "big023"}).content.decode()
    assert re.findall(r'card-title"><a href="[^"]+">#(\w+)', second) == [
        f"Big{number:03d}" for number in range(24, 30)
    ]


@pytest.mark.parametrize("entries", [5, 50])
def test_category_pages_queries_do_not_grow_with_entries(
    visitor, make_category, django_assert_max_num_queries, entries
):
    top = make_category("top")
    children = [make_category(parent=top) for _ in range(4)]
    bulk_entries(entries, categories=children, with_chat=True)
    # category tree, its counts
    with django_assert_max_num_queries(2):
        assert visitor.get("/categories/").status_code == 200
    # category, ancestors, sub-categories, their counts, entries, their categories and chats
    with django_assert_max_num_queries(7):
        assert visitor.get("/categories/top/").status_code == 200
