"""`manage.py import_registry FILE`: upsert entries from a JSON or CSV export, all or nothing.

Prints one line per row (created / updated / unchanged / error with the reason), progress
on standard error every 1,000 rows, and a summary. Exits with an error, having written
nothing, if any row is invalid. Entries it creates are approved: the import is a
curator's tool and bypasses the review queue.
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hashtags.opendata import registry_io


class Command(BaseCommand):
    help = (
        "Import entries from a JSON or CSV file as exported by export_registry, matching "
        "existing entries by hashtag (case-insensitive). One transaction: a single bad row "
        "means nothing is written. Created entries are approved (a curator's tool)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The file to import, or - for standard input.")
        parser.add_argument(
            "--format",
            choices=["json", "csv"],
            help="The file's format (default: from the file name, else from its content).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and print the report, but write nothing.",
        )
        parser.add_argument(
            "--create-categories",
            action="store_true",
            help="Create the categories the file names that do not exist yet "
            "(from the JSON document's tree, or from the CSV's category paths).",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=1000,
            metavar="N",
            help="Show progress on standard error every N rows (default 1000).",
        )
        parser.add_argument(
            "--curator",
            metavar="USERNAME",
            help="The staff account the changes are recorded under in the history.",
        )

    def handle(self, *args, **options) -> None:
        curator = None
        if options["curator"]:
            curator = (
                get_user_model()
                .objects.filter(username=options["curator"], is_staff=True, is_active=True)
                .first()
            )
            if curator is None:
                raise CommandError(f"No active staff account named {options['curator']!r}.")
        try:
            with registry_io.open_text(options["file"], stdin=sys.stdin) as stream:
                fmt = options["format"]
                if fmt is None:
                    if not stream.seekable():
                        raise CommandError("Give --format json or --format csv for a stream.")
                    head = stream.read(64)
                    stream.seek(0)
                    fmt = registry_io.detect_format(options["file"], head)
                document = registry_io.read_file(stream, fmt)
                report = registry_io.import_registry(
                    document,
                    dry_run=options["dry_run"],
                    create_categories=options["create_categories"],
                    curator=curator,
                    progress=lambda count: self.stderr.write(f"… {count:,} rows read"),
                    progress_every=max(1, options["progress_every"]),
                )
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from None
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{options['file']} is not UTF-8 text (byte {error.start}); save it as UTF-8."
            ) from None
        except registry_io.ImportFileError as error:
            raise CommandError(str(error)) from None

        for result in report.results:
            if options["verbosity"] >= 1 or result.outcome == registry_io.ERROR:
                self.stdout.write(str(result))
        if report.errors:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
