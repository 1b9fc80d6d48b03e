"""The home page: search, categories, chats of the next 7 days, recent entries."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from hashtags.models import Status
from tests.support import bulk_entries

pytestmark = pytest.mark.django_db


def test_home_offers_search_categories_and_registration(visitor, make_category, make_hashtag):
    cancer = make_category("cancer", name="Cancer")
    breast = make_category("breast-cancer", parent=cancer, name="Breast cancer")
    make_hashtag("BCSM", categories=[breast])
    html = visitor.get("/").content.decode()
    assert re.search(r'<form class="search-form" role="search" action="/hashtags/"', html)
    assert '<label for="home-q">' in html
    assert 'href="/categories/cancer/">Cancer</a> <span class="count">1' in html
    assert 'href="/categories/breast-cancer/">Breast cancer</a>' in html
    assert 'href="/submit/">Register a hashtag</a>' in html
    assert 'href="/chats/"' in html


def test_home_lists_recently_approved_entries_newest_first(visitor, make_hashtag):
    now = datetime.now(UTC)
    for day in range(8):
        make_hashtag(f"Entry{day}", approved_at=now - timedelta(days=day))
    make_hashtag("Waiting", status=Status.PENDING)
    make_hashtag("Old", status=Status.RETIRED, approved_at=now)
    html = visitor.get("/").content.decode()
    recent = html.split('id="recent-heading"', 1)[1]
    shown = re.findall(r'card-title"><a href="[^"]+">#(\w+)', recent)
    assert shown == [f"Entry{day}" for day in range(6)]


def test_home_lists_chats_of_the_next_seven_days_in_time_order(visitor, make_hashtag, make_chat):
    daily = make_hashtag("Daily", kind="chat")
    make_chat(daily, weekdays="MO,TU,WE,TH,FR,SA,SU", start_time=time(12, 0), timezone_id="UTC")
    tokyo = make_hashtag("Tokyo", kind="chat")
    make_chat(tokyo, weekdays="WE", start_time=time(21, 0), timezone_id="Asia/Tokyo")
    retired = make_hashtag("Gone", status=Status.RETIRED)
    make_chat(retired, weekdays="WE")
    html = visitor.get("/").content.decode()
    upcoming = html.split('id="upcoming-heading"', 1)[1].split("</section>", 1)[0]
    starts = [datetime.fromisoformat(iso) for iso in re.findall(r'datetime="([^"]+)"', upcoming)]
    assert starts == sorted(starts)
    assert len(starts) == 8  # the first eight, with a link to all of them
    assert "#Gone" not in upcoming
    assert "Times are shown in each chat" in upcoming
    assert '<script src="/static/js/localtime.js" defer></script>' in html


def test_home_title_description_and_open_graph(visitor, db):
    html = visitor.get("/").content.decode()
    assert "<title>Healthcare Hashtag Directory: find healthcare hashtags and chats</title>" in html
    assert '<meta name="description" content="An open, curated directory' in html
    assert '<link rel="canonical" href="http://127.0.0.1:8000/">' in html
    assert '<meta property="og:site_name" content="Healthcare Hashtag Directory">' in html


@pytest.mark.parametrize("entries", [5, 50])
def test_home_queries_do_not_grow_with_entries(
    visitor, make_category, django_assert_max_num_queries, entries
):
    categories = [make_category() for _ in range(3)]
    bulk_entries(entries, categories=categories, with_chat=True)
    # categories, their counts, recent entries, their categories, their chats and their
    # breaks, and for the upcoming chats the zones in use and at most four growing
    # windows (each chat saying whether it has breaks, read only when one has), and
    # the most active entries with their activity summary
    with django_assert_max_num_queries(12):
        assert visitor.get("/").status_code == 200


def test_recently_added_says_when_each_entry_was_added(visitor, make_hashtag):
    make_hashtag("Newest", approved_at=datetime(2026, 3, 2, 12, tzinfo=UTC))
    recent = visitor.get("/").content.decode().split('id="recent-heading"', 1)[1]
    assert 'Added <time datetime="2026-03-02">2 March 2026</time>' in recent


def test_a_chat_nobody_confirmed_is_left_out_of_the_next_seven_days_and_marked_on_cards(
    visitor, make_hashtag, make_chat
):
    make_chat(make_hashtag("Fresh"), weekdays="MO,TU,WE,TH,FR,SA,SU")
    old = make_hashtag("Faded", last_verified=datetime(2020, 10, 5, tzinfo=UTC))
    make_chat(old, weekdays="MO,TU,WE,TH,FR,SA,SU")
    home = visitor.get("/")
    assert {o.chat.hashtag.tag for o in home.context["upcoming"]} == {"Fresh"}
    assert 'href="/chats/?include=unconfirmed">Include unconfirmed chats</a>' in (
        home.content.decode()
    )
    cards = visitor.get("/hashtags/", {"q": "Faded"}).content.decode()
    assert '<span class="badge badge-unconfirmed">unconfirmed since 2020</span>' in cards
    assert "#Faded" not in visitor.get("/hashtags/", {"has_chat": "true"}).content.decode()
