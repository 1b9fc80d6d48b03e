"""A visitor's path in a real browser: home → search "hcldr" → entry → category → back,
on a phone and a desktop, with screenshots for a reviewer."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    VIEWPORTS,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    confirmed_chats,  # noqa: F401 (a fixture)
    new_page,
    screenshot,
    site,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.browser, browser_db]


@pytest.mark.parametrize("width", VIEWPORTS)
def test_visitor_searches_opens_an_entry_then_its_category_and_goes_back(
    browser,  # noqa: F811
    site,  # noqa: F811
    confirmed_chats,  # noqa: F811
    width,
):
    page = new_page(browser, VIEWPORTS[width], timezone_id="Europe/Paris")
    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find your healthcare community")
    screenshot(page, f"home-{width}")

    search = page.get_by_role("searchbox", name="Search hashtags, names and descriptions")
    search.fill("hcldr")
    search.press("Enter")
    page.wait_for_url("**/hashtags/?q=hcldr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hashtags matching “hcldr”")
    first_card = page.locator(".card").first
    expect(first_card.get_by_role("link")).to_have_text("#HCLDR")
    screenshot(page, f"directory-{width}")

    first_card.get_by_role("link", name="#HCLDR").click()
    page.wait_for_url("**/hashtags/HCLDR/")
    expect(page.get_by_role("heading", level=1)).to_have_text("#HCLDR")
    # #HCLDR's weekly chat ended on 31 October 2023: a past chat, with no next dates.
    past = page.locator("section.hashtag-past-chats")
    expect(past).to_contain_text("Tuesdays at 8:30 PM ET")
    expect(past).to_contain_text("ended 31 October 2023")
    screenshot(page, f"entry-{width}")

    page.get_by_role("link", name="Healthcare leadership").click()
    page.wait_for_url("**/categories/healthcare-leadership/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Healthcare leadership")
    expect(page.locator(".card").get_by_role("link", name="#HCLDR")).to_be_visible()
    screenshot(page, f"category-{width}")

    page.go_back()
    page.wait_for_url("**/hashtags/HCLDR/")
    expect(page.get_by_role("heading", level=1)).to_have_text("#HCLDR")

    # A chat with no recorded end (#BCSM), confirmed by a curator today: the script shows
    # its next meetings in the browser's zone, and says so.
    page.goto(site + "/hashtags/BCSM/")
    chats = page.locator("section.hashtag-chats")
    expect(chats).to_have_attribute("data-localtime-zone", "Europe/Paris")
    expect(chats.locator("time").first).to_have_attribute("title", "Your time zone: Europe/Paris")
    page.context.close()


def test_pages_fit_a_320px_screen_without_sideways_scrolling(
    browser,  # noqa: F811
    site,  # noqa: F811
):
    page = new_page(browser, {"width": 320, "height": 640})
    too_wide = {}
    for path in ("/", "/hashtags/", "/hashtags/HCLDR/", "/categories/cancer/", "/categories/"):
        page.goto(site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            too_wide[path] = overflow
    page.context.close()
    assert not too_wide, f"pixels wider than a 320px screen: {too_wide}"


def test_keyboard_users_see_where_focus_is_and_can_skip_to_content(
    browser,  # noqa: F811
    site,  # noqa: F811
):
    page = new_page(browser, VIEWPORTS["1280"])
    page.goto(site + "/hashtags/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the skip link is visible when focused"
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.context.close()


def test_the_site_works_without_javascript(
    browser,  # noqa: F811
    site,  # noqa: F811
    confirmed_chats,  # noqa: F811
):
    page = new_page(browser, VIEWPORTS["390"], java_script_enabled=False)
    page.goto(site + "/hashtags/?q=bcsm")
    page.get_by_role("link", name="#BCSM").click()
    page.wait_for_url("**/hashtags/BCSM/")
    # Without script, chat times stay in the chat's own zone, labelled.
    chats = page.locator("section.hashtag-chats")
    expect(chats).to_have_attribute("data-localtime-zone", "")
    expect(chats.locator("time abbr").first).to_have_attribute("title", "America/New_York")
    page.context.close()
