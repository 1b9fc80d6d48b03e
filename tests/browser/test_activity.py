"""An entry's activity in a real browser, with and without JavaScript: the sentence, the
90-day sparkline drawn by the server (one bar per day with posts) and its text
equivalent (the caption naming the chart, the weekly table), and the page passes
axe-core."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hashtags.activity.summary import recompute
from hashtags.models import DailyActivity, Hashtag
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

pytestmark = [pytest.mark.browser, browser_db]


@pytest.fixture
def counted_entry(live_server):
    entry = Hashtag(tag="BCSM", name="Breast Cancer Social Media", kind="chat", status="approved")
    entry.full_clean()
    entry.save()
    today = timezone.now().date()
    for ago, uses in {0: 14, 1: 6, 3: 2, 20: 9, 60: 3}.items():
        DailyActivity.objects.create(
            hashtag=entry,
            network="mastodon",
            server="https://med-mastodon.example",
            day=today - timedelta(days=ago),
            uses=uses,
            accounts=min(uses, 4),
        )
    recompute(entry.pk, today)
    return live_server.url, today


@pytest.mark.parametrize(
    ("viewport", "javascript"),
    [(PHONE, True), (DESKTOP, True), (DESKTOP, False)],
    ids=["390", "1280", "1280-no-js"],
)
def test_the_entry_page_draws_its_activity_and_says_it_in_words(
    browser,  # noqa: F811
    counted_entry,
    viewport,
    javascript,
):
    url, today = counted_entry
    page = new_page(browser, viewport, java_script_enabled=javascript)
    page.goto(url + "/hashtags/BCSM/")
    section = page.locator("section.activity")
    expect(section.get_by_role("heading", level=2)).to_have_text("Activity")
    expect(section).to_contain_text("22 posts by up to 10 accounts on Mastodon in the last 7 days.")
    expect(section).to_contain_text(f"Last seen in use: {today:%-d %B %Y}")

    chart = section.get_by_role("img")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(5)  # the days with posts
    box = chart.bounding_box()
    assert box["width"] > 100 and box["height"] > 10
    # Its accessible name is the caption: the same numbers in words.
    day = f"{today:%-d %B %Y}"
    caption = f"Posts per day over the 90 days to {day}: 34 in all, the most on {day} (14)."
    expect(chart).to_have_accessible_name(caption)
    expect(section.locator("figcaption")).to_have_text(caption)

    section.locator("summary", has_text="Posts per week").click()
    table = section.get_by_role("table")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(1 + 13)
    expect(table.get_by_role("row").nth(1)).to_contain_text("22")
    expect(section).to_contain_text("X (Twitter) is not counted: it has no open API.")

    suffix = "" if javascript else "-no-js"
    screenshot(page, f"entry-activity-{viewport['width']}{suffix}")
    if javascript:
        violations = axe_violations(page)
        assert not violations, describe(violations)
    page.context.close()
