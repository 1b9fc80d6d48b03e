"""`manage.py seed_synthetic --count N`: a realistic synthetic registry, in bulk, for the
benchmark (bench/) and for tests that need many rows.

Entries are public (approved). Names and descriptions draw words from a Zipf-like
distribution (a few words such as "health" appear in a large share of names, most words
are rare), so search sees both common and selective words. Each entry has 0-3
categories, 1-2 platforms, 0-4 moderators from a shared pool; 20% have a weekly chat;
10% have an alias. Tags are CamelCase word pairs or triples, numbered when taken: taken
means the key or a TS 39 skeleton is held ('Heal1' looks like 'Heall', 'rn' like 'm').

On PostgreSQL rows are written with COPY, in chunks of 20,000 entries per transaction:
identities and category links first, then the entries, so the search-document trigger
(migration 0005) finds the aliases and categories when the entry row is inserted (the
foreign keys are deferred to the chunk's commit). Elsewhere (SQLite) it uses
bulk_create. History tables are not filled for synthetic rows (they never changed).
Run twice, it adds N more entries with new tags.
"""

from __future__ import annotations

import itertools
import random
import time
from bisect import bisect
from collections.abc import Iterator
from datetime import date, timedelta
from datetime import time as clock
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from hashtags.models import (
    Category,
    Chat,
    Hashtag,
    HashtagModerator,
    Identity,
    Kind,
    Moderator,
    Platform,
    Status,
)
from hashtags.published import publish_all
from hashtags.serving.cache import bump_generation
from hashtags.validators import key_skeleton, tag_key, tag_skeleton

CHUNK = 20_000
HEALTH_WORDS = [
    "health",
    "care",
    "patient",
    "medicine",
    "cancer",
    "breast",
    "heart",
    "diabetes",
    "nurse",
    "doctor",
    "clinic",
    "hospital",
    "mental",
    "research",
    "data",
    "digital",
    "chat",
    "community",
    "support",
    "care",
    "pain",
    "rare",
    "disease",
    "pediatric",
    "surgery",
    "oncology",
    "cardiology",
    "nursing",
    "pharmacy",
    "public",
    "policy",
    "leaders",
    "social",
    "media",
    "wellness",
    "fitness",
    "nutrition",
    "equity",
    "access",
    "awareness",
    "recovery",
    "trial",
    "genomics",
    "imaging",
    "radiology",
    "primary",
    "family",
    "emergency",
    "rural",
    "global",
    "women",
    "men",
    "kids",
    "aging",
    "dementia",
    "stroke",
    "lung",
    "kidney",
    "liver",
    "blood",
    "immune",
    "vaccine",
    "infection",
    "covid",
    "autism",
    "epilepsy",
    "arthritis",
    "lupus",
    "asthma",
    "sleep",
    "therapy",
    "rehab",
    "caregiver",
    "advocate",
    "education",
    "students",
    "residents",
    "informatics",
    "innovation",
    "quality",
    "safety",
    "value",
    "payment",
    "insurance",
    "telehealth",
    "virtual",
    "home",
    "hospice",
    "palliative",
    "ethics",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "te",
    "vo",
    "zi",
    "bra",
    "cle",
    "dro",
    "fen",
    "gal",
    "hor",
    "jun",
    "kel",
    "mar",
    "nor",
    "pel",
    "qui",
]
VOCABULARY_SIZE = 5000
ZIPF_EXPONENT = 1.07
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London",
         "Europe/Madrid", "Asia/Kolkata", "Australia/Sydney", "UTC"]  # fmt: skip
CATEGORY_TREE = {
    "syn-diseases": ["cancer", "heart", "diabetes", "rare", "infection", "mental-health"],
    "syn-professions": ["nursing", "medicine", "pharmacy", "surgery"],
    "syn-health-it": ["data", "telehealth", "informatics"],
    "syn-communities": ["patients", "caregivers", "advocates", "students"],
    "syn-policy": ["equity", "payment", "public-health"],
}


def vocabulary(rng: random.Random) -> list[str]:
    """Real health words first (the most frequent), then made-up ones."""
    words = list(dict.fromkeys(HEALTH_WORDS))
    seen = set(words)
    while len(words) < VOCABULARY_SIZE:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Zipf:
    """Draws words with probability proportional to 1 / rank^s."""

    def __init__(self, words: list[str], rng: random.Random) -> None:
        self.words = words
        self.rng = rng
        weights = [1 / (rank**ZIPF_EXPONENT) for rank in range(1, len(words) + 1)]
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def draw(self, count: int) -> list[str]:
        random_ = self.rng.random
        return [self.words[bisect(self.cumulative, random_() * self.total)] for _ in range(count)]


