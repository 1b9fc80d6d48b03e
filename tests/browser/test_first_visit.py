"""A first visit, as a newcomer meets it: /chats/ shows the visitor's own zone without a
second page load, search boxes show their whole hint, and chat times do not wrap."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    VIEWPORTS,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    confirmed_chats,  # noqa: F401 (a fixture)
    new_page,
    site,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.browser, browser_db]

# The width the placeholder's text needs, in the input's own font, against the room the
# input has for text (its width less its padding).
PLACEHOLDER_FITS = """input => {
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {needed: context.measureText(input.placeholder).width, room: room};
}"""


def test_chats_page_shows_the_visitors_zone_in_one_navigation(
    browser,  # noqa: F811
    site,  # noqa: F811
    confirmed_chats,  # noqa: F811
):
    page = new_page(browser, VIEWPORTS["1280"], timezone_id="Asia/Tokyo")
    documents = []
    page.on(
        "request",
        lambda request: (
            documents.append(request.url)
            if request.resource_type == "document" and request.frame == page.main_frame
            else None
        ),
    )
    page.goto(site + "/chats/")
    page.wait_for_url("**/chats/?tz=Asia%2FTokyo")
    expect(page.locator("#chats-tz")).to_have_value("Asia/Tokyo")
    expect(page.locator(".chats-zone")).to_contain_text("Asia/Tokyo")
    meetings = page.locator(".meeting-time abbr")
    expect(meetings.first).to_have_attribute("title", "Asia/Tokyo")
    assert documents == [site + "/chats/"]
    # The zone picker still works on the content put in place.
    page.locator("#chats-tz").select_option("Europe/London")
    page.wait_for_url("**/chats/?tz=Europe%2FLondon**")
    expect(page.locator(".chats-zone")).to_contain_text("Europe/London")
    page.context.close()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_search_hints_are_whole_and_chat_times_stay_on_one_line(
    browser,  # noqa: F811
    site,  # noqa: F811
    confirmed_chats,  # noqa: F811
    width,
):
    page = new_page(browser, VIEWPORTS[width], timezone_id="America/Los_Angeles")
    for path in ("/", "/hashtags/", "/hashtags/HCLDR/"):
        page.goto(site + path)
        for box in page.locator("input[type=search]").all():
            if not box.is_visible():
                continue
            fit = box.evaluate(PLACEHOLDER_FITS)
            assert fit["needed"] <= fit["room"], (path, box.get_attribute("id"), fit)
    page.goto(site + "/")
    times = page.locator(".upcoming time")
    expect(times.first).to_have_attribute("data-localized", "America/Los_Angeles")
    for element in times.all():
        lines = element.evaluate(
            "e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)"
        )
        assert lines < 1.5, (element.inner_text(), lines)
    page.context.close()
