"""The status page of a submission: what was sent (never the submitter's email), where
the review stands in words, the expected wait, and a rejection's reason with what to do
next."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from hashtags.curation import moderation
from hashtags.curation.review import median_review_time
from hashtags.models import Submission
from tests.submission_helpers import submission_data

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def status_page(visitor, submission: Submission) -> str:
    response = visitor.get(f"/submit/status/{submission.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def decided(created: datetime, wait: timedelta, state: str = "approved") -> Submission:
    return Submission.objects.create(
        tag=f"Old{created:%j%H%M}",
        submitter_name="Someone",
        submitter_email="someone@example.org",
        state=state,
        reason="Not a healthcare hashtag." if state == "rejected" else "",
        created=created,
        decided_at=created + wait,
    )


def test_the_status_page_shows_what_was_submitted_but_not_the_email(
    visitor, submitter, make_category
):
    make_category("patient-safety", name="Patient safety")
    submitter(submission_data(categories=["patient-safety"], note="Please hurry"))
    submission = Submission.objects.get()
    page = status_page(visitor, submission)
    assert "#NewChat" in page
    assert "A new chat" in page  # the name
    assert "Tweet chat" in page  # the kind, in words
    assert "Patient safety" in page
    assert "Tuesdays at 8:30 PM" in page and "60 minutes (America/New_York)" in page
    assert "@pat_host: founder, on X (Twitter)" in page
    assert "pat@example.org" not in page
    assert "Pat Submitter" not in page


def test_a_pending_submission_says_so_and_how_long_a_review_takes(visitor, submitter):
    with time_machine.travel(NOW - timedelta(days=20), tick=False):
        decided(NOW - timedelta(days=20), timedelta(hours=10))
    with time_machine.travel(NOW - timedelta(days=5), tick=False):
        decided(NOW - timedelta(days=5), timedelta(days=2))
        decided(NOW - timedelta(days=5), timedelta(days=3), state="rejected")
    with time_machine.travel(NOW - timedelta(hours=5), tick=False):
        submitter()
    submission = Submission.objects.get(state="pending")
    with time_machine.travel(NOW, tick=False):
        page = status_page(visitor, submission)
    assert "Pending review." in page
    assert "waiting for about 5 hours so far" in page
    assert "lately a review takes about 2 days (the median over the last 30 days)" in page


def test_without_recent_decisions_the_page_says_it_cannot_estimate_the_wait(visitor, submitter):
    submitter()
    page = status_page(visitor, Submission.objects.get())
    assert "no submission was reviewed in the last 30 days" in page


def test_median_review_time_counts_only_the_last_30_days():
    decided(NOW - timedelta(days=40), timedelta(days=9))  # decided 31 days ago: left out
    decided(NOW - timedelta(days=10), timedelta(hours=1))
    decided(NOW - timedelta(days=10), timedelta(hours=3))
    assert median_review_time(now=NOW) == timedelta(hours=2)
    assert median_review_time(now=NOW - timedelta(days=60)) is None


def test_a_rejected_submission_gives_the_reason_and_what_to_do_next(visitor, submitter, curator):
    submitter()
    submission = Submission.objects.get()
    moderation.reject(
        hashtag=submission.hashtag, curator=curator, reason="Please add a public source."
    )
    page = status_page(visitor, submission)
    # Each said once: the decision, the reason, what to do.
    assert page.count("Not accepted") == 1 and page.count("Declined") == 1
    assert page.count("Please add a public source.") == 1
    assert page.count("What you can do next") == 1 and "What to do next" not in page
    assert 'href="/submit/?tag=NewChat"' in page
    assert "Pending review." not in page


def test_an_approved_submission_links_to_the_entry(visitor, submitter, curator):
    submitter()
    submission = Submission.objects.get()
    moderation.approve(hashtag=submission.hashtag, curator=curator)
    page = status_page(visitor, submission)
    assert "Approved." in page
    assert 'href="/hashtags/NewChat/"' in page
