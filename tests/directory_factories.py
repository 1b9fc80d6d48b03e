"""A fast factory for the directory tests that need many entries (query-count bounds,
walking pages): bulk inserts instead of one validated save per entry. Only for lists:
entries made here have no identity rows, so their own pages do not resolve."""

from datetime import time

from hashtags.models import Category, Chat, Hashtag, Status


def bulk_entries(
    count: int,
    *,
    prefix: str = "Entry",
    name: str = "An entry",
    kind: str = "community",
    categories: list[Category] = (),
    platforms: list[str] = (),
    with_chat: bool = False,
    status: str = Status.APPROVED,
) -> list[Hashtag]:
    entries = Hashtag.objects.bulk_create(
        [
            Hashtag(tag=f"{prefix}{number:03d}", name=name, kind=kind, status=status)
            for number in range(count)
        ]
    )
    Hashtag.categories.through.objects.bulk_create(
        [
            Hashtag.categories.through(hashtag=entry, category=category)
            for entry in entries
            for category in categories
        ]
    )
    Hashtag.platforms.through.objects.bulk_create(
        [
            Hashtag.platforms.through(hashtag=entry, platform_id=platform)
            for entry in entries
            for platform in platforms
        ]
    )
    if with_chat:
        Chat.objects.bulk_create(
            [
                Chat(
                    hashtag=entry,
                    weekdays="TU",
                    start_time=time(20, 30),
                    timezone_id="America/New_York",
                )
                for entry in entries
            ]
        )
    return entries
