from django.core.management.base import BaseCommand

from hashtags.models import TimeZone


class Command(BaseCommand):
    help = "Add the time zones of the installed tz database (tzdata) that chats may not use yet."

    def handle(self, *args, **options) -> None:
        added = TimeZone.sync()
        self.stdout.write(f"{added} time zone(s) added; {TimeZone.objects.count()} known.")
