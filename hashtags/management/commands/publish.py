"""Publish every public entry again (`hashtags.published.publish_all`), or check that what
is published is what readers should see.

The write path publishes each entry it writes. Writes that go past it (raw SQL, a
queryset's update() of an entry or of its chats, a bulk load) leave documents and counts
behind: run this afterwards. `--check` changes nothing: it lists on stdout each entry
whose stored documents differ from what the producer makes of it now, and each count
that differs from a count of the published rows, and exits 1 if there is any.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from hashtags.published import count_differences, differences, publish_all
from hashtags.serving.cache import bump_generation


class Command(BaseCommand):
    help = "Publish every public entry again (--check: only compare)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare the stored documents and counts with fresh ones.",
        )

    def handle(self, *args, check: bool = False, **options) -> None:
        if check:
            stale = differences()
            for difference in stale:
                state = (
                    "unpublished"
                    if difference.stored is None
                    else "no longer public"
                    if difference.produced is None
                    else "differs"
                )
                self.stdout.write(f"entry\t{difference.entry_id}\t{state}")
            counts = count_differences()
            for (facet, value), (kept, fresh) in sorted(counts.items()):
                self.stdout.write(f"count\t{facet}\t{value}\tkept {kept}\tcounted {fresh}")
            if stale or counts:
                sys.exit(1)
            return
        started = time.monotonic()
        done = publish_all()
        bump_generation()
        self.stderr.write(
            f"Published {done:,} public entries in {time.monotonic() - started:.1f} s."
        )
