"""The first public pages: home, an entry, a category."""

from datetime import time

import pytest

from hashtags.models import Alias, Status

pytestmark = pytest.mark.django_db


def test_home_shows_categories_and_recently_approved_entries(visitor, make_hashtag, make_category):
    cancer = make_category("cancer", name="Cancer")
    make_hashtag("BCSM", name="Breast Cancer Social Media", categories=[cancer])
    make_hashtag("Waiting", status=Status.PENDING)
    page = visitor.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "#BCSM" in html and "Cancer" in html
    assert "#Waiting" not in html


def test_entry_page_shows_the_chat_schedule_in_words(visitor, make_hashtag, make_chat):
    entry = make_hashtag("HCLDR", name="Healthcare Leaders", platforms=["x"])
    make_chat(entry, weekdays="TU", start_time=time(20, 30), timezone_id="America/New_York")
    page = visitor.get("/hashtags/HCLDR/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tuesdays at 8:30 PM ET" in html
    assert "https://x.com/search?q=%23HCLDR" in html


@pytest.mark.parametrize(
    "spelling", ["hcldr", "%23HCLDR", "%EF%BC%A8%EF%BC%A3%EF%BC%AC%EF%BC%A4%EF%BC%B2"]
)
def test_other_spellings_redirect_permanently_to_the_canonical_page(
    visitor, make_hashtag, spelling
):
    make_hashtag("HCLDR")
    page = visitor.get(f"/hashtags/{spelling}/")
    assert page.status_code == 301
    assert page["Location"] == "/hashtags/HCLDR/"


def test_an_alias_redirects_to_its_entry(visitor, make_hashtag):
    entry = make_hashtag("MedEd")
    Alias(hashtag=entry, tag="MedicalEducation").save()
    page = visitor.get("/hashtags/MedicalEducation/")
    assert (page.status_code, page["Location"]) == (301, "/hashtags/MedEd/")


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED])
def test_entries_that_are_not_public_are_not_found(visitor, make_hashtag, status):
    make_hashtag("Hidden", status=status, status_reason="Spam." if status == "rejected" else "")
    assert visitor.get("/hashtags/Hidden/").status_code == 404
    assert visitor.get("/hashtags/hidden/").status_code == 404


def test_a_retired_entry_is_still_public_and_marked(visitor, make_hashtag):
    make_hashtag("HIMSS17", status=Status.RETIRED, kind="conference")
    page = visitor.get("/hashtags/HIMSS17/")
    assert page.status_code == 200
    assert "retired" in page.content.decode()


def test_an_unknown_tag_is_not_found(visitor, db):
    assert visitor.get("/hashtags/NoSuchTag/").status_code == 404


def test_description_markup_is_shown_as_text(visitor, make_hashtag):
    make_hashtag("Safe", description="<script>alert('x')</script>")
    html = visitor.get("/hashtags/Safe/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_category_page_lists_entries_of_its_descendants(visitor, make_category, make_hashtag):
    diseases = make_category("diseases", name="Diseases")
    breast = make_category("breast-cancer", parent=diseases, name="Breast cancer")
    make_hashtag("BCSM", categories=[breast])
    make_hashtag("Hidden", status=Status.PENDING, categories=[breast])
    html = visitor.get("/categories/diseases/").content.decode()
    assert "#BCSM" in html and "Breast cancer" in html
    assert "#Hidden" not in html
    assert visitor.get("/categories/nope/").status_code == 404


def test_entry_page_queries_do_not_grow_with_related_rows(
    visitor, make_hashtag, make_chat, make_category, django_assert_max_num_queries
):
    categories = [make_category() for _ in range(5)]
    entry = make_hashtag("Busy", categories=categories, platforms=["x", "bluesky", "linkedin"])
    for _ in range(5):
        make_chat(entry)
    for index in range(5):
        Alias(hashtag=entry, tag=f"Busy{index}").save()
    # identity lookup, entry, categories, platforms, chats, hosts, aliases, session-free page
    with django_assert_max_num_queries(8):
        assert visitor.get("/hashtags/Busy/").status_code == 200
