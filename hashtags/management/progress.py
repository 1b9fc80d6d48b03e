"""A command's progress bar: on standard error, and only when that is a terminal (a
cron job's log stays clean)."""

from collections.abc import Callable

from django.core.management.base import BaseCommand

BAR_WIDTH = 30


class ProgressCommand(BaseCommand):
    def progress(self) -> Callable[[int, int], None] | None:
        """What to call with (done, total) as the work goes on, or None off a terminal."""
        return self.show_progress if self.stderr.isatty() else None

    def show_progress(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        ending = "\n" if done == total else ""
        self.stderr.write(f"\r[{bar}] {done}/{total}", style_func=str, ending=ending)
        self.stderr.flush()
