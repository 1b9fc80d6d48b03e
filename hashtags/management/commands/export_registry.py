"""`manage.py export_registry`: the public registry as JSON or CSV (see
hashtags.opendata.registry_io for the formats). Private fields are never exported."""

import logging

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hashtags.opendata import registry_io

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Export every public entry (approved; retired too with --include-retired) with its "
        "categories, aliases, chats and moderators, as a versioned JSON document or a CSV "
        "file. The data is published under CC0 1.0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        )
        parser.add_argument(
            "--include-retired", action="store_true", help="Include retired entries."
        )

    def handle(self, *args, **options) -> None:
        pieces = registry_io.iter_export(
            options["format"], include_retired=options["include_retired"]
        )
        if not options["output"]:
            for piece in pieces:
                self.stdout.write(piece, ending="")
            # The log (stderr) says it finished; stdout holds only the document.
            logger.info("Exported the registry as %s to standard output.", options["format"])
            return
        try:
            # newline="" so CSV's CRLF line ends are written exactly as produced.
            with open(options["output"], "w", encoding="utf-8", newline="") as output:
                for piece in pieces:
                    output.write(piece)
        except OSError as error:
            raise CommandError(f"Cannot write {options['output']}: {error.strerror}.") from None
        logger.info("Exported the registry as %s to %s.", options["format"], options["output"])
