"""The site's Atom feeds answer a feed reader's conditional GET: an ETag and a
Last-Modified from the newest public change, 304 while nothing public changed, a new
answer once something did; the home page and the sitemap lead to what they should."""

from email.utils import format_datetime, parsedate_to_datetime

import pytest

from hashtags import entries
from hashtags.models import Change

pytestmark = pytest.mark.django_db

FEEDS = ["/feeds/latest/", "/changes.atom", "/hashtags/HCLDR/history.atom"]


@pytest.fixture
def hcldr(make_hashtag, curator):
    return entries.create(curator=curator, tag="HCLDR", name="Healthcare leaders", kind="chat")


@pytest.mark.parametrize("path", FEEDS)
def test_a_feed_is_answered_304_until_something_public_changes(
    visitor, hcldr, curator, path, django_capture_on_commit_callbacks
):
    first = visitor.get(path)
    assert first.status_code == 200
    etag, modified = first["ETag"], first["Last-Modified"]
    # Last-Modified is the newest change's time, to the second (HTTP dates have no less).
    newest = Change.objects.latest("sequence").at.replace(microsecond=0)
    assert parsedate_to_datetime(modified) == newest

    assert visitor.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert visitor.get(path, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):  # the page cache's versions move
        entries.update(hashtag=hcldr, curator=curator, description="Leaders in healthcare.")
    again = visitor.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag
    assert b"Leaders in healthcare." in again.content or path == "/feeds/latest/"


def test_an_old_if_modified_since_gets_the_feed(visitor, hcldr):
    long_ago = format_datetime(parsedate_to_datetime("Mon, 01 Jan 2024 00:00:00 GMT"), usegmt=True)
    assert visitor.get("/changes.atom", HTTP_IF_MODIFIED_SINCE=long_ago).status_code == 200


def test_the_home_page_advertises_both_atom_feeds(visitor, hcldr):
    page = visitor.get("/").content.decode()
    assert (
        'type="application/atom+xml" title="Newly approved hashtags" href="/feeds/latest/"' in page
    )
    assert 'href="/changes.atom"' in page


def test_the_sitemap_lists_the_chats_page(visitor, hcldr):
    sitemap = visitor.get("/sitemap.xml").content.decode()
    assert "/chats/</loc>" in sitemap
