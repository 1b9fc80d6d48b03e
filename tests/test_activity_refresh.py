"""Counting a tag's use on Mastodon: the real HTTP client (httpx) against a local server
answering as Mastodon does (pytest-httpserver), through `manage.py refresh_activity`,
asking two "servers" (tests/activity_helpers.py, `servers`)."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from werkzeug import Response

from hashtags.models import ActivitySummary, DailyActivity
from hashtags.serving.cache import generation
from tests.activity_helpers import (
    _mastodon_server,  # noqa: F401 (a fixture)
    mastodon,  # noqa: F401 (a fixture)
    on,
    run,
    tag_answer,
    today,
    two_servers,  # noqa: F401 (the fixture `servers`)
)

pytestmark = pytest.mark.django_db

WEEK = [5, 3, 0, 8, 2, 1, 4]  # today first


def counts(hashtag) -> dict[tuple[str, str], int]:
    return {
        (row.server, row.day.isoformat()): row.uses
        for row in DailyActivity.objects.filter(hashtag=hashtag)
    }


def test_each_server_s_week_is_stored_and_a_second_run_counts_nothing_twice(servers, make_hashtag):
    first, second = servers
    entry = make_hashtag("BCSM")
    for server, week in ((first, WEEK), (second, [2, 1, 0, 9, 0, 0, 1])):
        servers.http.expect_request("/api/v1/tags/BCSM", **on(server)).respond_with_json(
            tag_answer("BCSM", week)
        )

    before = generation()
    out, _ = run()
    assert out.strip() == "1 entry, 2 servers, 0 failures"
    # Pages, the API and the exports show the counts: their cached copies are retired.
    assert generation() != before
    stored = counts(entry)
    assert len(stored) == 14
    assert stored[first, today().isoformat()] == 5
    summary = ActivitySummary.objects.get(hashtag=entry)
    # Each day's busiest server: servers federate, so they are not added up.
    assert summary.uses_7d == sum(
        max(a, b) for a, b in zip(WEEK, [2, 1, 0, 9, 0, 0, 1], strict=True)
    )
    assert summary.last_seen == today()

    run()
    assert counts(entry) == stored
    assert DailyActivity.objects.count() == 14
    assert ActivitySummary.objects.get(hashtag=entry).uses_7d == summary.uses_7d


def test_a_day_read_again_replaces_its_counts(servers, settings, make_hashtag):
    settings.ACTIVITY_MASTODON_SERVERS = servers[:1]
    entry = make_hashtag("HCLDR")
    servers.http.expect_oneshot_request("/api/v1/tags/HCLDR").respond_with_json(
        tag_answer("HCLDR", [1, 1, 1, 1, 1, 1, 1])
    )
    servers.http.expect_oneshot_request("/api/v1/tags/HCLDR").respond_with_json(
        tag_answer("HCLDR", [4, 1, 1, 1, 1, 1, 1])
    )
    run()
    run()
    assert ActivitySummary.objects.get(hashtag=entry).uses_7d == 10
    assert DailyActivity.objects.filter(hashtag=entry).count() == 7


def test_an_unknown_tag_is_no_use_not_a_failure(servers, settings, make_hashtag):
    settings.ACTIVITY_MASTODON_SERVERS = servers[:1]
    entry = make_hashtag("NewTag")
    servers.http.expect_request("/api/v1/tags/NewTag").respond_with_json(
        {"error": "Record not found"}, status=404
    )
    out, _ = run()
    assert out.strip() == "1 entry, 1 server, 0 failures"
    summary = ActivitySummary.objects.get(hashtag=entry)
    # Known unused for the week Mastodon's history covers: zeros, counted from then.
    assert (summary.uses_7d, summary.last_seen) == (0, None)
    assert summary.tracked_since == today() - timedelta(days=6)
    assert DailyActivity.objects.filter(hashtag=entry, uses=0).count() == 7


@pytest.mark.parametrize("header", ["Retry-After", "X-RateLimit-Reset"])
def test_a_429_is_waited_out_and_tried_again(servers, settings, make_hashtag, header):
    settings.ACTIVITY_MASTODON_SERVERS = servers[:1]
    entry = make_hashtag("BCSM")
    reset = "1" if header == "Retry-After" else _in_seconds(1)
    servers.http.expect_ordered_request("/api/v1/tags/BCSM").respond_with_json(
        {"error": "Too many requests"}, status=429, headers={header: reset}
    )
    servers.http.expect_ordered_request("/api/v1/tags/BCSM").respond_with_json(
        tag_answer("BCSM", WEEK)
    )
    started = time.monotonic()
    out, _ = run()
    assert time.monotonic() - started >= 0.9  # it waited for the server's reset
    assert out.strip() == "1 entry, 1 server, 0 failures"
    assert ActivitySummary.objects.get(hashtag=entry).uses_7d == sum(WEEK)
    servers.http.check_assertions()


def test_a_server_whose_limit_resets_too_late_is_left_for_this_run_and_reported(
    servers, make_hashtag, caplog
):
    first, second = servers
    make_hashtag("BCSM")
    make_hashtag("HCLDR")
    servers.http.expect_request("/api/v1/tags/BCSM", **on(first)).respond_with_json(
        {"error": "Too many requests"}, status=429, headers={"Retry-After": "3600"}
    )
    for tag in ("BCSM", "HCLDR"):
        servers.http.expect_request(f"/api/v1/tags/{tag}", **on(second)).respond_with_json(
            tag_answer(tag, WEEK)
        )
    out, _ = run()
    assert out.strip().startswith("2 entries, 2 servers, 2 failures")
    assert f"{first}: rate limited for another 3600 s ×2" in out
    assert "left alone for the rest of this run" in caplog.text
    # The first server was asked once: the second entry did not knock again.
    asked_first = [r for r, _ in servers.http.log if r.host == first.split("://")[1]]
    assert len(asked_first) == 1
    assert DailyActivity.objects.filter(server=second).count() == 14


def test_server_errors_are_retried_then_reported_and_the_other_server_still_counts(
    servers, make_hashtag, caplog
):
    first, second = servers
    entry = make_hashtag("BCSM")
    servers.http.expect_request("/api/v1/tags/BCSM", **on(first)).respond_with_data(
        "Bad gateway", status=502
    )
    servers.http.expect_request("/api/v1/tags/BCSM", **on(second)).respond_with_json(
        tag_answer("BCSM", WEEK)
    )
    out, _ = run()
    assert out.strip() == (
        f"1 entry, 2 servers, 1 failure ({first}: server error 502 (after 3 tries) ×1)"
    )
    assert f"Mastodon {first} #BCSM: server error 502" in caplog.text
    assert len([r for r, _ in servers.http.log if r.host == first.split("://")[1]]) == 3
    assert ActivitySummary.objects.get(hashtag=entry).uses_7d == sum(WEEK)
    assert not DailyActivity.objects.filter(server=first).exists()


def test_a_server_that_does_not_answer_in_time_is_reported(servers, settings, make_hashtag):
    first, second = servers
    settings.ACTIVITY_TIMEOUT_SECONDS = 0.2
    settings.ACTIVITY_RETRIES = 2
    make_hashtag("BCSM")

    def slow(request):
        time.sleep(0.5)
        return Response(json.dumps(tag_answer("BCSM", WEEK)), content_type="application/json")

    servers.http.expect_request("/api/v1/tags/BCSM", **on(first)).respond_with_handler(slow)
    servers.http.expect_request("/api/v1/tags/BCSM", **on(second)).respond_with_json(
        tag_answer("BCSM", WEEK)
    )
    out, _ = run()
    assert f"{first}: timed out after 0.2 s (after 2 tries) ×1" in out
    assert DailyActivity.objects.filter(server=second).count() == 7
    assert not DailyActivity.objects.filter(server=first).exists()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"name": "bcsm", "history": [', "answered something that is not JSON"),
        ('{"name": "bcsm"}', "answered JSON without a tag history"),
        ('{"history": [{"day": "x", "uses": "1", "accounts": "1"}]}', "cannot be read"),
        ('{"history": [{"day": "0", "uses": "-3", "accounts": "0"}]}', "cannot be read"),
    ],
)
def test_an_answer_that_is_not_a_tag_history_is_reported_and_stores_nothing(
    servers, settings, make_hashtag, body, reason
):
    first = servers[0]
    settings.ACTIVITY_MASTODON_SERVERS = [first]
    make_hashtag("BCSM")
    servers.http.expect_request("/api/v1/tags/BCSM").respond_with_data(
        body, content_type="application/json"
    )
    with pytest.raises(CommandError, match="No server answered"):
        run()
    assert not DailyActivity.objects.exists()
    # Not retried: the same server would send the same answer.
    answered = [r for r, response in servers.http.log if response.get_data(as_text=True) == body]
    assert len(answered) == 1


def test_requests_name_the_site_and_keep_the_server_s_remaining_budget(
    servers, settings, make_hashtag
):
    settings.ACTIVITY_MASTODON_SERVERS = servers[:1]
    settings.SITE_URL = "https://hashtags.example.org"
    make_hashtag("BCSM")
    make_hashtag("HCLDR")
    servers.http.expect_request(
        "/api/v1/tags/BCSM",
        headers={"User-Agent": "HealthcareHashtagDirectory/1.0 (+https://hashtags.example.org)"},
    ).respond_with_json(
        tag_answer("BCSM", WEEK),
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": _in_seconds(1)},
    )
    servers.http.expect_request("/api/v1/tags/HCLDR").respond_with_json(tag_answer("HCLDR", WEEK))
    started = time.monotonic()
    out, _ = run()
    assert out.strip() == "2 entries, 1 server, 0 failures"
    # The second request waited for the reset the first answer announced.
    assert time.monotonic() - started >= 0.9
    assert ActivitySummary.objects.count() == 2


def test_one_entry_with_tag_and_an_unknown_tag_is_refused(servers, make_hashtag):
    make_hashtag("BCSM")
    make_hashtag("HCLDR")
    servers.http.expect_request("/api/v1/tags/BCSM").respond_with_json(tag_answer("BCSM", WEEK))
    out, err = run("--tag", "#bcsm")
    assert out.strip() == "1 entry, 2 servers, 0 failures"
    assert "[" not in err  # no progress bar when standard error is not a terminal
    assert {request.path for request, _ in servers.http.log} == {"/api/v1/tags/BCSM"}
    with pytest.raises(CommandError, match="--tag: #Nope is not a public entry"):
        run("--tag", "Nope")


def test_pending_entries_are_not_polled(servers, make_hashtag):
    make_hashtag("Pending1", status="pending")
    out, _ = run()
    assert out.strip() == "0 entries, 0 servers, 0 failures"
    assert not servers.http.log


def _in_seconds(seconds: float) -> str:
    """An instant as Mastodon's X-RateLimit-Reset writes it (ISO 8601, UTC)."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_on_standard_error(servers, make_hashtag):
    for tag in ("BCSM", "HCLDR"):
        make_hashtag(tag)
        servers.http.expect_request(f"/api/v1/tags/{tag}").respond_with_json(tag_answer(tag, WEEK))
    out, err = io.StringIO(), Terminal()
    call_command("refresh_activity", stdout=out, stderr=err)
    assert out.getvalue() == "2 entries, 2 servers, 0 failures\n"
    assert err.getvalue().endswith(f"\r[{'#' * 30}] 2/2\n")
    assert f"\r[{'#' * 15}{'-' * 15}] 1/2" in err.getvalue()
