"""Activity for curators: a pending tag's recent use on its review page (fetched from
the servers when the page opens, then cached), and dormant entries on the list of
entries needing a check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hashtags.models import DailyActivity
from tests.activity_helpers import (
    _mastodon_server,  # noqa: F401 (a fixture)
    counted,
    mastodon,  # noqa: F401 (a fixture)
    tag_answer,
    today,
)

pytestmark = pytest.mark.django_db
HASHTAGS = "/admin/hashtags/hashtag/"


def test_a_pending_tag_s_review_shows_its_recent_use_fetched_once(
    curator_client,
    mastodon,  # noqa: F811
    settings,
    make_hashtag,
):
    base = mastodon.url_for("/").rstrip("/")
    broken = f"http://localhost:{mastodon.port}"
    settings.ACTIVITY_MASTODON_SERVERS = [base, broken]
    entry = make_hashtag("NewChat", status="pending")
    mastodon.expect_request(
        "/api/v1/tags/NewChat", headers={"Host": base.split("://")[1]}
    ).respond_with_json(tag_answer("NewChat", [3, 0, 2, 0, 0, 1, 0], [2, 0, 1, 0, 0, 1, 0]))
    mastodon.expect_request(
        "/api/v1/tags/NewChat", headers={"Host": broken.split("://")[1]}
    ).respond_with_data("down", status=503)

    page = curator_client.get(f"{HASHTAGS}{entry.pk}/change/").content.decode()
    assert "Use on the open networks" in page
    assert "Mastodon: 6 posts by up to 4 accounts in the last 7 days" in page
    assert f"Failed: localhost:{mastodon.port}: server error 503" in page
    asked = len(mastodon.log)
    assert asked == 2

    curator_client.get(f"{HASHTAGS}{entry.pk}/change/")
    assert len(mastodon.log) == asked  # from the cache: no server asked again
    assert not DailyActivity.objects.exists()  # a pending tag's counts are not stored


def test_entries_unused_for_180_days_are_on_the_check_list_as_dormant(curator_client, make_hashtag):
    confirmed = timezone.now() - timedelta(days=10)
    silent = make_hashtag("Silent", last_verified=confirmed)
    counted(silent, {0: 0, 200: 0})  # watched 200 days, never used
    faded = make_hashtag("Faded", last_verified=confirmed)
    counted(faded, {0: 0, 190: 6, 250: 3})
    alive = make_hashtag("Alive", last_verified=confirmed)
    counted(alive, {0: 0, 100: 1, 300: 5})
    new = make_hashtag("New", last_verified=confirmed)
    counted(new, {0: 0, 20: 0})  # not watched long enough to say
    make_hashtag("Uncounted", last_verified=confirmed)

    response = curator_client.get(HASHTAGS, {"freshness": "check"})
    assert response.status_code == 200
    assert {e.tag for e in response.context["cl"].result_list} == {"Silent", "Faded"}
    page = response.content.decode()
    assert page.count('<span class="activity-state">dormant</span>') == 2

    dormant = curator_client.get(HASHTAGS, {"freshness": "dormant"})
    assert {e.tag for e in dormant.context["cl"].result_list} == {"Silent", "Faded"}
    listing = curator_client.get(HASHTAGS).content.decode()
    assert '<span class="activity-state">0 this week</span>' in listing


def test_a_public_entry_s_page_shows_its_stored_counts(curator_client, make_hashtag):
    entry = make_hashtag("Counted")
    counted(entry, {0: 4, 1: 2})
    page = curator_client.get(f"{HASHTAGS}{entry.pk}/change/").content.decode()
    assert f"6 posts by up to 2 accounts in the 7 days to {today()}" in page
    assert f"last seen in use: {today()}." in page


def test_dormant_entries_wait_in_the_review_queue_with_why(curator_client, make_hashtag):
    from hashtags.curation import review

    confirmed = timezone.now() - timedelta(days=10)
    counted(make_hashtag("Silent", last_verified=confirmed), {0: 0, 200: 0})
    counted(make_hashtag("Faded", last_verified=confirmed), {0: 0, 190: 6, 250: 3})
    counted(make_hashtag("Alive", last_verified=confirmed), {0: 0, 100: 1, 300: 5})
    make_hashtag("Uncounted", last_verified=confirmed)

    waiting = {item.tag: item for item in review.queue("verify")}
    assert set(waiting) == {"Silent", "Faded"}
    faded_on = (today() - timedelta(days=190)).isoformat()
    assert waiting["Faded"].summary.startswith(f"Dormant: no use seen since {faded_on}")
    assert waiting["Silent"].summary.startswith("Dormant: no use seen since counting began")
    assert review.counts()["verify"] == 2
    page = curator_client.get("/admin/review/", {"kind": "verify"}).content.decode()
    assert "Dormant: no use seen since" in page
