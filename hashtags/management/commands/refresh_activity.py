"""`manage.py refresh_activity`: count how much each public entry's tag is used on the
open networks (hashtags.activity). Run it daily (docs/deploy.md).

Prints one summary line on standard output (`120 entries, 3 servers, 2 failures (…)`);
a progress bar on standard error when that is a terminal; logs on standard error. A
server that fails is reported and the others carry on; the command fails only when it
could learn nothing at all (every request failed) or `--tag` names no public entry.
"""

from django.core.management.base import CommandError, CommandParser

from hashtags.activity import refresh
from hashtags.management.progress import ProgressCommand
from hashtags.models import Hashtag


class Command(ProgressCommand):
    help = (
        "Ask the configured Mastodon servers (and Bluesky, when signed in) how much each "
        "public entry's tag was used per day, and store the counts. Safe to re-run: a day "
        "read again replaces its counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tag", help="Only this entry (its tag or an alias, any case, '#' optional)."
        )

    def handle(self, *args, **options) -> None:
        public = Hashtag.objects.public()
        if options["tag"]:
            entry = public.resolve(options["tag"])
            if entry is None:
                raise CommandError(f"--tag: #{options['tag'].lstrip('#')} is not a public entry.")
            entries = [entry]
        else:
            entries = public.order_by("key").only("pk", "tag", "key")
        progress = self.progress()
        report = refresh.refresh(entries, progress=progress)
        self.stdout.write(report.summary())
        if report.failed and not report.fetched:
            raise CommandError("No server answered; nothing was counted (see the log).")
