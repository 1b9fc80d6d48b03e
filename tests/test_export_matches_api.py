"""The export and the API describe an entry the same way.

The export's records (hashtags.opendata.registry_io) and the API's entry serializer are written
separately, for their own formats: times of day with seconds in the file, categories as
slugs, a successor by its tag. This test pins every field they share to the same value, so
a change to one that the other does not follow fails here.
"""

import io
from datetime import datetime

import pytest
from django.core.management import call_command

from hashtags.models import Hashtag
from hashtags.opendata import registry_io

pytestmark = pytest.mark.django_db


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def test_every_field_the_export_and_the_api_share_has_the_same_value(api):
    call_command("seed_demo", stdout=io.StringIO())
    exported = {record["tag"]: record for record in registry_io.iter_entries(include_retired=True)}
    assert len(exported) == Hashtag.objects.public().count() > 10

    for tag, record in exported.items():
        answer = api.get(f"/api/v1/hashtags/{tag}/")
        assert answer.status_code == 200
        entry = answer.json()
        # Lists the API orders for people (platforms by position) and the file by code.
        for name in ("platforms", "aliases"):
            assert sorted(entry[name]) == sorted(record[name]), (tag, name)
        # The activity counts are the API detail's and the activity export's
        # (/api/v1/export/activity.csv), not the registry file's.
        assert "activity" in entry and "activity" not in record
        shared = set(entry) & set(record) - {
            "categories",
            "chats",
            "moderators",
            "platforms",
            "replaced_by",
        }
        # The successor: the API gives its addresses too, the file its tag.
        assert (entry["replaced_by"] or {}).get("tag") == record["replaced_by"], tag
        shared -= {"last_verified", "created", "updated"}
        assert shared >= {"tag", "name", "kind", "description", "language", "status"}
        assert {name: entry[name] for name in shared} == {name: record[name] for name in shared}
        for name in ("last_verified", "created", "updated"):
            assert _instant(entry[name]) == _instant(record[name]), (tag, name)
        assert sorted(c["slug"] for c in entry["categories"]) == record["categories"]
        # The API adds `current` to each host (derived: no `until`).
        hosts = [{k: v for k, v in host.items() if k != "current"} for host in entry["moderators"]]
        assert hosts == record["moderators"]

        # Every chat, past ones included, in the same order.
        assert len(entry["chats"]) == len(record["chats"])
        for given, stored in zip(entry["chats"], record["chats"], strict=True):
            # The file keeps the stored flag (false: withdrawn, on a date nobody knows);
            # the API's says whether the chat meets as scheduled now.
            assert given["is_active"] == (given["status"] == "active"), tag
            if not stored["is_active"]:
                assert given["status"] == "ended", tag
            common = set(given) & set(stored) - {"start_time", "is_active"}
            assert {k: given[k] for k in common} == {k: stored[k] for k in common}, tag
            assert stored["start_time"].startswith(given["start_time"])
