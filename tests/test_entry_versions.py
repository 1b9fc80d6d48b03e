"""A change to one entry expires that entry's cached pages and every list, and keeps the
cached pages of every other entry (hashtags/serving/cache.py, directory/cache.py), on a real
Redis: the first request for another entry's page after a curator's edit is still
served from the cache, and its ETag still answers 304."""

import pytest
from django.db import transaction

from hashtags import entries as write
from hashtags.curation import moderation
from hashtags.models import Category, Chat, Hashtag, Moderator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def entries(make_hashtag, make_category, make_chat):
    leadership = make_category("leadership", name="Leadership")
    hcldr = make_hashtag("HCLDR", name="Healthcare Leaders", categories=[leadership])
    make_chat(hcldr)
    make_hashtag("BCSM", name="Breast Cancer Social Media", categories=[leadership])
    make_hashtag("MedEd", name="Medical education")
    return hcldr


PAGES = {
    "HCLDR page": "/hashtags/HCLDR/",
    "HCLDR API": "/api/v1/hashtags/HCLDR/",
    "BCSM page": "/hashtags/BCSM/",
    "BCSM API": "/api/v1/hashtags/BCSM/",
    "MedEd page": "/hashtags/MedEd/",
    "directory": "/hashtags/",
    "search": "/hashtags/?q=cancer",
    "API list": "/api/v1/hashtags/",
    "category": "/categories/leadership/",
    "home": "/",
}


def warm(visitor) -> dict[str, str]:
    """Every page requested once (stored), then their ETags."""
    etags = {}
    for name, path in PAGES.items():
        first = visitor.get(path)
        assert first.status_code == 200, name
        assert visitor.get(path)["X-Cache"] == "hit", name
        etags[name] = first["ETag"]
    return etags


def served(visitor) -> dict[str, str]:
    return {name: visitor.get(path)["X-Cache"] for name, path in PAGES.items()}


LISTS = {"directory", "search", "API list", "category", "home"}


def test_an_edit_retires_its_entry_and_the_lists_only(page_cache, entries, visitor):
    etags = warm(visitor)
    with transaction.atomic():
        write.update(hashtag=entries, curator=None, name="Healthcare Leaders chat")
    after = served(visitor)
    assert after["HCLDR page"] == after["HCLDR API"] == "miss"
    assert "Healthcare Leaders chat" in visitor.get("/hashtags/HCLDR/").content.decode()
    assert {name for name, how in after.items() if how == "miss"} == LISTS | {
        "HCLDR page",
        "HCLDR API",
    }
    # Another entry's validator still holds: a 304 at the cost of one cache read.
    assert visitor.get("/hashtags/BCSM/", HTTP_IF_NONE_MATCH=etags["BCSM page"]).status_code == 304
    assert (
        visitor.get("/hashtags/HCLDR/", HTTP_IF_NONE_MATCH=etags["HCLDR page"]).status_code == 200
    )


def test_a_change_to_an_entrys_chat_retires_that_entry(page_cache, entries, visitor):
    warm(visitor)
    chat = Chat.objects.get(hashtag=entries)
    chat.is_active = False
    chat.save()
    after = served(visitor)
    assert after["HCLDR page"] == "miss"
    assert after["BCSM page"] == after["MedEd page"] == after["BCSM API"] == "hit"


def test_a_retired_entrys_page_follows_its_successor(
    page_cache,
    entries,
    visitor,
    curator,
):
    old = Hashtag.objects.get(tag="BCSM")
    moderation.retire(hashtag=old, curator=curator, replaced_by=entries)
    assert "#HCLDR" in visitor.get("/hashtags/BCSM/").content.decode()
    warm(visitor)
    # The successor leaves the directory: the page naming it is retired with it.
    moderation.retire(hashtag=entries, curator=curator)
    after = served(visitor)
    assert after["BCSM page"] == "miss"
    assert after["MedEd page"] == "hit"


def test_a_renamed_entrys_old_address_is_retired(page_cache, entries, visitor):
    warm(visitor)
    write.update(hashtag=entries, curator=None, tag="HCLDRchat")
    assert visitor.get("/hashtags/HCLDR/").status_code != 200
    assert visitor.get("/hashtags/HCLDRchat/").status_code == 200
    assert visitor.get("/hashtags/MedEd/")["X-Cache"] == "hit"


def test_a_category_renamed_retires_every_page(page_cache, entries, visitor):
    warm(visitor)
    category = Category.objects.get(slug="leadership")
    category.name = "Leaders"
    category.save()
    assert set(served(visitor).values()) == {"miss"}


def test_a_hosts_details_retire_the_pages_of_their_entries(
    page_cache,
    entries,
    visitor,
):
    host = Moderator.objects.create(display_name="Colin Hung", handle="Colin_Hung")
    entries.hosts.create(moderator=host)
    warm(visitor)
    host.display_name = "Colin Hung (founder)"
    host.save()
    after = served(visitor)
    assert after["HCLDR page"] == after["HCLDR API"] == "miss"
    assert after["BCSM page"] == after["MedEd page"] == "hit"


def test_an_aliases_address_is_never_stale(page_cache, entries, visitor, api):
    """/api/v1/hashtags/<alias>/ and /hashtags/<alias>/ are kept under the alias's key: a
    change to the entry, and the alias's removal, retire them at once, not when the
    minute turns."""
    write.update(hashtag=entries, curator=None, aliases=["HCLDRchat"])
    visitor.get("/hashtags/MedEd/")
    assert api.get("/api/v1/hashtags/HCLDRchat/").json()["name"] == "Healthcare Leaders"
    assert api.get("/api/v1/hashtags/HCLDRchat/")["X-Cache"] == "hit"
    assert visitor.get("/hashtags/HCLDRchat/").status_code == 301

    write.update(hashtag=entries, curator=None, name="Healthcare Leaders chat")
    answer = api.get("/api/v1/hashtags/HCLDRchat/")
    assert answer["X-Cache"] == "miss"
    assert answer.json()["name"] == "Healthcare Leaders chat"

    write.update(hashtag=entries, curator=None, aliases=[])
    assert api.get("/api/v1/hashtags/HCLDRchat/").status_code == 404
    assert visitor.get("/hashtags/HCLDRchat/").status_code == 404
    assert visitor.get("/hashtags/MedEd/")["X-Cache"] == "hit"
