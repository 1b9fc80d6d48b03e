"""The curators' daily digest (`manage.py send_curator_digest`): when submissions or
claims wait, the curators are told by email, at most once a day however often the
command runs, and not at all when nothing waits; the digest names entries and waits,
never the people who sent or asked."""

import logging
from datetime import UTC, datetime, timedelta
from io import StringIO
from smtplib import SMTPRecipientsRefused
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from hashtags.curation import digest as curator_digest
from hashtags.curation import moderation, stewardship
from hashtags.models import CuratorDigest, Hashtag
from tests.support import make_user, run_at_once

pytestmark = pytest.mark.django_db

# A Monday morning, UTC.
NOW = datetime(2026, 3, 9, 6, 17, tzinfo=UTC)
MAILBOX = "curators@hashtags.example.org"
PRIVATE = ("pat@example.org", "Pat Submitter", "kim@example.org", "Kim Claimant", "I run it")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def curators_mailbox(settings):
    settings.CURATORS_EMAIL = MAILBOX


@pytest.fixture
def public(make_hashtag) -> Hashtag:
    return make_hashtag("HCLDR", name="Healthcare Leaders")


@pytest.fixture
def waiting(public, clock):
    """A new submission sent three days ago, and a claim sent yesterday."""
    clock.move_to(NOW - timedelta(days=3))
    moderation.submit_hashtag(
        submitter_name="Pat Submitter",
        submitter_email="pat@example.org",
        note="I run it.",
        tag="PedsICU",
        name="Pediatric intensive care",
        kind="chat",
    )
    clock.move_to(NOW - timedelta(days=1))
    stewardship.claim(hashtag=public, name="Kim Claimant", email="kim@example.org", note="I run it")
    clock.move_to(NOW)
    mail.outbox.clear()


def digest(*args: str) -> str:
    out = StringIO()
    call_command("send_curator_digest", *args, stdout=out)
    return out.getvalue().strip()


def test_curators_are_told_what_waits(waiting):
    assert digest() == "Digest of 2 items sent to 1 address, 0 failed"
    [message] = mail.outbox
    assert message.to == [MAILBOX]
    assert message.subject == "Waiting for review: 1 new submission, 1 steward claim"
    body = message.body
    assert "today,\n9 March 2026: 1 new submission, 1 steward claim." in body
    assert "- New submission: #PedsICU (Pediatric intensive care), waiting 3 days" in body
    assert "- Steward claim: #HCLDR (Asks to keep the entry current), waiting 1 day" in body
    assert body.index("#PedsICU") < body.index("#HCLDR")  # oldest first
    assert "http://127.0.0.1:8000/admin/review/new/" in body
    assert "http://127.0.0.1:8000/admin/review/claim/" in body
    assert "The review queue: http://127.0.0.1:8000/admin/review/" in body
    assert not [word for word in PRIVATE if word in body or word in message.subject]
    assert not message.alternatives  # plain text, like the submitters' email


def test_the_digest_goes_once_a_day_however_often_the_command_runs(waiting, clock):
    digest()
    clock.move_to(NOW + timedelta(hours=10))
    assert digest() == "Digest already sent today at 06:17 UTC: nothing sent"
    assert len(mail.outbox) == 1
    assert list(CuratorDigest.objects.values_list("day", "recipients", "waiting")) == [
        (NOW.date(), 1, {"new": 1, "edit": 0, "claim": 1, "report": 0})
    ]
    clock.move_to(NOW + timedelta(days=1))
    digest()
    assert len(mail.outbox) == 2


def test_nothing_is_sent_when_nothing_waits(public):
    assert digest() == "Nothing waits for the curators: no digest sent"
    assert mail.outbox == []
    # Nothing recorded either: a submission later that day is told the same day.
    assert not CuratorDigest.objects.exists()


def test_entries_due_for_a_check_alone_send_nothing(make_hashtag, settings):
    settings.VERIFY_AFTER_DAYS = 0  # every public entry is due
    make_hashtag("OldChat")
    assert digest() == "Nothing waits for the curators: no digest sent"
    assert mail.outbox == []


def test_without_a_curators_mailbox_each_curator_gets_their_own(waiting, settings):
    settings.CURATORS_EMAIL = ""
    make_user("ana", curator=True)
    make_user("ben", curator=True)
    make_user("visitor")  # not staff
    gone = make_user("gone", curator=True)
    gone.is_active = False
    gone.save()
    assert digest() == "Digest of 2 items sent to 2 addresses, 0 failed"
    # One message each: no curator sees another's address.
    assert [message.to for message in mail.outbox] == [["ana@example.org"], ["ben@example.org"]]


def test_with_nobody_to_tell_the_command_fails_and_says_what_to_set(waiting, settings):
    settings.CURATORS_EMAIL = ""
    with pytest.raises(CommandError, match="Set CURATORS_EMAIL"):
        digest()
    assert not CuratorDigest.objects.exists()


def test_a_digest_nobody_received_is_tried_again_by_the_next_run(waiting, caplog):
    caplog.set_level(logging.DEBUG)
    refused = SMTPRecipientsRefused({MAILBOX: (550, b"No such user")})
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages") as send:
        send.side_effect = refused
        with pytest.raises(CommandError, match="could not reach every curator"):
            digest()
    assert not CuratorDigest.objects.exists()
    assert MAILBOX not in caplog.text and "SMTPRecipientsRefused" in caplog.text
    assert digest() == "Digest of 2 items sent to 1 address, 0 failed"
    assert len(mail.outbox) == 1


def test_a_dry_run_counts_and_sends_nothing(waiting):
    assert digest("--dry-run") == (
        "2 items waiting (1 new submission, 1 steward claim); 1 address to tell (dry run)"
    )
    assert mail.outbox == []
    assert not CuratorDigest.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_one_digest(waiting):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL (SQLite serialises every write)")
    results = run_at_once([curator_digest.send_digest, curator_digest.send_digest])
    assert sorted(result.summary() for result in results) == [
        "Digest already sent today at 06:17 UTC: nothing sent",
        "Digest of 2 items sent to 1 address, 0 failed",
    ]
    assert len(mail.outbox) == 1
    assert CuratorDigest.objects.count() == 1
