"""Count the public entries again (`hashtags.counts.rebuild`), or check the kept counts.

The counts the unfiltered directory, the home page and the category tree show are kept
as entries change. Writes that bypass the models (raw SQL, queryset.update() of an
entry's kind, language or status, a bulk load) leave them behind: run this afterwards.
`--check` changes nothing: it lists the counts that differ from a fresh count (stdout)
and exits 1 if any do.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from hashtags.cache import bump_generation
from hashtags.counts import differences, rebuild


class Command(BaseCommand):
    help = "Count the public entries again for the directory's counts (--check: compare only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Only compare the kept counts with a fresh count."
        )

    def handle(self, *args, check: bool = False, **options) -> None:
        if check:
            differing = differences()
            for (facet, value), (kept, fresh) in sorted(differing.items()):
                self.stdout.write(f"{facet}\t{value}\tkept {kept}\tcounted {fresh}")
            if differing:
                sys.exit(1)
            return
        started = time.monotonic()
        counted = rebuild()
        bump_generation()
        self.stderr.write(
            f"Counted {counted:,} public entries in {time.monotonic() - started:.1f} s."
        )
