"""A visitor suggests an edit in a real browser: from the entry's page to the form (filled
with the entry), one change, the reference and the status page. The entry is unchanged
until a curator approves."""

import pytest
from playwright.sync_api import expect

from hashtags import entries
from hashtags.models import Hashtag, Submission
from tests.browser.helpers import (
    DESKTOP,
    axe_violations,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    describe,
    new_page,
    screenshot,
    site,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.browser, browser_db]


def test_a_visitor_suggests_a_new_description_and_follows_the_review(
    browser,  # noqa: F811
    site,  # noqa: F811
    settings,
):
    # A person takes longer than the bot threshold; the test browser does not.
    settings.SUBMISSION_MIN_SECONDS = 0
    entry = Hashtag.objects.get(tag="BCSM")
    before = entries.stored_record(entry)
    page = new_page(browser, DESKTOP)

    page.goto(f"{site}/hashtags/BCSM/")
    page.get_by_role("link", name="Suggest an edit to #BCSM").click()
    page.wait_for_url("**/hashtags/BCSM/suggest/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggest an edit to #BCSM")
    description = page.get_by_label("Description:")
    assert description.input_value() == before["description"]
    assert axe_violations(page) == [], describe(axe_violations(page))

    description.fill("Breast cancer social media: a community of patients and clinicians.")
    page.get_by_label("Your name:").fill("Sam")
    page.get_by_label("Your email:").fill("sam@example.org")
    screenshot(page, "suggest-form")
    page.get_by_role("button", name="Send the suggestion").click()

    heading = "Thank you: your edit to #BCSM is awaiting review"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    submission = Submission.objects.get(kind=Submission.Kind.EDIT)
    assert submission.reference in page.content()
    # Only the description changed: the rest of the form went back as it came.
    assert set(submission.payload) == {"description"}
    assert entries.stored_record(Hashtag.objects.get(pk=entry.pk)) == before

    page.get_by_role("link", name="Follow the review of your edit to #BCSM").click()
    assert page.url == f"{site}/submit/status/{submission.reference}/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Your edit suggestion for #BCSM")
    assert "Pending review." in page.inner_text("main")
    assert "sam@example.org" not in page.content()
