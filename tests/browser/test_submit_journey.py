"""A person registers a hashtag in a real browser: a mistake, a fix, the status link."""

import pytest

from hashtags.models import Category, Submission
from tests.browser.helpers import browser, new_page  # noqa: F401 - browser is a fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(browser):  # noqa: F811 - the fixture imported above
    return new_page(browser, {"width": 1280, "height": 900})


def test_a_person_fixes_a_mistake_submits_and_follows_the_status_link(page, live_server, settings):
    # A person takes longer than the bot threshold; the test browser does not.
    settings.SUBMISSION_MIN_SECONDS = 0
    Category.objects.create(slug="patient-safety", name="Patient safety")

    page.goto(f"{live_server.url}/submit/")
    page.get_by_label("Hashtag:", exact=True).fill("#Patient Safety Chat")
    page.locator("#id_name").fill("Patient Safety Chat")
    page.get_by_label("Description:").fill("A monthly chat on patient safety.")
    page.get_by_label("Kind:").select_option("chat")
    page.locator("summary", has_text="Patient safety").click()  # its folded group
    page.get_by_label("Patient safety (general)").check()
    page.get_by_label("X (Twitter)").check()
    chat = page.locator("fieldset.subform").filter(has_text="Chat 1")
    chat.get_by_label("Monthly on given weeks of the month").check()
    chat.get_by_label("Thursday").check()
    chat.get_by_label("1st").check()
    chat.get_by_label("3rd").check()
    chat.get_by_label("Local start time:").fill("12:00")
    chat.get_by_label("Time zone:").fill("America/Chicago")
    page.get_by_label("Your name:").fill("Pat")
    page.get_by_label("Your email:").fill("pat@example.org")
    page.get_by_role("button", name="Send for review").click()

    # The mistake is named, next to the field, and everything typed is still there.
    summary = page.get_by_role("alert")
    assert "A hashtag cannot contain spaces" in summary.inner_text()
    assert page.get_by_label("Your email:").input_value() == "pat@example.org"
    assert chat.get_by_label("Thursday").is_checked()
    assert not Submission.objects.exists()

    page.get_by_label("Hashtag:", exact=True).fill("#PatientSafetyChat")
    page.get_by_role("button", name="Send for review").click()

    page.get_by_role("heading", name="Thank you: #PatientSafetyChat is awaiting review").wait_for()
    submission = Submission.objects.get()
    assert submission.reference in page.content()
    page.get_by_role("link", name="Follow the review of #PatientSafetyChat").click()
    assert page.url == f"{live_server.url}/submit/status/{submission.reference}/"
    assert "Pending review." in page.inner_text("main")
    chat_row = submission.hashtag.chats.get()
    assert (chat_row.frequency, chat_row.weekdays, chat_row.month_weeks) == ("monthly", "TH", "1,3")
