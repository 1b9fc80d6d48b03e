"""The curators' admin shows and edits the registry's lifecycle: freshness and the list of
entries due for a check, who verified an entry and when, a chat's dates, cancellations
and breaks, a host's years, and a retired entry's successor.

The clock is frozen (time-machine) at Tuesday 10 March 2026, noon UTC.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from hashtags.models import (
    ChatPause,
    Hashtag,
    Status,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
HASHTAGS = "/admin/hashtags/hashtag/"
CHATS = "/admin/hashtags/chat/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def verified(make_hashtag):
    """`verified(tag, days_ago)`: an approved entry last confirmed that long ago (None:
    never)."""

    def make(tag: str, days_ago: int | None, **fields) -> Hashtag:
        when = None if days_ago is None else NOW - timedelta(days=days_ago)
        return make_hashtag(tag, last_verified=when, **fields)

    return make


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [entry.tag for entry in response.context["cl"].result_list]


# --- The list: freshness, chat status, the list of entries due --------------------------


def test_freshness_filter_lists_the_public_entries_of_each_freshness(curator_client, verified):
    verified("Current", 30)
    verified("Due", 400)  # past a year (VERIFY_AFTER_DAYS) …
    verified("Stale", 500)  # … and past 90 days more (STALE_AFTER_DAYS)
    verified("Never", None)
    verified("PendingNever", None, status=Status.PENDING)

    def tags(value: str) -> set[str]:
        return set(listed(curator_client.get(HASHTAGS, {"freshness": value})))

    assert tags("current") == {"Current"}
    assert tags("due") == {"Due"}
    assert tags("stale") == {"Stale"}
    # Only entries a curator can verify: a pending submission has no freshness yet.
    assert tags("unverified") == {"Never"}


def test_list_shows_each_entrys_freshness_in_a_column(curator_client, verified):
    verified("Due", 400)
    verified("PendingOne", None, status=Status.PENDING)
    page = curator_client.get(HASHTAGS).content.decode()
    assert "column-freshness" in page
    assert '<td class="field-freshness">Due for a check</td>' in page
    assert '<td class="field-freshness">—</td>' in page  # the pending entry


def test_due_list_shows_entries_needing_a_check_longest_unconfirmed_first(curator_client, verified):
    verified("Current", 30)
    verified("Due", 400)
    verified("Stale", 500)
    verified("Staler", 900)
    verified("NeverRecent", None, approved_at=NOW - timedelta(days=3))
    verified("NeverOld", None, approved_at=NOW - timedelta(days=300))
    verified("PendingNever", None, status=Status.PENDING)
    verified("RejectedNever", None, status=Status.REJECTED)

    response = curator_client.get(HASHTAGS, {"freshness": "check"})

    # Never confirmed counts as the oldest check; among those, public longest first.
    assert listed(response) == ["NeverOld", "NeverRecent", "Staler", "Stale", "Due"]


def test_the_list_links_to_the_due_list(curator_client):
    page = curator_client.get(HASHTAGS).content.decode()
    assert f'href="{HASHTAGS}?freshness=check"' in page


def test_chat_status_filter_lists_entries_with_a_chat_in_that_state(
    curator_client, make_hashtag, make_chat
):
    make_chat(make_hashtag("Weekly"))
    make_chat(make_hashtag("Finished"), ends_on=date(2025, 12, 30))
    make_chat(make_hashtag("Soon"), starts_on=date(2026, 4, 7))
    on_break = make_chat(make_hashtag("Resting"))
    ChatPause.objects.create(chat=on_break, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))
    make_hashtag("NoChat")

    def tags(value: str) -> set[str]:
        return set(listed(curator_client.get(HASHTAGS, {"chat_status": value})))

    assert tags("active") == {"Weekly"}
    assert tags("ended") == {"Finished"}
    assert tags("upcoming") == {"Soon"}
    assert tags("paused") == {"Resting"}


# --- Verification: who and when ----------------------------------------------------------


def test_mark_verified_records_who_and_when_and_the_page_shows_it(
    curator_client, curator, verified
):
    entry = verified("HCLDR", 500)

    response = curator_client.post(f"{HASHTAGS}{entry.pk}/verify/")

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.last_verified == NOW
    assert entry.last_verified_by == curator
    assert entry.history.first().history_user == curator
    page = curator_client.get(f"{HASHTAGS}{entry.pk}/change/").content.decode()
    assert "Last verified" in page
    assert "2026-03-10 by curator (current)" in page


def test_mark_verified_action_on_the_list_records_who_and_when(curator_client, curator, verified):
    first, second = verified("One", None), verified("Two", 400)

    curator_client.post(
        HASHTAGS, {"action": "verify_selected", "_selected_action": [first.pk, second.pk]}
    )

    for entry in (first, second):
        entry.refresh_from_db()
        assert (entry.last_verified, entry.last_verified_by) == (NOW, curator)


def test_a_never_verified_entry_says_so(curator_client, verified):
    entry = verified("Fresh", None)
    page = curator_client.get(f"{HASHTAGS}{entry.pk}/change/")
    assert page.context["adminform"].form.instance.last_verified is None
    assert '<div class="readonly">Never</div>' in page.content.decode()
