"""Truth over time: chats that end, pause and skip a date; hosts who come and go; entries
that go stale. Checked where visitors and API clients meet them: the entry's API answer,
upcoming chats, the entry page and lists, across a daylight-saving change, with the
answers compared in UTC."""

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hashtags import entries, published
from hashtags.curation import moderation
from hashtags.models import Chat, ChatPause, ChatStatus, Hashtag, local_dates

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 8:30 PM in New York: the #HCLDR chat.
HCLDR_CHAT = {"weekdays": ["TU"], "start_time": "20:30", "timezone": "America/New_York"}


def frozen(moment: datetime):
    return time_machine.travel(moment, tick=False)


def upcoming_starts(api, start: str, end: str, **params) -> list[tuple[str, str]]:
    """(tag, start in UTC) of every meeting the API lists in the window."""
    answer = api.get("/api/v1/chats/upcoming/", {"start": start, "end": end, **params})
    assert answer.status_code == 200, answer.json()
    return [(row["tag"], row["start"]) for row in answer.json()["results"]]


def utc(*args) -> str:
    return datetime(*args, tzinfo=UTC).isoformat()


# --- #HCLDR: a chat that ended ---------------------------------------------------------


@pytest.fixture
def hcldr(curator, make_hashtag):
    """#HCLDR as the registry records it: its weekly chat's final meeting was on
    Tuesday 31 October 2023 (8:30 PM in New York, 00:30 UTC on 1 November)."""
    with frozen(datetime(2024, 1, 8, 12, tzinfo=UTC)):
        return entries.create(
            curator=curator,
            tag="HCLDR",
            name="Healthcare Leaders",
            kind="chat",
            chats=[{**HCLDR_CHAT, "title": "Weekly chat", "ends_on": date(2023, 10, 31)}],
        )


def test_the_api_shows_an_ended_chat_as_ended_with_its_last_date(api, hcldr):
    with frozen(datetime(2026, 12, 1, 15, tzinfo=UTC)):
        chat = api.get("/api/v1/hashtags/HCLDR/").json()["chats"][0]
    assert chat["status"] == "ended"
    assert chat["ends_on"] == "2023-10-31"
    assert chat["next_occurrences"] == []
    assert chat["rrule"].endswith("UNTIL=20231101T035959Z")


def test_an_ended_chat_is_absent_from_upcoming_chats_and_the_home_page(api, visitor, hcldr):
    with frozen(datetime(2026, 12, 1, 15, tzinfo=UTC)):
        assert upcoming_starts(api, "2026-12-01", "2026-12-08") == []
        home = visitor.get("/").content.decode()
    assert "#HCLDR</a>" not in home.split("Chats in the next 7 days")[1].split("</section>")[0]


def test_upcoming_chats_in_a_past_window_still_show_the_last_meetings(api, hcldr):
    with frozen(datetime(2026, 12, 1, 15, tzinfo=UTC)):
        found = upcoming_starts(api, "2023-10-26", "2023-11-15", tz="UTC")
    assert found == [("HCLDR", utc(2023, 11, 1, 0, 30))]


def test_the_entry_page_says_the_chat_ended(visitor, hcldr):
    with frozen(datetime(2026, 12, 1, 15, tzinfo=UTC)):
        page = visitor.get("/hashtags/HCLDR/").content.decode()
    past = page.split('id="hashtag-past-chats-heading"')[1]
    assert "Past chats" in past
    assert "ended 31 October 2023" in past
    assert "Tuesdays at 8:30 PM ET" in past
    assert 'id="hashtag-chats-heading"' not in page  # no current chat, no "Next" dates


def test_a_chat_ends_on_its_last_day_in_its_own_zone(hcldr):
    """31 October 2023 is still the chat's last day at 03:59 UTC on 1 November (11:59 PM
    in New York); an hour later it has ended."""
    chat = hcldr.chats.get()
    with frozen(datetime(2023, 11, 1, 3, 59, tzinfo=UTC)):
        assert chat.status == ChatStatus.ACTIVE
        assert list(Chat.objects.with_status("active")) == [chat]
    with frozen(datetime(2023, 11, 1, 4, 0, 1, tzinfo=UTC)):
        assert chat.status == ChatStatus.ENDED
        assert list(Chat.objects.with_status("ended")) == [chat]


# --- Cancelled dates and end dates through the API, across a clock change ---------------


