"""The entry forms at a phone's width: what is required fits in about three screens,
the optional chats and hosts are folded until wanted (choosing the kind "chat" opens
the chats), and a form sent back with an error in a folded section shows it open."""

import pytest

from tests.browser.helpers import (
    VIEWPORTS,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    new_page,
    site,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.browser, browser_db]

FORM_HEIGHT = "document.querySelector('main form').getBoundingClientRect().height"


@pytest.mark.parametrize("path", ["/submit/", "/hashtags/HCLDR/suggest/"])
def test_the_form_is_at_most_2500_px_tall_at_390_px(browser, site, path):  # noqa: F811
    page = new_page(browser, VIEWPORTS["390"])
    page.goto(site + path)
    assert page.evaluate(FORM_HEIGHT) <= 2500
    for section in ("#chats-section", "#hosts-section"):
        assert page.locator(section).get_attribute("open") is None
    page.context.close()


def test_choosing_a_chat_opens_the_chats_and_an_error_there_stays_open(browser, site):  # noqa: F811
    page = new_page(browser, VIEWPORTS["390"])
    page.goto(site + "/submit/")
    chat = page.locator("fieldset.subform").filter(has_text="Chat 1")
    assert not chat.get_by_label("Local start time:").is_visible()
    page.get_by_label("Kind:").select_option("chat")
    assert chat.get_by_label("Local start time:").is_visible()
    page.get_by_label("Hashtag:", exact=True).fill("#FoldedChat")
    page.locator("#id_name").fill("A folded chat")
    page.get_by_label("Description:").fill("A chat whose time zone is mistyped.")
    chat.get_by_label("Tuesday").check()
    chat.get_by_label("Local start time:").fill("20:00")
    chat.get_by_label("Time zone:").fill("Mars/Olympus")
    page.get_by_label("Your name:").fill("Pat")
    page.get_by_label("Your email:").fill("pat@example.org")
    page.get_by_role("button", name="Send for review").click()
    assert page.locator("#chats-section").get_attribute("open") is not None
    assert page.locator("#hosts-section").get_attribute("open") is None
    page.context.close()
