"""The email a person gets from the site keeps its promises: an edit suggestion is
acknowledged with its reference and what it proposes and its author hears the decision,
like a submitter; an answer to any of it reaches the curators (Reply-To); a request for
changes shows on the status page, which says how to answer; a new steward's welcome
carries List-Unsubscribe like the reminders."""

import re

import pytest
from django.core import mail

from hashtags.curation import moderation, stewardship
from hashtags.models import Steward, Submission
from tests.submission_helpers import proposal

pytestmark = pytest.mark.django_db
API = "/api/v1/submissions/"
SUGGESTER = "sam@example.org"


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """`with commits():` around what sends mail: email goes out when the transaction
    commits, and the test's transaction never does."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def curators_mailbox(settings):
    settings.DEFAULT_FROM_EMAIL = "Healthcare Hashtag Directory <noreply@hashtags.example.org>"
    settings.CURATORS_EMAIL = "curators@hashtags.example.org"


@pytest.fixture
def bcsm(make_hashtag, make_chat):
    entry = make_hashtag(
        "BCSM",
        name="Breast Cancer Social Media",
        kind="chat",
        description="A weekly chat for patients and clinicians.",
        website="https://bcsm.example.org/",
    )
    make_chat(entry, weekdays="MO", timezone_id="America/New_York")
    return entry


def suggest(api, commits, **changes) -> Submission:
    body = {"entry": "BCSM", "submitter_name": "Sam Suggester", "submitter_email": SUGGESTER}
    with commits():
        answer = api.post(API, {**body, **changes}, format="json")
    assert answer.status_code == 201, answer.content
    return Submission.objects.get(reference=answer.json()["reference"])


# --- Edit suggestions -------------------------------------------------------------------


def test_an_edit_suggestion_through_the_api_is_acknowledged_with_its_reference(api, bcsm, commits):
    suggestion = suggest(api, commits, website="https://bcsm.org/", description="Mondays, 9 PM ET.")
    [message] = mail.outbox
    assert message.to == [SUGGESTER]
    assert message.subject == f"#BCSM: we received your edit suggestion {suggestion.reference}"
    assert f"Your reference is {suggestion.reference}." in message.body
    assert "- Website: https://bcsm.org/" in message.body
    assert "- Description: Mondays, 9 PM ET." in message.body
    assert f"/submit/status/{suggestion.reference}/" in message.body
    assert message.reply_to == ["curators@hashtags.example.org"]
    assert message.from_email == "Healthcare Hashtag Directory <noreply@hashtags.example.org>"


def test_a_suggested_chat_is_told_in_words(api, bcsm, commits):
    chat = {"weekdays": ["TU"], "start_time": "20:30", "timezone": "America/New_York"}
    suggest(api, commits, chats=[chat])
    [message] = mail.outbox
    assert "- Chats: Tuesdays at 8:30 PM" in message.body


def test_a_field_the_suggestion_clears_is_told_as_none(api, bcsm, commits):
    suggest(api, commits, website="")
    [message] = mail.outbox
    assert "- Website: none" in message.body


def test_the_author_hears_when_the_suggestion_is_applied(api, bcsm, curator_api, commits):
    suggestion = suggest(api, commits, website="https://bcsm.org/")
    with commits():
        curator_api.post(f"{API}{suggestion.reference}/approve/", format="json")
    decided = mail.outbox[-1]
    assert decided.to == [SUGGESTER]
    assert decided.subject == "#BCSM: your edit suggestion was applied"
    assert f"your edit suggestion {suggestion.reference} and applied it to #BCSM" in decided.body
    assert "/hashtags/BCSM/" in decided.body
    assert decided.reply_to == ["curators@hashtags.example.org"]


def test_the_author_hears_why_the_suggestion_was_not_applied(api, bcsm, curator_api, commits):
    suggestion = suggest(api, commits, website="https://bcsm.org/")
    with commits():
        answer = curator_api.post(
            f"{API}{suggestion.reference}/reject/",
            {"reason_code": "unverifiable", "reason": "The new site does not mention the chat."},
            format="json",
        )
    assert answer.status_code == 200, answer.content
    decided = mail.outbox[-1]
    assert decided.to == [SUGGESTER]
    assert decided.subject == "#BCSM: your edit suggestion was not applied"
    assert "did not apply it: the entry stays as it was" in decided.body
    assert "The reason: Could not be verified." in decided.body
    assert "The new site does not mention the chat." in decided.body
    assert f"/submit/status/{suggestion.reference}/" in decided.body


def test_a_new_submission_still_reads_as_a_submission(api, commits):
    with commits():
        assert api.post(API, proposal(categories=[]), format="json").status_code == 201
    [message] = mail.outbox
    assert message.subject.startswith("#PedsICU: we received your submission ")
    assert "Thank you for registering #PedsICU" in message.body
    assert message.reply_to == ["curators@hashtags.example.org"]


# --- Asking for changes, and answering ---------------------------------------------------


def test_changes_requested_shows_on_the_status_page_with_the_way_to_answer(
    api, visitor, bcsm, curator, commits
):
    suggestion = suggest(api, commits, website="https://bcsm.org/")
    status = f"/submit/status/{suggestion.reference}/"
    assert "Pending review." in visitor.get(status).content.decode()

    with commits():
        moderation.request_changes(
            submission=suggestion, curator=curator, message="Is the chat on the new site?"
        )
    asked = mail.outbox[-1]
    assert asked.to == [SUGGESTER] and asked.subject == "#BCSM: the curators ask for changes"
    assert "Is the chat on the new site?" in asked.body
    assert suggestion.reference in asked.body
    # The email asks for a reply: the reply goes to the curators' mailbox.
    assert "Reply to this email" in asked.body
    assert asked.reply_to == ["curators@hashtags.example.org"]

    page = visitor.get(status).content.decode()
    assert "Changes requested." in page and "Pending review." not in page
    assert "Is the chat on the new site?" in page
    assert "reply to the email we sent you" in page and suggestion.reference in page
    assert SUGGESTER not in page and "Sam Suggester" not in page


def test_without_a_curators_mailbox_replies_go_to_the_sender(api, bcsm, settings, commits):
    settings.CURATORS_EMAIL = ""
    suggest(api, commits, website="https://bcsm.org/")
    assert mail.outbox[0].reply_to == [
        "Healthcare Hashtag Directory <noreply@hashtags.example.org>"
    ]


def test_the_status_page_shows_every_field_suggested(api, visitor, bcsm, commits):
    suggestion = suggest(api, commits, website="https://bcsm.org/", place="Online")
    page = visitor.get(f"/submit/status/{suggestion.reference}/").content.decode()
    assert "<dt>Website</dt><dd>https://bcsm.org/</dd>" in page
    assert "<dt>Place</dt><dd>Online</dd>" in page


# --- A new steward's welcome --------------------------------------------------------------


def test_the_welcome_carries_list_unsubscribe_like_the_reminders(bcsm, curator, client, commits):
    claim = stewardship.claim(hashtag=bcsm, name="Sam Host", email="host@example.org")
    with commits():
        stewardship.accept_claim(steward=claim, curator=curator)
    [welcome] = mail.outbox
    assert welcome.to == ["host@example.org"]
    assert welcome.subject == "You are the steward of #BCSM"
    assert welcome.reply_to == ["curators@hashtags.example.org"]
    stop = re.fullmatch(r"<(.+)>", welcome.extra_headers["List-Unsubscribe"]).group(1)
    assert welcome.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert stop in welcome.body  # the same link, in words too
    # One click (RFC 8058): a POST to the link ends the stewardship.
    assert client.post(stop.removeprefix("http://127.0.0.1:8000")).status_code == 200
    assert Steward.objects.get(pk=claim.pk).state == Steward.State.ENDED
