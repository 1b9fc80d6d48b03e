"""/chats/ at a phone's width: nothing runs past the right margin, the "include
unconfirmed" box sits beside its label, the unconfirmed label is as wide as its words,
and a chat's note links its addresses."""

import pytest

from tests.browser.helpers import (
    VIEWPORTS,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    new_page,
    site,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.browser, browser_db]


def test_the_chats_page_fits_390_px(browser, site):  # noqa: F811
    page = new_page(browser, VIEWPORTS["390"])
    page.goto(f"{site}/chats/?include=unconfirmed")
    # The page's script may ask again for the visitor's time zone: measure once it is done.
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#chats-include").bounding_box()
    label = page.locator("label[for=chats-include]").bounding_box()
    assert label["x"] > box["x"] + box["width"]  # beside it, not under it
    assert abs(label["y"] - box["y"]) < box["height"]
    badge = page.locator(".badge-unconfirmed").first
    column = page.locator(".meeting-name").first
    assert badge.bounding_box()["width"] < column.bounding_box()["width"]
    page.context.close()


def test_a_chats_note_links_its_addresses(browser, site):  # noqa: F811
    page = new_page(browser, VIEWPORTS["390"])
    page.goto(f"{site}/hashtags/HITsm/")
    note = page.locator(".chat-note", has_text="connectedhealthpulse").first
    assert note.locator("a[href^='https://www.connectedhealthpulse.com/']").count() == 1
    page.context.close()
