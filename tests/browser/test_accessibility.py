"""axe-core on the public pages, in light and dark schemes, on a phone and a desktop:
no serious or critical violations. Add a page to PAGES to check it too."""

import pytest

from tests.browser.helpers import (
    VIEWPORTS,
    axe_violations,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    describe,
    new_page,
    site,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.browser, browser_db]

PAGES = {
    "home": "/",
    "directory": "/hashtags/?q=cancer&has_chat=true",
    "entry": "/hashtags/HCLDR/",
    "entry history": "/hashtags/HCLDR/history/",
    "category": "/categories/cancer/",
    "categories": "/categories/",
    "not found": "/hashtags/NoSuchTag/",
    "bad filter": "/hashtags/?kind=spaceship",
    "chats": "/chats/",
    "chats in a zone": "/chats/?tz=Europe/London",
    # The demo confirms no entry: its meetings show only when asked for, labelled.
    "chats, unconfirmed included": "/chats/?tz=Europe/London&include=unconfirmed",
    "entry of an unconfirmed chat": "/hashtags/BCSM/",
    "submit": "/submit/",
    "submit with errors": "/submit/?tag=hcldr",
    "report": "/hashtags/HCLDR/report/",
    "api docs": "/api/v1/docs/",
    # The pages in Spanish (every language shares their templates).
    "Spanish home": "/es/",
    "Spanish directory": "/es/hashtags/?q=cancer&has_chat=true",
    "Spanish entry": "/es/hashtags/HCLDR/",
    "Spanish submit with errors": "/es/submit/?tag=hcldr",
    "Spanish chats": "/es/chats/?tz=Europe/Madrid",
}
BLOCKING = {"serious", "critical"}


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_has_no_serious_accessibility_violations(
    browser,  # noqa: F811
    site,  # noqa: F811
    path,
):
    found = []
    page = new_page(browser, VIEWPORTS["1280"], color_scheme="light")
    page.goto(site + path)
    # Colours do not depend on the width, so the dark scheme is checked at one width.
    for width, scheme in (("1280", "light"), ("390", "light"), ("390", "dark")):
        page.set_viewport_size(VIEWPORTS[width])
        page.emulate_media(color_scheme=scheme)
        blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
        if blocking:
            found.append(f"at {width}px, {scheme}:\n{describe(blocking)}")
    page.context.close()
    assert not found, "\n".join(found)
