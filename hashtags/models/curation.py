"""Curation: submissions and edit suggestions, stewards, reports, and the switches
curators hold.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hashtags.models.base import ChecksInDatabase, new_reference
from hashtags.validators import (
    MAX_TAG_LENGTH,
)


class RejectCode(models.TextChoices):
    """Why a curator turned a submission or an edit suggestion down: a fixed list, so the
    applicant reads a plain explanation and what to do next (`REJECT_CODE_HELP`), and the
    curators' figures can count the reasons."""

    DUPLICATE = "duplicate", "Already in the directory"
    NOT_HEALTHCARE = "not_healthcare", "Not about health or healthcare"
    INACTIVE = "inactive", "Not a hashtag people use"
    PROMOTIONAL = "promotional", "Promotional"
    UNVERIFIABLE = "unverifiable", "Could not be verified"
    INCOMPLETE = "incomplete", "Details incomplete or unclear"
    SPAM = "spam", "Spam"
    OTHER = "other", "Another reason"


# For each code: what it means, and what the applicant can do next (shown on the status
# page and in the email).
REJECT_CODE_HELP: dict[str, tuple[str, str]] = {
    RejectCode.DUPLICATE: (
        _("The hashtag, or one that reads the same, is already in the directory."),
        _('Search the directory for it; to correct that entry, use "Suggest an edit" on its page.'),
    ),
    RejectCode.NOT_HEALTHCARE: (
        _(
            "The directory lists hashtags about health, care, medicine and health research; "
            "this one is mostly about something else."
        ),
        _(
            "If its conversations are about health, submit it again saying how, with a link "
            "to examples."
        ),
    ),
    RejectCode.INACTIVE: (
        _(
            "We found little or no recent use of the hashtag, so it would not help people "
            "find a conversation."
        ),
        _("Submit it again once it is in regular use, with a link to recent posts."),
    ),
    RejectCode.PROMOTIONAL: (
        _(
            "The entry reads as an advertisement for a product, a service or an event "
            "rather than a description of the conversation."
        ),
        _("Submit it again with a neutral description of the conversation and who takes part."),
    ),
    RejectCode.UNVERIFIABLE: (
        _("We could not confirm the details from a public source."),
        _(
            "Submit it again with a source: a public page (the hosts' site, an announcement) "
            "that confirms the hashtag and its chats."
        ),
    ),
    RejectCode.INCOMPLETE: (
        _(
            "Some details we need were missing or unclear (for example the chat's day, time "
            "or time zone)."
        ),
        _("Submit it again with the missing details; the curator's note says which."),
    ),
    RejectCode.SPAM: (
        _("The submission looked like spam."),
        _("If this is a mistake, submit it again with a description and a source."),
    ),
    RejectCode.OTHER: (
        _("The curator explains the reason in their note."),
        _("Read the curator's note; you are welcome to submit again with changes that address it."),
    ),
}


