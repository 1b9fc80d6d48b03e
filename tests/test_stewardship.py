"""Stewards: asking to become one, the curators' answer, and what a steward does from
their signed link (confirm, pause, cancel a date, end a chat, stop), each seen on the
entry's API answer and in its history. The steward's email never reaches a page or a
log."""

import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from hashtags.curation import stewardship
from hashtags.models import ChatPause, Hashtag, Steward
from tests.submission_helpers import started

pytestmark = pytest.mark.django_db

# A Tuesday; the chat meets on Tuesdays at 20:30 in New York.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
EMAIL = "claimant@example.org"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def entry(make_hashtag, make_chat) -> Hashtag:
    hashtag = make_hashtag("HCLDR", name="Healthcare Leaders", kind="chat", last_verified=None)
    make_chat(hashtag, title="Weekly chat")
    return hashtag


@pytest.fixture
def steward(entry) -> Steward:
    return Steward.objects.create(hashtag=entry, name="Sam Host", email=EMAIL, state="active")


def page(steward: Steward) -> str:
    return "/steward/" + stewardship.make_token(steward, "act") + "/"


def stop_page(steward: Steward) -> str:
    return "/steward/" + stewardship.make_token(steward, "stop") + "/stop/"


def claim_data(**overrides) -> dict:
    data = {
        "name": "Sam Host",
        "email": EMAIL,
        "note": "I host the Tuesday chat.",
        "homepage": "",
        "started": started(),
    }
    data.update(overrides)
    return data


def api(client, tag: str = "HCLDR") -> dict:
    answer = client.get(f"/api/v1/hashtags/{tag}/")
    assert answer.status_code == 200
    return answer.json()


def reasons(model_history) -> list[str]:
    return [record.history_change_reason for record in model_history]


def assert_private(*texts: str, caplog) -> None:
    for text in texts:
        assert EMAIL not in text
        assert "Sam Host" not in text
    assert EMAIL not in caplog.text


# --- Claims ----------------------------------------------------------------------------


def test_a_claim_goes_from_the_form_through_the_admin_to_a_working_link(
    entry, client, curator_client, django_capture_on_commit_callbacks, caplog
):
    entry_page = client.get("/hashtags/HCLDR/").content.decode()
    assert "Ask to become its steward" in entry_page and "/hashtags/HCLDR/claim/" in entry_page

    form = client.get("/hashtags/HCLDR/claim/")
    assert form.status_code == 200
    sent = client.post("/hashtags/HCLDR/claim/", claim_data())
    assert sent.status_code == 302 and sent["Location"] == "/hashtags/HCLDR/claim/?sent=1"
    thanks = client.get(sent["Location"]).content.decode()
    assert "The curators will look at your request" in thanks
    (claimed,) = Steward.objects.all()
    assert (claimed.hashtag, claimed.state, claimed.email) == (entry, "claimed", EMAIL)
    # Not a steward yet: a link made for it does not work.
    assert client.get(page(claimed)).status_code == 410

    listing = curator_client.get("/admin/hashtags/steward/?state__exact=claimed").content.decode()
    assert EMAIL in listing  # the curators see who asks
    change = curator_client.get(f"/admin/hashtags/steward/{claimed.pk}/change/").content.decode()
    assert "Accept the claim" in change
    with django_capture_on_commit_callbacks(execute=True):
        curator_client.post(f"/admin/hashtags/steward/{claimed.pk}/accept/")
    claimed.refresh_from_db()
    assert claimed.state == "active" and claimed.decided_by.username == "curator"
    assert claimed.decided_at == NOW

    (welcome,) = mail.outbox
    assert welcome.to == [EMAIL] and "#HCLDR" in welcome.subject
    link = re.search(r"/steward/[^/\s]+/\n", welcome.body).group(0).strip()
    steward_page = client.get(link)
    assert steward_page.status_code == 200
    shown = steward_page.content.decode()
    assert "#HCLDR" in shown and "Weekly chat" in shown
    assert steward_page["Cache-Control"].startswith("max-age=0")
    assert steward_page["Referrer-Policy"] == "no-referrer"
    assert_private(entry_page, thanks, shown, caplog=caplog)


def test_the_claim_page_has_one_address_per_entry(entry, client):
    answer = client.get("/hashtags/hcldr/claim/")
    assert answer.status_code == 301 and answer["Location"] == "/hashtags/HCLDR/claim/"
    assert client.get("/hashtags/NoSuchTag/claim/").status_code == 404


def test_only_approved_entries_take_claims(make_hashtag, client):
    make_hashtag("Pending", status="pending")
    make_hashtag("Retired", status="retired")
    assert client.get("/hashtags/Pending/claim/").status_code == 404
    assert client.get("/hashtags/Retired/claim/").status_code == 404
    assert "Ask to become its steward" not in client.get("/hashtags/Retired/").content.decode()


