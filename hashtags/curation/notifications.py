"""The site's email: how every message is put together and sent, and the submitters' email
at each step of their submission or edit suggestion.

Every message is plain text from a template under templates/email/ (with an HTML twin
when one exists), from DEFAULT_FROM_EMAIL, with `Reply-To` the curators' monitored
address (CURATORS_EMAIL, else DEFAULT_FROM_EMAIL), so an answer reaches the curators.
A message to a submitter or a steward is in the language they wrote in (stored with
their submission or claim); the curators' digest is in English.
Addresses stay private: a failed send is logged by the error's kind only, since SMTP
errors quote addresses.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from hashtags.curation import proposals
from hashtags.models import Submission

logger = logging.getLogger(__name__)


def reply_to() -> str:
    """Where an answer to the site's email goes: a mailbox the curators read."""
    return settings.CURATORS_EMAIL or settings.DEFAULT_FROM_EMAIL


def compose(
    *,
    subject: str,
    template: str,
    context: dict,
    to: list[str],
    headers: dict[str, str] | None = None,
    html_template: str = "",
    connection: BaseEmailBackend | None = None,
) -> EmailMultiAlternatives:
    """One message of the site: `template` rendered as its plain text (and `html_template`,
    from the same context, as its HTML alternative)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(template, context),
        to=to,
        reply_to=[reply_to()],
        headers=headers or {},
        connection=connection,
    )
    if html_template:
        message.attach_alternative(render_to_string(html_template, context), "text/html")
    return message


def deliver(message: EmailMultiAlternatives, what: str) -> bool:
    """Send a message whose failure must not undo what it tells (a stored submission, an
    accepted claim): True when sent; a failure is logged as `what` and the error's kind."""
    try:
        message.send()
    except Exception as error:
        logger.error("Could not send %s: %s", what, type(error).__name__)
        return False
    return True


# --- Submitters: received, changes requested, decided ----------------------------------


def status_url(submission: Submission) -> str:
    return settings.SITE_URL + reverse("directory:submission-status", args=[submission.reference])


def _send(submission: Submission, subject: str, template: str) -> None:
    context = {
        "submission": submission,
        "is_edit": submission.kind == Submission.Kind.EDIT,
        "proposed": proposals.lines(submission),
        "status_url": status_url(submission),
        "entry_url": (
            settings.SITE_URL + submission.hashtag.get_absolute_url()
            if submission.hashtag and submission.hashtag.is_public
            else ""
        ),
        "suggest_url": (
            settings.SITE_URL + reverse("directory:suggest", args=[submission.hashtag.tag])
            if submission.hashtag and submission.hashtag.is_public
            else ""
        ),
    }
    message = compose(
        subject=subject, template=template, context=context, to=[submission.submitter_email]
    )
    deliver(message, f"the {template} email for submission {submission.pk}")


def submission_received(submission: Submission) -> None:
    # In the submitter's language, as every message to them (subject and body).
    with translation.override(submission.language):
        values = {"tag": submission.tag, "reference": submission.reference}
        if submission.kind == Submission.Kind.EDIT:
            subject = _("#%(tag)s: we received your edit suggestion %(reference)s") % values
        else:
            subject = _("#%(tag)s: we received your submission %(reference)s") % values
        _send(submission, subject, "email/received.txt")


def submission_decided(submission: Submission) -> None:
    with translation.override(submission.language):
        values = {"tag": submission.tag}
        if submission.kind == Submission.Kind.EDIT:
            subject = {
                Submission.State.APPROVED: _("#%(tag)s: your edit suggestion was applied"),
                Submission.State.REJECTED: _("#%(tag)s: your edit suggestion was not applied"),
            }.get(submission.state, _("#%(tag)s: your edit suggestion was updated"))
        else:
            subject = {
                Submission.State.APPROVED: _("#%(tag)s is now in the directory"),
                Submission.State.REJECTED: _("#%(tag)s: your submission was not accepted"),
            }.get(submission.state, _("#%(tag)s: your submission was updated"))
        _send(submission, subject % values, "email/decided.txt")


def changes_requested(submission: Submission) -> None:
    with translation.override(submission.language):
        subject = _("#%(tag)s: the curators ask for changes") % {"tag": submission.tag}
        _send(submission, subject, "email/changes.txt")
