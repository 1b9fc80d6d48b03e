"""The curators' admin shows and edits the registry's lifecycle: freshness and the list of
entries due for a check, who verified an entry and when, a chat's dates, cancellations
and breaks, a host's years, and a retired entry's successor.

The clock is frozen (time-machine) at Tuesday 10 March 2026, noon UTC.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hashtags.models import (
    ChatPause,
    Hashtag,
    HashtagModerator,
    Moderator,
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


def page_data(response) -> dict:
    """What the browser would post back from an admin change page left as it is: the
    main form, each inline's management form and rows."""
    assert response.status_code == 200
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is None:
                value = ""
            data[field.html_name] = value
    return data


def chat_form_errors(response) -> dict:
    """The errors of each row of the page's chat inline."""
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == "chats":
            return {
                name: list(messages)
                for form in inline.formset.forms
                for name, messages in form.errors.items()
            }
    raise AssertionError("no chat inline on the page")


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


# --- Editing an entry: source, successor, chats, hosts ------------------------------------


def test_entry_form_saves_the_source(curator_client, curator, make_hashtag):
    entry = make_hashtag("HCLDR")
    data = page_data(curator_client.get(f"{HASHTAGS}{entry.pk}/change/"))
    data["source"] = "https://hcldr.example.org/about"

    response = curator_client.post(f"{HASHTAGS}{entry.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert entry.source == "https://hcldr.example.org/about"
    assert entry.history.first().history_user == curator


def test_a_retired_entry_takes_a_successor_in_its_form(curator_client, make_hashtag):
    successor = make_hashtag("HCLDRNext")
    entry = make_hashtag("HCLDR", status=Status.RETIRED)
    data = page_data(curator_client.get(f"{HASHTAGS}{entry.pk}/change/"))
    data["replaced_by"] = successor.pk

    response = curator_client.post(f"{HASHTAGS}{entry.pk}/change/", data)

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.replaced_by == successor


@pytest.mark.parametrize(
    ("status", "successor_status", "message"),
    [
        (Status.APPROVED, Status.APPROVED, "Only a retired entry names a successor."),
        (Status.RETIRED, Status.PENDING, "is not a public entry."),
    ],
)
def test_a_successor_that_cannot_be_is_refused_on_its_field(
    curator_client, make_hashtag, status, successor_status, message
):
    successor = make_hashtag("Other", status=successor_status)
    entry = make_hashtag("HCLDR", status=status)
    data = page_data(curator_client.get(f"{HASHTAGS}{entry.pk}/change/"))
    data["replaced_by"] = successor.pk

    response = curator_client.post(f"{HASHTAGS}{entry.pk}/change/", data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors["replaced_by"])
    entry.refresh_from_db()
    assert entry.replaced_by is None


def test_the_successor_picker_offers_approved_entries_only(curator_client, make_hashtag):
    make_hashtag("HealthLeaders")
    make_hashtag("HealthPending", status=Status.PENDING)
    make_hashtag("HealthRetired", status=Status.RETIRED)

    response = curator_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "hashtags",
            "model_name": "hashtag",
            "field_name": "replaced_by",
            "term": "Health",
        },
    )

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["#HealthLeaders"]


