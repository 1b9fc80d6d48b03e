"""The API's `activity`: on an entry's detail (not the list), the `active_within_days`
filter and the `activity` ordering; end to end from a local server answering as Mastodon
through `manage.py refresh_activity`."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from hashtags.activity.summary import recompute
from hashtags.models import DailyActivity
from tests.activity_helpers import (
    _mastodon_server,  # noqa: F401 (a fixture)
    mastodon,  # noqa: F401 (a fixture)
    tag_answer,
    today,
)
from tests.support import walk

pytestmark = pytest.mark.django_db


def test_refresh_activity_stores_the_counts_and_the_api_shows_them(
    api,
    mastodon,  # noqa: F811
    settings,
    make_hashtag,
):
    week, people = [12, 0, 7, 3, 9, 1, 4], [5, 0, 4, 2, 6, 1, 3]
    settings.ACTIVITY_MASTODON_SERVERS = [mastodon.url_for("/").rstrip("/")]
    make_hashtag("BCSM", name="Breast Cancer Social Media")
    mastodon.expect_request("/api/v1/tags/BCSM").respond_with_json(tag_answer("BCSM", week, people))
    out = io.StringIO()
    call_command("refresh_activity", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "1 entry, 1 server, 0 failures"

    activity = api.get("/api/v1/hashtags/bcsm/").json()["activity"]
    assert activity["last_7_days"] == {"uses": sum(week), "accounts": sum(people)}
    assert activity["as_of"] == activity["last_seen"] == today().isoformat()
    (series,) = activity["series"]
    assert series["network"] == "mastodon"
    assert series["server"] == settings.ACTIVITY_MASTODON_SERVERS[0]
    assert [day["uses"] for day in series["days"]] == list(reversed(week))
    assert series["days"][0]["day"] == (today() - timedelta(days=6)).isoformat()


def test_an_entry_never_counted_says_so(api, make_hashtag):
    make_hashtag("Quiet")
    activity = api.get("/api/v1/hashtags/Quiet/").json()["activity"]
    assert activity == {"as_of": None, "last_7_days": None, "last_seen": None, "series": []}


def _counted(entry, uses_by_day: dict[int, int], server: str = "https://a.example") -> None:
    """Rows as a refresh stores them: {days ago: uses}."""
    for ago, uses in uses_by_day.items():
        DailyActivity.objects.create(
            hashtag=entry,
            network="mastodon",
            server=server,
            day=today() - timedelta(days=ago),
            uses=uses,
            accounts=min(uses, 1),
        )
    recompute(entry.pk, today())


def test_the_list_filters_by_recent_use_and_sorts_by_activity_without_the_series(api, make_hashtag):
    busy, quiet, gone = make_hashtag("Busy"), make_hashtag("Quiet"), make_hashtag("Gone")
    make_hashtag("Never")
    _counted(busy, {0: 30, 1: 20})
    _counted(quiet, {0: 0, 3: 2})
    _counted(gone, {0: 0, 40: 5})

    def tags(query: str) -> list[str]:
        return [entry["tag"] for entry in walk(api, f"/api/v1/hashtags/?{query}")]

    assert tags("active_within_days=7") == ["Busy", "Quiet"]
    assert tags("active_within_days=1") == ["Busy"]
    assert tags("active_within_days=60") == ["Busy", "Gone", "Quiet"]
    assert tags("ordering=-activity&page_size=1")[:2] == ["Busy", "Quiet"]
    assert tags("ordering=activity")[-1] == "Busy"
    listed = api.get("/api/v1/hashtags/").json()["results"][0]
    assert "activity" not in listed


@pytest.mark.parametrize("value", ["0", "3651", "soon", "", "7.5"])
def test_a_bad_active_within_days_is_a_400_naming_it(api, value):
    answer = api.get(f"/api/v1/hashtags/?active_within_days={value}")
    assert answer.status_code == 400
    assert list(answer.json()) == ["active_within_days"]


def test_a_forged_activity_cursor_is_refused(api, make_hashtag):
    make_hashtag("Busy")
    answer = api.get("/api/v1/hashtags/?ordering=-activity&cursor=cD1hYmM%3D")  # p=abc
    assert answer.status_code == 400
    assert list(answer.json()) == ["cursor"]
