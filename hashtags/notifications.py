"""Email to submitters at each step of their submission (Django's email framework)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from hashtags.models import Submission

logger = logging.getLogger(__name__)


def status_url(submission: Submission) -> str:
    return settings.SITE_URL + reverse("directory:submission-status", args=[submission.reference])


def _send(submission: Submission, subject: str, template: str) -> None:
    context = {
        "submission": submission,
        "status_url": status_url(submission),
        "entry_url": (
            settings.SITE_URL + submission.hashtag.get_absolute_url()
            if submission.hashtag and submission.hashtag.is_public
            else ""
        ),
    }
    body = render_to_string(template, context)
    try:
        send_mail(subject, body, None, [submission.submitter_email])
    except Exception:
        # The submission is stored whatever happens to the mail; log without the address.
        logger.exception("Could not send %s email for submission %s", template, submission.pk)


def submission_received(submission: Submission) -> None:
    _send(submission, f"#{submission.tag}: we received your submission", "email/received.txt")


def submission_decided(submission: Submission) -> None:
    subject = {
        Submission.State.APPROVED: f"#{submission.tag} is now in the directory",
        Submission.State.REJECTED: f"#{submission.tag}: your submission was not accepted",
    }.get(submission.state, f"#{submission.tag}: your submission was updated")
    _send(submission, subject, "email/decided.txt")


def changes_requested(submission: Submission) -> None:
    _send(submission, f"#{submission.tag}: the curators ask for changes", "email/changes.txt")