def test_chat_inline_saves_dates_and_cancelled_dates_with_history(
    curator_client, curator, make_hashtag, make_chat
):
    entry = make_hashtag("HCLDR")
    chat = make_chat(entry, weekdays="TU")
    data = page_data(curator_client.get(f"{HASHTAGS}{entry.pk}/change/"))
    data["chats-0-starts_on"] = "2026-01-06"
    data["chats-0-ends_on"] = "2026-12-29"
    data["chats-0-cancelled_dates"] = "2026-03-24\n2026-03-17, 2026-03-24"

    response = curator_client.post(f"{HASHTAGS}{entry.pk}/change/", data)

    assert response.status_code == 302, chat_form_errors(response)
    chat.refresh_from_db()
    assert (chat.starts_on, chat.ends_on) == (date(2026, 1, 6), date(2026, 12, 29))
    assert chat.cancelled_dates == ["2026-03-17", "2026-03-24"]  # sorted, once each
    latest = chat.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        curator,
        "Changed in the admin",
    )
    page = curator_client.get(f"{HASHTAGS}{entry.pk}/change/").content.decode()
    assert "2026-03-17\n2026-03-24</textarea>" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-02-30", "'2026-02-30' is not a date (YYYY-MM-DD)."),
        ("next tuesday", "'next' is not a date (YYYY-MM-DD)."),
        ("2026-03-18", "2026-03-18 is a Wednesday: the chat does not meet that day."),
    ],
)
def test_a_bad_cancelled_date_is_refused_on_its_field(
    curator_client, make_hashtag, make_chat, typed, message
):
    entry = make_hashtag("HCLDR")
    chat = make_chat(entry, weekdays="TU")
    data = page_data(curator_client.get(f"{HASHTAGS}{entry.pk}/change/"))
    data["chats-0-cancelled_dates"] = typed

    response = curator_client.post(f"{HASHTAGS}{entry.pk}/change/", data)

    assert response.status_code == 200
    assert message in chat_form_errors(response)["cancelled_dates"]
    page = response.content.decode()
    assert "errors field-cancelled_dates" in page
    assert "Cancelled dates" in page
    chat.refresh_from_db()
    assert chat.cancelled_dates == []


def test_chat_inline_shows_the_chats_status_and_links_to_its_breaks(
    curator_client, make_hashtag, make_chat
):
    entry = make_hashtag("HCLDR")
    chat = make_chat(entry)
    ChatPause.objects.create(chat=chat, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))
    make_chat(entry, weekdays="TH", ends_on=date(2026, 1, 1))

    page = curator_client.get(f"{HASHTAGS}{entry.pk}/change/").content.decode()

    assert "On a break until 2026-03-31" in page
    assert "Ended" in page
    assert f'href="{CHATS}{chat.pk}/change/">edit the breaks</a>' in page


def test_host_inline_saves_a_hosts_years(curator_client, curator, make_hashtag):
    entry = make_hashtag("HCLDR")
    host = HashtagModerator.objects.create(
        hashtag=entry, moderator=Moderator.objects.create(handle="Colin_Hung")
    )
    data = page_data(curator_client.get(f"{HASHTAGS}{entry.pk}/change/"))
    data["hosts-0-since"] = "2014"
    data["hosts-0-until"] = "2020"

    response = curator_client.post(f"{HASHTAGS}{entry.pk}/change/", data)

    assert response.status_code == 302
    host.refresh_from_db()
    assert (host.since, host.until) == (2014, 2020)
    assert host.history.first().history_user == curator


@pytest.mark.parametrize(
    ("since", "until", "field", "message"),
    [
        ("2020", "2014", "until", "The year they stopped cannot be before they began."),
        ("1200", "", "since", "Enter a year between 2000 and 2100."),
    ],
)
def test_bad_host_years_are_refused_on_their_field(
    curator_client, make_hashtag, since, until, field, message
):
    entry = make_hashtag("HCLDR")
    host = HashtagModerator.objects.create(
        hashtag=entry, moderator=Moderator.objects.create(handle="Colin_Hung")
    )
    data = page_data(curator_client.get(f"{HASHTAGS}{entry.pk}/change/"))
    data["hosts-0-since"], data["hosts-0-until"] = since, until

    response = curator_client.post(f"{HASHTAGS}{entry.pk}/change/", data)

    assert response.status_code == 200
    hosts = next(
        i for i in response.context["inline_admin_formsets"] if i.formset.prefix == "hosts"
    )
    assert message in hosts.formset.forms[0].errors[field]
    host.refresh_from_db()
    assert (host.since, host.until) == (None, None)


def test_entry_page_reads_its_chats_breaks_in_one_query(curator_client, make_hashtag, make_chat):
    entry = make_hashtag("HCLDR")
    for _ in range(3):
        ChatPause.objects.create(chat=make_chat(entry), starts_on=date(2026, 3, 1))

    with CaptureQueriesContext(connection) as captured:
        page = curator_client.get(f"{HASHTAGS}{entry.pk}/change/")

    assert page.content.decode().count("edit the breaks") == 3
    # The chats' statuses and break summaries, from one query (the inline prefetches).
    reads = [q["sql"] for q in captured.captured_queries if "hashtags_chatpause" in q["sql"]]
    assert len(reads) == 1, reads