def test_a_cancelled_date_after_the_clocks_change_skips_exactly_that_meeting(curator_api, api):
    """New York falls back on Sunday 1 November 2026: the Tuesday chat meets at 01:30 UTC
    before and 01:30 UTC after (20:30 EST). The meeting of Tuesday 3 November (local
    date) is cancelled: the 27 October and 10 November meetings remain, in UTC."""
    with frozen(datetime(2026, 10, 20, 12, tzinfo=UTC)):
        created = curator_api.post(
            "/api/v1/hashtags/",
            {
                "tag": "NightChat",
                "name": "A night chat",
                "kind": "chat",
                "chats": [{**HCLDR_CHAT, "cancelled_dates": ["2026-11-03"]}],
            },
            format="json",
        )
        assert created.status_code == 201, created.json()
        assert created.json()["chats"][0]["cancelled_dates"] == ["2026-11-03"]
        found = upcoming_starts(api, "2026-10-26", "2026-11-12", tz="UTC")
    assert found == [
        ("NightChat", utc(2026, 10, 28, 0, 30)),  # Tue 27 Oct 20:30 EDT
        ("NightChat", utc(2026, 11, 11, 1, 30)),  # Tue 10 Nov 20:30 EST
    ]


def test_a_patch_setting_ends_on_stops_the_meetings_after_that_date(curator_api, api):
    """The chat's end falls just after the March change (New York springs forward on
    Sunday 8 March 2026): the meeting of Tuesday 10 March, its last, is at 00:30 UTC on
    11 March (EDT), and none follows."""
    with frozen(datetime(2026, 2, 20, 12, tzinfo=UTC)):
        curator_api.post(
            "/api/v1/hashtags/",
            {"tag": "SpringChat", "name": "A chat", "kind": "chat", "chats": [HCLDR_CHAT]},
            format="json",
        )
        before = upcoming_starts(api, "2026-03-01", "2026-03-25", tz="UTC")
        assert len(before) == 3
        patched = curator_api.patch(
            "/api/v1/hashtags/SpringChat/",
            {"chats": [{**HCLDR_CHAT, "ends_on": "2026-03-10"}]},
            format="json",
        )
        assert patched.status_code == 200, patched.json()
        after = upcoming_starts(api, "2026-03-01", "2026-03-25", tz="UTC")
    assert after == [
        ("SpringChat", utc(2026, 3, 4, 1, 30)),  # Tue 3 Mar 20:30 EST
        ("SpringChat", utc(2026, 3, 11, 0, 30)),  # Tue 10 Mar 20:30 EDT, the last
    ]


