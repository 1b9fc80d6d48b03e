"""What Chromium says in its console while a visitor reads the site: nothing about the
site's own headers (an unknown Permissions-Policy feature is a warning on every page)."""

import pytest

from tests.browser.helpers import (
    VIEWPORTS,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    new_page,
    site,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.browser, browser_db]

PAGES = ["/", "/hashtags/", "/hashtags/HCLDR/", "/chats/", "/submit/", "/api/v1/docs/"]


def test_pages_raise_no_console_warning_or_error(browser, site):  # noqa: F811
    page = new_page(browser, VIEWPORTS["1280"])
    said: list[str] = []
    page.on(
        "console",
        lambda message: (
            said.append(f"{page.url}: {message.type}: {message.text}")
            if message.type in ("warning", "error")
            else None
        ),
    )
    page.on("pageerror", lambda error: said.append(f"{page.url}: {error}"))
    for path in PAGES:
        assert page.goto(site + path).status == 200, path
        page.wait_for_load_state("networkidle")
    assert said == [], "\n".join(said)