def claim_as_a_stranger(email: str) -> tuple[int, str, str]:
    """A claim sent from a fresh browser: (status, where it leads, that page's text with
    the form's per-request values left out)."""
    browser = Client()
    sent = browser.post("/hashtags/HCLDR/claim/", claim_data(email=email, name="Someone"))
    shown = browser.get(sent["Location"]).content.decode() if sent.status_code == 302 else ""
    shown = re.sub(r'name="(csrfmiddlewaretoken|started)" value="[^"]*"', "", shown)
    return sent.status_code, sent.get("Location", ""), shown


def test_the_claim_form_tells_no_one_whether_an_email_is_already_its_steward(
    steward, curator_client, caplog
):
    kim = "kim@example.org"
    Steward.objects.create(hashtag=steward.hashtag, email=kim, note="I co-host it.")
    unknown = claim_as_a_stranger("new@example.org")
    assert unknown[:2] == (302, "/hashtags/HCLDR/claim/?sent=1")
    # The active steward's address (in another case) and an open claim's: the same answer.
    assert claim_as_a_stranger(EMAIL.upper()) == unknown
    assert claim_as_a_stranger(kim) == unknown

    # Nothing of theirs changed, and no second row: the repeats are in their history.
    steward.refresh_from_db()
    assert (steward.state, steward.name, steward.note) == ("active", "Sam Host", "")
    assert Steward.objects.filter(email__iexact=EMAIL).count() == 1
    kims = Steward.objects.get(email=kim)
    assert (kims.state, kims.name, kims.note) == ("claimed", "", "I co-host it.")
    assert Steward.objects.get(email="new@example.org").state == "claimed"

    # The curators see each repeat: on the steward's admin page and the claim's review.
    admin_page = curator_client.get(f"/admin/hashtags/steward/{steward.pk}/change/")
    assert "Asked again" in admin_page.content.decode()
    assert "10 Mar 2026, 12:00 UTC" in admin_page.content.decode()
    review_page = curator_client.get(f"/admin/review/claim/{kims.pk}/").content.decode()
    assert "Asked again from the entry's page" in review_page
    assert reasons(kims.history.all())[0] == "Asked again from the entry's page"
    assert_private(caplog=caplog)


def test_a_declined_claim_may_be_asked_again(entry, client, curator):
    client.post("/hashtags/HCLDR/claim/", claim_data())
    stewardship.decline_claim(steward=Steward.objects.get(), curator=curator)
    assert client.post("/hashtags/HCLDR/claim/", claim_data()).status_code == 302
    assert sorted(Steward.objects.values_list("state", flat=True)) == ["claimed", "declined"]


@pytest.mark.parametrize(
    "trap", [{"homepage": "http://spam.example"}, {"started": started(seconds_ago=0)}]
)
def test_a_claim_filled_by_a_bot_is_refused(entry, client, trap):
    answer = client.post("/hashtags/HCLDR/claim/", claim_data(**trap))
    assert answer.status_code == 400
    assert "filled in faster than a person can" in answer.content.decode()
    assert not Steward.objects.exists()


def test_claims_are_rate_limited_per_client(entry, client, settings):
    settings.CLAIM_RATE = "1/hour"
    assert client.post("/hashtags/HCLDR/claim/", claim_data()).status_code == 302
    answer = client.post("/hashtags/HCLDR/claim/", claim_data(email="other@example.org"))
    assert answer.status_code == 429
    assert Steward.objects.count() == 1


def test_curators_decline_claims_in_bulk_and_a_declined_link_stops_working(
    entry, client, curator_client
):
    claimed = Steward.objects.create(hashtag=entry, email=EMAIL)
    token_page = page(claimed)
    curator_client.post(
        "/admin/hashtags/steward/",
        {"action": "decline_selected", "_selected_action": [claimed.pk]},
    )
    claimed.refresh_from_db()
    assert claimed.state == "declined" and claimed.decided_by.username == "curator"
    assert reasons(claimed.history.all())[0] == "Claim declined"
    answer = client.get(token_page)
    assert answer.status_code == 410 and "HCLDR" not in answer.content.decode()
    # A decided claim cannot be decided again.
    curator_client.post(f"/admin/hashtags/steward/{claimed.pk}/accept/")
    claimed.refresh_from_db()
    assert claimed.state == "declined"


def test_the_steward_admin_filters_by_state(entry, curator_client):
    Steward.objects.create(hashtag=entry, email="a@example.org", state="active")
    Steward.objects.create(hashtag=entry, email="b@example.org", state="claimed")
    listing = curator_client.get("/admin/hashtags/steward/?state__exact=active").content.decode()
    assert "a@example.org" in listing and "b@example.org" not in listing


