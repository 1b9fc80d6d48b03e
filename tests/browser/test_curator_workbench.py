"""The curator's workbench in a real browser: from the review queue to an approval, and
to a rejection with a coded reason that the applicant then reads on their status page;
at 390 and 1280 px, with axe-core clean on the queue and review pages; the keyboard
shortcuts; and the hashtag list fitting 1280 px beside its filters."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from hashtags import entries
from hashtags.curation import moderation
from hashtags.models import Hashtag, Status, Submission
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
BLOCKING = {"serious", "critical"}
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])


def submit(tag: str, email: str) -> Submission:
    return moderation.submit_hashtag(
        submitter_name="Pat Submitter",
        submitter_email=email,
        tag=tag,
        name=f"The {tag} chat",
        kind="community",
        description="A weekly chat.",
        source=f"https://{tag.lower()}.example.org/",
    )


@pytest.fixture
def workbench(live_server):
    curator = make_user("curator", curator=True)
    entries.create(curator=curator, tag="HCLDR", name="Healthcare Leaders", kind="chat")
    first = submit("PatientVoices", "pat@example.org")
    second = submit("HCLDRs", "sam@example.org")
    return live_server.url, first, second


def signed_in(browser, viewport, site: str):  # noqa: F811
    page = new_page(browser, viewport)
    page.goto(site + "/admin/login/?next=/admin/review/")
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill("a-long-password-123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Review queue", level=1)).to_be_visible()
    # The heading shows while the page still loads: its scripts (the keyboard shortcuts)
    # run once it has loaded.
    page.wait_for_load_state("load")
    return page


def assert_axe_clean(page, where: str) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, f"{where}:\n{describe(blocking)}"


@VIEWPORTS
def test_a_curator_goes_from_the_queue_to_an_approval(browser, workbench, viewport):  # noqa: F811
    site, first, _ = workbench
    page = signed_in(browser, viewport, site)
    expect(page.locator("#header")).to_contain_text("Healthcare Hashtag Directory — curators")
    expect(page.locator(".review-waiting")).to_contain_text("2 waiting")
    items = page.locator("ol.review-items li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("#PatientVoices")  # oldest first
    expect(items.first).to_contain_text("waiting")
    assert_axe_clean(page, f"queue at {viewport['width']}px")

    items.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("#PatientVoices")
    expect(page.get_by_text("https://patientvoices.example.org/").first).to_be_visible()
    assert_axe_clean(page, f"review page at {viewport['width']}px")
    screenshot(page, f"workbench-review-{viewport['width']}")

    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messagelist")).to_contain_text("#PatientVoices is approved and public.")
    expect(page.locator("ol.review-items li")).to_have_count(1)
    entry = Hashtag.objects.get(pk=first.hashtag_id)
    assert entry.status == Status.APPROVED
    page.context.close()


@VIEWPORTS
def test_a_curator_rejects_with_a_coded_reason_and_the_applicant_reads_it(
    browser,  # noqa: F811
    workbench,
    viewport,
):
    site, _, second = workbench
    page = signed_in(browser, viewport, site)
    page.get_by_role("link", name="#HCLDRs").click()
    # The near duplicate sits beside the proposal.
    expect(page.get_by_role("columnheader", name="Existing #HCLDR")).to_be_visible()
    # "Another reason" needs a note: the page says so, next to the note.
    reject = page.locator("form#reject")
    reject.get_by_label("Another reason", exact=False).check()
    reject.get_by_role("button", name="Reject").click()
    expect(page.get_by_text('With "Another reason", write the reason.')).to_be_visible()
    assert_axe_clean(page, f"review page with an error at {viewport['width']}px")

    reject = page.locator("form#reject")
    reject.get_by_label("Already in the directory", exact=False).check()
    reject.get_by_label("Note to the applicant").fill("It is #HCLDR, listed since 2012.")
    reject.get_by_role("button", name="Reject").click()
    expect(page.locator(".messagelist")).to_contain_text("#HCLDRs is rejected.")

    applicant = new_page(browser, viewport)
    applicant.goto(f"{site}/submit/status/{second.reference}/")
    block = applicant.locator("section.rejection")
    expect(block.get_by_role("heading", name="Not accepted")).to_be_visible()
    expect(block).to_contain_text("Reason: Already in the directory.")
    expect(block).to_contain_text("is already in the directory")
    expect(block).to_contain_text("It is #HCLDR, listed since 2012.")
    expect(block.get_by_role("heading", name="What you can do next")).to_be_visible()
    applicant.context.close()
    page.context.close()


def test_keyboard_shortcuts_open_the_oldest_item_and_approve_it(browser, workbench):  # noqa: F811
    site, first, _ = workbench
    page = signed_in(browser, DESKTOP, site)
    page.keyboard.press("j")
    expect(page.locator("ol.review-items a").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("#PatientVoices")
    page.keyboard.press("r")
    expect(page.locator("form#reject input[type=radio]").first).to_be_focused()
    page.locator("body").click()
    page.keyboard.press("a")
    expect(page.locator(".messagelist")).to_contain_text("#PatientVoices is approved and public.")
    assert Hashtag.objects.get(pk=first.hashtag_id).status == Status.APPROVED
    page.context.close()


def test_the_hashtag_list_fits_1280_px_beside_its_filters(browser, workbench):  # noqa: F811
    site, _, _ = workbench
    call_command("seed_demo", verbosity=0)  # real names and tags, long ones included
    page = signed_in(browser, DESKTOP, site)
    page.goto(site + "/admin/hashtags/hashtag/")
    screenshot(page, "workbench-hashtag-list-1280")
    header = page.locator("#result_list thead th", has_text="Last verified")
    expect(header).to_be_visible()
    # Not cut off: the list does not scroll sideways inside its box, and the last
    # columns end within it (and within the window).
    results = page.locator("#changelist .results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth"), "the list scrolls"
    box, shown = header.bounding_box(), results.bounding_box()
    assert box is not None and shown is not None
    assert box["x"] + box["width"] <= min(shown["x"] + shown["width"], DESKTOP["width"]) + 1
    freshness = page.locator("#result_list thead th", has_text="Freshness")
    expect(freshness).to_be_in_viewport()
    page.context.close()
