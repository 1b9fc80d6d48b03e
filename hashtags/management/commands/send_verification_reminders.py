"""`manage.py send_verification_reminders`: ask the stewards of entries due for a check
whether they are still right (hashtags.curation.reminders). Run it daily (docs/deploy.md).

Prints one summary line on standard output; a progress bar on standard error when that
is a terminal; logs on standard error name stewards by id, never by address. Exits with
an error when a message could not be sent (after trying every other one).
"""

from django.core.management.base import CommandError, CommandParser

from hashtags.curation import reminders
from hashtags.management.progress import ProgressCommand


class Command(ProgressCommand):
    help = (
        "Email the stewards of approved entries due for a check (VERIFY_AFTER_DAYS), at "
        "most once per REMINDER_INTERVAL_DAYS each, with links to confirm the entry or "
        "stop the reminders. Safe to run more often than daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the reminders that would go out, and send nothing.",
        )

    def handle(self, *args, **options) -> None:
        if options["dry_run"]:
            to_send = reminders.stewards_to_remind().count()
            without = reminders.entries_without_steward().count()
            self.stdout.write(
                f"{reminders.plural(to_send, 'reminder')} to send (dry run), "
                f"{reminders.plural(without, 'entry', 'entries')} due without a steward"
            )
            return
        progress = self.progress()
        report = reminders.send_reminders(progress=progress)
        self.stdout.write(report.summary())
        if report.failed:
            raise CommandError(
                f"{reminders.plural(report.failed, 'reminder')} could not be sent "
                "(see the log); the next run tries again."
            )