class Submission(ChecksInDatabase, models.Model):
    """A public request that created (or proposes) an entry.

    The submitter's name and email are private: never in a page, a feed or the API.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Kind(models.TextChoices):
        NEW = "new", "New entry"
        EDIT = "edit", "Edit suggestion"

    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NEW)
    hashtag = models.ForeignKey(
        "Hashtag",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submissions",
        help_text="The entry it created (a new entry) or would change (an edit suggestion).",
    )
    tag = models.CharField(max_length=MAX_TAG_LENGTH, help_text="The tag as proposed.")
    payload = models.JSONField(
        default=dict,
        blank=True,
        help_text="The data as submitted; for an edit suggestion, only the fields it changes.",
    )
    base = models.JSONField(
        default=dict,
        blank=True,
        help_text="For an edit suggestion: the entry's values of those fields when it was "
        "made, to show a conflict with a change made since.",
    )
    submitter_name = models.CharField(max_length=200)
    submitter_email = models.EmailField()
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        editable=False,
        help_text="The site's language the submitter wrote in: their email is in it.",
    )
    note = models.TextField(blank=True, max_length=2000, help_text="A note to the curators.")
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    reason = models.TextField(
        blank=True, max_length=2000, help_text="The curator's reason, shown to the submitter."
    )
    reason_code = models.CharField(
        max_length=20,
        blank=True,
        choices=RejectCode.choices,
        help_text="A rejection's coded reason; the submitter sees its explanation.",
    )
    changes_requested = models.TextField(
        blank=True,
        max_length=2000,
        help_text="The curator's last request for changes, emailed to the submitter.",
    )
    changes_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["submitter_email"])

    class Meta:
        ordering = ["-created", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(reason="") | ~Q(reason_code=""),
                name="submission_rejection_has_reason",
                violation_error_message="A rejection needs a reason for the submitter.",
            ),
            models.CheckConstraint(
                condition=Q(reason_code="") | Q(reason_code__in=RejectCode.values),
                name="submission_reason_code_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.tag} ({self.get_state_display()})"

    @property
    def reason_explanation(self) -> str:
        # In the active language (the status page's, the email's reader's).
        return str(REJECT_CODE_HELP.get(self.reason_code, ("", ""))[0])

    @property
    def reason_next_step(self) -> str:
        return str(REJECT_CODE_HELP.get(self.reason_code, ("", ""))[1])

    @property
    def changes_are_requested(self) -> bool:
        return self.state == self.State.PENDING and self.changes_requested_at is not None


class Steward(ChecksInDatabase, models.Model):
    """A person who keeps an entry current: the submitter of an approved entry, or
    someone whose claim a curator accepted. Stewards have no account: they act through
    signed, expiring links sent to their email (hashtags.stewardship). The email and
    name are private: never in a page, a feed, the API or a log."""

    class State(models.TextChoices):
        CLAIMED = "claimed", "Asked to be steward"
        ACTIVE = "active", "Steward"
        DECLINED = "declined", "Claim declined"
        ENDED = "ended", "No longer steward"

    class DeclineReason(models.TextChoices):
        """Why a curator declined a claim (the claimant reads it, with what they can do)."""

        NO_CONNECTION = "no_connection", "No public link to the community"
        HAS_STEWARD = "has_steward", "The entry already has a steward"
        NOT_CONFIRMED = "not_confirmed", "The claim could not be confirmed"
        OTHER = "other", "Another reason"

    hashtag = models.ForeignKey("Hashtag", on_delete=models.CASCADE, related_name="stewards")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        editable=False,
        help_text="The site's language the steward asked in: their email is in it.",
    )
    note = models.TextField(
        blank=True, max_length=2000, help_text="Why they ask to be steward (a claim)."
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.CLAIMED, db_index=True
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reminded_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the last reminder was sent."
    )
    decline_reason = models.CharField(
        max_length=20, choices=DeclineReason.choices, blank=True, editable=False
    )
    decline_note = models.TextField(
        blank=True, max_length=2000, editable=False, help_text="Sent to the claimant."
    )

    history = HistoricalRecords(excluded_fields=["email", "name"])

    class Meta:
        ordering = ["hashtag_id", "created", "pk"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"),
                "hashtag",
                condition=Q(state__in=["claimed", "active"]),
                name="steward_once_per_entry",
                violation_error_message="This person already is, or asked to be, its steward.",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["claimed", "active", "declined", "ended"]),
                name="steward_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()} of #{self.hashtag.tag}"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE


class ReportReason(models.TextChoices):
    OUTDATED = "outdated", "Outdated or no longer active"
    WRONG_SCHEDULE = "wrong_schedule", "Wrong chat schedule"
    NOT_HEALTH = "not_health", "Not health-related"
    SPAM = "spam", "Spam"
    OTHER = "other", "Other"


class Report(ChecksInDatabase, models.Model):
    """A visitor's flag on a public entry, for the curators."""

    Reason = ReportReason

    hashtag = models.ForeignKey("Hashtag", on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    comment = models.TextField(blank=True, max_length=2000)
    created = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution_note = models.TextField(blank=True, max_length=2000)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values),
                name="report_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on #{self.hashtag.tag}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Switchboard(ChecksInDatabase, models.Model):
    """Site-wide switches that curators flip in the admin, without a deploy (one row)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    submissions_open = models.BooleanField(
        default=True,
        help_text="Untick to close the submission form and API (reading keeps working), "
        "e.g. during a wave of spam.",
    )
    closed_message = models.CharField(
        max_length=300,
        blank=True,
        help_text="Shown to visitors while submissions are closed.",
    )
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "switchboard"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="switchboard_single_row")]

    def __str__(self) -> str:
        return "Site switches"

    @classmethod
    def current(cls) -> "Switchboard":
        return cls.objects.get_or_create(pk=1)[0]


def submissions_open() -> bool:
    """Submissions are open unless the SUBMISSIONS_OPEN setting or a curator closed them."""
    return settings.SUBMISSIONS_OPEN and Switchboard.current().submissions_open


class CuratorDigest(models.Model):
    """A day the curators were emailed what waits for them (`manage.py
    send_curator_digest`): one row a day, unique, so the digest goes out once a day at
    most, even when two runs overlap."""

    day = models.DateField(unique=True, help_text="The day (UTC) the digest was sent.")
    sent_at = models.DateTimeField(default=timezone.now)
    waiting = models.JSONField(default=dict, help_text="What waited, by kind, as it was sent.")
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Digest of {self.day}"
