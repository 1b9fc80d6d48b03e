"""The language switcher at a phone's width: every language fits on the screen, and
choosing one keeps the visitor on the same search."""

import pytest

from tests.browser.helpers import (
    VIEWPORTS,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    new_page,
    screenshot,
    site,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.browser, browser_db]


def test_a_visitor_switches_a_search_from_spanish_to_french_at_390_px(browser, site):  # noqa: F811
    page = new_page(browser, VIEWPORTS["390"])
    page.goto(f"{site}/es/hashtags/?q=cancer")
    assert page.evaluate("document.documentElement.lang") == "es"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    switcher = page.locator(".language-switcher")
    switcher.scroll_into_view_if_needed()
    for link in switcher.locator("a").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, link.inner_text()
    screenshot(page, "language-switcher-390")
    assert switcher.locator("[aria-current=page]").inner_text() == "Español"
    switcher.get_by_role("link", name="Français").click()
    page.wait_for_url(f"{site}/fr/hashtags/?q=cancer")
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.locator("main input[name=q]").first.input_value() == "cancer"
    page.context.close()