def test_a_chat_given_with_a_cancelled_date_skips_it_in_next_occurrences(curator_api):
    with frozen(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        answer = curator_api.post(
            "/api/v1/hashtags/",
            {
                "tag": "HolidayChat",
                "name": "A chat",
                "kind": "chat",
                "chats": [{**HCLDR_CHAT, "cancelled_dates": ["2026-12-08"]}],
            },
            format="json",
        )
    assert answer.json()["chats"][0]["next_occurrences"] == [
        "2026-12-01T20:30:00-05:00",
        "2026-12-15T20:30:00-05:00",
        "2026-12-22T20:30:00-05:00",
    ]


# --- Breaks ------------------------------------------------------------------------------


def test_a_break_stops_meetings_says_until_when_and_ends(curator, make_hashtag, api, visitor):
    entry = make_hashtag("SummerChat")
    with frozen(datetime(2026, 7, 1, 12, tzinfo=UTC)):
        entries.update(
            hashtag=entry,
            curator=curator,
            chats=[
                {
                    "weekdays": "WE",
                    "start_time": time(12),
                    "timezone": "Europe/London",
                    "pauses": [
                        {"from": date(2026, 7, 1), "until": date(2026, 8, 31), "note": "Summer"}
                    ],
                }
            ],
        )
        detail = api.get("/api/v1/hashtags/SummerChat/").json()["chats"][0]
        page = visitor.get("/hashtags/SummerChat/").content.decode()
        found = upcoming_starts(api, "2026-08-20", "2026-09-10", tz="UTC")
    assert detail["status"] == "paused"
    assert detail["pauses"] == [{"from": "2026-07-01", "until": "2026-08-31", "note": "Summer"}]
    assert detail["next_occurrences"][0] == "2026-09-02T12:00:00+01:00"
    assert "On a break until 31 August 2026" in page
    assert found == [
        ("SummerChat", utc(2026, 9, 2, 11)),
        ("SummerChat", utc(2026, 9, 9, 11)),
    ]


def test_an_open_ended_break_has_no_next_meeting(curator, make_hashtag, api):
    entry = make_hashtag("Hiatus")
    with frozen(datetime(2026, 7, 1, 12, tzinfo=UTC)):
        entries.update(
            hashtag=entry,
            curator=curator,
            chats=[{**HCLDR_CHAT, "weekdays": "TU", "pauses": [{"from": date(2026, 6, 1)}]}],
        )
        chat = api.get("/api/v1/hashtags/Hiatus/").json()["chats"][0]
    assert chat["status"] == "paused"
    assert chat["pauses"] == [{"from": "2026-06-01", "until": None, "note": ""}]
    assert chat["next_occurrences"] == []


def test_upcoming_and_ended_statuses_follow_the_dates(curator, make_hashtag):
    entry = make_hashtag("Life")
    entries.update(
        hashtag=entry,
        curator=curator,
        chats=[
            {**HCLDR_CHAT, "weekdays": "MO", "starts_on": date(2027, 1, 4)},
            {**HCLDR_CHAT, "weekdays": "TU", "ends_on": date(2026, 1, 6)},
        ],
    )
    with frozen(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        states = {chat.weekdays: chat.status for chat in entry.chats.all()}
        assert states == {"MO": "upcoming", "TU": "ended"}
        assert set(Hashtag.objects.with_chat_status("upcoming")) == {entry}
        assert not Hashtag.objects.with_chat_status("paused").exists()


# The world is on two or three dates at once: the status filter in SQL must agree with
# each chat's own calendar, at moments when some zones have passed midnight.
MOMENTS = [
    datetime(2026, 12, 1, 9, 30, tzinfo=UTC),  # Kiritimati already on 2 December
    datetime(2026, 12, 1, 23, 30, tzinfo=UTC),  # Honolulu and Pago Pago still on 1 Dec
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # New York's fall-back night
]
ZONES = ["Pacific/Kiritimati", "Pacific/Pago_Pago", "America/New_York", "Asia/Kolkata", "UTC"]


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda moment: moment.isoformat())
def test_the_status_filter_agrees_with_each_chats_own_calendar(curator, make_hashtag, moment):
    for number, zone in enumerate(ZONES):
        chats = []
        today = moment.astimezone(ZoneInfo(zone)).date()
        for offset in (-1, 0, 1):
            day = today + timedelta(days=offset)
            chats += [
                {"weekdays": "MO", "start_time": time(9), "timezone": zone, "ends_on": day},
                {"weekdays": "MO", "start_time": time(9), "timezone": zone, "starts_on": day},
                {
                    "weekdays": "MO",
                    "start_time": time(9),
                    "timezone": zone,
                    "pauses": [{"from": day, "until": day}],
                },
            ]
        # Nine chats per zone, one entry each (an entry holds at most MAX_CHATS).
        entries.update(hashtag=make_hashtag(f"Zones{number}"), curator=curator, chats=chats)
        # The same chats on an entry nobody ever confirmed: unconfirmed unless ended.
        unconfirmed = make_hashtag(f"Unconfirmed{number}", last_verified=None)
        entries.update(hashtag=unconfirmed, curator=curator, chats=chats)
    with frozen(moment):
        stored = list(Chat.objects.select_related("hashtag").prefetch_related("pauses"))
        for status in ChatStatus.values:
            expected = {chat.pk for chat in stored if chat.status == status}
            assert set(Chat.objects.with_status(status).values_list("pk", flat=True)) == expected
        confirmed = {chat.pk for chat in stored if chat.status != ChatStatus.UNCONFIRMED}
        assert set(Chat.objects.confirmed().values_list("pk", flat=True)) == confirmed
        meeting = {chat.pk for chat in stored if chat.is_meeting}
        assert set(Chat.objects.meeting().values_list("pk", flat=True)) == meeting
        assert len(local_dates()) >= 2
        assert {chat.status for chat in stored} == set(ChatStatus.values)


# --- Validation ----------------------------------------------------------------------------

BAD_CHATS = [
    ({"starts_on": "9999-12-31"}, "chats[0].starts_on", "between 2000-01-01 and 2100-12-31"),
    ({"ends_on": "1999-12-31"}, "chats[0].ends_on", "between 2000-01-01 and 2100-12-31"),
    ({"cancelled_dates": ["2026-12-09"]}, "chats[0].cancelled_dates", "does not meet"),
    ({"cancelled_dates": ["0001-01-05"]}, "chats[0].cancelled_dates", "between 2000-01-01"),
    (
        {"starts_on": "2026-01-06", "cancelled_dates": ["2025-12-30"]},
        "chats[0].cancelled_dates",
        "outside the chat's dates",
    ),
    (
        {"pauses": [{"from": "2026-08-01", "until": "2026-07-01"}]},
        "chats[0].pauses[0].ends_on",
        "cannot end before it starts",
    ),
    (
        {
            "pauses": [
                {"from": "2026-07-01", "until": "2026-08-01"},
                {"from": "2026-07-15", "until": "2026-09-01"},
            ]
        },
        "chats[0].pauses",
        "overlap",
    ),
    (
        {"pauses": [{"from": "2026-07-01", "until": "2029-07-01"}]},
        "chats[0].pauses[0].ends_on",
        "more than two years",
    ),
    ({"pauses": [{"until": "2026-07-01"}]}, "chats[0].pauses[0].from", "required"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_CHATS, ids=lambda v: str(v)[:40])
def test_a_bad_lifecycle_date_is_a_400_naming_the_field(curator_api, change, field, words):
    answer = curator_api.post(
        "/api/v1/hashtags/",
        {"tag": "BadDates", "name": "x", "kind": "chat", "chats": [{**HCLDR_CHAT, **change}]},
        format="json",
    )
    assert answer.status_code == 400, answer.json()
    errors = answer.json()["errors"] if "errors" in answer.json() else answer.json()
    flat = str(errors)
    assert field.split(".")[-1] in flat and words in flat, errors
    assert not Hashtag.objects.filter(tag="BadDates").exists()


BAD_HOSTS = [
    ({"since": 2015, "until": 2012}, "cannot be before"),
    ({"since": 1999}, "2000"),
    ({"until": "2014"}, "number"),
]


@pytest.mark.parametrize(("years", "words"), BAD_HOSTS, ids=lambda v: str(v)[:30])
def test_a_bad_host_tenure_is_a_400_naming_the_field(curator_api, years, words):
    answer = curator_api.post(
        "/api/v1/hashtags/",
        {"tag": "Hosts", "name": "x", "kind": "chat", "moderators": [{"handle": "a", **years}]},
        format="json",
    )
    assert answer.status_code == 400
    assert "moderators" in str(answer.json()) and words in str(answer.json())


def test_the_public_form_refuses_a_chat_date_in_year_9999(submitter, submission_data_with_chat):
    answer = submitter(submission_data_with_chat(starts_on="9999-12-31"))
    assert answer.status_code == 400
    assert "between 2000-01-01 and 2100-12-31" in answer.content.decode()
    assert not Hashtag.objects.filter(tag="ChatWithDates").exists()


@pytest.fixture
def submission_data_with_chat():
    from tests.submission_helpers import submission_data

    def data(**chat) -> dict:
        values = submission_data(tag="ChatWithDates")
        values.update(
            {
                "chats-0-weekdays": ["TU"],
                "chats-0-frequency": "weekly",
                "chats-0-interval": "1",
                "chats-0-start_time": "20:30",
                "chats-0-duration_minutes": "60",
                "chats-0-timezone": "America/New_York",
                **{f"chats-0-{name}": value for name, value in chat.items()},
            }
        )
        return values

    return data


# --- Hosts, freshness, successors ---------------------------------------------------------


def test_hosts_are_current_and_past_with_their_years(api, visitor, curator, make_hashtag):
    entry = make_hashtag("Hosted")
    entries.update(
        hashtag=entry,
        curator=curator,
        moderators=[
            {"handle": "founder", "display_name": "A Founder", "role": "founder", "since": 2012},
            {"handle": "former", "display_name": "A Former Host", "since": 2012, "until": 2014},
        ],
    )
    hosts = api.get("/api/v1/hashtags/Hosted/").json()["moderators"]
    assert [(h["handle"], h["since"], h["until"], h["current"]) for h in hosts] == [
        ("founder", 2012, None, True),
        ("former", 2012, 2014, False),
    ]
    page = visitor.get("/hashtags/Hosted/").content.decode()
    current, past = page.split("Past hosts")
    assert "A Founder (@founder): founder, on X (Twitter) (since 2012)" in current
    assert "A Former Host (@former): host, on X (Twitter) (2012 – 2014)" in past


@pytest.mark.parametrize(
    ("verified", "freshness", "words"),
    [
        (None, "unverified", "Not yet confirmed"),
        (datetime(2026, 3, 3, 9, tzinfo=UTC), "current", "Last confirmed 3 March 2026"),
        (datetime(2025, 10, 1, 9, tzinfo=UTC), "due", "Last confirmed 1 October 2025; due"),
        (datetime(2023, 5, 1, 9, tzinfo=UTC), "stale", "Not confirmed since 2023"),
    ],
)
def test_freshness_in_the_api_the_filter_and_the_page(
    api, visitor, make_hashtag, verified, freshness, words
):
    make_hashtag("Fresh", last_verified=verified)
    # Another entry, fresh in another way, that the filter must leave out.
    other = None if verified else datetime(2026, 11, 1, tzinfo=UTC)
    make_hashtag("Other", last_verified=other)
    with frozen(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        assert api.get("/api/v1/hashtags/Fresh/").json()["freshness"] == freshness
        listed = api.get("/api/v1/hashtags/", {"freshness": freshness}).json()["results"]
        page = visitor.get("/hashtags/Fresh/").content.decode()
    assert [row["tag"] for row in listed] == ["Fresh"]
    assert words in page


def test_the_verification_period_comes_from_the_settings(api, make_hashtag, settings):
    make_hashtag("Fresh", last_verified=datetime(2026, 9, 1, tzinfo=UTC))
    settings.VERIFY_AFTER_DAYS = 30
    with frozen(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        assert api.get("/api/v1/hashtags/Fresh/").json()["freshness"] == "due"


def test_verifying_records_when_and_who(curator_api, curator, make_hashtag):
    make_hashtag("Checked")
    with frozen(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        answer = curator_api.post("/api/v1/hashtags/Checked/verify/")
    assert answer.json()["freshness"] == "current"
    assert answer.json()["last_verified"] == "2026-12-01T12:00:00Z"
    assert Hashtag.objects.get(tag="Checked").last_verified_by == curator


def test_upcoming_chats_leave_out_unconfirmed_chats_unless_asked(api, make_hashtag, make_chat):
    make_chat(make_hashtag("Confirmed", last_verified=datetime(2026, 11, 1, tzinfo=UTC)))
    make_chat(make_hashtag("Unconfirmed", last_verified=None))
    make_chat(make_hashtag("LongAgo", last_verified=datetime(2025, 11, 1, tzinfo=UTC)))
    with frozen(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        shown = api.get("/api/v1/chats/upcoming/").json()["results"]
        every = api.get("/api/v1/chats/upcoming/", {"include": "unconfirmed"}).json()["results"]
        wrong = api.get("/api/v1/chats/upcoming/", {"include": "yes"})
    assert {(row["tag"], row["status"]) for row in shown} == {("Confirmed", "active")}
    assert {(row["tag"], row["status"], row["freshness"]) for row in every} == {
        ("Confirmed", "active", "current"),
        ("Unconfirmed", "unconfirmed", "unverified"),
        ("LongAgo", "unconfirmed", "due"),
    }
    assert wrong.status_code == 400 and "include" in str(wrong.json())


def test_a_retired_entry_points_to_its_successor(curator_api, api, visitor, make_hashtag):
    make_hashtag("OldChat")
    make_hashtag("NewChat")
    answer = curator_api.post(
        "/api/v1/hashtags/OldChat/retire/",
        {"reason": "The community moved.", "replaced_by": "#newchat"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    successor = answer.json()["replaced_by"]
    assert successor["tag"] == "NewChat"
    assert successor["url"].endswith("/api/v1/hashtags/NewChat/")
    page = visitor.get("/hashtags/OldChat/").content.decode()
    assert 'continues at <a href="/hashtags/NewChat/">#NewChat</a>' in page


@pytest.mark.parametrize(
    ("successor", "words"),
    [("Nobody", "is not a public entry"), ("OldChat", "cannot replace itself")],
)
def test_a_bad_successor_is_a_400_and_nothing_changes(curator_api, make_hashtag, successor, words):
    make_hashtag("OldChat")
    answer = curator_api.post(
        "/api/v1/hashtags/OldChat/retire/", {"replaced_by": successor}, format="json"
    )
    assert answer.status_code == 400
    assert "replaced_by" in str(answer.json()) and words in str(answer.json())
    assert Hashtag.objects.get(tag="OldChat").status == "approved"


def test_only_a_retired_entry_names_a_successor(curator_api, make_hashtag):
    make_hashtag("Live")
    make_hashtag("Other")
    answer = curator_api.patch("/api/v1/hashtags/Live/", {"replaced_by": "Other"}, format="json")
    assert answer.status_code == 400
    assert "Only a retired entry names a successor" in str(answer.json())


def test_a_submission_cannot_name_a_successor(api, make_hashtag):
    """Unknown to the submission API (curators name successors): refused, naming it, like
    any field the API does not take."""
    make_hashtag("Other")
    answer = api.post(
        "/api/v1/submissions/",
        {
            "tag": "Newcomer",
            "name": "x",
            "kind": "chat",
            "replaced_by": "Other",
            "submitter_name": "S",
            "submitter_email": "s@example.org",
        },
        format="json",
    )
    assert answer.status_code == 400
    assert list(answer.json()) == ["replaced_by"]
    assert not Hashtag.objects.filter(tag="Newcomer").exists()
    assert "replaced_by" not in api.options("/api/v1/submissions/").content.decode()


# --- Lists ----------------------------------------------------------------------------------


def test_cards_say_a_chat_ended_or_is_on_a_break(visitor, curator, make_hashtag):
    ended, paused = make_hashtag("Ended"), make_hashtag("Paused")
    entries.update(hashtag=ended, curator=curator, chats=[{**HCLDR_CHAT, "ends_on": "2023-10-31"}])
    entries.update(
        hashtag=paused,
        curator=curator,
        chats=[{**HCLDR_CHAT, "pauses": [{"from": "2026-11-01", "until": "2027-01-05"}]}],
    )
    with frozen(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        page = visitor.get("/hashtags/").content.decode()
    assert "chat ended 2023" in page
    assert "on a break until 5 January 2027" in page


def test_the_export_carries_the_lifecycle(api, curator, make_hashtag):
    entry = make_hashtag("Exported", source="https://example.org/about")
    entries.update(
        hashtag=entry,
        curator=curator,
        chats=[
            {
                **HCLDR_CHAT,
                "ends_on": "2023-10-31",
                "cancelled_dates": ["2023-10-24"],
                "pauses": [{"from": "2023-07-01", "until": "2023-08-31", "note": "Summer"}],
            }
        ],
        moderators=[{"handle": "host", "since": 2012, "until": 2014}],
    )
    assert ChatPause.objects.count() == 1
    answer = api.get("/api/v1/export.json")
    document = json.loads(b"".join(answer.streaming_content))
    (row,) = [row for row in document["hashtags"] if row["tag"] == "Exported"]
    assert row["source"] == "https://example.org/about"
    assert row["replaced_by"] is None
    assert row["chats"][0]["ends_on"] == "2023-10-31"
    assert row["chats"][0]["cancelled_dates"] == ["2023-10-24"]
    assert row["chats"][0]["pauses"] == [
        {"from": "2023-07-01", "until": "2023-08-31", "note": "Summer"}
    ]
    assert row["moderators"][0]["since"] == 2012 and row["moderators"][0]["until"] == 2014


def test_marking_a_break_over_changes_only_what_differs(curator, make_hashtag):
    """Re-saving the same lifecycle writes nothing; shortening a break rewrites it."""
    entry = make_hashtag("Diff")
    chat = {**HCLDR_CHAT, "pauses": [{"from": "2026-07-01", "until": "2026-08-31"}]}
    entries.update(hashtag=entry, curator=curator, chats=[chat])
    pause = ChatPause.objects.get()
    count = ChatPause.history.count()
    entries.update(hashtag=entry, curator=curator, chats=[chat])
    assert ChatPause.history.count() == count
    chat["pauses"] = [{"from": "2026-07-01", "until": "2026-08-15"}]
    entries.update(hashtag=entry, curator=curator, chats=[chat])
    pause.refresh_from_db()
    assert pause.ends_on == date(2026, 8, 15)


def test_the_import_restores_a_successor_named_before_it_appears(api, curator, make_hashtag):
    """The export lists entries by tag; a retired #AAA naming #ZZZ comes first, and an
    import into an empty registry still restores both and the link between them."""
    from io import StringIO

    from hashtags.opendata.registry_io import import_registry, iter_export, read_file

    make_hashtag("ZZZ")
    make_hashtag("AAA")
    moderation.retire(hashtag=Hashtag.objects.get(tag="AAA"), curator=curator, replaced_by="ZZZ")
    exported = "".join(iter_export("json", include_retired=True))
    gone = list(Hashtag.objects.values_list("pk", flat=True))
    Hashtag.objects.all().delete()
    published.publish(gone)  # a delete past the write path takes its documents along
    report = import_registry(read_file(StringIO(exported), "json"), curator=curator)
    assert not report.errors, [str(result) for result in report.errors]
    assert Hashtag.objects.get(tag="AAA").replaced_by == Hashtag.objects.get(tag="ZZZ")
    assert (
        "".join(iter_export("json", include_retired=True)).split('"hashtags"')[1]
        == (exported.split('"hashtags"')[1])
    )


def test_a_past_chat_entered_without_a_start_date_still_has_its_last_meetings(visitor, hcldr):
    """#HCLDR was entered in 2024, after its chat ended, with no start date: its calendar
    starts in the month of the end (October 2023) and its last meeting is 2023-11-01T00:30Z;
    the VTIMEZONE covers it."""
    import icalendar
    import recurring_ical_events

    answer = visitor.get("/hashtags/HCLDR/chats.ics")
    calendar = icalendar.Calendar.from_ical(b"".join(answer.streaming_content))
    starts = [
        event["DTSTART"].dt.astimezone(UTC)
        for event in recurring_ical_events.of(calendar).between(
            datetime(2023, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
        )
    ]
    assert starts[-1] == datetime(2023, 11, 1, 0, 30, tzinfo=UTC)
    assert starts[0] == datetime(2023, 10, 4, 0, 30, tzinfo=UTC)  # Tuesday 3 October
    (zone,) = calendar.walk("VTIMEZONE")
    first = min(part["DTSTART"].dt for part in zone.subcomponents)
    assert first.date() <= date(2023, 10, 3)


def test_a_new_break_changes_the_cached_entry_page(
    visitor, curator, make_hashtag, settings, django_capture_on_commit_callbacks
):
    """The page cache follows the registry's generation: a break written on its own (as
    the admin's table of breaks writes it, publishing its entry after) is a visible
    change."""
    settings.REGISTRY_CACHE_SECONDS = 300
    entry = make_hashtag("Cached")
    entries.update(hashtag=entry, curator=curator, chats=[HCLDR_CHAT])
    with frozen(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        assert "On a break" not in visitor.get("/hashtags/Cached/").content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            ChatPause.objects.create(
                chat=entry.chats.get(), starts_on=date(2026, 11, 20), ends_on=date(2026, 12, 31)
            )
            published.publish([entry.pk])
        assert (
            "On a break until 31 December 2026" in visitor.get("/hashtags/Cached/").content.decode()
        )


# --- Round trips and edits that must not change what they do not touch ---------------------


def test_an_entry_sent_back_as_it_was_read_changes_nothing(curator_api, curator, make_hashtag):
    """GET then PATCH the same chats: a chat that stopped on an unknown date stays ended,
    each chat keeps its row (and calendar UID) and breaks, and no history is written."""
    entry = make_hashtag("RoundTrip")
    entries.update(
        hashtag=entry,
        curator=curator,
        chats=[
            {
                **HCLDR_CHAT,
                "weekdays": "TU",
                "start_time": time(20),
                "pauses": [
                    {"from": date(2027, 1, 1), "until": date(2027, 1, 31), "note": "Winter"}
                ],
            },
            {**HCLDR_CHAT, "weekdays": "WE", "start_time": time(12)},
            {**HCLDR_CHAT, "weekdays": "FR", "start_time": time(9), "is_active": False},
        ],
    )
    before = {chat.pk: entries.chat_record(chat) for chat in entry.chats.all()}
    history = Chat.history.count() + ChatPause.history.count()
    chats = curator_api.get("/api/v1/hashtags/RoundTrip/").json()["chats"]
    writable = [{key: chat[key] for key in entries.CHAT_FIELDS if key in chat} for chat in chats]
    answer = curator_api.patch("/api/v1/hashtags/RoundTrip/", {"chats": writable}, format="json")
    assert answer.status_code == 200, answer.json()
    assert {chat["weekdays"][0]: chat["status"] for chat in answer.json()["chats"]}["FR"] == (
        "ended"
    )
    after = {chat.pk: entries.chat_record(chat) for chat in entry.chats.all()}
    assert after == before
    assert Chat.history.count() + ChatPause.history.count() == history


def test_removing_the_first_break_deletes_only_that_break(curator, make_hashtag):
    entry = make_hashtag("Breaks")
    winter = {"from": date(2027, 1, 1), "until": date(2027, 1, 31), "note": "Winter"}
    summer = {"from": date(2027, 7, 1), "until": date(2027, 8, 31), "note": "Summer"}
    entries.update(
        hashtag=entry, curator=curator, chats=[{**HCLDR_CHAT, "pauses": [winter, summer]}]
    )
    kept = ChatPause.objects.get(note="Summer")
    entries.update(hashtag=entry, curator=curator, chats=[{**HCLDR_CHAT, "pauses": [summer]}])
    assert list(ChatPause.objects.values_list("pk", "note")) == [(kept.pk, "Summer")]
    changes = [record.history_type for record in ChatPause.history.order_by("history_id")]
    assert changes == ["+", "+", "-"]


def test_an_entry_stays_editable_when_its_successor_is_retired_in_turn(
    curator_api, curator, make_hashtag
):
    make_hashtag("First")
    make_hashtag("Second")
    moderation.retire(
        hashtag=Hashtag.objects.get(tag="First"), curator=curator, replaced_by="Second"
    )
    curator_api.post("/api/v1/hashtags/Second/retire/", {}, format="json")
    answer = curator_api.patch(
        "/api/v1/hashtags/First/", {"description": "Moved on."}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["replaced_by"]["tag"] == "Second"
    # An entry that is not public (awaiting review) cannot be named.
    make_hashtag("Third", status="pending")
    refused = curator_api.patch("/api/v1/hashtags/First/", {"replaced_by": "Third"}, format="json")
    assert refused.status_code == 400
    assert "is not a public entry" in str(refused.json())


def test_a_cancelled_date_after_an_open_ended_break_is_accepted(curator_api):
    answer = curator_api.post(
        "/api/v1/hashtags/",
        {
            "tag": "OpenBreak",
            "name": "x",
            "kind": "chat",
            "chats": [
                {
                    **HCLDR_CHAT,
                    "cancelled_dates": ["2027-01-05"],
                    "pauses": [{"from": "2026-12-15"}],
                }
            ],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()


def test_an_end_before_a_stored_break_is_refused_in_the_admin_form(curator, make_hashtag):
    from hashtags.admin.entries import ChatForm

    entry = make_hashtag("AdminEnd")
    entries.update(
        hashtag=entry,
        curator=curator,
        chats=[{**HCLDR_CHAT, "pauses": [{"from": date(2026, 6, 1), "until": date(2027, 6, 1)}]}],
    )
    chat = entry.chats.get()
    data = {
        "hashtag": entry.pk,
        "frequency": "weekly",
        "weekdays": ["TU"],
        "interval": 1,
        "start_time": "20:30",
        "duration_minutes": 60,
        "timezone": "America/New_York",
        "ends_on": "2026-05-01",
        "is_active": True,
    }
    form = ChatForm(data, instance=chat)
    assert not form.is_valid()
    assert "outside the chat's dates" in form.errors["ends_on"][0]


def test_a_host_year_in_the_future_is_refused(curator_api):
    with frozen(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        answer = curator_api.post(
            "/api/v1/hashtags/",
            {
                "tag": "Later",
                "name": "x",
                "kind": "chat",
                "moderators": [{"handle": "a", "until": 2090}],
            },
            format="json",
        )
    assert answer.status_code == 400
    assert "moderators[0].until" in str(answer.json()) and "up to 2026" in str(answer.json())


@pytest.mark.parametrize(
    "pause",
    [{"from": 5}, {"from": "2026-01-01", "until": 5}, {"from": ["2026-01-01"]}],
    ids=["from", "until", "list"],
)
def test_the_import_names_a_break_date_that_is_not_text(curator, pause):
    from hashtags.opendata.registry_io import ImportFile, Row, import_registry

    row = {
        "tag": "Imported",
        "name": "x",
        "kind": "chat",
        "chats": [
            {"weekdays": ["TU"], "start_time": "20:30:00", "timezone": "UTC", "pauses": [pause]}
        ],
    }
    report = import_registry(ImportFile("json", None, [Row(1, row)]), dry_run=True, curator=curator)
    (result,) = report.errors
    # The API's message for the field (the import reads a row with the API's input fields).
    assert "chats[0].pauses[0]." in result.detail and "Date has wrong format" in result.detail


def test_the_import_of_a_row_whose_stored_successor_was_retired_works(curator, make_hashtag):
    from hashtags.opendata.registry_io import ImportFile, Row, import_registry

    make_hashtag("Older")
    make_hashtag("Newer")
    moderation.retire(
        hashtag=Hashtag.objects.get(tag="Older"), curator=curator, replaced_by="Newer"
    )
    moderation.retire(hashtag=Hashtag.objects.get(tag="Newer"), curator=curator)
    report = import_registry(
        ImportFile("json", None, [Row(1, {"tag": "Older", "description": "changed"})]),
        curator=curator,
    )
    assert not report.errors, [str(result) for result in report.errors]
    assert Hashtag.objects.get(tag="Older").description == "changed"
