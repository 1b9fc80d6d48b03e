"""A declined claim has reasons of its own (not a submission's "Promotional" or "Spam"),
chosen on the review page, kept with the claim and told to the claimant by email."""

import pytest
from django.core import mail

from hashtags.models import Steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(make_hashtag) -> Steward:
    entry = make_hashtag("HCLDR")
    return Steward.objects.create(
        hashtag=entry, name="Dana Claimant", email="dana@example.org", note="I host it."
    )


def test_the_review_page_offers_a_claims_own_reasons(claim, curator_client):
    page = curator_client.get(f"/admin/review/claim/{claim.pk}/").content.decode()
    assert "Decline with a reason" in page
    for label in Steward.DeclineReason.labels:
        assert label in page
    assert "Promotional" not in page and "Spam" not in page


def test_a_declined_claim_tells_the_claimant_why(
    claim, curator_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = curator_client.post(
            f"/admin/review/claim/{claim.pk}/reject/",
            {"reason_code": "no_connection", "reason": "Your profile does not mention the chat."},
        )
    assert answer.status_code == 302
    claim.refresh_from_db()
    assert (claim.state, claim.decline_reason) == ("declined", "no_connection")
    (message,) = mail.outbox
    assert message.to == ["dana@example.org"]
    assert message.subject == "Your claim on #HCLDR was declined"
    assert "The reason: No public link to the community." in message.body
    assert "Your profile does not mention the chat." in message.body
    assert "Claim it again with a link that shows your part in the community." in message.body


def test_another_reason_needs_a_note_and_nothing_is_decided_without_it(claim, curator_client):
    answer = curator_client.post(
        f"/admin/review/claim/{claim.pk}/reject/", {"reason_code": "other"}
    )
    assert answer.status_code == 400
    assert "With &quot;Another reason&quot;, write the reason." in answer.content.decode()
    claim.refresh_from_db()
    assert claim.state == "claimed" and mail.outbox == []


def test_a_reason_is_required(claim, curator_client):
    answer = curator_client.post(f"/admin/review/claim/{claim.pk}/reject/", {})
    assert answer.status_code == 400
    assert "Choose a reason: the claimant is told it." in answer.content.decode()
    claim.refresh_from_db()
    assert claim.state == "claimed"
