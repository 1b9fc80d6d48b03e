"""A stored chat the schedule engine cannot read degrades only itself: every page, list,
API answer and feed that shows it still answers, with the other chats whole, and the
chat is logged on stderr by its number (issue 17: "a bad row degrades only itself").

Rows like these predate today's validators, or come from a tz database that lost a
zone; they are written here past the validators, straight to the database.
"""

import logging
from datetime import UTC, datetime, time

import icalendar
import pytest
import time_machine

from hashtags import published
from hashtags.models import Chat, TimeZone

pytestmark = pytest.mark.django_db

# A Tuesday: both chats of the fixtures meet within the week shown on /chats/.
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def lost_zone(chat: Chat) -> dict:
    TimeZone.objects.get_or_create(name="Mars/Olympus_Mons")
    return {"timezone_id": "Mars/Olympus_Mons"}


# Each: what the stored row has that the engine cannot read.
UNREADABLE = {
    "no weekday": lambda chat: {"weekdays": ","},
    "unknown weekday": lambda chat: {"weekdays": "XX"},
    "week of the month out of range": lambda chat: {"frequency": "monthly", "month_weeks": "7"},
    "cancelled date that is not a date": lambda chat: {"cancelled_dates": ["next tuesday"]},
    "zone the tz database lost": lost_zone,
}


@pytest.fixture(params=sorted(UNREADABLE))
def entry(request, make_hashtag, make_chat):
    """#Mixed with a good chat (Tuesdays 8:30 PM New York) and an unreadable one."""
    hashtag = make_hashtag("Mixed", name="Mixed schedules")
    good = make_chat(hashtag, title="Good chat")
    bad = make_chat(hashtag, title="Broken chat", weekdays="WE", start_time=time(9))
    Chat.objects.filter(pk=bad.pk).update(**UNREADABLE[request.param](bad))
    return good, bad


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    "url",
    ["/", "/chats/", "/hashtags/Mixed/", "/api/v1/hashtags/", "/api/v1/hashtags/Mixed/"],
)
def test_pages_and_the_api_still_answer_with_the_good_chat(visitor, entry, url, caplog):
    good, bad = entry
    with caplog.at_level(logging.WARNING, logger="hashtags"):
        if url == "/hashtags/Mixed/" or url.startswith("/api/"):
            # The entry page and the API read the published entry: the row was written
            # past the write path, so it is published as such writers must, and the
            # producer is what meets the unreadable chat.
            published.publish([good.hashtag_id])
        answer = visitor.get(url)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "Mixed" in text
    if url in ("/chats/", "/hashtags/Mixed/", "/api/v1/hashtags/Mixed/"):
        assert good.title in text
        # Logged by the chat's number (or, for /chats/, by its unknown zone).
        assert f"Chat {bad.pk}:" in caplog.text or "'Mars/Olympus_Mons' unknown" in caplog.text


def test_upcoming_meetings_in_the_api_leave_out_only_the_unreadable_chat(api, entry):
    good, bad = entry
    answer = api.get("/api/v1/chats/upcoming/", {"start": "2026-06-01", "end": "2026-06-08"})
    assert answer.status_code == 200
    assert good.title in answer.content.decode()
    assert bad.title not in answer.content.decode()


@pytest.mark.parametrize("url", ["/chats.ics", "/hashtags/Mixed/chats.ics"])
def test_a_feed_is_whole_without_the_unreadable_chat_which_is_logged(visitor, entry, url, caplog):
    good, bad = entry
    with caplog.at_level(logging.WARNING, logger="hashtags"):
        answer = visitor.get(url)
        document = b"".join(answer.streaming_content)
    assert answer.status_code == 200
    assert document.endswith(b"END:VCALENDAR\r\n")
    feed = icalendar.Calendar.from_ical(document)
    uids = [str(event["UID"]) for event in feed.walk("VEVENT")]
    assert uids == [f"chat-{good.pk}@127.0.0.1"]
    assert f"Chat {bad.pk}" in caplog.text
    # The log names the chat by number only: nothing of the entry's text.
    assert "Mixed" not in caplog.text and "Broken chat" not in caplog.text
