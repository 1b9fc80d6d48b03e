"""Shared pieces of the tests that hold the API to its OpenAPI schema with independent
tools (openapi-schema-validator, openapi-python-client): the demo registry with the
values that may be null given both ways, and the schema as the API serves it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta

from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from hashtags import published
from hashtags.activity.networks import DayCount
from hashtags.activity.refresh import store
from hashtags.curation import moderation
from hashtags.models import Chat, ChatPause, Hashtag
from tests.support import make_user

# The demo entries given what the demo file has none of: a successor, and counted use.
RETIRED, SUCCESSOR, COUNTED = "ASCO11", "ASCO19", "BCSM"


def served_schema() -> dict:
    answer = APIClient().get("/api/v1/schema/?format=json")
    assert answer.status_code == 200
    return json.loads(answer.content)


def seed_demo_registry() -> None:
    """The demo registry (manage.py seed_demo), plus what its file has none of: a retired
    entry naming its successor, an entry counted on the open networks, and a chat's
    breaks, so that `replaced_by`, `activity.last_7_days` and a break's `until` are
    answered both as null and as a value."""
    call_command("seed_demo", verbosity=0)
    curator = make_user("schema-curator", curator=True)
    moderation.retire(
        hashtag=Hashtag.objects.get(tag=RETIRED),
        curator=curator,
        reason="Its community moved",
        replaced_by=SUCCESSOR,
    )
    # A break, one open-ended: the demo file has none.
    chat = Chat.objects.filter(hashtag__tag=COUNTED).order_by("pk").first()
    ChatPause.objects.create(chat=chat, starts_on=date(2024, 7, 1), ends_on=date(2024, 8, 31))
    ChatPause.objects.create(chat=chat, starts_on=date(2030, 1, 1), note="Until further notice")
    counted = Hashtag.objects.get(tag=COUNTED)
    today = timezone.now().astimezone(UTC).date()
    days = [DayCount(day=today - timedelta(days=n), uses=10 + n, accounts=3) for n in range(5)]
    store(counted, "mastodon", "https://mastodon.example", days, today)
    published.publish([counted.pk])