# --- A steward's changes, through the real page ---------------------------------------


def test_confirming_makes_the_entry_current_with_the_steward_as_who(entry, steward, client, caplog):
    assert api(client)["freshness"] == "unverified"
    shown = client.get(page(steward))
    assert shown.status_code == 200
    done = client.post(page(steward), {"action": "confirm"})
    assert done.status_code == 302
    assert "checked today" in client.get(done["Location"]).content.decode()
    entry.refresh_from_db()
    assert entry.last_verified == NOW and entry.verified_by_steward == steward
    assert entry.last_verified_by is None
    assert api(client)["freshness"] == "current"
    assert entry.history.first().history_change_reason == "Steward: confirmed"
    assert_private(shown.content.decode(), caplog=caplog)


def test_pausing_a_chat_takes_effect_at_once(entry, steward, client):
    chat = entry.chats.get()
    # Confirmed by its steward: a chat nobody confirmed is "unconfirmed", break or not.
    assert client.post(page(steward), {"action": "confirm"}).status_code == 302
    answer = client.post(
        page(steward),
        {
            "action": "pause",
            "pause-chat": chat.pk,
            "pause-starts_on": "2026-03-09",
            "pause-ends_on": "2026-04-30",
            "pause-note": "Spring break",
        },
    )
    assert answer.status_code == 302
    (shown,) = api(client)["chats"]
    assert shown["status"] == "paused"
    spring = {"from": "2026-03-09", "until": "2026-04-30", "note": "Spring break"}
    assert shown["pauses"] == [spring]
    pause = ChatPause.objects.get()
    assert pause.history.get().history_change_reason == "Steward: paused a chat"
    assert "Spring break" in client.get(page(steward)).content.decode()


def test_cancelling_a_meeting_day(entry, steward, client):
    chat = entry.chats.get()
    data = {"action": "cancel", "cancel-chat": chat.pk, "cancel-day": "2026-03-17"}
    assert client.post(page(steward), data).status_code == 302
    assert api(client)["chats"][0]["cancelled_dates"] == ["2026-03-17"]
    assert chat.history.first().history_change_reason == "Steward: cancelled a date"


def test_a_date_the_chat_does_not_meet_on_cannot_be_cancelled(entry, steward, client):
    chat = entry.chats.get()
    data = {"action": "cancel", "cancel-chat": chat.pk, "cancel-day": "2026-03-18"}
    answer = client.post(page(steward), data)
    assert answer.status_code == 400
    text = answer.content.decode()
    # The message sits with the Date field of the cancel form.
    form = text[text.index('id="cancel-heading"') : text.index('id="end-heading"')]
    assert "2026-03-18" in form and 'id="id_cancel-day_error"' in form
    assert api(client)["chats"][0]["cancelled_dates"] == []


def test_ending_a_chat_today_in_its_zone(entry, steward, client, clock):
    chat = entry.chats.get()
    answer = client.post(page(steward), {"action": "end", "end-chat": chat.pk, "end-ends_on": ""})
    assert answer.status_code == 302
    chat.refresh_from_db()
    assert chat.ends_on == date(2026, 3, 10)
    assert chat.history.first().history_change_reason == "Steward: ended a chat"
    assert api(client)["chats"][0]["ends_on"] == "2026-03-10"
    clock.shift(timedelta(days=2))
    assert api(client)["chats"][0]["status"] == "ended"


def test_a_steward_cannot_push_an_end_date_later(entry, steward, client):
    chat = entry.chats.get()
    chat.ends_on = date(2026, 3, 31)
    chat.save()
    data = {"action": "end", "end-chat": chat.pk, "end-ends_on": "2026-06-30"}
    answer = client.post(page(steward), data)
    assert answer.status_code == 400
    assert "suggest an edit" in answer.content.decode()
    chat.refresh_from_db()
    assert chat.ends_on == date(2026, 3, 31)


@pytest.mark.parametrize("day", ["2000-01-01", "2026-03-09"])
def test_a_steward_cannot_end_a_chat_in_the_past(entry, steward, client, clock, day):
    """An end date before today would erase meetings held; that is a suggestion for the
    curators. The message sits on the Last meeting field and nothing is written."""
    chat = entry.chats.get()
    data = {"action": "end", "end-chat": chat.pk, "end-ends_on": day}
    answer = client.post(page(steward), data)
    assert answer.status_code == 400
    text = answer.content.decode()
    form = text[text.index('id="end-heading"') :]
    assert 'id="id_end-ends_on_error"' in form and "today (2026-03-10) or later" in form
    chat.refresh_from_db()
    assert chat.ends_on is None
    assert api(client)["chats"][0]["ends_on"] is None


