"""The calendar of every chat (/chats.ics), cold, at 10,000 chats: the product's writer
against the icalendar library's own VEVENTs.

The feed is written by `hashtags.calendar.iter_calendar`: its VTIMEZONEs are the ones
stored with each zone's row (`hashtags.vtimezones.stored`, produced from zoneinfo the
first time a feed uses the zone), its VEVENTs come from `event_ical`, which writes the
bytes icalendar's Event would. This script measures, each in a fresh process (every
in-process cache empty: a cold first request):

- `product-first`: GET /chats.ics through the real view, the first ever (no VTIMEZONE
  stored yet: what the first feed after a tz data upgrade meets);
- `product`: the same request again in a new process, the VTIMEZONEs stored (what every
  other cold request meets);
- `library`: the same chats read the same way, each VEVENT built as an icalendar Event
  (tests/ical_oracle.py), the calendar written with `to_ical()`.

The database is a temporary SQLite file with 10,000 approved entries, one chat each,
in 30 zones, every tenth with a cancelled date and every twentieth with a break.

    .venv/bin/python bench/ical_feed.py [--chats 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Sao_Paulo", "America/Santiago", "America/Mexico_City", "America/Toronto",
    "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Dublin",
    "Africa/Casablanca", "Africa/Lagos", "Africa/Nairobi", "Asia/Tehran", "Asia/Kolkata",
    "Asia/Kathmandu", "Asia/Tokyo", "Asia/Singapore", "Asia/Dubai", "Australia/Sydney",
    "Australia/Lord_Howe", "Australia/Adelaide", "Pacific/Auckland", "Pacific/Chatham",
    "Pacific/Honolulu", "UTC", "America/St_Johns",
]  # fmt: skip


def _django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["REDIS_URL"] = ""
    os.environ["RATE_LIMITS"] = "off"
    import django

    django.setup()


def populate(database_url: str, count: int) -> None:
    _django(database_url)
    from datetime import date
    from datetime import time as clock

    from django.core.management import call_command
    from django.db import transaction

    from hashtags.models import Chat, ChatPause, Hashtag

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        hashtags = Hashtag.objects.bulk_create(
            [
                Hashtag(
                    tag=f"Chat{i:06d}",
                    key=f"chat{i:06d}",
                    name=f"Chat {i} — santé publique",
                    description=f"A weekly chat about health and care, number {i}.",
                    kind="chat",
                    status="approved",
                )
                for i in range(count)
            ],
            batch_size=2000,
        )
        chats = Chat.objects.bulk_create(
            [
                Chat(
                    hashtag_id=h.pk,
                    title="Weekly chat",
                    weekdays=("TU", "TH,FR", "MO")[i % 3],
                    interval=1 + i % 2,
                    start_time=clock(6 + i % 14, (i % 4) * 15),
                    timezone_id=ZONES[i % len(ZONES)],
                    duration_minutes=60,
                    starts_on=date(2020 + i % 5, 1 + i % 12, 1),
                    cancelled_dates=["2027-03-02"] if i % 10 == 0 else [],
                )
                for i, h in enumerate(hashtags)
            ],
            batch_size=2000,
        )
        ChatPause.objects.bulk_create(
            [
                ChatPause(chat=chat, starts_on=date(2027, 7, 1), ends_on=date(2027, 8, 31))
                for i, chat in enumerate(chats)
                if i % 20 == 0
            ]
        )


def measure_product() -> dict:
    from django.test import Client

    started = time.perf_counter()
    answer = Client().get("/chats.ics", secure=True)
    body = b"".join(answer.streaming_content)
    seconds = time.perf_counter() - started
    assert answer.status_code == 200, answer.status_code
    return {"seconds": round(seconds, 2), "bytes": len(body), "events": body.count(b"BEGIN:VEVENT")}


def measure_library() -> dict:
    import icalendar

    sys.path.insert(0, str(ROOT))
    from hashtags import calendar
    from hashtags.models import Chat, load_breaks
    from tests.ical_oracle import chat_event

    started = time.perf_counter()
    chats = Chat.objects.public()
    document = icalendar.Calendar()
    document.add("prodid", calendar.PRODID)
    document.add("version", "2.0")
    zones = calendar.zones_used(chats)
    for piece in calendar.timezones_ical(zones):
        document.add_component(icalendar.Timezone.from_ical(piece))
    rows = load_breaks(
        list(chats.select_related("hashtag").marking_breaks().order_by("hashtag__key", "pk"))
    )
    events = 0
    for chat in rows:
        event = chat_event(chat)
        if event is not None:
            document.add_component(event)
            events += 1
    body = document.to_ical()
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "bytes": len(body), "events": events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--measure", choices=["product", "library"], help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        _django(options.database)
        result = measure_product() if options.measure == "product" else measure_library()
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{os.environ.get('ICAL_BENCH_DIR', folder)}/feed.sqlite3"
        started = time.perf_counter()
        populate(database, options.chats)
        print(f"{options.chats} chats in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        results = {}
        for which in ("product-first", "product", "library"):
            measure = which.removesuffix("-first")
            run = subprocess.run(  # noqa: S603 - this script, in a fresh process
                [sys.executable, __file__, "--measure", measure, "--database", database],
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode:
                sys.exit(run.stderr[-3000:])
            results[which] = json.loads(run.stdout.strip().splitlines()[-1])
    print(json.dumps({"chats": options.chats, **results}, indent=2))


if __name__ == "__main__":
    main()
