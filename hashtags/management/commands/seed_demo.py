"""Load the demo registry (hashtags.demo_data): real hashtags with their sources, chats
(with their ends, breaks and cancelled dates) and hosts (with their years). Idempotent:
it only creates what is missing, so a second run writes nothing and never overwrites a
curator's edits."""

from django.core.management.base import BaseCommand
from django.db import transaction

from hashtags import demo_data, entries
from hashtags.models import Category, Hashtag, Status, Submission

CHANGE_REASON = "Loaded by seed_demo"


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
            category.full_clean()
            entries.save_as(category, None, CHANGE_REASON)
            by_slug[slug] = category
    return by_slug


def _create_entry(data: dict, categories: dict[str, Category], status: str) -> Hashtag:
    """One demo entry through the registry's one way in (hashtags.entries)."""
    hashtag = Hashtag(
        status=data.get("status", status),
        status_reason=data.get("status_reason", ""),
        approved_at=data.get("approved_at"),
    )
    # Not editable through `Entry` (a curator confirms an entry): set on the object.
    hashtag.last_verified = data.get("last_verified")
    if hashtag.approved_at:
        hashtag.created = hashtag.approved_at
    entry: entries.Entry = {name: data[name] for name in entries.OWN_FIELDS if name in data}
    plan = entries.prepare(
        hashtag,
        **entry,
        categories=[categories[slug] for slug in data.get("categories", [])],
        platforms=data.get("platforms", []),
        aliases=data.get("aliases", []),
        chats=data.get("chats", []),
        moderators=[
            {**host, "platform": "x", "profile_url": f"https://x.com/{host['handle']}"}
            for host in data.get("hosts", [])
        ],
    )
    return entries.write(plan, user=None, reason=CHANGE_REASON, refresh_moderators=False)


class Command(BaseCommand):
    help = "Load the demo registry: real healthcare hashtags, categories and a review queue."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        categories = _categories()
        created = 0
        for data in demo_data.HASHTAGS:
            if Hashtag.objects.resolve(data["tag"]) is None:
                _create_entry(data, categories, status=Status.APPROVED)
                created += 1
        name, email = demo_data.DEMO_SUBMITTER
        for data in demo_data.PENDING:
            if Submission.objects.filter(tag=data["tag"]).exists():
                continue
            if Hashtag.objects.resolve(data["tag"]) is not None:
                continue
            hashtag = _create_entry(data, categories, status=Status.PENDING)
            submission = Submission(
                hashtag=hashtag,
                tag=hashtag.tag,
                payload=entries.stored_record(hashtag),
                submitter_name=name,
                submitter_email=email,
                note=data.get("note", ""),
            )
            submission.full_clean()
            entries.save_as(submission, None, CHANGE_REASON)
            created += 1
        total = Hashtag.objects.count()
        self.stdout.write(
            f"Demo registry: {created} entr{'y' if created == 1 else 'ies'} added, "
            f"{total} in all ({Hashtag.objects.public().count()} public, "
            f"{Hashtag.objects.pending().count()} awaiting review)."
        )
