"""The entry page of a chat that ended, and of one nobody has confirmed for years, in a
real browser: the visitor reads that it ended and when (or when it was last known to
meet), sees no "next" dates, finds its hosts past and present, and the page passes
axe-core."""

import re
from datetime import UTC, date, datetime, time

import pytest
from playwright.sync_api import expect

from hashtags import entries
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    axe_violations,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    describe,
    new_page,
    screenshot,
)
from tests.support import make_user

pytestmark = [pytest.mark.browser, browser_db]


@pytest.fixture
def ended_entry(live_server):
    curator = make_user("curator", curator=True)
    entries.create(
        curator=curator,
        tag="HCLDR",
        name="Healthcare Leaders",
        kind="chat",
        source="https://hcldr.wordpress.com/about/",
        chats=[
            {
                "title": "Weekly chat",
                "weekdays": "TU",
                "start_time": time(20, 30),
                "timezone": "America/New_York",
                "ends_on": date(2023, 10, 31),
            }
        ],
        moderators=[
            {"handle": "Colin_Hung", "display_name": "Colin Hung", "role": "founder"},
            {
                "handle": "lisa",
                "display_name": "Lisa Fields",
                "role": "founder",
                "since": 2012,
                "until": 2014,
            },
        ],
    )
    return live_server.url


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_the_page_of_an_ended_chat_says_it_ended_and_offers_no_next_date(
    browser,  # noqa: F811
    ended_entry,
    viewport,
):
    page = new_page(browser, viewport, timezone_id="Europe/Paris")
    page.goto(ended_entry + "/hashtags/HCLDR/")
    expect(page.get_by_role("heading", level=1)).to_have_text("#HCLDR")

    past = page.locator("section.hashtag-past-chats")
    expect(past.get_by_role("heading", level=2)).to_have_text("Past chats")
    expect(past).to_contain_text("Tuesdays at 8:30 PM ET")
    expect(past).to_contain_text("ended 31 October 2023")
    # No current chat: no "Next" dates, no subscription to future meetings.
    expect(page.get_by_role("heading", name="Chats", exact=True)).to_have_count(0)
    expect(page.get_by_text("Next", exact=False).filter(has=page.locator("time"))).to_have_count(0)
    expect(past.get_by_role("link", name="Past meetings as a calendar (.ics)")).to_be_visible()

    hosts = page.locator("section", has=page.get_by_role("heading", name="Hosts and moderators"))
    expect(hosts.get_by_role("heading", name="Past hosts")).to_be_visible()
    expect(hosts).to_contain_text("Lisa Fields (@lisa): founder, on X (Twitter) (2012 – 2014)")
    # Created by a curator, who thereby confirmed it.
    expect(page.locator(".freshness")).to_contain_text("Last confirmed")
    expect(page.get_by_role("link", name="Where this entry comes from")).to_have_attribute(
        "href", "https://hcldr.wordpress.com/about/"
    )
    screenshot(page, f"entry-ended-chat-{viewport['width']}")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.context.close()


@pytest.fixture
def unconfirmed_entry(live_server):
    """A weekly chat with no end date, on an entry last confirmed in October 2020."""
    curator = make_user("curator", curator=True)
    entries.create(
        curator=curator,
        tag="BCSM",
        name="Breast Cancer Social Media",
        kind="disease",
        approved_at=datetime(2020, 10, 5, 12, tzinfo=UTC),
        chats=[
            {
                "title": "Weekly chat",
                "weekdays": "MO",
                "start_time": time(21),
                "timezone": "America/New_York",
                "starts_on": date(2011, 7, 4),
            }
        ],
    )
    return live_server.url


def test_the_page_of_an_unconfirmed_chat_says_when_it_last_met_and_lists_no_meeting(
    browser,  # noqa: F811
    unconfirmed_entry,
):
    page = new_page(browser, PHONE, timezone_id="Europe/Paris")
    page.goto(unconfirmed_entry + "/hashtags/BCSM/")
    chats = page.locator("section.hashtag-chats")
    expect(chats.get_by_role("heading", level=2)).to_have_text("Chats")
    expect(chats).to_contain_text("Mondays at 9:00 PM ET")
    expect(chats).to_contain_text("from 4 July 2011")  # not "since": not known to meet now
    expect(chats.locator(".chat-state")).to_have_text(
        re.compile(r"^Unconfirmed: last known to meet in 2020\b")
    )
    expect(chats.locator(".chat-state")).to_be_visible()
    # Not among upcoming meetings: no "Next meetings", no calendar to subscribe to.
    expect(page.get_by_text("Next meetings")).to_have_count(0)
    expect(page.locator("ul.chat-next")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("subscribe", re.I))).to_have_count(0)
    # Nor on the home page's chats of the next 7 days.
    page.goto(unconfirmed_entry + "/")
    upcoming = page.locator(
        "section", has=page.get_by_role("heading", name="Chats in the next 7 days")
    )
    expect(upcoming.get_by_role("link", name="#BCSM")).to_have_count(0)
    expect(upcoming.get_by_role("link", name="Include unconfirmed chats")).to_be_visible()
    page.goto(unconfirmed_entry + "/hashtags/BCSM/")
    screenshot(page, "entry-unconfirmed-chat-390")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.context.close()
