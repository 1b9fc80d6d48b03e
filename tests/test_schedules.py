"""The schedule engine: recurrence, time zones and daylight saving, pinned to known dates.

The expected instants below were worked out by hand from the 2026 clock changes, not
produced by the engine: the US changes on 8 March and 1 November 2026, the EU (and UK)
on 29 March and 25 October 2026. Chats here are unsaved model instances, so the engine is
tested without a database.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as dateutil_rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtags import schedules
from hashtags.models import WEEKDAY_ORDER, Chat, Hashtag

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def chat(**fields) -> Chat:
    values = {
        "hashtag": Hashtag(tag=fields.pop("tag", "HCLDR"), name="A chat"),
        "weekdays": "TU",
        "start_time": time(20, 30),
        "timezone_id": "America/New_York",
        "duration_minutes": 60,
    }
    values.update(fields)
    return Chat(**values)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def starts(found) -> list[datetime]:
    return [occurrence.start.astimezone(UTC) for occurrence in found]


# HCLDR: Tuesdays 8:30 PM in New York.
HCLDR_2026 = [
    # New York on EST (UTC-5); London on GMT.
    (utc(2026, 3, 4, 1, 30), "2026-03-03 20:30 EST", "2026-03-04 01:30 GMT"),
    # New York sprang forward on Sunday 8 March: EDT (UTC-4), the UTC hour moves.
    (utc(2026, 3, 11, 0, 30), "2026-03-10 20:30 EDT", "2026-03-11 00:30 GMT"),
    (utc(2026, 3, 25, 0, 30), "2026-03-24 20:30 EDT", "2026-03-25 00:30 GMT"),
    # London sprang forward on Sunday 29 March: the UTC time stays, London's moves.
    (utc(2026, 4, 1, 0, 30), "2026-03-31 20:30 EDT", "2026-04-01 01:30 BST"),
    (utc(2026, 10, 21, 0, 30), "2026-10-20 20:30 EDT", "2026-10-21 01:30 BST"),
    # London fell back on Sunday 25 October; New York has not yet.
    (utc(2026, 10, 28, 0, 30), "2026-10-27 20:30 EDT", "2026-10-28 00:30 GMT"),
    # New York fell back on Sunday 1 November.
    (utc(2026, 11, 4, 1, 30), "2026-11-03 20:30 EST", "2026-11-04 01:30 GMT"),
]


@pytest.mark.parametrize(("instant", "in_new_york", "in_london"), HCLDR_2026)
def test_hcldr_is_half_past_eight_in_new_york_as_both_zones_change_clocks(
    instant, in_new_york, in_london
):
    found = schedules.occurrences(chat(), instant - timedelta(days=1), instant + timedelta(days=1))
    assert starts(found) == [instant]
    assert found[0].start.strftime("%Y-%m-%d %H:%M %Z") == in_new_york
    assert found[0].in_zone(LONDON).strftime("%Y-%m-%d %H:%M %Z") == in_london


def test_hcldr_weeks_around_the_us_spring_change_in_one_window():
    found = schedules.occurrences(chat(), utc(2026, 2, 28), utc(2026, 3, 19))
    assert starts(found) == [
        utc(2026, 3, 4, 1, 30),
        utc(2026, 3, 11, 0, 30),
        utc(2026, 3, 18, 0, 30),
    ]
    assert {o.start.strftime("%H:%M") for o in found} == {"20:30"}


def test_a_time_missing_on_the_spring_forward_night_moves_an_hour_later_like_calendars_do():
    # 2:30 AM does not exist in New York on Sunday 8 March 2026 (2:00 jumps to 3:00).
    early = chat(weekdays="SU", start_time=time(2, 30))
    found = schedules.occurrences(early, utc(2026, 3, 1), utc(2026, 3, 16))
    assert [o.start.strftime("%m-%d %H:%M %Z") for o in found] == [
        "03-01 02:30 EST",
        "03-08 03:30 EDT",
        "03-15 02:30 EDT",
    ]
    assert starts(found) == [
        utc(2026, 3, 1, 7, 30),
        utc(2026, 3, 8, 7, 30),
        utc(2026, 3, 15, 6, 30),
    ]
    # It still lasts its hour.
    assert found[1].end.astimezone(UTC) == utc(2026, 3, 8, 8, 30)


def test_a_time_missing_in_london_on_the_eu_spring_change_moves_an_hour_later():
    early = chat(weekdays="SU", start_time=time(1, 30), timezone_id="Europe/London")
    found = schedules.occurrences(early, utc(2026, 3, 29), utc(2026, 3, 30))
    assert [o.start.strftime("%H:%M %Z") for o in found] == ["02:30 BST"]
    assert starts(found) == [utc(2026, 3, 29, 1, 30)]


def test_an_ambiguous_time_on_the_fall_back_night_is_its_first_occurrence():
    # 1:30 AM happens twice in New York on Sunday 1 November 2026: EDT, then EST.
    early = chat(weekdays="SU", start_time=time(1, 30))
    found = schedules.occurrences(early, utc(2026, 10, 31), utc(2026, 11, 9))
    assert starts(found) == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 8, 6, 30)]
    assert found[0].start.strftime("%H:%M %Z") == "01:30 EDT"
    # Sixty minutes later is 1:30 AM again, now EST: duration is real time.
    assert found[0].end.strftime("%H:%M %Z") == "01:30 EST"


def test_a_meeting_under_way_during_the_repeated_hour_is_live_only_for_its_real_hour():
    early = chat(weekdays="SU", start_time=time(1, 0), duration_minutes=60)
    (meeting,) = schedules.occurrences(early, utc(2026, 11, 1), utc(2026, 11, 2))
    assert meeting.is_live(utc(2026, 11, 1, 5, 30))  # 1:30 EDT
    assert not meeting.is_live(utc(2026, 11, 1, 6, 30))  # 1:30 EST, an hour after it ended


def test_monthly_last_friday():
    last_friday = chat(frequency="monthly", month_weeks="-1", weekdays="FR", start_time=time(13))
    found = schedules.occurrences(last_friday, utc(2026, 1, 1), utc(2026, 6, 1))
    assert [o.start.date() for o in found] == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 27),
        date(2026, 4, 24),
        date(2026, 5, 29),
    ]
    assert schedules.describe(last_friday) == "last Fridays at 1:00 PM ET"
    assert schedules.rrule_text(last_friday) == "FREQ=MONTHLY;BYDAY=-1FR"


def test_first_and_third_thursdays():
    twice = chat(
        frequency="monthly",
        month_weeks="1,3",
        weekdays="TH",
        start_time=time(12),
        timezone_id="America/Chicago",
    )
    found = schedules.occurrences(twice, utc(2026, 1, 1), utc(2026, 3, 1))
    assert [o.start.date() for o in found] == [
        date(2026, 1, 1),
        date(2026, 1, 15),
        date(2026, 2, 5),
        date(2026, 2, 19),
    ]
    assert schedules.describe(twice) == "1st and 3rd Thursdays at 12:00 PM CT"
    assert schedules.rrule_text(twice) == "FREQ=MONTHLY;BYDAY=1TH,3TH"


def test_every_two_weeks_counts_from_the_anchor_date():
    biweekly = chat(
        weekdays="WE",
        interval=2,
        starts_on=date(2026, 1, 7),
        start_time=time(15),
        timezone_id="Europe/London",
    )
    found = schedules.occurrences(biweekly, utc(2026, 1, 1), utc(2026, 3, 1))
    assert [o.start.date() for o in found] == [
        date(2026, 1, 7),
        date(2026, 1, 21),
        date(2026, 2, 4),
        date(2026, 2, 18),
    ]
    assert schedules.describe(biweekly) == "every 2 weeks on Wednesday at 3:00 PM UK time"
    assert schedules.rrule_text(biweekly) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;WKST=MO"


def test_every_two_weeks_keeps_its_phase_years_after_the_anchor():
    # 2020-01-08 plus 157 fortnights is 2026-01-14; the other Wednesdays are off weeks.
    biweekly = chat(weekdays="WE", interval=2, starts_on=date(2020, 1, 8), start_time=time(15))
    found = schedules.occurrences(biweekly, utc(2026, 1, 5), utc(2026, 2, 1))
    assert [o.start.date() for o in found] == [date(2026, 1, 14), date(2026, 1, 28)]


def test_every_two_weeks_from_an_anchor_mid_week_starts_in_the_anchor_week():
    # Anchored on a Wednesday with Tuesday and Thursday meetings: the first is Thursday
    # 8 January; Tuesday 6 January is before the start date.
    biweekly = chat(weekdays="TU,TH", interval=2, starts_on=date(2026, 1, 7))
    found = schedules.occurrences(biweekly, utc(2026, 1, 1), utc(2026, 1, 31))
    assert [o.start.date() for o in found] == [
        date(2026, 1, 8),
        date(2026, 1, 20),
        date(2026, 1, 22),
    ]
    assert schedules.first_occurrence(biweekly) == datetime(2026, 1, 8, 20, 30, tzinfo=NEW_YORK)


def test_a_chat_meets_nothing_before_its_start_date_and_nothing_after_its_end_date():
    bounded = chat(starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 24))
    found = schedules.occurrences(bounded, utc(2026, 3, 1), utc(2026, 4, 30))
    # The end date is inclusive: the meeting on 24 March still happens.
    assert [o.start.date() for o in found] == [
        date(2026, 3, 10),
        date(2026, 3, 17),
        date(2026, 3, 24),
    ]


def test_an_end_date_becomes_an_until_in_utc_at_the_end_of_that_local_day():
    bounded = chat(ends_on=date(2026, 3, 24))
    # 23:59:59 EDT on 24 March is 03:59:59 UTC on 25 March.
    assert schedules.rrule_text(bounded) == "FREQ=WEEKLY;BYDAY=TU;WKST=MO;UNTIL=20260325T035959Z"
    assert schedules.describe(bounded) == "Tuesdays at 8:30 PM ET, until 24 March 2026"


def test_an_inactive_chat_has_no_occurrences():
    paused = chat(is_active=False)
    assert schedules.occurrences(paused, utc(2026, 1, 1), utc(2026, 12, 31)) == []
    assert schedules.next_occurrences(paused, 3, utc(2026, 1, 1)) == []
    assert schedules.first_occurrence(paused) is None


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({}, "Tuesdays at 8:30 PM ET"),
        ({"weekdays": "MO,TH", "start_time": time(9)}, "Mondays and Thursdays at 9:00 AM ET"),
        (
            {"weekdays": "MO,WE,FR", "start_time": time(0, 15)},
            "Mondays, Wednesdays and Fridays at 12:15 AM ET",
        ),
        (
            {"frequency": "monthly", "month_weeks": "1,2,-1", "weekdays": "TH"},
            "1st, 2nd and last Thursdays at 8:30 PM ET",
        ),
        (
            {"interval": 3, "starts_on": date(2026, 1, 1), "weekdays": "TU,TH"},
            "every 3 weeks on Tuesday and Thursday at 8:30 PM ET",
        ),
        ({"timezone_id": "America/Los_Angeles", "start_time": time(18)}, "Tuesdays at 6:00 PM PT"),
        ({"timezone_id": "Asia/Tokyo", "start_time": time(21)}, "Tuesdays at 9:00 PM JST"),
        (
            {"timezone_id": "Europe/Paris", "start_time": time(12)},
            "Tuesdays at 12:00 PM Paris time",
        ),
        ({"timezone_id": "UTC", "start_time": time(12)}, "Tuesdays at 12:00 PM UTC"),
        # Etc/GMT+5 is five hours behind UTC, whatever its name suggests.
        ({"timezone_id": "Etc/GMT+5", "start_time": time(9)}, "Tuesdays at 9:00 AM UTC-05"),
    ],
)
def test_schedule_in_words(fields, words):
    assert schedules.describe(chat(**fields)) == words


def test_next_occurrences_include_a_meeting_under_way_and_follow_in_order():
    during = utc(2026, 3, 11, 1, 0)  # half an hour into the 10 March meeting
    found = schedules.next_occurrences(chat(), 3, during)
    assert starts(found) == [
        utc(2026, 3, 11, 0, 30),
        utc(2026, 3, 18, 0, 30),
        utc(2026, 3, 25, 0, 30),
    ]
    assert found[0].is_live(during)


def test_next_occurrences_find_a_rare_meeting_far_ahead_and_stop_at_the_end_date():
    yearly_last = chat(starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), weekdays="TU")
    found = schedules.next_occurrences(yearly_last, 5, utc(2026, 12, 20))
    assert starts(found) == [utc(2026, 12, 23, 1, 30), utc(2026, 12, 30, 1, 30)]
    far = chat(frequency="monthly", month_weeks="-1", weekdays="SU", starts_on=date(2027, 6, 1))
    assert [o.start.date() for o in schedules.next_occurrences(far, 1, utc(2026, 1, 1))] == [
        date(2027, 6, 27)
    ]


def test_upcoming_merges_chats_in_time_order_across_zones():
    tokyo = chat(tag="Tokyo", timezone_id="Asia/Tokyo", weekdays="WE", start_time=time(9))
    hcldr = chat(tag="HCLDR")
    found = schedules.upcoming([hcldr, tokyo], utc(2026, 3, 10, 12), utc(2026, 3, 11, 12))
    # Wednesday 9:00 JST is Wednesday 00:00 UTC, half an hour before HCLDR's 00:30 UTC.
    assert [(o.chat.hashtag.tag, o.start.astimezone(UTC)) for o in found] == [
        ("Tokyo", utc(2026, 3, 11, 0, 0)),
        ("HCLDR", utc(2026, 3, 11, 0, 30)),
    ]


@pytest.mark.parametrize(
    "name",
    ["Nowhere/Land", "../../etc/passwd", "/etc/localtime", "America/New_York\x00", "", "x" * 200],
)
def test_an_unknown_zone_is_refused_with_a_message_naming_it(name):
    with pytest.raises(schedules.UnknownTimeZone) as refused:
        schedules.get_zone(name)
    assert "time zone" in str(refused.value)
    if name and name.isprintable():
        assert name[:64] in str(refused.value)


def test_the_zone_picker_lists_canonical_names_grouped_by_region():
    groups = dict(schedules.zone_choices())
    assert groups["UTC"] == ("UTC",)
    assert "America/New_York" in groups["America"]
    assert "Europe/London" in groups["Europe"]
    assert not any(name.startswith(("US/", "Etc/")) for names in groups.values() for name in names)


def test_a_chat_without_start_date_starts_its_series_on_the_day_it_was_entered():
    entered = chat(created=datetime(2026, 11, 20, 3, 0, tzinfo=UTC))  # 19 Nov in New York
    assert schedules.series_start(entered) == date(2026, 11, 19)
    assert schedules.first_occurrence(entered) == datetime(2026, 11, 24, 20, 30, tzinfo=NEW_YORK)


def test_the_first_occurrence_in_a_spring_forward_gap_keeps_its_nominal_wall_time():
    # DTSTART must say 2:30 so that the following Sundays are 2:30 too.
    early = chat(weekdays="SU", start_time=time(2, 30), starts_on=date(2026, 3, 8))
    first = schedules.first_occurrence(early)
    assert (first.hour, first.minute, first.tzinfo) == (2, 30, NEW_YORK)


weekly_chats = st.builds(
    lambda days, hour, minute, zone, interval, anchor: chat(
        weekdays=",".join(days),
        start_time=time(hour, minute),
        timezone_id=zone,
        interval=interval,
        starts_on=anchor if interval > 1 else None,
    ),
    st.lists(st.sampled_from(WEEKDAY_ORDER), min_size=1, max_size=3, unique=True),
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 45]),
    st.sampled_from(
        ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC"]
    ),
    st.integers(1, 4),
    st.dates(date(2024, 1, 1), date(2026, 1, 1)),
)


def test_a_meeting_across_a_spring_forward_gap_lasts_its_duration():
    # Found by the property test below: 1:00-2:00 in Sydney on 4 October 2026, when 2:00
    # jumps to 3:00, ends at 3:00 local and still lasts one hour.
    weekly = chat(weekdays="SU", start_time=time(1, 0), timezone_id="Australia/Sydney")
    start = datetime(2026, 10, 3, 0, 0, tzinfo=UTC)
    (meeting,) = schedules.occurrences(weekly, start, start + timedelta(days=2))
    assert (meeting.start.hour, meeting.end.hour) == (1, 3)
    assert meeting.end.astimezone(UTC) - meeting.start.astimezone(UTC) == timedelta(hours=1)


@settings(max_examples=40, deadline=None)
@given(weekly_chats, st.dates(date(2026, 1, 1), date(2027, 12, 1)))
def test_every_occurrence_is_on_a_meeting_day_at_the_local_time_or_an_hour_past_a_gap(weekly, day):
    """Whatever the zone and window, meetings fall on their weekdays at their local time,
    except a time a spring-forward gap skips, which lands exactly one gap later; and the
    engine agrees with dateutil reading the published RRULE text."""
    zone = ZoneInfo(weekly.timezone_id)
    start = datetime.combine(day, time(0), tzinfo=UTC)
    end = start + timedelta(days=30)
    found = schedules.occurrences(weekly, start, end)
    for meeting in found:
        local = meeting.start
        assert local.strftime("%a").upper()[:2] in weekly.weekday_list
        nominal = datetime.combine(local.date(), weekly.start_time, tzinfo=zone)
        resolved = nominal.astimezone(UTC).astimezone(zone)
        assert (local.hour, local.minute) == (resolved.hour, resolved.minute)
        # Elapsed time, in UTC: subtracting two datetimes of one zone compares wall clocks,
        # which differ by two hours across a spring-forward gap (Sydney, 4 Oct 2026, 1:00).
        assert meeting.end.astimezone(UTC) - meeting.start.astimezone(UTC) == timedelta(hours=1)
    # The published rule, expanded by dateutil's own parser, gives the same wall times.
    dtstart = datetime.combine(weekly.starts_on or date(2023, 1, 2), weekly.start_time)
    rule = dateutil_rrule.rrulestr(schedules.rrule_text(weekly), dtstart=dtstart)
    margin = timedelta(days=2)
    expected = [
        schedules.resolve_local(naive, zone)
        for naive in rule.between(
            start.astimezone(zone).replace(tzinfo=None) - margin,
            end.astimezone(zone).replace(tzinfo=None) + margin,
            inc=True,
        )
    ]
    expected = [m for m in expected if m.astimezone(UTC) + timedelta(hours=1) > start and m < end]
    assert [m.start for m in found] == expected
