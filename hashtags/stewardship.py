"""Stewards: the people who keep an entry current.

The submitter of an approved entry becomes its steward; anyone may ask to become one (a
claim) and a curator accepts or declines. A steward has no account and no password:
they act through signed, expiring links (Django's signing) sent to their email, each
link naming the steward and what it is for. The email address is private: it never
reaches a page, the API or a log.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from hashtags.entries import save_as
from hashtags.models import Steward, Submission

SALT = "hashtags.stewardship"
# What a link may do: act on the entry (confirm, pause, cancel, end, suggest), or stop
# the reminders (the email's unsubscribe link and List-Unsubscribe header).
PURPOSES = ("act", "stop")


class BadLink(Exception):
    """A link that is not ours, was altered, has expired, or names a steward no longer
    active; the message says which, in words for the person who followed it."""


def make_token(steward: Steward, purpose: str = "act") -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown purpose {purpose!r}")
    return signing.dumps({"s": steward.pk, "p": purpose}, salt=SALT, compress=True)


def link(steward: Steward, purpose: str = "act") -> str:
    """The absolute address of a signed link for `steward` (SITE_URL + path)."""
    name = "directory:steward" if purpose == "act" else "directory:steward-stop"
    return settings.SITE_URL + reverse(name, args=[make_token(steward, purpose)])


def read_token(token: str, purpose: str = "act") -> Steward:
    """The active steward a link names, or BadLink saying why not."""
    max_age = settings.STEWARD_LINK_DAYS * 86400
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink(
            "This link has expired. Ask for a new one from the entry's page, or wait for "
            "the next reminder."
        ) from None
    except signing.BadSignature:
        raise BadLink("This link is not valid: it may have been cut short or changed.") from None
    if not isinstance(data, dict) or data.get("p") != purpose:
        raise BadLink("This link is not valid here.")
    steward = Steward.objects.select_related("hashtag").filter(pk=data.get("s")).first()
    if steward is None or steward.state != Steward.State.ACTIVE:
        raise BadLink("This link no longer works: you are not the entry's steward any more.")
    return steward


def steward_from_submission(submission: Submission) -> Steward | None:
    """Make the submitter of a newly approved entry its steward (once)."""
    if submission.hashtag_id is None or submission.kind != Submission.Kind.NEW:
        return None
    existing = Steward.objects.filter(
        hashtag_id=submission.hashtag_id,
        email__iexact=submission.submitter_email,
        state__in=[Steward.State.CLAIMED, Steward.State.ACTIVE],
    ).first()
    if existing is not None:
        if existing.state != Steward.State.ACTIVE:
            existing.state = Steward.State.ACTIVE
            existing.decided_at = timezone.now()
            save_as(existing, None, "Submitter of the approved entry")
        return existing
    steward = Steward(
        hashtag_id=submission.hashtag_id,
        name=submission.submitter_name,
        email=submission.submitter_email,
        state=Steward.State.ACTIVE,
        decided_at=timezone.now(),
    )
    save_as(steward, None, "Submitter of the approved entry")
    return steward
