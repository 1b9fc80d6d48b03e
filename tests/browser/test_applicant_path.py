"""An applicant in a real browser: the short form (one chat, one host, more on demand),
the status page with what they sent and the expected wait, at a phone's and a desktop's
width, with axe-core clean; the same without JavaScript. And a visitor of an entry page
reads the next meetings in their own, named, time zone."""

import pytest

from hashtags.models import Submission
from tests.browser.helpers import (
    VIEWPORTS,
    axe_violations,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    confirmed_chats,  # noqa: F401 (a fixture)
    describe,
    new_page,
    screenshot,
    site,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.browser, browser_db]

BLOCKING = {"serious", "critical"}
ZONE = "Europe/London"


def assert_axe_clean(page) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


def fill_chat(block, day: str, start: str, zone: str | None = None) -> None:
    block.get_by_label(day).check()
    block.get_by_label("Local start time:").fill(start)
    if zone:
        block.get_by_label("Time zone:").fill(zone)


def open_section(page, section: str) -> None:
    """Open a folded section of the form (#chats-section, #hosts-section) if it is shut."""
    details = page.locator(section)
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()


def fill_entry(page, tag: str) -> None:
    page.get_by_label("Hashtag:", exact=True).fill(tag)
    page.locator("#id_name").fill("Patient voices")
    page.get_by_label("Description:").fill("A weekly chat where patients lead.")
    page.get_by_label("Kind:").select_option("chat")
    # The categories are folded by their top-level group: open a group, then tick.
    page.locator("summary", has_text="Specialties").click()
    page.get_by_label("Oncology").check()
    page.locator("summary", has_text="Patient advocacy").click()
    page.get_by_label("Patient advocacy (general)").check()
    page.get_by_label("X (Twitter)").check()
    open_section(page, "#hosts-section")
    host = page.locator("fieldset.subform").filter(has_text="Host 1")
    host.get_by_label("Handle:").fill("pat_voice")
    page.get_by_label("Your name:").fill("Pat")
    page.get_by_label("Your email:").fill("pat@example.org")


@pytest.mark.parametrize("second_chat", [False, True], ids=["one chat", "two chats"])
@pytest.mark.parametrize("width", ["390", "1280"])
def test_an_applicant_submits_and_reads_the_status_page(
    browser,  # noqa: F811
    site,  # noqa: F811
    settings,
    width,
    second_chat,
):
    settings.SUBMISSION_MIN_SECONDS = 0  # a person takes longer than the bot threshold
    page = new_page(browser, VIEWPORTS[width], timezone_id=ZONE)
    page.goto(f"{site}/submit/")
    # The chats and hosts are folded; open, one block of each shows, the others wait
    # behind a button.
    chats = page.locator("fieldset.chats-block")
    assert chats.filter(visible=True).count() == 0
    open_section(page, "#chats-section")
    open_section(page, "#hosts-section")
    assert chats.filter(visible=True).count() == 1
    assert page.locator("fieldset.moderators-block").filter(visible=True).count() == 1
    # The zone comes from the browser; the conference fields only for a conference.
    assert chats.first.get_by_label("Time zone:").input_value() == ZONE
    conference = page.get_by_role("group", name="Conference dates and place")
    assert not conference.is_visible()
    page.get_by_label("Kind:").select_option("conference")
    assert conference.is_visible()
    assert_axe_clean(page)

    tag = f"#PatientVoices{width}{'Two' if second_chat else ''}"
    fill_entry(page, tag)
    fill_chat(chats.first, "Tuesday", "20:00")
    if second_chat:
        page.get_by_role("button", name="Add another chat").click()
        second = page.locator("fieldset.chats-block").filter(has_text="Chat 2")
        assert second.is_visible()
        fill_chat(second, "Saturday", "10:00", zone="America/Chicago")
    screenshot(page, f"applicant-form-{width}-{'two' if second_chat else 'one'}-chat")
    page.get_by_role("button", name="Send for review").click()

    page.get_by_role("link", name=f"Follow the review of {tag}").click()
    page.get_by_role("heading", name=f"Your submission of {tag}").wait_for()
    text = page.inner_text("main")
    assert "Pending review." in text
    assert "Expected wait" in text
    assert "Tuesdays at 8:00 PM" in text and "(Europe/London)" in text
    assert ("Saturdays at 10:00 AM" in text) is second_chat
    assert "Oncology" in text and "@pat_voice" in text
    assert "pat@example.org" not in text
    assert_axe_clean(page)
    screenshot(page, f"applicant-status-{width}-{'two' if second_chat else 'one'}-chat")

    submission = Submission.objects.get(tag=tag.lstrip("#"))
    chats_saved = submission.hashtag.chats.order_by("start_time")
    zones = sorted(chat.timezone_id for chat in chats_saved)
    assert zones == (["America/Chicago", ZONE] if second_chat else [ZONE])
    page.context.close()


