"""`manage.py export_activity`: the public entries' daily activity counts as CSV (see
hashtags.activity.export for the columns), under CC0 1.0 like the registry export."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hashtags.activity.export import iter_activity_csv


class Command(BaseCommand):
    help = (
        "Export the daily activity counts of every public entry (tag, network, server, day, "
        "uses, accounts) as CSV. The data is published under CC0 1.0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, *args, **options) -> None:
        if not options["output"]:
            for piece in iter_activity_csv():
                self.stdout.write(piece, ending="")
            return
        try:
            with open(options["output"], "w", encoding="utf-8", newline="") as output:
                for piece in iter_activity_csv():
                    output.write(piece)
        except OSError as error:
            raise CommandError(f"Cannot write {options['output']}: {error.strerror}.") from None
