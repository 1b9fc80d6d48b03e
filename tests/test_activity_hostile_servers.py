"""A Mastodon server that answers badly, slowly or hugely, on purpose or not: the run
still finishes, that server's answer for that tag is one reported failure, and every
healthy answer is counted. Each hostile server is real: the local HTTP server
(pytest-httpserver) sends the bytes, the real client (httpx) reads them.

Run on SQLite and on PostgreSQL (DATABASE_URL): the duplicate day and the counts out of
range were PostgreSQL's errors ("ON CONFLICT DO UPDATE command cannot affect row a
second time", "integer out of range")."""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from werkzeug import Response

from hashtags.models import ActivitySummary, DailyActivity
from tests.activity_helpers import (
    _mastodon_server,  # noqa: F401 (a fixture)
    history,
    mastodon,  # noqa: F401 (a fixture)
    on,
    run,
    tag_answer,
    today,
    two_servers,  # noqa: F401 (the fixture `servers`)
)

pytestmark = pytest.mark.django_db

WEEK = [5, 3, 0, 8, 2, 1, 4]  # today first
LARGEST = 2**31 - 1  # PostgreSQL's integer


def stored(server: str) -> dict[str, int]:
    """tag → rows stored under this server's name."""
    rows: dict[str, int] = {}
    for tag in DailyActivity.objects.filter(server=server).values_list("hashtag__tag", flat=True):
        rows[tag] = rows.get(tag, 0) + 1
    return rows


def answer_with(**change) -> dict:
    """BCSM's week with today's day changed (`uses`, `accounts`, `day`)."""
    answer = tag_answer("BCSM", WEEK)
    answer["history"][0].update(change)
    return answer


def same_day_twice() -> dict:
    answer = tag_answer("BCSM", WEEK)
    answer["history"][1]["day"] = answer["history"][0]["day"]
    return answer


def nested(depth: int) -> str:
    return '{"name": "bcsm", "history": ' + "[" * depth + "]" * depth + "}"


HOSTILE_ANSWERS = {
    "the same day twice": (json.dumps(same_day_twice()), "listing"),
    "2^31 posts": (json.dumps(answer_with(uses=str(2**31))), "cannot be read"),
    "10^20 posts": (json.dumps(answer_with(uses=str(10**20), accounts="1")), "cannot be read"),
    "JSON nested 100,000 deep": (nested(100_000), "JSON nested too deeply to read"),
}


@pytest.mark.parametrize("body, reason", HOSTILE_ANSWERS.values(), ids=HOSTILE_ANSWERS.keys())
def test_a_bad_answer_is_one_failure_and_every_healthy_answer_is_counted(
    servers, make_hashtag, body, reason
):
    first, second = servers
    make_hashtag("BCSM")
    make_hashtag("HCLDR")  # after BCSM: the run goes on past the bad answer
    servers.http.expect_request("/api/v1/tags/BCSM", **on(first)).respond_with_data(
        body, content_type="application/json"
    )
    servers.http.expect_request("/api/v1/tags/HCLDR", **on(first)).respond_with_json(
        tag_answer("HCLDR", WEEK)
    )
    for tag in ("BCSM", "HCLDR"):
        servers.http.expect_request(f"/api/v1/tags/{tag}", **on(second)).respond_with_json(
            tag_answer(tag, WEEK)
        )

    out, _ = run()

    assert out.startswith(f"2 entries, 2 servers, 1 failure ({first}: answered ")
    assert reason in out and out.rstrip().endswith("×1)")
    assert stored(first) == {"HCLDR": 7}  # nothing of the bad answer
    assert stored(second) == {"BCSM": 7, "HCLDR": 7}
    assert sorted(ActivitySummary.objects.values_list("uses_7d", flat=True)) == [23, 23]


