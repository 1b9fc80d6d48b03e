"""Verification reminders: the email asking an entry's steward whether it is still right.

`send_reminders()` (run daily by `manage.py send_verification_reminders`) writes to each
active steward of an approved entry due for a check, at most once per
REMINDER_INTERVAL_DAYS, with a signed link to confirm or change the entry and one to
stop the reminders. A reminder left unanswered for that interval makes the entry stale
(`Hashtag.reminder_sent_at`, see `hashtags.models.freshness_of`). Entries due without a
steward are the
curators' to check (the admin's "Needs a check" list); the run only counts them.

Addresses stay private: the log names a steward by its id and entry, never its email,
and a failed send is logged by the error's kind only, since SMTP errors quote addresses.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hashtags import published, schedules
from hashtags.curation import notifications, stewardship
from hashtags.entries import save_as
from hashtags.models import Chat, Hashtag, HashtagQuerySet, Steward, freshness_limits
from hashtags.opendata import changelog
from hashtags.serving.routers import use_primary

logger = logging.getLogger(__name__)


def entries_to_check(now: datetime | None = None) -> HashtagQuerySet:
    """Approved entries due for a check: confirmed more than VERIFY_AFTER_DAYS ago (due
    or stale), or never confirmed and approved that long ago; a submitter is not asked
    about the entry a curator approved yesterday. VERIFY_AFTER_DAYS=0 makes every
    approved entry due."""
    due, _ = freshness_limits(now)
    return (
        Hashtag.objects.approved()
        .alias(listed_since=Coalesce("approved_at", "created"))
        .filter(Q(last_verified__lt=due) | Q(last_verified__isnull=True, listed_since__lte=due))
    )


def stewards_to_remind(now: datetime | None = None) -> QuerySet[Steward]:
    """The active stewards of the entries to check who were not reminded within the
    last REMINDER_INTERVAL_DAYS, in a stable order."""
    now = now or timezone.now()
    last_interval = now - timedelta(days=settings.REMINDER_INTERVAL_DAYS)
    return (
        Steward.objects.filter(state=Steward.State.ACTIVE, hashtag__in=entries_to_check(now))
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=last_interval))
        .order_by("pk")
    )


def entries_without_steward(now: datetime | None = None) -> HashtagQuerySet:
    """The entries to check that nobody will be reminded of: no active steward."""
    stewards = Steward.objects.filter(hashtag_id=OuterRef("pk"), state=Steward.State.ACTIVE)
    return entries_to_check(now).exclude(Exists(stewards))


def chat_lines(hashtag: Hashtag) -> list[str]:
    """The entry's chats in words, each with where it is in its life as recorded (the
    steward is asked whether that still holds, so not "unconfirmed"): "Weekly chat:
    Tuesdays at 8:30 PM ET (meets as scheduled)"."""
    lines = []
    for chat in Chat.objects.filter(hashtag=hashtag).prefetch_related("pauses"):
        state = schedules.state_words(chat, recorded=True) or "meets as scheduled"
        title = f"{chat.title}: " if chat.title else ""
        lines.append(f"{title}{schedules.describe(chat)} ({state})")
    return lines


def confirmed_words(hashtag: Hashtag) -> str:
    if hashtag.last_verified is None:
        return "Nobody has confirmed it since it was added."
    day = hashtag.last_verified.astimezone(UTC).date()
    return f"It was last confirmed on {schedules.day_words(day)}."


