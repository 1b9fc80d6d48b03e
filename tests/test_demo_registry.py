"""The demo registry tells its entries' real, sourced history: what a visitor of the demo
sees of it (hashtags/demo/registry.json, loaded by `manage.py seed_demo` through the
importer), and what the data file itself must hold."""

import time
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.validators import URLValidator

from hashtags.models import Chat, ChatStatus, Freshness, Hashtag, Status, Submission
from tests.support import shared_by_the_module

pytestmark = pytest.mark.django_db

# A day of the window the demo is shown in (the research is of 2 December 2026).
IN_DECEMBER_2026 = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo registry, seeded once for the module (seeding takes seconds), seen in
    December 2026."""
    travel = time_machine.travel(IN_DECEMBER_2026, tick=False)
    with shared_by_the_module(django_db_blocker), travel:
        seed()
        yield


def chats_of(tag: str) -> list[Chat]:
    return list(Chat.objects.filter(hashtag__tag=tag).order_by("pk"))


def test_every_public_entry_names_a_public_source(demo):
    public = Hashtag.objects.public()
    assert public.count() > 10
    for entry in public:
        assert entry.source, entry.tag
        URLValidator(schemes=["http", "https"])(entry.source)


def test_every_chat_says_where_its_schedule_comes_from(demo):
    for chat in Chat.objects.select_related("hashtag"):
        assert "http" in chat.note or "unverified" in chat.note, chat


def test_hcldr_ended_with_its_final_chat_on_31_october_2023(demo):
    (chat,) = chats_of("HCLDR")
    assert chat.ends_on == date(2023, 10, 31)
    assert chat.starts_on is None  # August 2012 (the day is not documented): in the note
    assert "August 2012" in chat.note
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        assert chat.status == ChatStatus.ENDED


def test_the_api_shows_hcldrs_chat_as_ended(demo, api):
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        answer = api.get("/api/v1/hashtags/HCLDR/")
    assert answer.status_code == 200
    (chat,) = answer.json()["chats"]
    assert chat["status"] == "ended"
    assert chat["ends_on"] == "2023-10-31"
    assert chat["next_occurrences"] == []


def test_hcldr_names_its_real_founders(demo):
    entry = Hashtag.objects.get(tag="HCLDR")
    assert "2012 by Colin Hung and Lisa Fields" in entry.description
    assert "2013" not in entry.description
    roles = {host.moderator.handle: (host.role, host.since) for host in entry.hosts.all()}
    assert roles["Colin_Hung"] == ("founder", 2012)
    assert roles["JoeBabaian"] == ("moderator", 2014)  # a moderator from 2014, not a founder


def test_hitsm_was_weekly_then_monthly_until_7_april_2023(demo):
    weekly, monthly = chats_of("HITsm")
    assert (weekly.frequency, weekly.weekday_list) == ("weekly", ["FR"])
    # The source dates the first chat 10 January 2011, a Monday: no Friday start date.
    assert weekly.starts_on is None and "10 Jan 2011" in weekly.note
    # It became monthly on a date nobody documented: stopped, with no invented end date.
    assert weekly.is_active is False and weekly.ends_on is None
    assert "unverified" in weekly.note
    assert (monthly.frequency, monthly.weekday_list) == ("monthly", ["FR"])
    assert monthly.ends_on == date(2023, 4, 7)
    assert monthly.starts_on is None
    assert "inferred" in monthly.note  # the week of the month comes from the last date
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        assert weekly.status == monthly.status == ChatStatus.ENDED


def test_lcsm_is_a_public_entry_whose_chat_ended_in_december_2021(demo):
    entry = Hashtag.objects.get(tag="LCSM")
    assert entry.status == Status.APPROVED
    assert not Submission.objects.filter(tag="LCSM").exists()
    (chat,) = chats_of("LCSM")
    assert chat.starts_on == date(2013, 7, 25)
    assert chat.ends_on == date(2021, 12, 2)
    assert chat.interval == 1 and chat.frequency == "weekly"
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        assert chat.status == ChatStatus.ENDED


def test_chats_whose_end_is_documented_are_ended(demo):
    ends = {
        chat.hashtag.tag: chat.ends_on
        for chat in Chat.objects.select_related("hashtag").filter(ends_on__isnull=False)
    }
    assert ends == {
        "HCLDR": date(2023, 10, 31),
        "HITsm": date(2023, 4, 7),
        "hcsm": date(2018, 1, 14),
        "LCSM": date(2021, 12, 2),
    }


def test_hosts_no_longer_hosting_have_an_end_year(demo):
    bcsm = {host.moderator.handle: host for host in Hashtag.objects.get(tag="BCSM").hosts.all()}
    assert (bcsm["jodyms"].since, bcsm["jodyms"].until) == (2011, 2016)
    assert bcsm["DrAttai"].role == "moderator"  # co-moderator from late 2011, not a founder
    assert "by breast cancer survivors Jody Schoger and Alicia Staley." in (
        Hashtag.objects.get(tag="BCSM").description
    )
    hitsm = {host.moderator.handle: host for host in Hashtag.objects.get(tag="HITsm").hosts.all()}
    assert (hitsm["HealthStandards"].since, hitsm["HealthStandards"].until) == (2011, 2016)
    assert (hitsm["techguy"].since, hitsm["techguy"].until) == (2016, 2023)


def test_pinksocks_began_in_2015(demo):
    description = Hashtag.objects.get(tag="pinksocks").description
    assert "2015" in description and "2016" not in description


def test_no_demo_entry_is_presented_as_confirmed(demo):
    # Researched from public pages, but nobody confirmed any of them as current.
    assert not Hashtag.objects.filter(last_verified__isnull=False).exists()
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        assert Hashtag.objects.get(tag="HCLDR").freshness == Freshness.UNVERIFIED


def test_the_review_queue_keeps_truthful_submissions(demo):
    pending = set(Hashtag.objects.pending().values_list("tag", flat=True))
    assert {"DSMA", "RareDisease"} <= pending
    # Submissions carry their source too, for the curator who reviews them.
    assert not Hashtag.objects.pending().filter(source="").exists()
    assert Submission.objects.filter(tag__in=pending, state="pending").count() == len(pending)
    (dsma,) = chats_of("DSMA")
    assert dsma.starts_on == date(2010, 7, 21)


def test_seeding_twice_writes_nothing(demo):
    history = [
        model
        for model in apps.get_app_config("hashtags").get_models()
        if model.__name__.startswith("Historical")
    ]
    before = {model.__name__: model.objects.count() for model in history}
    assert before["HistoricalHashtag"] > 0
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        output = seed()
    assert "0 entries added" in output
    assert {model.__name__: model.objects.count() for model in history} == before


def test_ended_chats_have_no_meetings_in_december_2026(demo, api):
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        answer = api.get(
            "/api/v1/chats/upcoming/",
            {"start": "2026-12-01", "end": "2026-12-31", "tz": "America/New_York"},
        )
    assert answer.status_code == 200
    tags = {row["tag"] for row in answer.json()["results"]}
    assert "HCLDR" not in tags
    assert not tags & {"HITsm", "hcsm", "LCSM"}
    # The chats still shown as meeting (their end is not documented) are listed.
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        meeting = {
            chat.hashtag.tag
            for chat in Chat.objects.listed().select_related("hashtag")
            if chat.status == ChatStatus.ACTIVE
        }
    assert tags == meeting


def test_no_chat_nobody_confirmed_is_listed_as_upcoming_by_default(demo, api, visitor):
    """#BCSM (last evidence 2020) and #hpm (2017) have no evidence within a year: the API's
    upcoming chats, the home page and /chats/ leave them out unless asked."""
    window = {"start": "2026-12-07", "end": "2026-12-21", "tz": "America/New_York"}
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        shown = api.get("/api/v1/chats/upcoming/", window).json()["results"]
        every = api.get("/api/v1/chats/upcoming/", {**window, "include": "unconfirmed"}).json()
        home = visitor.get("/")
        chats_page = visitor.get("/chats/")
        asked = visitor.get("/chats/?include=unconfirmed")
        current = set(
            Hashtag.objects.with_freshness(Freshness.CURRENT).values_list("tag", flat=True)
        )
    assert {row["tag"] for row in shown} <= current
    assert {occurrence.chat.hashtag.tag for occurrence in home.context["upcoming"]} <= current
    shown_days = chats_page.context["days"]
    assert {meeting.chat.hashtag.tag for _, items in shown_days for meeting in items} <= current
    for page in (home, chats_page):
        text = page.content.decode()
        assert ">#BCSM<" not in text and ">#hpm<" not in text
        assert 'href="/chats/?include=unconfirmed"' in text or "chats-include" in text
    # Asked for, they come back, labelled.
    labelled = {(row["tag"], row["status"]) for row in every["results"]}
    assert {("BCSM", "unconfirmed"), ("hpm", "unconfirmed")} <= labelled
    assert ">#BCSM<" in asked.content.decode()
    assert "unconfirmed: may no longer meet" in asked.content.decode()


def test_bcsms_chat_is_unconfirmed_in_the_api_and_on_its_page(demo, api, visitor):
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        (chat,) = api.get("/api/v1/hashtags/BCSM/").json()["chats"]
        page = visitor.get("/hashtags/BCSM/").content.decode()
    assert chat["status"] == "unconfirmed" and chat["is_active"] is False
    assert chat["next_occurrences"] == []
    assert "Unconfirmed: nobody has confirmed that it still meets" in page
    assert 'class="chat-next"' not in page


def test_has_chat_means_a_chat_that_meets_now(demo, api, visitor):
    """Not ended, not on a break without an end, not unconfirmed: in the demo nobody
    confirmed any entry, so no entry has one, #HCLDR (ended in 2023) least of all."""
    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        listed = api.get("/api/v1/hashtags/", {"has_chat": "true"}).json()["results"]
        without = api.get("/api/v1/hashtags/", {"has_chat": "false", "page_size": 200})
        directory = visitor.get("/hashtags/", {"has_chat": "true"})
        unfiltered = visitor.get("/hashtags/")
        meeting = {
            chat.hashtag.tag
            for chat in Chat.objects.listed().select_related("hashtag", "hashtag__activity_summary")
            if chat.is_meeting
        }
    assert "HCLDR" not in {row["tag"] for row in listed}
    assert "HCLDR" in {row["tag"] for row in without.json()["results"]}
    assert {row["tag"] for row in listed} == meeting
    assert 'href="/hashtags/HCLDR/"' not in directory.content.decode()
    counts = {value.value: value.count for value in unfiltered.context["facets"].has_chat}
    assert counts.get("true", 0) == len(meeting)


