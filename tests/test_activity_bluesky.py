"""Bluesky, counted only with an account: the real client signs in and pages through the
post search of a local server answering as Bluesky does."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.management import CommandError, call_command

from hashtags.models import ActivitySummary, DailyActivity
from tests.activity_helpers import (
    _mastodon_server,  # noqa: F401 (a fixture)
    mastodon,  # noqa: F401 (a fixture)
    tag_answer,
    today,
)

pytestmark = pytest.mark.django_db
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
SIGN_IN = "/xrpc/com.atproto.server.createSession"


@pytest.fixture
def bluesky(mastodon, settings):  # noqa: F811 (the same local server, answering as Bluesky)
    settings.ACTIVITY_MASTODON_SERVERS = []
    settings.ACTIVITY_BLUESKY_HANDLE = "directory.example"
    settings.ACTIVITY_BLUESKY_APP_PASSWORD = "abcd-efgh-ijkl-mnop"
    settings.ACTIVITY_BLUESKY_SERVICE = mastodon.url_for("/").rstrip("/")
    settings.ACTIVITY_BACKOFF_SECONDS = 0.01
    return mastodon


def post(days_ago: int, author: str) -> dict:
    moment = datetime.combine(today() - timedelta(days=days_ago), time(12), UTC)
    return {
        "uri": f"at://{author}/app.bsky.feed.post/1",
        "author": {"did": author, "handle": "someone.example"},
        "record": {"text": "#BCSM tonight", "createdAt": moment.isoformat()},
    }


def run() -> str:
    out = io.StringIO()
    call_command("refresh_activity", stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_posts_are_counted_per_day_across_pages_with_one_sign_in(bluesky, make_hashtag):
    entry = make_hashtag("BCSM")
    make_hashtag("HCLDR")
    bluesky.expect_oneshot_request(
        SIGN_IN,
        method="POST",
        json={"identifier": "directory.example", "password": "abcd-efgh-ijkl-mnop"},
    ).respond_with_json({"accessJwt": "token-1", "did": "did:plc:me"})
    auth = {"Authorization": "Bearer token-1"}
    bluesky.expect_request(
        SEARCH,
        headers=auth,
        query_string={
            "q": "#BCSM",
            "tag": "BCSM",
            "sort": "latest",
            "since": f"{today() - timedelta(days=6)}T00:00:00Z",
            "limit": "100",
        },
    ).respond_with_json(
        {"posts": [post(0, "did:a"), post(0, "did:b"), post(0, "did:a")], "cursor": "next"}
    )
    bluesky.expect_request(
        SEARCH,
        headers=auth,
        query_string={
            "q": "#BCSM",
            "tag": "BCSM",
            "sort": "latest",
            "since": f"{today() - timedelta(days=6)}T00:00:00Z",
            "limit": "100",
            "cursor": "next",
        },
    ).respond_with_json({"posts": [post(2, "did:c"), post(9, "did:d")]})
    bluesky.expect_request(SEARCH, headers=auth).respond_with_json({"posts": []})

    assert run() == "2 entries, 1 server, 0 failures"
    rows = {
        row.day: (row.uses, row.accounts) for row in DailyActivity.objects.filter(hashtag=entry)
    }
    assert rows[today()] == (3, 2)
    assert rows[today() - timedelta(days=2)] == (1, 1)
    assert len(rows) == 7  # the week, empty days included; the older post is outside it
    assert {row.network for row in DailyActivity.objects.all()} == {"bluesky"}
    assert ActivitySummary.objects.get(hashtag=entry).uses_7d == 4


def test_a_refused_sign_in_is_reported(bluesky, make_hashtag):
    make_hashtag("BCSM")
    bluesky.expect_request(SIGN_IN, method="POST").respond_with_json(
        {"error": "AuthenticationRequired"}, status=401
    )
    with pytest.raises(CommandError, match="No server answered"):
        run()
    assert not DailyActivity.objects.exists()


def test_without_an_account_bluesky_is_not_asked(bluesky, settings, make_hashtag):
    settings.ACTIVITY_BLUESKY_APP_PASSWORD = ""
    make_hashtag("BCSM")
    assert run() == "1 entry, 0 servers, 0 failures"
    assert not bluesky.log


def hostile(**change) -> dict:
    answer = {"posts": [post(0, "did:a")], "cursor": None}
    if "author" in change:
        answer["posts"][0]["author"]["did"] = change["author"]
    if "created" in change:
        answer["posts"][0]["record"]["createdAt"] = change["created"]
    if "cursor" in change:
        answer["cursor"] = change["cursor"]
    return answer


@pytest.mark.parametrize(
    "answer",
    [
        hostile(author={"did": "did:a"}),
        hostile(created="0001-01-01T00:00:00+14:00"),
        hostile(cursor={"next": 1}),
    ],
    ids=["an author that is an object", "a time before year 1", "a cursor object"],
)
def test_a_search_answer_that_cannot_be_read_is_one_failure_and_mastodon_still_counts(
    bluesky, settings, make_hashtag, answer
):
    # The same local server under another name answers as Mastodon.
    settings.ACTIVITY_MASTODON_SERVERS = [f"http://localhost:{bluesky.port}"]
    make_hashtag("BCSM")
    bluesky.expect_request(SIGN_IN, method="POST").respond_with_json({"accessJwt": "token-1"})
    bluesky.expect_request(SEARCH).respond_with_json(answer)
    bluesky.expect_request("/api/v1/tags/BCSM").respond_with_json(tag_answer("BCSM", [1] * 7))
    summary = run()
    assert summary.startswith("1 entry, 2 servers, 1 failure (")
    assert "cannot be read ×1)" in summary
    assert {row.network for row in DailyActivity.objects.all()} == {"mastodon"}
