"""`manage.py mirror_registry <base-url>`: make this database a copy of another registry,
or bring the copy up to date (hashtags.opendata.mirror)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hashtags.opendata import mirror


class Command(BaseCommand):
    help = (
        "Copy the registry served at BASE_URL (e.g. https://hashtags.example.org) into this "
        "empty database, then, on each later run, apply the changes it has made since. "
        "A run cut short resumes where it stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("base_url", help="The source registry's address.")
        parser.add_argument(
            "--page-size",
            type=int,
            default=mirror.PAGE,
            choices=range(1, 1001),
            metavar="N",
            help=f"Changes read and applied per transaction (1-1000; {mirror.PAGE}).",
        )

    def handle(self, *args, **options) -> None:
        try:
            report = mirror.mirror(
                options["base_url"], page_size=options["page_size"], say=self.stderr.write
            )
        except mirror.MirrorError as error:
            raise CommandError(str(error)) from None
        # stdout: the result only.
        self.stdout.write(
            f"copied={report.imported} applied={report.applied} sequence={report.sequence}"
        )
