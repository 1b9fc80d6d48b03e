"""Hostile input, round two (first part): ways to a 500 that a crafted page position, an
API cursor or a name with a line break opened; each is now a clear refusal."""

from datetime import time

import pytest

from hashtags.models import Chat, Hashtag
from tests.submission_helpers import proposal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("position", ["after=%C2%B2~hcldr", "before=--1~hcldr", "after=1٣~x"])
def test_a_page_position_that_is_not_a_number_is_a_400(visitor, make_hashtag, position):
    make_hashtag("HCLDR")
    answer = visitor.get(f"/hashtags/?q=hcldr&{position}")
    assert answer.status_code == 400
    assert "is not a valid page position" in answer.content.decode()


@pytest.mark.parametrize("ordering", ["created", "-updated"])
def test_an_api_cursor_with_an_impossible_offset_is_refused(api, make_hashtag, ordering):
    import base64
    from urllib.parse import urlencode

    make_hashtag("HCLDR")
    position = "2026-01-01T00:00:00+23:59"
    cursor = base64.b64encode(urlencode({"p": position}).encode()).decode()
    answer = api.get("/api/v1/hashtags/", {"cursor": cursor, "ordering": ordering})
    assert answer.status_code == 400
    assert answer.json()["cursor"][0].startswith("Invalid cursor: follow the next")


def test_a_name_with_a_line_break_is_refused_naming_the_field(submitter):
    from tests.submission_helpers import submission_data

    answer = submitter(submission_data(tag="TwoLines", name="Line one\nLine two"))
    assert answer.status_code == 400
    assert "Write it on one line" in answer.content.decode()
    assert not Hashtag.objects.filter(tag="TwoLines").exists()


def test_a_name_stored_with_a_line_break_still_gives_a_calendar(client, make_hashtag):
    """Entries stored before the rule keep working: the feed writes the name on one line."""
    import icalendar

    entry = make_hashtag("OldName")
    Hashtag.objects.filter(pk=entry.pk).update(name="Line one\nLine two")
    Chat.objects.create(hashtag=entry, weekdays="TU", start_time=time(20), timezone_id="UTC")
    answer = client.get("/hashtags/OldName/chats.ics")
    calendar = icalendar.Calendar.from_ical(b"".join(answer.streaming_content))
    assert "Line one Line two" in str(calendar["X-WR-CALDESC"])
    assert len(calendar.walk("VEVENT")) == 1


def test_titles_notes_and_host_names_are_one_line_through_the_api(api, make_category):
    make_category("critical-care", name="Critical care")
    body = proposal()
    body["chats"][0].update(title="Weekly\nchat", note="Note\rwith a break")
    body["moderators"][0]["display_name"] = "Dr.\u2028P"
    answer = api.post("/api/v1/submissions/", body, format="json")
    assert answer.status_code == 400
    errors = answer.json()
    assert "Write it on one line" in errors["chats[0].title"][0]
    assert "Write it on one line" in errors["chats[0].note"][0]
    assert "Write it on one line" in errors["moderators[0].display_name"][0]
    assert not Hashtag.objects.filter(tag="PedsICU").exists()


def test_a_chat_title_with_a_line_break_is_refused_by_the_form(submitter):
    from tests.submission_helpers import submission_data

    answer = submitter(submission_data(tag="TitleBreak", **{"chats-0-title": "One\ntwo"}))
    assert answer.status_code == 400
    assert "Write it on one line" in answer.content.decode()
    assert not Hashtag.objects.filter(tag="TitleBreak").exists()


def test_the_admin_refuses_a_pause_note_on_two_lines(make_hashtag):
    from django.core.exceptions import ValidationError

    from hashtags.models import ChatPause

    chat = Chat.objects.create(
        hashtag=make_hashtag("Paused"), weekdays="TU", start_time=time(20), timezone_id="UTC"
    )
    pause = ChatPause(chat=chat, starts_on="2026-07-01", note="Summer\nbreak")
    with pytest.raises(ValidationError) as refused:
        pause.full_clean()
    assert "note" in refused.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_migration_0012_brings_stored_dates_into_range_then_the_database_guards_them():
    from datetime import date

    from django.db import IntegrityError, connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("hashtags", "0011_activity")], [("hashtags", "0012_chat_dates_in_range")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    entry = old.get_model("hashtags", "Hashtag").objects.create(
        tag="Old", key="old", name="Old", status="approved"
    )
    chat = old.get_model("hashtags", "Chat").objects.create(
        hashtag=entry,
        weekdays="TU",
        start_time=time(20),
        timezone_id="UTC",
        interval=2,
        starts_on=date(1, 1, 2),  # a Tuesday
        ends_on=date(9999, 12, 31),
    )
    old.get_model("hashtags", "ChatPause").objects.create(
        chat=chat, starts_on=date(1, 6, 1), ends_on=date(9999, 1, 1)
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    moved = new.get_model("hashtags", "Chat").objects.get(pk=chat.pk)
    assert date(2000, 1, 1) <= moved.starts_on < date(2000, 1, 15)
    assert moved.starts_on.weekday() == 1 and (moved.starts_on - date(1, 1, 2)).days % 14 == 0
    assert moved.ends_on is None
    pause = new.get_model("hashtags", "ChatPause").objects.get(chat_id=chat.pk)
    assert (pause.starts_on, pause.ends_on) == (date(2000, 1, 1), None)
    with pytest.raises(IntegrityError):
        new.get_model("hashtags", "Chat").objects.filter(pk=chat.pk).update(
            starts_on=date(9999, 12, 31)
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