def test_the_largest_counts_the_columns_hold_are_stored_and_their_week_fits(
    servers, settings, make_hashtag
):
    first = servers[0]
    settings.ACTIVITY_MASTODON_SERVERS = [first]
    entry = make_hashtag("BCSM")
    servers.http.expect_request("/api/v1/tags/BCSM").respond_with_json(
        tag_answer("BCSM", [LARGEST] * 7, [LARGEST] * 7)
    )
    out, _ = run()
    assert out.strip() == "1 entry, 1 server, 0 failures"
    assert set(DailyActivity.objects.values_list("uses", "accounts")) == {(LARGEST, LARGEST)}
    summary = ActivitySummary.objects.get(hashtag=entry)
    # Seven such days add up past the column: the week says "the most it can hold".
    assert (summary.uses_7d, summary.accounts_7d) == (LARGEST, LARGEST)


def test_only_the_last_week_of_a_20000_day_history_is_stored(servers, settings, make_hashtag):
    settings.ACTIVITY_MASTODON_SERVERS = servers[:1]
    entry = make_hashtag("BCSM")
    answer = {"name": "bcsm", "history": history([1] * 20_000, [1] * 20_000)}
    servers.http.expect_request("/api/v1/tags/BCSM").respond_with_json(answer)
    out, _ = run()
    assert out.strip() == "1 entry, 1 server, 0 failures"
    days = sorted(DailyActivity.objects.filter(hashtag=entry).values_list("day", flat=True))
    assert len(days) == 7 and days[-1] == today()
    summary = ActivitySummary.objects.get(hashtag=entry)
    assert (summary.uses_7d, summary.tracked_since) == (7, days[0])


def test_a_server_dripping_its_answer_is_cut_off_at_the_deadline(servers, settings, make_hashtag):
    first, second = servers
    settings.ACTIVITY_TIMEOUT_SECONDS = 0.5
    settings.ACTIVITY_RETRIES = 2
    make_hashtag("BCSM")
    body = json.dumps(tag_answer("BCSM", WEEK)).encode()

    def drip(request):
        # A byte every 0.1 s: each read is quick, the whole answer would take minutes.
        def bytes_slowly() -> Iterator[bytes]:
            for byte in body:
                time.sleep(0.1)
                yield bytes([byte])

        return Response(bytes_slowly(), content_type="application/json")

    servers.http.expect_request("/api/v1/tags/BCSM", **on(first)).respond_with_handler(drip)
    servers.http.expect_request("/api/v1/tags/BCSM", **on(second)).respond_with_json(
        tag_answer("BCSM", WEEK)
    )
    started = time.monotonic()
    out, _ = run()
    # Two tries of 0.5 s each, not two of len(body) / 10 s.
    assert time.monotonic() - started < 3
    assert f"{first}: timed out after 0.5 s (after 2 tries) ×1" in out
    assert stored(first) == {}
    assert stored(second) == {"BCSM": 7}