class Command(BaseCommand):
    help = "Add N synthetic public entries (Zipf-like words, categories, chats, moderators)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="Entries to add.")
        parser.add_argument("--seed", type=int, default=7, help="Random seed (repeatable).")

    def handle(self, *args: Any, count: int, seed: int, **options: Any) -> None:
        if count < 1:
            raise CommandError("--count: give a number of entries of at least 1.")
        started = time.monotonic()
        rng = random.Random(seed + Hashtag.objects.count())  # noqa: S311 - not secrets
        zipf = Zipf(vocabulary(rng), rng)
        categories = self.categories()
        platforms = list(Platform.objects.values_list("code", flat=True)) or ["x"]
        moderators = self.moderators(max(10, count // 4))
        taken = set(Identity.objects.values_list("key", flat=True))
        taken.update(Hashtag.objects.values_list("key", flat=True))
        for skeleton, folded in Identity.objects.values_list("skeleton", "key_skeleton"):
            taken.update({f"s:{skeleton}", f"s:{folded}"})
        postgres = connection.vendor == "postgresql"
        next_id = (Hashtag.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
        if postgres:
            next_id = self.reserve_ids(count)
        done = 0
        for chunk_start in range(0, count, CHUNK):
            size = min(CHUNK, count - chunk_start)
            rows = self.chunk(
                rng, zipf, taken, next_id + chunk_start, size, categories, platforms, moderators
            )
            with transaction.atomic():
                (self.copy if postgres else self.bulk)(rows)
            done += size
            if count > CHUNK:
                self.stdout.write(f"  {done:,} / {count:,} ({time.monotonic() - started:.0f} s)")
        if postgres:
            # Fresh statistics for every table written (the planner would otherwise take
            # a million-row link table for empty and scan it for each page's prefetch).
            tables = [
                model._meta.db_table
                for model in (
                    Hashtag,
                    Identity,
                    Chat,
                    HashtagModerator,
                    Moderator,
                    Hashtag.categories.through,
                    Hashtag.platforms.through,
                )
            ]
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ANALYZE {table}")
        # Bulk writes go past the write path: publish (and count) every entry again.
        publish_all()
        bump_generation()
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {count:,} synthetic entries in {time.monotonic() - started:.1f} s "
                f"({Hashtag.objects.count():,} in all)."
            )
        )

    # Reference rows -----------------------------------------------------------------

    def categories(self) -> list[int]:
        ids = []
        for top, children in CATEGORY_TREE.items():
            parent, _ = Category.objects.get_or_create(
                slug=top, defaults={"name": top.removeprefix("syn-").replace("-", " ").title()}
            )
            ids.append(parent.pk)
            for child in children:
                node, _ = Category.objects.get_or_create(
                    slug=f"{top}-{child}",
                    defaults={"name": child.replace("-", " ").title(), "parent": parent},
                )
                ids.append(node.pk)
        return ids

    def moderators(self, wanted: int) -> list[int]:
        existing = list(
            Moderator.objects.filter(handle__startswith="synmod").values_list("pk", flat=True)
        )
        if len(existing) < wanted:
            start = len(existing)
            Moderator.objects.bulk_create(
                [
                    Moderator(handle=f"synmod{i}", display_name=f"Moderator {i}", platform_id="x")
                    for i in range(start, wanted)
                ],
                batch_size=5000,
            )
            existing = list(
                Moderator.objects.filter(handle__startswith="synmod").values_list("pk", flat=True)
            )
        return existing

    def reserve_ids(self, count: int) -> int:
        """Take `count` consecutive ids from the entries' sequence."""
        table = Hashtag._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608 - a model table name
                f"greatest((SELECT coalesce(max(id), 0) FROM {table}), "
                f"nextval(pg_get_serial_sequence(%s, 'id'))) + %s)",
                [table, table, count],
            )
            end = cursor.fetchone()[0]
        return end - count + 1

    # Rows -----------------------------------------------------------------------------

    def new_tag(self, rng: random.Random, zipf: Zipf, taken: set[str]) -> str:
        for words in (2, 2, 3):
            tag = "".join(word.title() for word in zipf.draw(words))
            if self.take(tag, taken):
                return tag
        while True:
            tag = f"{tag}{rng.randint(2, 99_999)}"[:60]
            if self.take(tag, taken):
                return tag

    @staticmethod
    def take(tag: str, taken: set[str]) -> bool:
        """Hold `tag`'s key and skeletons (prefixed, so a key never meets a skeleton; the
        two forms of skeleton do meet, as look-alikes compare them crosswise), unless one
        of them is held already. (The names are distinct by construction, so
        `IdentitySkeleton` is not filled for them.)"""
        marks = {tag_key(tag), f"s:{tag_skeleton(tag)}", f"s:{key_skeleton(tag)}"}
        if marks & taken:
            return False
        taken |= marks
        return True

    @staticmethod
    def names(tag: str) -> dict[str, str]:
        """An identity row's tag, key and skeletons."""
        return {
            "tag": tag,
            "key": tag_key(tag),
            "skeleton": tag_skeleton(tag),
            "key_skeleton": key_skeleton(tag),
        }

    def chunk(
        self,
        rng: random.Random,
        zipf: Zipf,
        taken: set[str],
        first_id: int,
        size: int,
        categories: list[int],
        platforms: list[str],
        moderators: list[int],
    ) -> dict[type, list[dict[str, Any]]]:
        kinds = list(Kind.values)
        now = timezone.now()
        rows: dict[Any, list[dict[str, Any]]] = {
            Hashtag: [],
            Identity: [],
            Hashtag.categories.through: [],
            Hashtag.platforms.through: [],
            Chat: [],
            HashtagModerator: [],
        }
        for hashtag_id in range(first_id, first_id + size):
            tag = self.new_tag(rng, zipf, taken)
            created = now - timedelta(days=rng.randint(1, 3650), seconds=rng.randint(0, 86399))
            name = " ".join(zipf.draw(rng.randint(2, 5))).title()
            rows[Hashtag].append(
                {
                    "id": hashtag_id,
                    "tag": tag,
                    "key": tag_key(tag),
                    "name": name[:200],
                    "description": " ".join(zipf.draw(rng.randint(6, 24))).capitalize() + ".",
                    "kind": rng.choice(kinds),
                    "language": "en" if rng.random() < 0.85 else rng.choice(["es", "fr", "pt"]),
                    "website": "",
                    "source": "",
                    "status": Status.APPROVED,
                    "status_reason": "",
                    "start_date": None,
                    "end_date": None,
                    "place": "",
                    "created": created,
                    "updated": created,
                    "approved_at": created,
                    "approved_by_id": None,
                    # A kept registry: nine entries in ten confirmed within the year (so
                    # their chats are presented as meeting), one never; no random draw,
                    # so the rest of the data is what the same seed always gave.
                    "last_verified": None
                    if hashtag_id % 10 == 0
                    else max(created, now - timedelta(days=hashtag_id % 365)),
                }
            )
            identity = {"hashtag_id": hashtag_id, "created": created}
            rows[Identity].append({**identity, **self.names(tag), "is_alias": False})
            if rng.random() < 0.10:
                alias = self.new_tag(rng, zipf, taken)
                rows[Identity].append({**identity, **self.names(alias), "is_alias": True})
            for category_id in rng.sample(categories, rng.randint(0, 3)):
                rows[Hashtag.categories.through].append(
                    {"hashtag_id": hashtag_id, "category_id": category_id}
                )
            for platform in rng.sample(platforms, min(len(platforms), rng.randint(1, 2))):
                rows[Hashtag.platforms.through].append(
                    {"hashtag_id": hashtag_id, "platform_id": platform}
                )
            if rng.random() < 0.20:
                rows[Chat].append(
                    {
                        "hashtag_id": hashtag_id,
                        "title": "Weekly chat",
                        "frequency": "weekly",
                        "weekdays": rng.choice(WEEKDAYS),
                        "interval": 1,
                        "month_weeks": "",
                        "start_time": clock(rng.randint(0, 23), rng.choice((0, 30))),
                        "duration_minutes": 60,
                        "starts_on": date(2024, 1, 1),
                        "ends_on": None,
                        "cancelled_dates": [],
                        "is_active": True,
                        "note": "",
                        "created": created,
                        "updated": created,
                        "timezone_id": rng.choice(ZONES),
                    }
                )
            for moderator_id in rng.sample(moderators, rng.randint(0, 4)):
                rows[HashtagModerator].append(
                    {"hashtag_id": hashtag_id, "moderator_id": moderator_id, "role": "host"}
                )
        return rows

    # Writers --------------------------------------------------------------------------

    # Identities and category links before the entries: the entry's search-document
    # trigger reads them (foreign keys are deferred, checked at commit, on both databases).
    def ordered(self, rows: dict[Any, list[dict[str, Any]]]) -> Iterator[tuple[Any, list]]:
        first = (Identity, Hashtag.categories.through, Hashtag.platforms.through, Hashtag)
        for model in first:
            yield model, rows[model]
        for model, model_rows in rows.items():
            if model not in first:
                yield model, model_rows

    def copy(self, rows: dict[Any, list[dict[str, Any]]]) -> None:
        with connection.cursor() as cursor:
            raw = cursor.cursor
            for model, model_rows in self.ordered(rows):
                if not model_rows:
                    continue
                names = list(model_rows[0])
                columns = [model._meta.get_field(name.removesuffix("_id")).column
                           if name != "id" else "id" for name in names]  # fmt: skip
                sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
                json_names = {
                    name
                    for name in names
                    if name != "id"
                    and isinstance(
                        model._meta.get_field(name.removesuffix("_id")), models.JSONField
                    )
                }
                with raw.copy(sql) as copy:
                    for row in model_rows:
                        copy.write_row(
                            [Jsonb(row[n]) if n in json_names else row[n] for n in names]
                        )

    def bulk(self, rows: dict[Any, list[dict[str, Any]]]) -> None:
        for model, model_rows in self.ordered(rows):
            manager = Hashtag.objects if model is Hashtag else model._base_manager
            manager.bulk_create([model(**row) for row in model_rows], batch_size=2000)
