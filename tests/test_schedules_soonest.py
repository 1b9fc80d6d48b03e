"""`schedules.soonest`: the first meetings of a large registry without expanding every
chat. It must give exactly what expanding every chat gives (`upcoming`), across zones,
rules, clock changes and meetings under way, and expand only a fraction of the chats."""

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest

from hashtags import schedules
from hashtags.models import Chat
from tests.support import make_chat, make_hashtag, shared_by_the_module

pytestmark = pytest.mark.django_db

ZONES = [
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Kathmandu",
    "UTC",
]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
NOWS = [
    datetime(2026, 3, 8, 5, 0, tzinfo=UTC),  # New York springs forward at 07:00 UTC
    datetime(2026, 10, 24, 22, 45, tzinfo=UTC),  # London falls back the next night
    datetime(2026, 4, 4, 14, 59, tzinfo=UTC),  # Sydney falls back
    datetime(2026, 6, 15, 12, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
]


@pytest.fixture(scope="module")
def chats(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Sixty chats of every kind, made once for the module (each made entry is published:
    seconds in all); the tests only read them."""
    with shared_by_the_module(django_db_blocker):
        make_chats()
        yield


@pytest.fixture
def registry(chats, db):
    return Chat.objects.all()


def make_chats() -> None:
    rng = random.Random(7)
    for number in range(60):
        hashtag = make_hashtag(f"Chat{number}")
        monthly = rng.random() < 0.3
        make_chat(
            hashtag,
            frequency="monthly" if monthly else "weekly",
            weekdays=",".join(
                sorted(rng.sample(WEEKDAYS, rng.choice([1, 1, 2, 3])), key=WEEKDAYS.index)
            ),
            month_weeks=rng.choice(["1", "2,4", "-1", "1,3"]) if monthly else "",
            interval=1 if monthly else rng.choice([1, 1, 2, 3]),
            start_time=rng.choice([time(2, 30), time(1, 30), time(23, 45), time(0, 5)])
            if rng.random() < 0.3
            else time(rng.randrange(24), rng.choice([0, 15, 30, 45])),
            timezone_id=rng.choice(ZONES),
            duration_minutes=rng.choice([15, 30, 60, 90, 240]),
            starts_on=date(2025, 1, 1) + timedelta(days=rng.randrange(500)),
            ends_on=date(2026, 12, 1) if rng.random() < 0.1 else None,
            is_active=rng.random() > 0.05,
        )


@pytest.mark.parametrize("now", NOWS, ids=lambda moment: moment.strftime("%Y-%m-%d"))
@pytest.mark.parametrize("limit", [1, 8, 40, 500])
def test_soonest_is_the_start_of_every_meeting_in_order(registry, now, limit):
    end = now + timedelta(days=7)
    everything = schedules.upcoming(registry.select_related("hashtag"), now, end)
    found, more = schedules.soonest(registry, now, end, limit)
    assert [(o.chat.pk, o.start) for o in found] == [
        (o.chat.pk, o.start) for o in everything[:limit]
    ]
    assert more == (len(everything) > limit)


def test_a_meeting_under_way_is_among_the_soonest(make_hashtag, make_chat):
    chat = make_chat(
        make_hashtag("Long"), weekdays="MO", start_time=time(10, 0), duration_minutes=240,
        timezone_id="UTC",
    )  # fmt: skip
    now = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # a Monday, two hours into it
    # Its own chat alone (the module's sixty may be there too).
    alone = Chat.objects.filter(pk=chat.pk)
    found, more = schedules.soonest(alone, now, now + timedelta(days=7), 1)
    assert [(o.chat, o.start.hour) for o in found] == [(chat, 10)]
    assert more  # next Monday's


def test_only_chats_that_can_meet_soon_are_expanded(registry, monkeypatch):
    expanded = []
    real = schedules.occurrences

    def counting(chat, start, end):
        expanded.append(chat.pk)
        return real(chat, start, end)

    monkeypatch.setattr(schedules, "occurrences", counting)
    now = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    found, more = schedules.soonest(registry, now, now + timedelta(days=7), 3)
    assert len(found) == 3 and more
    # Narrow windows first: far fewer chats than the registry holds are ever expanded.
    assert len(set(expanded)) < registry.count() / 2