def test_a_huge_answer_is_refused_once_it_passes_the_limit(servers, make_hashtag):
    first, second = servers
    make_hashtag("BCSM")
    offered = 300 * 2**20
    sent = []
    chunk = b" " * 2**16  # JSON allows the whitespace: read whole, this would parse

    def huge(request):
        def body() -> Iterator[bytes]:
            for _ in range(offered // len(chunk)):
                sent.append(len(chunk))
                yield chunk
            yield json.dumps(tag_answer("BCSM", WEEK)).encode()

        return Response(body(), content_type="application/json")

    servers.http.expect_request("/api/v1/tags/BCSM", **on(first)).respond_with_handler(huge)
    servers.http.expect_request("/api/v1/tags/BCSM", **on(second)).respond_with_json(
        tag_answer("BCSM", WEEK)
    )
    tracemalloc.start()
    try:
        out, _ = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"{first}: answered more than 4 MB ×1" in out
    assert peak < 40 * 2**20  # 4 MB read, not 300
    assert sum(sent) < 40 * 2**20  # the reading stopped, and the server was left
    assert stored(first) == {}
    assert stored(second) == {"BCSM": 7}


def test_a_compressed_answer_is_refused_before_it_is_unpacked(servers, make_hashtag):
    first, second = servers
    make_hashtag("BCSM")
    # 300 MB of JSON whitespace in 300 KB of gzip: unpacked, it would pass any limit
    # checked afterwards (64 MB from each 64 KB read).
    bomb = gzip.compress(b" " * (300 * 2**20) + json.dumps(tag_answer("BCSM", WEEK)).encode())
    servers.http.expect_request("/api/v1/tags/BCSM", **on(first)).respond_with_data(
        bomb, content_type="application/json", headers={"Content-Encoding": "gzip"}
    )
    servers.http.expect_request("/api/v1/tags/BCSM", **on(second)).respond_with_json(
        tag_answer("BCSM", WEEK)
    )
    tracemalloc.start()
    try:
        out, _ = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"{first}: answered a compressed body (gzip), not asked for ×1" in out
    assert peak < 40 * 2**20
    asked = [request for request, _ in servers.http.log]
    assert all(r.headers["Accept-Encoding"] == "identity" for r in asked)
    assert stored(first) == {}
    assert stored(second) == {"BCSM": 7}


def test_redirects_are_not_followed_and_the_target_s_counts_are_not_stored(servers, make_hashtag):
    first, second = servers
    make_hashtag("BCSM")
    make_hashtag("HCLDR")
    # BCSM: a loop; HCLDR: to the second server, which answers bigger numbers.
    servers.http.expect_request("/api/v1/tags/BCSM", **on(first)).respond_with_data(
        "", status=302, headers={"Location": f"{first}/api/v1/tags/BCSM"}
    )
    servers.http.expect_request("/api/v1/tags/HCLDR", **on(first)).respond_with_data(
        "", status=301, headers={"Location": f"{second}/api/v1/tags/HCLDR"}
    )
    for tag in ("BCSM", "HCLDR"):
        servers.http.expect_request(f"/api/v1/tags/{tag}", **on(second)).respond_with_json(
            tag_answer(tag, [100] * 7)
        )
    out, _ = run()
    assert out.strip().startswith("2 entries, 2 servers, 2 failures")
    assert f"{first}: answered a redirect (301), not followed ×2" in out
    asked = [(r.host, r.path) for r, _ in servers.http.log]
    # The loop was not gone round; the target was asked only as the second server.
    assert asked.count((first.split("://")[1], "/api/v1/tags/BCSM")) == 1
    assert asked.count((second.split("://")[1], "/api/v1/tags/HCLDR")) == 1
    assert stored(first) == {}


def test_retry_after_inf_is_an_unreadable_wait_not_a_crash(servers, make_hashtag):
    first, second = servers
    make_hashtag("BCSM")
    make_hashtag("HCLDR")
    servers.http.expect_request("/api/v1/tags/BCSM", **on(first)).respond_with_json(
        {"error": "Too many requests"}, status=429, headers={"Retry-After": "inf"}
    )
    for tag in ("BCSM", "HCLDR"):
        servers.http.expect_request(f"/api/v1/tags/{tag}", **on(second)).respond_with_json(
            tag_answer(tag, WEEK)
        )
    out, _ = run()
    # Tried again after the usual backoff, then left for the run as rate limited.
    assert f"{first}: rate limited (429) after 3 tries ×2" in out
    assert stored(second) == {"BCSM": 7, "HCLDR": 7}


def test_a_reset_at_inf_is_ignored_and_the_next_entry_is_still_asked(
    servers, settings, make_hashtag
):
    settings.ACTIVITY_MASTODON_SERVERS = servers[:1]
    make_hashtag("BCSM")
    make_hashtag("HCLDR")
    servers.http.expect_request("/api/v1/tags/BCSM").respond_with_json(
        tag_answer("BCSM", WEEK), headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "inf"}
    )
    servers.http.expect_request("/api/v1/tags/HCLDR").respond_with_json(tag_answer("HCLDR", WEEK))
    out, _ = run()
    assert out.strip() == "2 entries, 1 server, 0 failures"
    assert stored(servers[0]) == {"BCSM": 7, "HCLDR": 7}