def test_without_javascript_the_extra_blocks_are_still_reachable(
    browser,  # noqa: F811
    site,  # noqa: F811
    settings,
):
    settings.SUBMISSION_MIN_SECONDS = 0
    page = new_page(browser, VIEWPORTS["1280"], java_script_enabled=False)
    page.goto(f"{site}/submit/")
    # The conference group is there, and says it is optional.
    assert page.get_by_role(
        "group", name="Conference dates and place (optional: conferences only)"
    ).is_visible()
    fill_entry(page, "#NoScriptChat")
    open_section(page, "#chats-section")  # no script opens it for the kind "chat"
    chats = page.locator("fieldset.chats-block")
    fill_chat(chats.first, "Monday", "18:00", zone="Europe/Paris")
    page.get_by_text("Add another chat").click()  # the <details> opens
    fill_chat(chats.filter(has_text="Chat 2"), "Thursday", "19:00", zone="Asia/Tokyo")
    page.get_by_role("button", name="Send for review").click()
    page.get_by_role("heading", name="Thank you: #NoScriptChat is awaiting review").wait_for()
    submission = Submission.objects.get(tag="NoScriptChat")
    assert sorted(c.timezone_id for c in submission.hashtag.chats.all()) == [
        "Asia/Tokyo",
        "Europe/Paris",
    ]
    page.context.close()


@pytest.mark.parametrize("width", ["390", "1280"])
def test_the_form_as_served_without_its_script_is_axe_clean(
    browser,  # noqa: F811
    site,  # noqa: F811
    width,
):
    # axe needs JavaScript, so the form's own script is blocked instead: the page is then
    # what a browser without JavaScript shows, with "Add another chat" opened.
    page = new_page(browser, VIEWPORTS[width])
    page.route("**/js/forms.js", lambda route: route.abort())
    page.goto(f"{site}/submit/")
    open_section(page, "#chats-section")
    page.get_by_text("Add another chat").click()
    assert page.locator("fieldset.chats-block").filter(has_text="Chat 3").is_visible()
    assert_axe_clean(page)
    page.context.close()


def test_the_form_is_under_2500_px_tall_at_1280_with_one_chat_and_one_host(
    browser,  # noqa: F811
    site,  # noqa: F811
):
    page = new_page(browser, VIEWPORTS["1280"], timezone_id=ZONE)
    page.goto(f"{site}/submit/")
    page.wait_for_load_state("networkidle")
    height = page.evaluate("document.documentElement.scrollHeight")
    screenshot(page, "applicant-form-height-1280")
    assert height < 2500, f"the form is {height} px tall"
    page.context.close()


def test_the_entry_page_names_the_visitors_zone_for_the_next_meetings(
    browser,  # noqa: F811
    site,  # noqa: F811
    confirmed_chats,  # noqa: F811
):
    page = new_page(browser, VIEWPORTS["390"], timezone_id="Asia/Tokyo")
    page.goto(f"{site}/hashtags/BCSM/")  # a demo entry whose chat meets, confirmed today
    label = page.locator("[data-zone-label]").first
    assert label.inner_text() == "Next meetings (your time zone: Asia/Tokyo)"
    page.context.close()