def test_a_bad_date_is_shown_on_its_field_not_a_500(entry, steward, client):
    chat = entry.chats.get()
    data = {"action": "pause", "pause-chat": chat.pk, "pause-starts_on": "not a date"}
    answer = client.post(page(steward), data)
    assert answer.status_code == 400
    assert 'id="id_pause-starts_on_error"' in answer.content.decode()


def test_a_chat_of_another_entry_cannot_be_changed(entry, steward, client, make_hashtag, make_chat):
    other = make_chat(make_hashtag("Other"))
    data = {"action": "cancel", "cancel-chat": other.pk, "cancel-day": "2026-03-17"}
    assert client.post(page(steward), data).status_code == 400
    other.refresh_from_db()
    assert other.cancelled_dates == []


def test_the_page_offers_the_suggest_form(entry, steward, client):
    assert "/hashtags/HCLDR/suggest/" in client.get(page(steward)).content.decode()


def test_the_steward_page_needs_the_csrf_token(entry, steward):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(page(steward), {"action": "confirm"}).status_code == 403
    entry.refresh_from_db()
    assert entry.last_verified is None


# --- Links that do not work ------------------------------------------------------------


def test_an_expired_link_is_refused_without_naming_the_entry(
    entry, steward, client, clock, settings
):
    link = page(steward)
    clock.shift(timedelta(days=settings.STEWARD_LINK_DAYS, seconds=1))
    answer = client.get(link)
    assert answer.status_code == 410
    text = answer.content.decode()
    assert "expired" in text and "HCLDR" not in text and "Weekly chat" not in text
    assert client.post(link, {"action": "confirm"}).status_code == 410
    entry.refresh_from_db()
    assert entry.last_verified is None


def test_an_altered_or_other_purpose_link_is_refused(entry, steward, client):
    token = stewardship.make_token(steward, "act")
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(f"/steward/{altered}/").status_code == 410
    assert "changed" in client.get(f"/steward/{altered}/").content.decode()
    stop_token = stewardship.make_token(steward, "stop")
    assert client.get(f"/steward/{stop_token}/").status_code == 410
    assert client.get(f"/steward/{token}/stop/").status_code == 410
    assert client.post(f"/steward/{token}/stop/").status_code == 410
    steward.refresh_from_db()
    assert steward.state == "active"


def test_stop_asks_first_then_ends_the_stewardship(entry, steward, client):
    asked = client.get(stop_page(steward))
    assert asked.status_code == 200 and "Stop reminders" in asked.content.decode()
    steward.refresh_from_db()
    assert steward.state == "active"  # a mail scanner's GET changes nothing
    assert client.post(stop_page(steward)).status_code == 200
    steward.refresh_from_db()
    assert steward.state == "ended"
    assert reasons(steward.history.all())[0] == "Steward: stopped"


def test_a_one_click_unsubscribe_needs_no_csrf_token_and_ends_the_link(entry, steward, caplog):
    mail_client = Client(enforce_csrf_checks=True)
    answer = mail_client.post(
        stop_page(steward),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    steward.refresh_from_db()
    assert steward.state == "ended"
    ended = Client().get(page(steward))
    assert ended.status_code == 410 and "no longer works" in ended.content.decode()
    assert_private(answer.content.decode(), ended.content.decode(), caplog=caplog)


def test_a_link_to_an_entry_no_longer_public_is_refused(entry, steward, client):
    Hashtag.objects.filter(pk=entry.pk).update(status="rejected")
    answer = client.get(page(steward))
    assert answer.status_code == 410 and "HCLDR" not in answer.content.decode()


def test_each_visitor_gets_a_claim_form_of_their_own(entry, settings):
    """The form carries the visitor's CSRF token and start time: no shared page cache
    may hand one visitor's copy to the next."""
    settings.REGISTRY_CACHE_SECONDS = 300
    Client(enforce_csrf_checks=True).get("/hashtags/HCLDR/claim/")
    visitor = Client(enforce_csrf_checks=True)
    form = visitor.get("/hashtags/HCLDR/claim/")
    assert "X-Cache" not in form and "ETag" not in form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())
    answer = visitor.post("/hashtags/HCLDR/claim/", claim_data(csrfmiddlewaretoken=token.group(1)))
    assert answer.status_code == 302


def test_a_stewards_link_never_reaches_the_request_log(client, caplog):
    """The signed link acts for the steward until it expires: the log shows its place,
    never the token."""
    import logging

    with caplog.at_level(logging.INFO, logger="directory.requests"):
        client.get("/steward/not-a-real-token-but-secret-looking/")
        client.get("/steward/not-a-real-token-but-secret-looking/stop/")
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "/steward/<token>/" in logged
    assert "secret-looking" not in logged
    assert all("secret-looking" not in str(record.__dict__) for record in caplog.records)
