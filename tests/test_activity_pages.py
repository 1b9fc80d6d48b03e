"""Activity on the public pages: the entry's sentence, sparkline and its text
equivalent, last seen; the directory's most-active sort and seen-in-use filter; the home
page's most active this week."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from hashtags.activity.summary import recompute
from hashtags.models import DailyActivity
from tests.activity_helpers import today

pytestmark = pytest.mark.django_db


def counted(entry, uses_by_day: dict[int, int], server="https://mastodon.example", accounts=None):
    """Rows as a refresh stores them, {days ago: uses}, and the entry's summary."""
    for ago, uses in uses_by_day.items():
        DailyActivity.objects.create(
            hashtag=entry,
            network="mastodon",
            server=server,
            day=today() - timedelta(days=ago),
            uses=uses,
            accounts=accounts if accounts is not None else min(uses, 2),
        )
    recompute(entry.pk, today())


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_entry_page_says_how_much_the_tag_was_used_and_draws_it(visitor, make_hashtag):
    entry = make_hashtag("BCSM")
    # Two servers saw the same posts: the busiest is counted, not the sum.
    counted(entry, {0: 20, 1: 12, 2: 10, 30: 7, 95: 50}, accounts=5)
    counted(entry, {0: 18, 1: 12}, server="https://other.example", accounts=4)
    html = visitor.get("/hashtags/BCSM/").content.decode()
    words = text(html)
    assert "42 posts by up to 15 accounts on Mastodon in the last 7 days." in words
    assert f"Last seen in use: {today():%-d %B %Y}" in words
    # The sparkline: one bar per day with posts within the 90 days, named by its caption.
    svg = re.search(r"<svg class=\"sparkline\".*?</svg>", html, re.S).group(0)
    assert svg.count("<rect") == 4
    assert 'role="img" aria-labelledby="activity-chart-caption"' in svg
    assert (
        f"Posts per day over the 90 days to {today():%-d %B %Y}: 49 in all, "
        f"the most on {today():%-d %B %Y} (20)." in words
    )
    assert "Posts per week" in words and "<table>" in html
    assert "X (Twitter) is not counted: it has no open API." in words
    assert "mastodon.example, other.example" in words
    assert "<script" not in html.split('id="activity-heading"')[1].split("</section>")[0]


def test_an_entry_not_used_since_counting_began_says_so(visitor, make_hashtag):
    entry = make_hashtag("Quiet")
    counted(entry, {0: 0, 1: 0, 2: 0})
    words = text(visitor.get("/hashtags/Quiet/").content.decode())
    assert "0 posts by up to 0 accounts on Mastodon in the last 7 days." in words
    since = today() - timedelta(days=2)
    assert f"Last seen in use: not since counting began on {since:%-d %B %Y}" in words


def test_an_entry_never_counted_says_so(visitor, make_hashtag):
    make_hashtag("Fresh")
    words = text(visitor.get("/hashtags/Fresh/").content.decode())
    assert "never been counted" in words
    assert "once a day" not in words  # no count runs by itself (make run runs no scheduler)
    assert "X (Twitter) is not counted" in words
    assert '<svg class="sparkline"' not in visitor.get("/hashtags/Fresh/").content.decode()


def test_the_directory_sorts_by_activity_and_filters_by_recent_use(visitor, make_hashtag):
    busy, some, old = make_hashtag("Aaa"), make_hashtag("Bbb"), make_hashtag("Ccc")
    make_hashtag("Ddd")
    counted(busy, {0: 3})
    counted(some, {1: 9})
    counted(old, {0: 0, 45: 4})

    def cards(query: str) -> list[str]:
        html = visitor.get(f"/hashtags/?{query}").content.decode()
        return re.findall(r'class="card-title"><a href="[^"]+">#(\w+)<', html)

    assert cards("") == ["Aaa", "Bbb", "Ccc", "Ddd"]
    assert cards("sort=activity") == ["Bbb", "Aaa", "Ccc", "Ddd"]
    assert cards("active_within_days=7") == ["Aaa", "Bbb"]
    assert cards("active_within_days=90&sort=activity") == ["Bbb", "Aaa", "Ccc"]
    html = visitor.get("/hashtags/?sort=activity").content.decode()
    assert "9 posts in the last 7 days" in html
    assert '<strong aria-current="true">Most active this week</strong>' in html
    words = text(visitor.get("/hashtags/?active_within_days=30").content.decode())
    assert "Activity: Seen in use within 30 days" in words


def test_the_most_active_sort_pages_by_keyset(visitor, make_hashtag, monkeypatch):
    monkeypatch.setattr("directory.views.PAGE_SIZE", 2)
    for index, uses in enumerate([5, 5, 3, 0, 8]):
        counted(make_hashtag(f"Tag{index}"), {0: uses})
    seen, url = [], "/hashtags/?sort=activity"
    while url:
        html = visitor.get(url).content.decode()
        seen += re.findall(r'class="card-title"><a href="[^"]+">#(\w+)<', html)
        found = re.search(
            r'href="(\?[^"]*after=[^"]+)"[^>]*rel="next"|rel="next"[^>]*href="(\?[^"]*)"', html
        )
        url = (
            f"/hashtags/{(found.group(1) or found.group(2)).replace('&amp;', '&')}" if found else ""
        )
    assert seen == ["Tag4", "Tag0", "Tag1", "Tag2", "Tag3"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sort=busiest", "sort: Sort by activity, or leave it out for A–Z."),
        ("active_within_days=0", "active_within_days: Ensure this value is greater than"),
        ("active_within_days=lots", "active_within_days: Enter a whole number."),
    ],
)
def test_a_bad_sort_or_window_is_a_400_naming_it(visitor, query, message):
    answer = visitor.get(f"/hashtags/?{query}")
    assert answer.status_code == 400
    assert message in answer.content.decode()


def test_the_home_page_lists_the_most_active_entries_this_week(visitor, make_hashtag):
    counted(make_hashtag("Loud", name="A loud one"), {0: 40})
    counted(make_hashtag("Soft"), {2: 4})
    counted(make_hashtag("Mute"), {0: 0})
    make_hashtag("Pending1", status="pending")
    words = text(visitor.get("/").content.decode())
    section = words.split("Most active this week", 1)[1].split("All hashtags, most active first")[0]
    assert section.strip() == (
        "#Loud A loud one: 40 posts in the last 7 days #Soft An entry: 4 posts in the last 7 days"
    )
