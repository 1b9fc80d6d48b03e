"""Load the demo registry (hashtags.demo_data). Idempotent: it only creates what is
missing, so a second run writes nothing and never overwrites a curator's edits."""

from django.core.management.base import BaseCommand
from django.db import transaction

from hashtags import demo_data
from hashtags.models import (
    Alias,
    Category,
    Chat,
    Hashtag,
    HashtagModerator,
    Moderator,
    Status,
    Submission,
)

CHANGE_REASON = "Loaded by seed_demo"


def _save(obj) -> None:
    obj.full_clean()
    obj._change_reason = CHANGE_REASON
    obj.save()


def _categories() -> dict[str, Category]:
    by_slug = {category.slug: category for category in Category.objects.all()}
    for slug, name, parent, description in demo_data.CATEGORIES:
        if slug not in by_slug:
            category = Category(
                slug=slug,
                name=name,
                parent=by_slug[parent] if parent else None,
                description=description,
            )
            _save(category)
            by_slug[slug] = category
    return by_slug


def _create_entry(data: dict, categories: dict[str, Category], status: str) -> Hashtag:
    hashtag = Hashtag(
        tag=data["tag"],
        name=data["name"],
        kind=data["kind"],
        description=data.get("description", ""),
        website=data.get("website", ""),
        language=data.get("language", "en"),
        start_date=data.get("start_date"),
        end_date=data.get("end_date"),
        place=data.get("place", ""),
        status=data.get("status", status),
        status_reason=data.get("status_reason", ""),
        approved_at=data.get("approved_at"),
    )
    if hashtag.approved_at:
        hashtag.created = hashtag.approved_at
    _save(hashtag)
    hashtag.categories.set([categories[slug] for slug in data.get("categories", [])])
    hashtag.platforms.set(data.get("platforms", []))
    for chat in data.get("chats", []):
        fields = {**chat, "timezone_id": chat["timezone"]}
        del fields["timezone"]
        _save(Chat(hashtag=hashtag, note=demo_data.SCHEDULE_NOTE, **fields))
    for handle, display_name, role in data.get("hosts", []):
        moderator = Moderator.objects.filter(handle__iexact=handle, platform="x").first()
        if moderator is None:
            moderator = Moderator(
                handle=handle,
                display_name=display_name,
                platform_id="x",
                profile_url=f"https://x.com/{handle}",
            )
            _save(moderator)
        _save(HashtagModerator(hashtag=hashtag, moderator=moderator, role=role))
    for alias in data.get("aliases", []):
        _save(Alias(hashtag=hashtag, tag=alias))
    return hashtag


class Command(BaseCommand):
    help = "Load the demo registry: real healthcare hashtags, categories and a review queue."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        categories = _categories()
        created = 0
        for data in demo_data.HASHTAGS:
            if Hashtag.objects.lookup(data["tag"]) is None:
                _create_entry(data, categories, status=Status.APPROVED)
                created += 1
        name, email = demo_data.DEMO_SUBMITTER
        for data in demo_data.PENDING:
            if Submission.objects.filter(tag=data["tag"]).exists():
                continue
            if Hashtag.objects.lookup(data["tag"]) is not None:
                continue
            hashtag = _create_entry(data, categories, status=Status.PENDING)
            _save(
                Submission(
                    hashtag=hashtag,
                    tag=hashtag.tag,
                    payload={"tag": hashtag.tag, "name": hashtag.name, "kind": hashtag.kind},
                    submitter_name=name,
                    submitter_email=email,
                    note=data.get("note", ""),
                )
            )
            created += 1
        total = Hashtag.objects.count()
        self.stdout.write(
            f"Demo registry: {created} entr{'y' if created == 1 else 'ies'} added, "
            f"{total} in all ({Hashtag.objects.public().count()} public, "
            f"{Hashtag.objects.pending().count()} awaiting review)."
        )
