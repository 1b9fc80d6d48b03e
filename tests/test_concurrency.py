"""Races settled by the database: real threads against PostgreSQL."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from hashtags.curation import moderation, stewardship
from hashtags.models import Hashtag, Status, Steward, Submission
from tests.support import make_user, run_at_once, submit

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL (SQLite serialises every write)")


def test_concurrent_spellings_of_one_tag_leave_one_pending_entry():
    results = run_at_once([submit(tag) for tag in ["#Foo", "foo", "FOO", "ＦＯＯ"]])
    outcomes = Counter(type(result).__name__ for result in results)
    assert outcomes == {"Submission": 1, "ValidationError": 3}, results
    for result in results:
        if isinstance(result, ValidationError):
            assert result.message_dict["tag"] == [
                f"#{Hashtag.objects.get().tag} has already been submitted and is awaiting review."
            ]
    assert Hashtag.objects.filter(key="foo", status=Status.PENDING).count() == 1
    assert Submission.objects.count() == 1


def test_two_curators_deciding_at_once_make_one_decision():
    entry = moderation.submit_hashtag(
        tag="Contested", name="C", kind="chat", submitter_name="S", submitter_email="s@example.org"
    ).hashtag
    first, second = make_user("first", curator=True), make_user("second", curator=True)
    results = run_at_once(
        [
            lambda: moderation.approve(hashtag=entry, curator=first),
            lambda: moderation.reject(hashtag=entry, curator=second, reason="Duplicate."),
        ]
    )
    errors = [r for r in results if isinstance(r, moderation.ModerationError)]
    assert len(errors) == 1, results
    entry.refresh_from_db()
    decided = entry.history.exclude(status=Status.PENDING)
    assert decided.count() == 1
    assert entry.status in {Status.APPROVED, Status.REJECTED}


def test_the_same_claim_sent_twice_at_once_is_one_claim_asked_again_and_no_error():
    entry = moderation.submit_hashtag(
        tag="Claimed", name="C", kind="chat", submitter_name="S", submitter_email="s@example.org"
    ).hashtag
    moderation.approve(hashtag=entry, curator=make_user("curator", curator=True))
    claims = [
        lambda email=email: stewardship.claim(hashtag=entry, name="Kim", email=email)
        for email in ["kim@example.org", "KIM@example.org", "Kim@Example.org"]
    ]
    results = run_at_once(claims)
    # Each sender gets the one claim: the form answers all three alike.
    assert all(isinstance(result, Steward) for result in results), results
    assert len({result.pk for result in results}) == 1
    (claim,) = Steward.objects.filter(hashtag=entry, state="claimed")
    assert Counter(claim.history.values_list("history_change_reason", flat=True)) == {
        "Claim from the entry's page": 1,
        stewardship.ASKED_AGAIN: 2,
    }
