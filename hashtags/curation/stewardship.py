"""Stewards: the people who keep an entry current.

The submitter of an approved entry becomes its steward; anyone may ask to become one (a
claim) and a curator accepts or declines. A steward has no account and no password:
they act through signed, expiring links (Django's signing) sent to their email, each
link naming the steward and what it is for. The email address is private: it never
reaches a page, the API or a log.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from hashtags import entries, published
from hashtags.curation import notifications
from hashtags.entries import save_as
from hashtags.models import PUBLIC_STATUSES, Chat, Hashtag, Steward, Submission
from hashtags.opendata import changelog

logger = logging.getLogger(__name__)

SALT = "hashtags.curation.stewardship"
# What a link may do: act on the entry (confirm, pause, cancel, end, suggest), or stop
# the reminders (the email's unsubscribe link and List-Unsubscribe header).
PURPOSES = ("act", "stop")


class StewardshipError(Exception):
    """A decision on a claim that cannot be applied (already decided); for the curator."""


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
        language=submission.language,
        state=Steward.State.ACTIVE,
        decided_at=timezone.now(),
    )
    save_as(steward, None, "Submitter of the approved entry")
    return steward


# --- Claims: asking to be steward, and the curators' answer ----------------------------


ASKED_AGAIN = "Asked again from the entry's page"


@transaction.atomic
def claim(*, hashtag: Hashtag, name: str, email: str, note: str = "") -> Steward:
    """Someone asks to become the steward of a public entry; a curator decides.

    When this email already is, or asked to be, its steward, that stewardship is
    returned unchanged and the request is recorded in its history (ASKED_AGAIN), where
    the curators see it: the claim form answers the same either way, so it tells no one
    whose address is whose."""
    existing = _open_stewardship(hashtag, email)
    if existing is not None:
        save_as(existing, None, ASKED_AGAIN)
        return existing
    # The page's language (/es/…/claim/: Spanish): the claimant's email is in it.
    language = translation.get_language()
    steward = Steward(hashtag=hashtag, name=name, email=email, note=note, language=language)
    # The one claim per address is the database's to settle, here and in a race.
    steward.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            save_as(steward, None, "Claim from the entry's page")
    except IntegrityError:
        # Lost a race to the same claim sent twice at once: the winner's is the claim.
        existing = _open_stewardship(hashtag, email)
        if existing is None:
            raise
        save_as(existing, None, ASKED_AGAIN)
        return existing
    return steward


def _open_stewardship(hashtag: Hashtag, email: str) -> Steward | None:
    """The entry's claim or active stewardship under `email`, locked, as the database's
    `steward_once_per_entry` matches it (the address lowercased by the database)."""
    return (
        Steward.objects.select_for_update()
        .annotate(lowered=Lower("email"))
        .filter(
            hashtag=hashtag,
            lowered=Lower(Value(email)),
            state__in=[Steward.State.CLAIMED, Steward.State.ACTIVE],
        )
        .first()
    )


def asked_again(steward: Steward) -> list[datetime]:
    """When the person asked again to be steward of the entry, oldest first."""
    return list(
        steward.history.filter(history_change_reason=ASKED_AGAIN)
        .order_by("history_date")
        .values_list("history_date", flat=True)
    )


def _locked_claim(steward: Steward) -> Steward:
    locked = Steward.objects.select_for_update().select_related("hashtag").get(pk=steward.pk)
    if locked.state != Steward.State.CLAIMED:
        raise StewardshipError(
            f"This claim on #{locked.hashtag.tag} was already decided "
            f"({locked.get_state_display().lower()})."
        )
    return locked


def _decide(steward: Steward, curator: Any, state: str, reason: str) -> Steward:
    steward.state = state
    steward.decided_at = timezone.now()
    steward.decided_by = curator if getattr(curator, "pk", None) else None
    save_as(steward, curator, reason)
    return steward


@transaction.atomic
def accept_claim(*, steward: Steward, curator: Any) -> Steward:
    """The claim is accepted: the person becomes a steward and is sent their link."""
    accepted = _decide(_locked_claim(steward), curator, Steward.State.ACTIVE, "Claim accepted")
    transaction.on_commit(lambda: send_welcome(accepted))
    return accepted


# What each reason means to the claimant, and what they can do next.
DECLINE_HELP: dict[str, tuple[str, str]] = {
    Steward.DeclineReason.NO_CONNECTION: (
        _lazy(
            "We could not find a public link between you and the hashtag's community (a "
            "profile, a page or a post that shows you host or organise it)."
        ),
        _lazy("Claim it again with a link that shows your part in the community."),
    ),
    Steward.DeclineReason.HAS_STEWARD: (
        _lazy("The entry already has a steward who keeps it current."),
        _lazy('To correct something on the entry, use "Suggest an edit" on its page.'),
    ),
    Steward.DeclineReason.NOT_CONFIRMED: (
        _lazy("We could not confirm what the claim says from public sources."),
        _lazy("Claim it again with a public source we can check."),
    ),
    Steward.DeclineReason.OTHER: ("", _lazy("Reply to this email if you have a question.")),
}


@transaction.atomic
def decline_claim(*, steward: Steward, curator: Any, reason: str = "", note: str = "") -> Steward:
    """The claim is declined, for `reason` (a Steward.DeclineReason) with an optional note
    (required with "Another reason"); the claimant is told why by email."""
    note = (note or "").strip()
    if reason and reason not in Steward.DeclineReason.values:
        raise ValidationError({"reason": f"Unknown reason “{reason[:40]}”."})
    if reason == Steward.DeclineReason.OTHER and not note:
        raise ValidationError({"note": 'With "Another reason", write the reason.'})
    locked = _locked_claim(steward)
    locked.decline_reason, locked.decline_note = reason, note
    declined = _decide(locked, curator, Steward.State.DECLINED, "Claim declined")
    transaction.on_commit(lambda: send_declined(declined))
    return declined


def send_declined(steward: Steward) -> None:
    """Tell a claimant why their claim was declined, in their language."""
    with translation.override(steward.language):
        _send_declined(steward)


def _send_declined(steward: Steward) -> None:
    explanation, next_step = DECLINE_HELP.get(steward.decline_reason, ("", ""))
    message = notifications.compose(
        subject=_("Your claim on #%(tag)s was declined") % {"tag": steward.hashtag.tag},
        template="email/claim_declined.txt",
        context={
            "steward_name": steward.name,
            "hashtag": steward.hashtag,
            "reason": steward.get_decline_reason_display() if steward.decline_reason else "",
            "explanation": explanation,
            "note": steward.decline_note,
            "next_step": next_step,
        },
        to=[steward.email],
    )
    notifications.deliver(message, f"the decline of claim {steward.pk}")


def unsubscribe_headers(stop_url: str) -> dict[str, str]:
    """The one-click unsubscribe headers (RFC 8058) of every email to a steward, pointing
    at `stop_url`, the steward's "stop" link that the email also shows."""
    return {
        "List-Unsubscribe": f"<{stop_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def send_welcome(steward: Steward) -> None:
    """Tell a new steward what they can do, with their links. A failure is logged
    (without the address) and does not undo the acceptance: the reminders carry links
    too. In the steward's language."""
    with translation.override(steward.language):
        _send_welcome(steward)


def _send_welcome(steward: Steward) -> None:
    stop_url = link(steward, "stop")
    context = {
        "steward_name": steward.name,
        "hashtag": steward.hashtag,
        "act_url": link(steward, "act"),
        "stop_url": stop_url,
        "link_days": settings.STEWARD_LINK_DAYS,
    }
    message = notifications.compose(
        subject=_("You are the steward of #%(tag)s") % {"tag": steward.hashtag.tag},
        template="email/steward_welcome.txt",
        context=context,
        to=[steward.email],
        headers=unsubscribe_headers(stop_url),
    )
    notifications.deliver(message, f"the welcome email to steward {steward.pk}")


@transaction.atomic
@changelog.acting_as(changelog.Role.STEWARD)
def stop(*, steward: Steward) -> Steward:
    """The steward steps down (the "stop reminders" link): their links stop working."""
    locked = Steward.objects.select_for_update().get(pk=steward.pk)
    if locked.state == Steward.State.ACTIVE:
        locked.state = Steward.State.ENDED
        save_as(locked, None, "Steward: stopped")
    return locked


# --- A steward's changes: each makes the registry more cautious, so none waits for review


def _public_entry(steward: Steward) -> Hashtag:
    entry = Hashtag.objects.select_for_update().get(pk=steward.hashtag_id)
    if entry.status not in PUBLIC_STATUSES:
        raise ValidationError("This entry is no longer in the directory.")
    return entry


@transaction.atomic
@changelog.acting_as(changelog.Role.STEWARD)
def confirm(*, steward: Steward) -> Hashtag:
    """The steward confirms the entry is accurate now: its freshness becomes current, with
    the steward (not a user) recorded as who confirmed it."""
    entry = _public_entry(steward)
    entry.last_verified = timezone.now()
    entry.last_verified_by = None
    entry.verified_by_steward = steward
    save_as(entry, None, "Steward: confirmed")
    published.publish([entry.pk])
    return entry


@changelog.acting_as(changelog.Role.STEWARD)
def _change_chat(steward: Steward, chat: Chat, reason: str, change) -> Hashtag:
    """Give every chat of the entry as stored, `change` applied to `chat`'s record, to
    hashtags.entries (a chat list replaces the entry's chats). Errors about this chat are
    keyed by its own field names (`pauses[0].from`, `cancelled_dates`, `ends_on`)."""
    entry = _public_entry(steward)
    chats = sorted(entry.chats.all(), key=lambda c: (c.start_time, c.pk))
    index = next((i for i, c in enumerate(chats) if c.pk == chat.pk), None)
    if index is None:
        raise ValidationError({"chat": "This chat is not one of the entry's."})
    records = [entries.chat_record(c) for c in chats]
    change(records[index], chats[index])
    try:
        return entries.update(hashtag=entry, curator=None, reason=reason, chats=records)
    except ValidationError as error:
        prefix = f"chats[{index}]"
        found: dict[str, list[str]] = {}
        for key, messages in error.message_dict.items():
            if key == prefix:
                key = "__all__"
            elif key.startswith(prefix + "."):
                key = key[len(prefix) + 1 :]
            else:
                key = "__all__"  # another chat's (or the entry's) stored data
            found.setdefault(key, []).extend(messages)
        raise ValidationError(found) from None


@transaction.atomic
def pause_chat(
    *, steward: Steward, chat: Chat, starts_on: date, ends_on: date | None, note: str = ""
) -> Hashtag:
    """A break from `starts_on` to `ends_on` (None: until further notice)."""

    def add(record: dict, _chat: Chat) -> None:
        pause = {"from": starts_on, "until": ends_on, "note": note}
        record["pauses"] = [*record["pauses"], pause]

    return _change_chat(steward, chat, "Steward: paused a chat", add)


@transaction.atomic
def cancel_date(*, steward: Steward, chat: Chat, day: date) -> Hashtag:
    """One meeting does not happen (the day must be one the chat meets on)."""

    def add(record: dict, _chat: Chat) -> None:
        record["cancelled_dates"] = [*record["cancelled_dates"], day.isoformat()]

    return _change_chat(steward, chat, "Steward: cancelled a date", add)


@transaction.atomic
def end_chat(*, steward: Steward, chat: Chat, ends_on: date | None = None) -> Hashtag:
    """The chat's last meeting is `ends_on` (today in the chat's zone by default). A
    steward may bring an end date forward, never push it later, nor into the past (which
    would erase meetings held): those go through review."""

    def end(record: dict, stored: Chat) -> None:
        today = stored.local_today()
        last = ends_on or today
        if last < today:
            raise ValidationError(
                {
                    "ends_on": f"A steward ends a chat today ({today}) or later; to record "
                    "an earlier end, suggest an edit: the curators check it."
                }
            )
        if stored.ends_on and last > stored.ends_on:
            raise ValidationError(
                {
                    "ends_on": f"The chat already ends on {stored.ends_on}; suggest an edit to "
                    "change it to a later date."
                }
            )
        record["ends_on"] = last.isoformat()

    return _change_chat(steward, chat, "Steward: ended a chat", end)
