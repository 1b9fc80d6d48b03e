"""The upcoming-chats page (/chats/) and a hashtag's chats partial (_chats.html).

The clock is frozen (time-machine) at Saturday 7 March 2026, the day before New York
springs forward, so the week shown crosses a clock change.
"""

import re
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.template.loader import render_to_string

from directory import entry as entry_page
from hashtags import published
from hashtags.models import Status
from tests.browser.helpers import browser, new_page  # noqa: F401 - browser is a fixture

pytestmark = pytest.mark.django_db

SATURDAY = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """Frozen at SATURDAY; `clock(moment)` moves it."""
    with time_machine.travel(SATURDAY, tick=False) as traveller:
        yield traveller.move_to


@pytest.fixture
def hcldr(make_hashtag, make_chat):
    entry = make_hashtag("HCLDR", name="Healthcare Leaders")
    make_chat(entry, weekdays="TU", start_time=time(20, 30), timezone_id="America/New_York")
    return entry


@pytest.fixture
def tokyo(make_hashtag, make_chat):
    entry = make_hashtag("TokyoMed", name="Tokyo medicine")
    make_chat(entry, weekdays="WE", start_time=time(9), timezone_id="Asia/Tokyo")
    return entry


def days(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The page's days: (heading, [(time as shown, tag), …])."""
    result = []
    for section in re.findall(r'<section class="chat-day".*?</section>', html, re.S):
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", section, re.S).group(1).strip()
        meetings = []
        for item in re.findall(r'<li class="meeting.*?</li>', section, re.S):
            shown = re.search(r"<time[^>]*>(.*?)</time>", item, re.S).group(1)
            shown = re.sub(r"<[^>]+>", "", shown).strip()
            tag = re.search(r'class="meeting-tag"[^>]*>#(\w+)<', item).group(1)
            meetings.append((shown, tag))
        result.append((heading, meetings))
    return result


def test_without_a_zone_each_chat_is_shown_in_its_own_zone_and_labelled(
    visitor, clock, hcldr, tokyo
):
    page = visitor.get("/chats/")
    assert page.status_code == 200
    html = page.content.decode()
    assert days(html) == [
        ("Tuesday 10 March 2026", [("8:30 PM EDT", "HCLDR")]),
        ("Wednesday 11 March 2026", [("9:00 AM JST", "TokyoMed")]),
    ]
    assert '<abbr title="America/New_York">EDT</abbr>' in html
    assert '<abbr title="Asia/Tokyo">JST</abbr>' in html
    assert "its own time zone" in html


def test_in_the_viewers_zone_meetings_are_grouped_by_the_viewers_days(visitor, clock, hcldr, tokyo):
    html = visitor.get("/chats/?tz=Europe/London").content.decode()
    # Tuesday 8:30 PM in New York is already Wednesday in London; Tokyo's Wednesday 9 AM
    # is midnight in London, half an hour earlier.
    assert days(html) == [
        ("Wednesday 11 March 2026", [("12:00 AM GMT", "TokyoMed"), ("12:30 AM GMT", "HCLDR")]),
    ]
    html = visitor.get("/chats/?tz=Asia/Tokyo").content.decode()
    assert days(html) == [
        ("Wednesday 11 March 2026", [("9:00 AM JST", "TokyoMed"), ("9:30 AM JST", "HCLDR")])
    ]
    html = visitor.get("/chats/?tz=America/Los_Angeles").content.decode()
    # Los Angeles, on daylight time since 8 March like New York, sees both on Tuesday.
    assert days(html) == [
        ("Tuesday 10 March 2026", [("5:00 PM PDT", "TokyoMed"), ("5:30 PM PDT", "HCLDR")]),
    ]


def test_today_is_marked_in_the_viewers_zone(visitor, clock, make_hashtag, make_chat):
    make_chat(make_hashtag("Saturday"), weekdays="SA", start_time=time(18), timezone_id="UTC")
    html = visitor.get("/chats/?tz=UTC").content.decode()
    assert days(html)[0] == ("Today, Saturday 7 March 2026", [("6:00 PM UTC", "Saturday")])


def test_only_the_next_seven_days_are_shown(visitor, clock, make_hashtag, make_chat):
    make_chat(make_hashtag("Soon"), weekdays="FR", start_time=time(12), timezone_id="UTC")
    # The last Friday of March is the 27th, three weeks away.
    make_chat(
        make_hashtag("Later"),
        frequency="monthly",
        month_weeks="-1",
        weekdays="FR",
        start_time=time(12),
        timezone_id="UTC",
    )
    html = visitor.get("/chats/?tz=UTC").content.decode()
    assert days(html) == [("Friday 13 March 2026", [("12:00 PM UTC", "Soon")])]


def test_a_chat_meeting_now_is_marked_live(visitor, clock, hcldr, tokyo):
    # 45 minutes into HCLDR (00:30-01:30 UTC); Tokyo's hour (00:00-01:00) is over.
    clock(datetime(2026, 3, 11, 1, 15, tzinfo=UTC))
    html = visitor.get("/chats/?tz=UTC").content.decode()
    assert html.count("Live now") == 1
    live = re.search(r'<li class="meeting is-live">.*?</li>', html, re.S).group(0)
    assert "#HCLDR" in live


@pytest.mark.parametrize("value", ["%00", "America%2FNew_York%00"])
def test_a_nul_byte_in_the_zone_is_refused_at_the_door(visitor, clock, hcldr, value):
    page = visitor.get(f"/chats/?tz={value}")
    assert page.status_code == 400
    assert "NUL (0x00)" in page.content.decode()


@pytest.mark.parametrize("value", ["Nowhere/Land", "../../etc/passwd", "x" * 300])
def test_an_unknown_zone_gets_a_clear_message_and_the_chats_in_their_own_zones(
    visitor, clock, hcldr, value
):
    page = visitor.get(f"/chats/?tz={value}")
    assert page.status_code == 400
    html = page.content.decode()
    assert "Unknown time zone" in html or "Choose a time zone" in html
    assert days(html) == [("Tuesday 10 March 2026", [("8:30 PM EDT", "HCLDR")])]


def test_the_zone_picker_is_a_get_form_of_iana_names_with_the_choice_selected(
    visitor, clock, hcldr
):
    html = visitor.get("/chats/?tz=Europe/Paris").content.decode()
    form = re.search(r"<form[^>]*data-zone-form.*?</form>", html, re.S).group(0)
    assert 'method="get"' in form
    assert '<select id="chats-tz" name="tz"' in form
    assert "<option selected>Europe/Paris</option>" in form
    assert "<option>America/New_York</option>" in form
    assert '<optgroup label="Australia">' in form


def test_a_valid_zone_the_picker_does_not_list_is_still_used_and_selected(visitor, clock, hcldr):
    html = visitor.get("/chats/?tz=US/Eastern").content.decode()
    assert "<option selected>US/Eastern</option>" in html
    assert days(html) == [("Tuesday 10 March 2026", [("8:30 PM EDT", "HCLDR")])]


def test_filtering_by_category_includes_its_descendants(
    visitor, clock, make_category, make_hashtag, make_chat
):
    diseases = make_category("diseases", name="Diseases")
    breast = make_category("breast-cancer", parent=diseases, name="Breast cancer")
    health_it = make_category("health-it", name="Health IT")
    make_chat(make_hashtag("BCSM", categories=[breast]), weekdays="MO", start_time=time(21))
    make_chat(make_hashtag("HITsm", categories=[health_it]), weekdays="FR", start_time=time(12))
    html = visitor.get("/chats/?category=diseases").content.decode()
    assert [tag for _, items in days(html) for _, tag in items] == ["BCSM"]
    assert "Upcoming chats in Diseases" in html
    assert '<option value="breast-cancer">– Breast cancer</option>' in html
    assert "webcal://127.0.0.1:8000/categories/diseases/chats.ics" in html


def test_an_unknown_category_is_a_clear_not_found(visitor, clock, hcldr):
    page = visitor.get("/chats/?category=no-such-thing")
    assert page.status_code == 404
    html = page.content.decode()
    assert "There is no category &#x27;no-such-thing&#x27;" in html
    assert days(html) == []


def test_only_active_chats_of_approved_entries_are_listed(visitor, clock, make_hashtag, make_chat):
    make_chat(make_hashtag("Shown"))
    make_chat(make_hashtag("Paused"), is_active=False)
    make_chat(make_hashtag("Waiting", status=Status.PENDING))
    make_chat(make_hashtag("Refused", status=Status.REJECTED, status_reason="Spam."))
    make_chat(make_hashtag("Gone", status=Status.RETIRED))
    html = visitor.get("/chats/").content.decode()
    assert [tag for _, items in days(html) for _, tag in items] == ["Shown"]
    for hidden in ("Paused", "Waiting", "Refused", "Gone"):
        assert f"#{hidden}" not in html


def test_markup_in_names_is_shown_as_text(visitor, clock, make_hashtag, make_chat):
    make_chat(make_hashtag("Safe", name="<script>alert(1)</script>"), title="<b>x</b>")
    html = visitor.get("/chats/").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_costs_the_same_queries_for_many_chats(
    visitor, clock, make_hashtag, make_chat, make_category, django_assert_max_num_queries
):
    topic = make_category("topic")
    make_chat(make_hashtag("First", categories=[topic]))
    # 1: the zones in use, 2-5: the chats that can meet in a window widened at most
    # three times (hashtags joined), 6: the categories for the filter.
    with django_assert_max_num_queries(6):
        assert visitor.get("/chats/?tz=UTC").status_code == 200
    for number in range(30):
        make_chat(make_hashtag(f"Chat{number}", categories=[topic]), weekdays="MO,WE")
    with django_assert_max_num_queries(6):
        html = visitor.get("/chats/?tz=UTC").content.decode()
    assert len([m for _, items in days(html) for m in items]) == 61
    # With a category: and 1 more, the category.
    with django_assert_max_num_queries(7):
        assert visitor.get("/chats/?category=topic").status_code == 200


def test_scripts_are_external_files_only(visitor, clock, hcldr):
    html = visitor.get("/chats/").content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None  # no inline code
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    assert visitor.get("/static/js/localtime.js").status_code == 200


def test_the_page_offers_calendar_subscriptions(visitor, clock, hcldr):
    html = visitor.get("/chats/").content.decode()
    assert 'href="webcal://127.0.0.1:8000/chats.ics"' in html
    assert 'href="http://127.0.0.1:8000/chats.ics"' in html
    assert (
        "calendar.google.com/calendar/render?cid=webcal%3A%2F%2F127.0.0.1%3A8000%2Fchats.ics"
        in html
    )


def detail(tag: str) -> dict:
    """What the entry page gives the partial: the published entry's objects."""
    shown = entry_page.page(published.find(tag, fields=(*published.READ_FIELDS, "record")))
    return {
        "hashtag": shown.hashtag,
        "chats": shown.chats,
        "freshness": shown.hashtag.published_freshness,
    }


def test_the_partial_shows_schedule_next_dates_in_the_viewers_zone_and_calendar_links(
    clock, hcldr, django_assert_num_queries
):
    entry = detail("HCLDR")
    with django_assert_num_queries(0):
        html = render_to_string("directory/_chats.html", {**entry, "viewer_tz": "Europe/London"})
    assert "Tuesdays at 8:30 PM ET" in html
    assert "Next meetings (your time zone: Europe/London)" in html
    # The next three, across New York's change on 8 March and London's on 29 March.
    shown = re.findall(r"<time[^>]*>(.*?)</time>", html, re.S)
    assert [re.sub(r"<[^>]+>", "", s) for s in shown] == [
        "Wed 11 Mar, 12:30 AM GMT",
        "Wed 18 Mar, 12:30 AM GMT",
        "Wed 25 Mar, 12:30 AM GMT",
    ]
    assert 'href="webcal://127.0.0.1:8000/hashtags/HCLDR/chats.ics"' in html
    assert 'href="http://127.0.0.1:8000/hashtags/HCLDR/chats.ics"' in html
    assert 'src="/static/js/localtime.js"' in html


def test_the_partial_without_a_zone_labels_times_with_the_chats_own_zone(clock, hcldr):
    html = render_to_string("directory/_chats.html", detail("HCLDR"))
    shown = re.findall(r"<time[^>]*>(.*?)</time>", html, re.S)
    assert re.sub(r"<[^>]+>", "", shown[0]) == "Tue 10 Mar, 8:30 PM EDT"
    assert '<abbr title="America/New_York">EDT</abbr>' in html
    # Left for the browser's zone, by script.
    assert 'data-localtime-zone=""' in html


def test_the_partial_ignores_an_unknown_zone_and_keeps_the_chats_own(clock, hcldr):
    html = render_to_string(
        "directory/_chats.html", {**detail("HCLDR"), "viewer_tz": "Mars/Olympus"}
    )
    assert "Tue 10 Mar, 8:30 PM EDT" in re.sub(r"<[^>]+>", "", html)


def test_the_partial_marks_a_chat_meeting_now(clock, hcldr):
    clock(datetime(2026, 3, 11, 1, 0, tzinfo=UTC))
    html = render_to_string("directory/_chats.html", detail("HCLDR"))
    assert html.count("Live now") == 1


def test_the_partial_of_a_retired_entry_offers_no_subscription(clock, make_hashtag, make_chat):
    make_chat(make_hashtag("Old", status=Status.RETIRED), starts_on=date(2020, 1, 7))
    html = render_to_string("directory/_chats.html", detail("Old"))
    assert "retired" in html
    assert "webcal://" not in html
    assert "<time" not in html


@pytest.fixture
def tokyo_browser(browser):  # noqa: F811 - the fixture imported above
    """A Chromium page whose system time zone is Asia/Tokyo."""
    return new_page(
        browser, {"width": 1280, "height": 900}, timezone_id="Asia/Tokyo", locale="en-US"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browsers_zone_is_applied_by_script_and_the_picker_changes_it(
    tokyo_browser, live_server, make_hashtag, make_chat
):
    make_chat(make_hashtag("HCLDR"), weekdays="TU", start_time=time(20, 30))
    page = tokyo_browser
    page.goto(f"{live_server.url}/chats/")
    # The script reloads the page once with the browser's zone; the server then groups
    # the meetings by Tokyo's days and labels them JST.
    page.wait_for_url("**/chats/?tz=Asia%2FTokyo")
    assert page.locator(".chats-zone strong").inner_text() == "Asia/Tokyo"
    # (The first: when the chat is under way, this week's and next week's both show.)
    assert page.locator(".meeting-time abbr").first.inner_text() == "JST"
    assert "Wednesday" in page.locator(".chat-day h2").first.inner_text()
    # Choosing another zone applies it without a button press.
    page.get_by_label("Time zone").select_option("Europe/London")
    page.wait_for_url("**/chats/?tz=Europe%2FLondon*")
    assert page.locator(".meeting-time abbr").first.inner_text() in {"GMT", "BST"}
    # Choosing "each chat's own zone" sticks: the script does not override a choice.
    page.get_by_label("Time zone").select_option("")
    page.wait_for_url("**/chats/?tz=&*")
    assert page.locator(".meeting-time abbr").first.inner_text() in {"EST", "EDT"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_partial_shows_next_dates_in_the_browsers_zone_by_script(
    tokyo_browser, live_server, make_hashtag, make_chat
):
    make_chat(make_hashtag("HCLDR"), weekdays="TU", start_time=time(20, 30))
    html = render_to_string("directory/_chats.html", detail("HCLDR"))
    assert "JST" not in html  # the server labels the chat's own zone
    page = tokyo_browser
    # Serve the partial from the live server's origin, so its script loads from there.
    page.route(
        f"{live_server.url}/partial/",
        lambda route: route.fulfill(body=f"<!doctype html>{html}", content_type="text/html"),
    )
    page.goto(f"{live_server.url}/partial/")
    page.locator(".chat-next time.is-local").first.wait_for()
    shown = page.locator(".chat-next time").all_inner_texts()
    assert len(shown) == 3
    # Tuesday 8:30 PM in New York is Wednesday 10:30 AM in Tokyo (9:30 AM while New York
    # is on daylight time), labelled with Tokyo's zone.
    for text in shown:
        assert re.fullmatch(r"Wed, \w{3} \d{1,2}, (9|10):30\sAM GMT\+9", text), text