def test_a_chats_is_active_never_contradicts_its_status(demo, api):
    from tests.support import walk

    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        listed = walk(api, "/api/v1/hashtags/?page_size=100&status=approved")
    chats = [(entry["tag"], chat) for entry in listed for chat in entry["chats"]]
    assert len(chats) >= 25
    for tag, chat in chats:
        assert chat["is_active"] == (chat["status"] == "active"), (tag, chat["status"])


def test_an_ended_chats_rrule_carries_its_last_day(demo, api):
    """Every chat with a recorded last day ends its rule there (UNTIL, in UTC); a chat
    withdrawn on a date nobody knows has no UNTIL to give, and says "ended"."""
    from tests.support import walk

    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        listed = walk(api, "/api/v1/hashtags/?page_size=100&status=approved")
    dated = [chat for entry in listed for chat in entry["chats"] if chat["ends_on"]]
    assert len(dated) >= 4
    for chat in dated:
        assert chat["status"] == "ended"
        # The last second of the last day in the chat's zone, in UTC: that day or the next.
        until = date(*time.strptime(chat["rrule"].split("UNTIL=")[1][:8], "%Y%m%d")[:3])
        last = date.fromisoformat(chat["ends_on"])
        assert until in (last, last + timedelta(days=1)), chat


def test_every_weekly_chat_starts_and_ends_on_one_of_its_weekdays(demo):
    for chat in Chat.objects.select_related("hashtag"):
        for day in (chat.starts_on, chat.ends_on):
            if day is not None and chat.frequency == "weekly":
                assert day.strftime("%a").upper()[:2] in chat.weekday_list, (chat, day)


