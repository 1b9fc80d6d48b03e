"""The curators' daily digest: an email saying what waits for them (new submissions, edit
suggestions, steward claims, open reports), sent by `manage.py send_curator_digest`.

It goes out once a day (UTC) at most: the day it was sent is a `CuratorDigest` row,
unique by day, written in the transaction that sends it, so a second run the same day,
or one overlapping it, sends nothing. Nothing is sent, and nothing recorded, when nothing
waits. It goes to CURATORS_EMAIL, or else to each active curator's own address, one
message each; it names entries and how long they waited, never who sent or asked
(submitters' and claimants' names and addresses stay in the admin).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from hashtags.curation import notifications, review
from hashtags.curation.reminders import plural
from hashtags.models import CuratorDigest
from hashtags.serving.routers import use_primary

logger = logging.getLogger(__name__)

# What people wait on a curator for; entries due for a check are a standing list, not.
KINDS = ("new", "edit", "claim", "report")
# Items listed one by one, oldest first; the rest are counted.
LISTED = 20


def waiting(now: datetime | None = None) -> list[review.Item]:
    """What waits for a curator's decision, oldest first."""
    items = [item for kind in KINDS for item in review.queue(kind, now)]
    return sorted(items, key=lambda item: (item.since, item.kind, item.pk))


def recipients() -> list[str]:
    """CURATORS_EMAIL, or else the addresses of the active curators (staff in the
    Curators group, and superusers)."""
    if settings.CURATORS_EMAIL:
        return [settings.CURATORS_EMAIL]
    curators = get_user_model().objects.filter(is_active=True, is_staff=True)
    curators = curators.filter(Q(groups__name="Curators") | Q(is_superuser=True))
    return sorted(set(curators.exclude(email="").values_list("email", flat=True)))


@dataclass
class Outcome:
    """What a run did, in one line for the command to print."""

    sent: int = 0
    failed: int = 0
    items: int = 0
    already: datetime | None = None
    nobody: bool = False

    def summary(self) -> str:
        if self.already is not None:
            return f"Digest already sent today at {self.already:%H:%M} UTC: nothing sent"
        if not self.items:
            return "Nothing waits for the curators: no digest sent"
        if self.nobody:
            return "No address to send the digest to (set CURATORS_EMAIL): nothing sent"
        return (
            f"Digest of {plural(self.items, 'item')} sent to "
            f"{plural(self.sent, 'address', 'addresses')}, {self.failed} failed"
        )


def counts_in_words(items: list[review.Item]) -> str:
    """ "2 new submissions, 1 steward claim": the kinds that wait, in the queue's order."""
    words = []
    for kind in KINDS:
        count = sum(1 for item in items if item.kind == kind)
        if count:
            label = review.KINDS[kind].lower()
            words.append(plural(count, label, review.KIND_PLURALS[kind].lower()))
    return ", ".join(words)


def context(items: list[review.Item], now: datetime) -> dict:
    return {
        "today": timezone.localdate(now),
        "waiting": counts_in_words(items),
        "items": [
            {
                "item": item,
                "waited": review.waited(item.since, now),
                "url": settings.SITE_URL + reverse("admin:review_item", args=[item.kind, item.pk]),
            }
            for item in items[:LISTED]
        ],
        "more": max(0, len(items) - LISTED),
        "queue_url": settings.SITE_URL + reverse("admin:review"),
    }


def send_digest(*, now: datetime | None = None) -> Outcome:
    """Email the curators what waits, unless it was sent today or nothing waits."""
    now = now or timezone.now()
    # A writer that must see the last run's row: the primary, never a replica behind it.
    with use_primary():
        return _send_digest(now)


def _send_digest(now: datetime) -> Outcome:
    today = timezone.localdate(now)
    done = CuratorDigest.objects.filter(day=today).first()
    if done is not None:
        return Outcome(already=done.sent_at)
    items = waiting(now)
    outcome = Outcome(items=len(items))
    if not items:
        return outcome
    addresses = recipients()
    if not addresses:
        outcome.nobody = True
        return outcome
    counted = {kind: sum(1 for item in items if item.kind == kind) for kind in KINDS}
    try:
        with transaction.atomic():
            # The day's row first: a run overlapping this one waits on it, then finds it.
            digest = CuratorDigest.objects.create(day=today, sent_at=now, waiting=counted)
            _send_all(addresses, items, now, outcome)
            if not outcome.sent:
                # Nobody got it: forget the day, so that the next run tries again.
                transaction.set_rollback(True)
                return outcome
            digest.recipients = outcome.sent
            digest.save(update_fields=["recipients"])
    except IntegrityError:
        done = CuratorDigest.objects.filter(day=today).first()
        return Outcome(already=done.sent_at if done else now)
    return outcome


def _send_all(
    addresses: list[str], items: list[review.Item], now: datetime, outcome: Outcome
) -> None:
    """One message to each address, over one connection; a failure is counted and the
    next address is tried. In English, whatever language is active (the admin, a
    command): the curators share one language, the site's first."""
    with translation.override(settings.LANGUAGE_CODE):
        _send_each(addresses, items, now, outcome)


def _send_each(
    addresses: list[str], items: list[review.Item], now: datetime, outcome: Outcome
) -> None:
    values = context(items, now)
    subject = f"Waiting for review: {values['waiting']}"
    connection = get_connection()
    with contextlib.suppress(Exception):  # a server that is down fails each send, counted
        connection.open()
    try:
        for number, address in enumerate(addresses, start=1):
            message = notifications.compose(
                subject=subject,
                template="email/curator_digest.txt",
                context=values,
                to=[address],
                connection=connection,
            )
            try:
                message.send()
            except Exception as error:
                # The error may quote the address: log which one by its place in the list.
                logger.error(
                    "Digest to curator address %s not sent: %s", number, type(error).__name__
                )
                outcome.failed += 1
            else:
                outcome.sent += 1
    finally:
        with contextlib.suppress(Exception):
            connection.close()