# --- Retiring with a successor ------------------------------------------------------------


def test_retire_with_a_successor_sets_replaced_by(curator_client, curator, make_hashtag):
    successor = make_hashtag("HCLDRNext")
    entry = make_hashtag("HCLDR")

    # Named by any spelling of its tag.
    response = curator_client.post(
        f"{HASHTAGS}{entry.pk}/retire/", {"reason": "Moved on", "replaced_by": "#hcldrnext"}
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.replaced_by, entry.status_reason) == (
        Status.RETIRED,
        successor,
        "Moved on",
    )
    assert entry.history.first().history_user == curator
    shown = [str(m) for m in response.wsgi_request._messages]
    assert shown == ["#HCLDR is retired. Its successor is #HCLDRNext."]


def test_retire_without_a_successor_still_works(curator_client, make_hashtag):
    entry = make_hashtag("HCLDR")
    response = curator_client.post(f"{HASHTAGS}{entry.pk}/retire/", {"reason": ""})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.replaced_by) == (Status.RETIRED, None)


@pytest.mark.parametrize(
    ("successor", "message"),
    [
        ("NoSuchTag", "#NoSuchTag is not a public entry."),
        ("Pending", "#Pending is not a public entry."),
        ("HCLDR", "An entry cannot replace itself."),
    ],
)
def test_retire_with_an_invalid_successor_shows_the_error_and_retires_nothing(
    curator_client, make_hashtag, successor, message
):
    make_hashtag("Pending", status=Status.PENDING)
    make_hashtag("Retired", status=Status.RETIRED)
    entry = make_hashtag("HCLDR")

    response = curator_client.post(
        f"{HASHTAGS}{entry.pk}/retire/", {"reason": "", "replaced_by": successor}
    )

    assert response.status_code == 200
    assert message in response.context["form"].errors["replaced_by"]
    assert message in response.content.decode().replace("&#x27;", "'")
    entry.refresh_from_db()
    assert (entry.status, entry.replaced_by) == (Status.APPROVED, None)


def test_retire_page_offers_the_successor_field(curator_client, make_hashtag):
    entry = make_hashtag("HCLDR")
    page = curator_client.get(f"{HASHTAGS}{entry.pk}/retire/").content.decode()
    assert 'name="replaced_by"' in page


# --- The chats' own admin: status, dates, breaks ------------------------------------------


def test_chat_list_filters_by_status_and_shows_status_and_dates(
    curator_client, make_hashtag, make_chat
):
    entry = make_hashtag("HCLDR")
    running = make_chat(entry, title="Running")
    make_chat(entry, title="Over", ends_on=date(2026, 1, 27))
    make_chat(entry, title="Later", starts_on=date(2026, 5, 5))
    resting = make_chat(entry, title="Resting")
    ChatPause.objects.create(chat=resting, starts_on=date(2026, 3, 1))

    def titles(value: str) -> list[str]:
        response = curator_client.get(CHATS, {"status": value})
        assert response.status_code == 200
        return [chat.title for chat in response.context["cl"].result_list]

    assert titles("active") == ["Running"]
    assert titles("ended") == ["Over"]
    assert titles("upcoming") == ["Later"]
    assert titles("paused") == ["Resting"]
    page = curator_client.get(CHATS).content.decode()
    for column in ("column-chat_status", "column-starts_on", "column-ends_on"):
        assert column in page
    assert '<td class="field-chat_status">On a break until further notice</td>' in page
    assert '<td class="field-ends_on nowrap">27 January 2026</td>' in page
    assert running.status == "active"