def test_hcldrs_calendar_ends_with_its_final_chat(demo, client):
    """The demo's #HCLDR chat has no documented first date: its calendar starts in the
    month of its end and its last meeting is 2023-11-01T00:30Z (8:30 PM on 31 October in
    New York); none follows."""
    import icalendar
    import recurring_ical_events

    with time_machine.travel(IN_DECEMBER_2026, tick=False):
        answer = client.get("/hashtags/HCLDR/chats.ics")
        calendar = icalendar.Calendar.from_ical(b"".join(answer.streaming_content))
    meetings = recurring_ical_events.of(calendar).between(
        datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    starts = [meeting["DTSTART"].dt.astimezone(UTC) for meeting in meetings]
    assert starts and starts[-1] == datetime(2023, 11, 1, 0, 30, tzinfo=UTC)


# --- The data file ------------------------------------------------------------------------

FOUNDING_POST = "https://www.himss.org/news/social-media-sustenance-and-value-community-health-it"
FOUNDING_TAGS = [
    "HCLDR",
    "HITsm",
    "WomeninHIT",
    "HealthITChicks",
    "WomeninHealthcare",
    "pinksocks",
    "epatient",
]


def demo_file() -> dict:
    import json

    from hashtags.management.commands.seed_demo import DEMO_FILE

    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def test_the_data_file_holds_a_registry_worth_searching():
    data = demo_file()
    in_review = {item["tag"] for item in data["in_review"]}
    public = [entry for entry in data["hashtags"] if entry["tag"] not in in_review]
    assert len(public) >= 100
    for entry in data["hashtags"]:
        URLValidator(schemes=["http", "https"])(entry["source"])
    assert sum(1 for entry in public if entry["chats"]) >= 25
    assert sum(1 for entry in public if entry["kind"] == "conference") >= 15
    assert sum(1 for entry in public if entry["kind"] == "disease") >= 20


def test_every_entry_of_the_data_file_has_its_research():
    data = demo_file()
    for entry in data["hashtags"]:
        research = data["research"][entry["tag"]]
        assert research["sources"][0] == entry["source"], entry["tag"]
        assert research["notes"].strip(), entry["tag"]


def test_every_chat_date_falls_on_a_meeting_day():
    """A weekly chat's first and last dates are among its weekdays, a monthly one's on
    its weekday in one of its weeks: a wrong fact in the data fails here."""
    codes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    for entry in demo_file()["hashtags"]:
        for chat in entry["chats"]:
            for name in ("starts_on", "ends_on"):
                if chat[name] is None:
                    continue
                day = date.fromisoformat(chat[name])
                assert codes[day.weekday()] in chat["weekdays"], (entry["tag"], name, day)
                if chat["frequency"] == "monthly":
                    week = (day.day - 1) // 7 + 1
                    is_last = (day + timedelta(days=7)).month != day.month
                    assert week in chat["month_weeks"] or (-1 in chat["month_weeks"] and is_last), (
                        entry["tag"],
                        name,
                        day,
                    )


def test_the_founding_posts_hashtags_are_public_with_a_source(demo, api):
    for tag in FOUNDING_TAGS:
        answer = api.get(f"/api/v1/hashtags/{tag}/")
        assert answer.status_code == 200, tag
        assert answer.json()["source"].startswith(("http://", "https://")), tag
    research = demo_file()["research"]
    assert all(FOUNDING_POST in research[tag]["sources"] for tag in FOUNDING_TAGS)


def test_the_api_lists_every_public_entry_of_the_file(demo, api):
    from tests.support import walk

    listed = walk(api, "/api/v1/hashtags/?page_size=100&status=approved")
    listed += walk(api, "/api/v1/hashtags/?page_size=100&status=retired")
    assert len(listed) >= 100
    assert all(entry["source"] for entry in listed)
