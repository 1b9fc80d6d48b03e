"""The import at speed (issue 30): rows are read and written in batches, so an import
sends at most a few SQL statements per row, however many rows, whether it creates,
updates or leaves them, with everything the write path records (history, changes,
published documents). Run on SQLite and on PostgreSQL (DATABASE_URL)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hashtags.models import Change, Chat, ChatPause, Hashtag, HashtagModerator, Published
from hashtags.opendata import registry_io

pytestmark = pytest.mark.django_db

# At most this many statements per row (the target).
PER_ROW = 5
CATEGORIES = [
    {"slug": "diseases", "name": "Diseases", "parent": None, "description": ""},
    {"slug": "cancer", "name": "Cancer", "parent": "diseases", "description": ""},
    {"slug": "health-it", "name": "Health IT", "parent": None, "description": ""},
]


def row(number: int, *, changed: bool = False) -> dict:
    """A row with every kind of content a file carries: categories, platforms, an alias, a
    chat with a break and a cancelled date, hosts shared with other rows."""
    weekday = ("MO", "TU", "WE", "TH")[number % 4]
    return {
        "tag": f"Speed{number:05d}Care",
        "name": f"Entry {number}" + (" (changed)" if changed else ""),
        "kind": "chat",
        "status": "approved",
        "description": "A chat about care.",
        "language": "en",
        "categories": ["cancer", "health-it"] if number % 2 else ["diseases"],
        "platforms": ["x", "bluesky"] if number % 2 else ["mastodon"],
        "aliases": [f"Speed{number:05d}Alt"] if number % 3 == 0 else [],
        "last_verified": "2026-11-01T12:00:00Z",
        "created": "2025-01-01T00:00:00Z",
        # Each row its own time: restoring them costs the most.
        "updated": f"2025-06-01T00:{number // 60 % 60:02d}:{number % 60:02d}Z",
        "approved_at": "2025-01-02T00:00:00Z",
        "chats": [
            {
                "weekdays": [weekday],
                "start_time": "20:30:00",
                "duration_minutes": 90 if changed else 60,
                "timezone": ("America/New_York", "Europe/Paris")[number % 2],
                "starts_on": "2020-01-06",
                "pauses": [{"from": "2024-07-01", "until": "2024-08-31", "note": "Summer"}],
                "cancelled_dates": [str(date(2024, 12, 23 + number % 4))],
            }
        ],
        "moderators": [
            {
                "handle": f"host{number % 7}",
                "display_name": f"Host {number % 7}",
                "platform": "x",
                "role": "founder",
                "since": 2015,
            },
            {"handle": f"guest{number}", "display_name": "A guest", "platform": "x"},
        ],
    }


def statements(numbers: range, *, changed: bool = False) -> int:
    document = registry_io.ImportFile(
        "json",
        CATEGORIES,
        [registry_io.Row(index, row(n, changed=changed)) for index, n in enumerate(numbers, 1)],
    )
    with CaptureQueriesContext(connection) as queries:
        report = registry_io.import_registry(document, create_categories=True)
    assert not report.errors, report.errors[:3]
    return len(queries)


def test_an_import_sends_at_most_five_statements_per_row_created_updated_or_unchanged():
    rows = 40
    # Created: 40 rows, then 80 others.
    small, large = statements(range(rows)), statements(range(1000, 1000 + 2 * rows))
    assert large - small <= PER_ROW * rows, (small, large)
    # Updated: every row's name and chat changed.
    small = statements(range(rows), changed=True)
    large = statements(range(1000, 1000 + 2 * rows), changed=True)
    assert large - small <= PER_ROW * rows, (small, large)
    # Unchanged: the same rows again.
    small = statements(range(rows), changed=True)
    large = statements(range(1000, 1000 + 2 * rows), changed=True)
    assert large - small <= PER_ROW * rows, (small, large)


def test_an_import_in_batches_writes_what_one_row_at_a_time_wrote(monkeypatch):
    """Rows over several batches: every entry, chat, break and host is written with its
    history, its change and its published document."""
    monkeypatch.setattr(registry_io, "BATCH", 7)
    statements(range(20))

    assert Hashtag.objects.count() == Published.objects.count() == 20
    assert Change.objects.filter(action="created").count() == 20
    assert Chat.objects.count() == ChatPause.objects.count() == 20
    assert HashtagModerator.objects.count() == 40
    entry = Hashtag.objects.get(key="speed00003care")
    assert entry.aliases.get().tag == "Speed00003Alt"
    assert sorted(entry.categories.values_list("slug", flat=True)) == ["cancer", "health-it"]
    record = entry.history.first()
    assert record.history_change_reason == "import_registry"
    assert sorted(c.category.slug for c in record.categories.all()) == ["cancer", "health-it"]
    assert entry.chats.get().history.first().history_change_reason == "import_registry"

    statements(range(20), changed=True)

    chat = Chat.objects.get(hashtag=entry)
    assert chat.duration_minutes == 90
    assert Hashtag.objects.get(pk=entry.pk).name == "Entry 3 (changed)"
    assert Change.objects.filter(action="updated").count() == 20
    assert chat.history.first().history_type == "~"


def test_a_clash_only_the_database_sees_names_its_row_and_the_others_are_written(
    monkeypatch, make_hashtag
):
    """A batch the database refuses (here a look-alike that validation was kept from
    seeing, as in a race) is imported again row by row: the report names the row."""
    from hashtags import entries

    make_hashtag("Heall")
    monkeypatch.setattr(entries.Known, "candidates", lambda self, tag: [])
    rows = [{"tag": tag, "name": tag, "kind": "other"} for tag in ("First", "Heal1", "Third")]
    report = registry_io.import_registry(
        registry_io.ImportFile("json", None, [registry_io.Row(n, r) for n, r in enumerate(rows, 1)])
    )

    assert [result.outcome for result in report.results] == ["created", "error", "created"]
    assert "looks like #Heall" in report.results[1].detail
    assert not Hashtag.objects.filter(tag__in=["First", "Third"]).exists()  # all or nothing