def reminder_message(
    steward: Steward, *, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """The reminder for `steward`: plain text and HTML from the same context, with the
    one-click unsubscribe headers (RFC 8058) pointing at the link that ends the
    steward's reminders. In the steward's language."""
    with translation.override(steward.language):
        return _reminder_message(steward, connection=connection)


def _reminder_message(
    steward: Steward, *, connection: BaseEmailBackend | None
) -> EmailMultiAlternatives:
    hashtag = steward.hashtag
    stop_url = stewardship.link(steward, "stop")
    context = {
        "steward_name": steward.name,
        "hashtag": hashtag,
        "entry_url": settings.SITE_URL + hashtag.get_absolute_url(),
        "chats": chat_lines(hashtag),
        "confirmed": confirmed_words(hashtag),
        "act_url": stewardship.link(steward, "act"),
        "stop_url": stop_url,
        "link_days": settings.STEWARD_LINK_DAYS,
        "interval_days": settings.REMINDER_INTERVAL_DAYS,
    }
    return notifications.compose(
        subject=_("Is #%(tag)s still current?") % {"tag": hashtag.tag},
        template="email/verification_reminder.txt",
        html_template="email/verification_reminder.html",
        context=context,
        to=[steward.email],
        headers=stewardship.unsubscribe_headers(stop_url),
        connection=connection,
    )


def send_reminder(
    steward_pk: int, *, connection: BaseEmailBackend | None = None, now: datetime | None = None
) -> bool | None:
    """Remind one steward, if they still are to be reminded: True when sent, None when
    not to be sent any more (another run got there first, or the entry was confirmed
    meanwhile). `reminded_at` is set only once the mail server took the message; an
    error propagates, for the caller to count."""
    now = now or timezone.now()
    with transaction.atomic():
        # The row stays locked while the message goes out, so two runs at once (a
        # scheduled one and a manual one) do not both write to the same person.
        steward = (
            stewards_to_remind(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("hashtag")
            .filter(pk=steward_pk)
            .first()
        )
        if steward is None:
            return None
        reminder_message(steward, connection=connection).send()
        steward.reminded_at = now
        save_as(steward, None, "Verification reminder sent")
        # The first reminder since the entry was last confirmed starts the time to answer
        # (a reminder sent again does not restart it). Not an edit of the entry: its
        # `updated` and history stay as they are.
        entry = steward.hashtag
        if entry.reminder_sent_at is None or (
            entry.last_verified is not None and entry.reminder_sent_at < entry.last_verified
        ):
            Hashtag.objects.filter(pk=entry.pk).update(reminder_sent_at=now)
            with changelog.acting_as(changelog.Role.SYSTEM):
                published.publish([entry.pk])  # its freshness may now turn stale on time
    logger.debug("Reminder sent to steward %s of #%s", steward.pk, steward.hashtag.tag)
    return True


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    without_steward: int = 0

    def summary(self) -> str:
        return (
            f"{plural(self.sent, 'reminder')} sent, {self.failed} failed, "
            f"{plural(self.without_steward, 'entry', 'entries')} due without a steward"
        )


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def send_reminders(
    *, now: datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> Report:
    """Remind every steward due a reminder, one message each, over one mail connection.
    A message that fails is logged and counted, and the run goes on with the next;
    `progress(done, total)` is called after each."""
    now = now or timezone.now()
    # A writer: it locks and updates the rows it reads, so it reads from the primary
    # (a replica a moment behind would offer a steward another run just reminded).
    with use_primary():
        return _send_reminders(now, progress)


def _send_reminders(now: datetime, progress: Callable[[int, int], None] | None) -> Report:
    report = Report(without_steward=entries_without_steward(now).count())
    pending = list(stewards_to_remind(now).values_list("pk", "hashtag__tag"))
    connection = get_connection()
    with contextlib.suppress(Exception):  # a server that is down fails each send, counted
        connection.open()
    try:
        for done, (pk, tag) in enumerate(pending, start=1):
            try:
                outcome = send_reminder(pk, connection=connection, now=now)
            except Exception as error:
                # The error's text may quote the address (SMTPRecipientsRefused does):
                # its kind is enough to tell a refused recipient from a server down.
                logger.error(
                    "Reminder to steward %s of #%s not sent: %s", pk, tag, type(error).__name__
                )
                report.failed += 1
                _reset(connection)
            else:
                report.sent += bool(outcome)
            if progress is not None:
                progress(done, len(pending))
    finally:
        _reset(connection)
    return report


def _reset(connection: BaseEmailBackend) -> None:
    """Close the connection (quietly) so the next message opens a fresh one: after an
    error the old one may be half-broken."""
    with contextlib.suppress(Exception):  # a connection already gone needs no closing
        connection.close()
