"""`manage.py send_curator_digest`: email the curators what waits for them
(hashtags.curation.digest). Run it daily (docs/deploy.md); it sends once a day at most, and
nothing when nothing waits.

Prints one summary line on standard output; logs on standard error, never an address.
Exits with an error when a message could not be sent.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hashtags.curation import digest
from hashtags.curation.reminders import plural


class Command(BaseCommand):
    help = (
        "Email the curators (CURATORS_EMAIL, or each active curator) what waits for "
        "review: new submissions, edit suggestions, steward claims, reports. Once a day "
        "at most, and only when something waits; safe to run more often."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what waits and who would be told, and send nothing.",
        )

    def handle(self, *args, **options) -> None:
        if options["dry_run"]:
            items = digest.waiting()
            self.stdout.write(
                f"{plural(len(items), 'item')} waiting"
                + (f" ({digest.counts_in_words(items)})" if items else "")
                + f"; {plural(len(digest.recipients()), 'address', 'addresses')} to tell "
                "(dry run)"
            )
            return
        outcome = digest.send_digest()
        self.stdout.write(outcome.summary())
        if outcome.failed or outcome.nobody:
            raise CommandError(
                "The digest could not reach every curator (see the log)."
                if outcome.failed
                else "Set CURATORS_EMAIL, or give the curators' accounts an email address."
            )
