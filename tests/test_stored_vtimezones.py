"""Each zone's VTIMEZONE is produced once and stored with its TimeZone row, beside the
digest of the tz data it was read from: every feed reads the stored one, and tz data
that changes (a new digest) has it produced again."""

import icalendar
import pytest

from hashtags import vtimezones
from hashtags.models import TimeZone

pytestmark = pytest.mark.django_db


def feed(visitor) -> bytes:
    answer = visitor.get("/chats.ics")
    assert answer.status_code == 200
    return b"".join(answer.streaming_content)


@pytest.fixture
def lord_howe_chat(make_hashtag, make_chat):
    return make_chat(make_hashtag("Lhi"), timezone_id="Australia/Lord_Howe")


def test_the_first_feed_stores_the_zones_vtimezone(visitor, lord_howe_chat):
    assert TimeZone.objects.get(name="Australia/Lord_Howe").vtimezone == ""
    document = feed(visitor)
    zone = TimeZone.objects.get(name="Australia/Lord_Howe")
    assert zone.vtimezone_source == vtimezones.source_digest("Australia/Lord_Howe")
    assert zone.vtimezone.encode() in document
    assert zone.vtimezone.encode() == vtimezones.vtimezone(
        "Australia/Lord_Howe", vtimezones.STORED_FROM
    )
    parsed = icalendar.Timezone.from_ical(zone.vtimezone)
    assert str(parsed["TZID"]) == "Australia/Lord_Howe"
    # Other zones are not produced until a feed uses them.
    assert TimeZone.objects.exclude(vtimezone="").count() == 1


def test_later_feeds_read_the_stored_one(visitor, lord_howe_chat):
    feed(visitor)
    stored = TimeZone.objects.get(name="Australia/Lord_Howe").vtimezone
    marked = stored.replace("TZID:Australia/Lord_Howe", "TZID:Australia/Lord_Howe\r\nCOMMENT:kept")
    TimeZone.objects.filter(name="Australia/Lord_Howe").update(vtimezone=marked)
    vtimezones.vtimezone.cache_clear()  # nothing in this process remembers it
    assert b"COMMENT:kept" in feed(visitor)


def test_new_tz_data_produces_it_again(visitor, lord_howe_chat):
    feed(visitor)
    TimeZone.objects.filter(name="Australia/Lord_Howe").update(
        vtimezone="BEGIN:VTIMEZONE\r\nCOMMENT:old\r\nEND:VTIMEZONE\r\n", vtimezone_source="old"
    )
    document = feed(visitor)
    assert b"COMMENT:old" not in document
    zone = TimeZone.objects.get(name="Australia/Lord_Howe")
    assert zone.vtimezone_source == vtimezones.source_digest("Australia/Lord_Howe")
