"""The words the site writes in Python follow the reader's language: a Spanish page says
a chat's dates and weekdays in Spanish, an English page says exactly what it always did.

Django's own Spanish catalogue already names the months and weekdays, so these words
read in Spanish before the project's catalogue translates its sentences.
"""

from datetime import date, datetime, time

from django.utils import translation

from hashtags import schedules
from hashtags.models import Chat, Hashtag


def chat(**fields) -> Chat:
    values = {
        "hashtag": Hashtag(tag="HCLDR", name="A chat"),
        "weekdays": "TU",
        "start_time": time(20, 30),
        "timezone_id": "America/New_York",
        "duration_minutes": 60,
    }
    values.update(fields)
    return Chat(**values)


def ended_chat() -> Chat:
    ended = chat(starts_on=date(2011, 1, 11), ends_on=date(2023, 10, 31))
    ended.published_status = "ended"
    return ended


def test_a_date_reads_in_spanish_on_a_spanish_page():
    with translation.override("es"):
        words = schedules.day_words(date(2023, 10, 31))
    assert "octubre" in words
    assert "October" not in words


def test_a_tuesday_chat_meets_on_martes_on_a_spanish_page():
    with translation.override("es"):
        weekly = schedules.describe(chat())
        every_other = schedules.describe(chat(interval=2, starts_on=date(2026, 1, 6)))
        monthly = schedules.describe(chat(frequency="monthly", month_weeks="1,3", weekdays="TU,TH"))
    assert "martes" in weekly
    assert "Tuesday" not in weekly
    assert "martes" in every_other
    assert "martes" in monthly and "jueves" in monthly


def test_an_ended_chat_ends_in_october_on_a_spanish_page():
    with translation.override("es"):
        state = schedules.state_words(ended_chat())
        span = schedules.lifespan(ended_chat())
        schedule = schedules.describe(ended_chat())
    assert "octubre" in state
    assert "enero" in span and "octubre" in span
    assert "octubre" in schedule


def test_a_cancelled_date_names_its_weekday_in_spanish():
    # 1 January 2026 is a Thursday; the chat meets on Tuesdays.
    bad = chat(cancelled_dates=["2026-01-01"])
    with translation.override("es"):
        try:
            schedules.validate_dates(bad)
        except Exception as error:
            said = str(error)
        else:
            said = ""
    assert "jueves" in said


def test_english_words_are_unchanged():
    with translation.override("en"):
        assert schedules.day_words(date(2023, 10, 31)) == "31 October 2023"
        assert schedules.describe(chat()) == "Tuesdays at 8:30 PM ET"
        assert (
            schedules.describe(chat(frequency="monthly", month_weeks="1,3", weekdays="TU,TH"))
            == "1st and 3rd Tuesdays and Thursdays at 8:30 PM ET"
        )
        assert (
            schedules.describe(chat(weekdays="MO,WE,FR", timezone_id="Asia/Kolkata"))
            == "Mondays, Wednesdays and Fridays at 8:30 PM IST"
        )
        assert (
            schedules.describe(chat(interval=2, starts_on=date(2026, 1, 6)))
            == "every 2 weeks on Tuesday at 8:30 PM ET"
        )
        assert schedules.state_words(ended_chat()) == "ended 31 October 2023"
        assert schedules.state_words(ended_chat(), short=True) == "chat ended 2023"
        assert schedules.lifespan(ended_chat()) == "11 January 2011 – 31 October 2023"
        assert schedules.describe(ended_chat()) == "Tuesdays at 8:30 PM ET, until 31 October 2023"
        assert schedules.zone_label("Asia/Tokyo") == "JST"
        assert schedules.zone_label("Europe/London") == "UK time"
        assert schedules.zone_label("Africa/Nairobi") == "EAT"


def test_a_meeting_time_names_its_day_in_the_page_language():
    from zoneinfo import ZoneInfo

    from directory.templatetags.directory_tags import chat_time

    moment = datetime(2026, 12, 1, 20, 30, tzinfo=ZoneInfo("America/New_York"))
    with translation.override("en"):
        english = str(chat_time(moment))
    with translation.override("es"):
        spanish = str(chat_time(moment))
    assert ">Tue 1 Dec, 8:30 PM ET</time>" in english
    assert ">mar 1 dic, 8:30 p. m. et<" in spanish.lower()


def test_the_chat_form_offers_weekdays_in_the_page_language():
    from directory.forms import ChatForm

    def labels() -> list[str]:
        return [str(label) for _code, label in ChatForm().fields["weekdays"].choices]

    with translation.override("es"):
        spanish = labels()
    with translation.override("en"):
        english = labels()
    assert spanish[1] == "martes"
    assert english[1] == "Tuesday"