def test_a_curator_adds_a_break_on_the_chats_page(curator_client, curator, make_hashtag, make_chat):
    # A curator, not a superuser: a chat's breaks follow the chat's permissions.
    assert not curator.is_superuser
    chat = make_chat(make_hashtag("HCLDR"), starts_on=date(2026, 1, 6))
    data = page_data(curator_client.get(f"{CHATS}{chat.pk}/change/"))
    data.update(
        {
            "pauses-TOTAL_FORMS": "1",
            "pauses-0-starts_on": "2026-07-01",
            "pauses-0-ends_on": "2026-08-31",
            "pauses-0-note": "Summer break",
        }
    )

    response = curator_client.post(f"{CHATS}{chat.pk}/change/", data)

    assert response.status_code == 302
    pause = chat.pauses.get()
    assert (pause.starts_on, pause.ends_on, pause.note) == (
        date(2026, 7, 1),
        date(2026, 8, 31),
        "Summer break",
    )
    assert pause.history.first().history_user == curator


@pytest.mark.parametrize(
    ("rows", "where", "message"),
    [
        (
            [("2025-12-01", "2025-12-31")],
            ("form", 0, "starts_on"),
            "A break cannot start before the chat does.",
        ),
        (
            [("2026-07-01", "2026-08-31"), ("2026-08-15", "2026-09-15")],
            ("formset",),
            "The breaks from 2026-07-01 and 2026-08-15 overlap.",
        ),
        (
            [("2026-07-01", "2026-06-01")],
            ("form", 0, "ends_on"),
            "A break cannot end before it starts.",
        ),
    ],
)
def test_bad_breaks_are_refused_with_a_clear_error(
    curator_client, make_hashtag, make_chat, rows, where, message
):
    chat = make_chat(make_hashtag("HCLDR"), starts_on=date(2026, 1, 6))
    data = page_data(curator_client.get(f"{CHATS}{chat.pk}/change/"))
    data["pauses-TOTAL_FORMS"] = str(len(rows))
    for index, (first, last) in enumerate(rows):
        data[f"pauses-{index}-starts_on"] = first
        data[f"pauses-{index}-ends_on"] = last

    response = curator_client.post(f"{CHATS}{chat.pk}/change/", data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    if where[0] == "formset":
        assert message in formset.non_form_errors()
    else:
        assert message in formset.forms[where[1]].errors[where[2]]
    assert not chat.pauses.exists()


def test_the_chats_page_edits_cancelled_dates_too(curator_client, make_hashtag, make_chat):
    chat = make_chat(make_hashtag("HCLDR"), weekdays="TU")
    data = page_data(curator_client.get(f"{CHATS}{chat.pk}/change/"))
    data["cancelled_dates"] = "2026-03-31"

    response = curator_client.post(f"{CHATS}{chat.pk}/change/", data)

    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.cancelled_dates == ["2026-03-31"]


def test_chat_list_reads_the_chats_breaks_and_zones_together(
    curator_client, make_hashtag, make_chat
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert curator_client.get(CHATS).status_code == 200
        return len(captured)

    entry = make_hashtag("HCLDR")
    ChatPause.objects.create(chat=make_chat(entry), starts_on=date(2026, 3, 1))
    one = queries()
    for _ in range(4):
        ChatPause.objects.create(chat=make_chat(entry), starts_on=date(2026, 3, 1))
    # The status column reads the page's breaks in one query, the zone column its zones.
    assert queries() == one


def test_bulk_retire_reports_an_entry_that_fails_validation_instead_of_a_500(
    curator_client, make_hashtag
):
    """An entry stored before today's rules (a conference date in 1999) cannot be saved
    as it is: retiring it in bulk says why, and leaves it as it was."""
    old = make_hashtag("OldConf", kind="conference")
    Hashtag.objects.filter(pk=old.pk).update(start_date=date(1999, 5, 1))

    response = curator_client.post(
        HASHTAGS, {"action": "retire_selected", "_selected_action": [old.pk]}, follow=True
    )

    assert response.status_code == 200
    shown = " ".join(str(message) for message in response.context["messages"])
    assert "#OldConf: start_date: Enter a date between 2000-01-01 and 2100-12-31." in shown
    old.refresh_from_db()
    assert old.status == Status.APPROVED
