"""Verification reminders: `manage.py send_verification_reminders` emails the stewards of
entries due for a check, at most once per interval, and an unanswered reminder makes the
entry stale (hashtags.curation.reminders, hashtags.models.freshness_of)."""

import io
import logging
import smtplib
import socket
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.urls import resolve
from django.utils import timezone

from hashtags.curation import moderation, stewardship
from hashtags.models import Freshness, Hashtag, Status, Steward, Submission

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)  # confirmed before VERIFY_AFTER_DAYS (365): due
ADDRESS = "jane.steward@example.org"


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://hashtags.example"
    settings.VERIFY_AFTER_DAYS = 365
    settings.STALE_AFTER_DAYS = 90
    settings.REMINDER_INTERVAL_DAYS = 30
    settings.STEWARD_LINK_DAYS = 30
    return settings


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_steward(db):
    def make(hashtag: Hashtag, email: str = ADDRESS, **fields) -> Steward:
        fields.setdefault("state", Steward.State.ACTIVE)
        fields.setdefault("name", "Jane Steward")
        return Steward.objects.create(hashtag=hashtag, email=email, **fields)

    return make


@pytest.fixture
def bcsm(clock, make_hashtag, make_chat):
    """A due entry (confirmed 400 days ago) with a weekly chat and one on a break."""
    entry = make_hashtag("BCSM", name="Breast Cancer Social Media", last_verified=LONG_AGO)
    make_chat(entry, title="Weekly chat", weekdays="MO", start_time=time(21))
    paused = make_chat(entry, title="Journal club", weekdays="TH", start_time=time(12))
    paused.pauses.create(starts_on=date(2026, 11, 1), ends_on=date(2027, 1, 10))
    return entry


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("send_verification_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def token_of(url: str) -> str:
    return resolve(urlsplit(url).path).kwargs["token"]


def links_in(text: str) -> list[str]:
    return [word for word in text.split() if word.startswith("https://hashtags.example/")]


# --- The email ------------------------------------------------------------------------


def test_steward_of_a_due_entry_is_asked_whether_it_is_still_current(bcsm, make_steward):
    make_steward(bcsm)

    assert run() == "1 reminder sent, 0 failed, 0 entries due without a steward\n"

    [message] = mail.outbox
    assert message.subject == "Is #BCSM still current?"
    assert message.to == [ADDRESS]
    text = message.body
    assert "You are the steward of #BCSM" in text
    assert "#BCSM: Breast Cancer Social Media" in text
    assert "https://hashtags.example/hashtags/BCSM/" in text
    assert "It was last confirmed on 27 October 2025." in text
    assert "Weekly chat: Mondays at 9:00 PM ET (meets as scheduled)" in text
    assert "Journal club: Thursdays at 12:00 PM ET (on a break until 10 January 2027)" in text


def test_the_links_act_for_the_steward_and_the_stop_link_is_the_unsubscribe_header(
    bcsm, make_steward
):
    steward = make_steward(bcsm)
    run()
    [message] = mail.outbox

    act, stop = links_in(message.body)[1:]  # after the entry's own page
    assert stewardship.read_token(token_of(act), "act") == steward
    assert stewardship.read_token(token_of(stop), "stop") == steward
    assert resolve(urlsplit(act).path).url_name == "steward"
    assert resolve(urlsplit(stop).path).url_name == "steward-stop"
    assert message.extra_headers["List-Unsubscribe"] == f"<{stop}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{act}"' in html
    assert f'href="{stop}"' in html
    assert "You receive this email because you are the steward of #BCSM" in html
    assert "<li>Weekly chat: Mondays at 9:00 PM ET (meets as scheduled)</li>" in html


def test_html_part_escapes_what_people_typed(clock, make_hashtag, make_steward):
    entry = make_hashtag("Escaped", name="<b>Bold</b> & co", last_verified=LONG_AGO)
    make_steward(entry, name="<script>x</script>")
    run()
    [(html, _)] = mail.outbox[0].alternatives
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html
    assert "<script>" not in html
    assert "<b>Bold</b> & co" in mail.outbox[0].body  # plain text stays as written


def test_one_email_per_steward_per_entry(clock, make_hashtag, make_steward):
    first = make_hashtag("First", last_verified=LONG_AGO)
    second = make_hashtag("Second", last_verified=LONG_AGO)
    make_steward(first)
    make_steward(second)
    make_steward(second, email="co.steward@example.org")

    assert run().startswith("3 reminders sent, 0 failed")
    assert sorted((m.subject, m.to[0]) for m in mail.outbox) == [
        ("Is #First still current?", ADDRESS),
        ("Is #Second still current?", "co.steward@example.org"),
        ("Is #Second still current?", ADDRESS),
    ]


# --- Who is reminded, and when --------------------------------------------------------


def test_reminded_at_is_set_and_a_second_run_sends_nothing_until_the_interval_passed(
    bcsm, make_steward, clock
):
    steward = make_steward(bcsm)
    run()
    steward.refresh_from_db()
    assert steward.reminded_at == NOW

    assert run().startswith("0 reminders sent")
    clock.shift(timedelta(days=30))
    assert run().startswith("0 reminders sent")
    clock.shift(timedelta(days=1, seconds=1))
    assert run().startswith("1 reminder sent")
    assert len(mail.outbox) == 2
    steward.refresh_from_db()
    assert steward.reminded_at == NOW + timedelta(days=31, seconds=1)


def test_only_active_stewards_of_approved_entries_due_for_a_check_are_reminded(
    clock, make_hashtag, make_steward
):
    due = make_hashtag("Due", last_verified=LONG_AGO)
    stale = make_hashtag("Stale", last_verified=NOW - timedelta(days=800))
    make_steward(due, email="due@example.org")
    make_steward(stale, email="stale@example.org")
    make_steward(due, email="claimed@example.org", state=Steward.State.CLAIMED)
    make_steward(due, email="ended@example.org", state=Steward.State.ENDED)
    make_steward(make_hashtag("Current", last_verified=NOW - timedelta(days=10)))
    make_steward(make_hashtag("Retired", status=Status.RETIRED, last_verified=LONG_AGO))
    make_steward(make_hashtag("Pending", status=Status.PENDING))

    run()

    assert sorted(m.to[0] for m in mail.outbox) == ["due@example.org", "stale@example.org"]


def test_a_never_confirmed_entry_is_due_once_approved_verify_after_days_ago(
    clock, make_hashtag, make_steward
):
    old = make_hashtag("ApprovedLongAgo", approved_at=LONG_AGO, last_verified=None)
    make_steward(old, email="old@example.org")
    today = make_hashtag("ApprovedToday", approved_at=NOW, last_verified=None)
    make_steward(today, email="new@example.org")

    run()

    assert [m.to[0] for m in mail.outbox] == ["old@example.org"]


def test_with_verify_after_days_zero_the_steward_of_a_freshly_approved_entry_is_asked(
    clock, reminder_settings, make_hashtag, curator
):
    reminder_settings.VERIFY_AFTER_DAYS = 0
    entry = make_hashtag("Fresh", status=Status.PENDING)
    Submission.objects.create(
        hashtag=entry, tag="Fresh", submitter_name="Sam", submitter_email="sam@example.org"
    )
    moderation.approve(hashtag=entry, curator=curator)
    mail.outbox.clear()  # the "your submission was approved" email
    clock.shift(timedelta(minutes=5))

    assert run().startswith("1 reminder sent")
    [message] = mail.outbox
    assert message.to == ["sam@example.org"]
    steward = stewardship.read_token(token_of(links_in(message.body)[1]), "act")
    assert steward.hashtag == entry


def test_entries_due_without_a_steward_are_counted_for_the_curators(
    clock, make_hashtag, make_steward
):
    make_hashtag("Orphan", last_verified=LONG_AGO)
    make_hashtag("Abandoned", last_verified=LONG_AGO)
    make_steward(make_hashtag("Left", last_verified=LONG_AGO), state=Steward.State.ENDED)
    make_hashtag("Fine", last_verified=NOW)

    assert run() == "0 reminders sent, 0 failed, 3 entries due without a steward\n"


def test_dry_run_counts_and_sends_nothing(bcsm, make_steward, make_hashtag):
    steward = make_steward(bcsm)
    make_hashtag("Orphan", last_verified=LONG_AGO)

    assert run("--dry-run") == "1 reminder to send (dry run), 1 entry due without a steward\n"
    assert mail.outbox == []
    steward.refresh_from_db()
    assert steward.reminded_at is None


# --- Failures, output, privacy ----------------------------------------------------------


class RefusingBackend(LocmemBackend):
    """A mail server that refuses one recipient, quoting the address as SMTP does."""

    def send_messages(self, messages):
        for message in messages:
            if "refused" in message.to[0]:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
        return super().send_messages(messages)


def test_a_failed_send_is_reported_without_the_address_and_the_run_goes_on(
    clock, reminder_settings, make_hashtag, make_steward, caplog, capsys
):
    reminder_settings.EMAIL_BACKEND = "tests.test_reminders.RefusingBackend"
    refused = make_steward(make_hashtag("Aaa", last_verified=LONG_AGO), "refused@example.org")
    accepted = make_steward(make_hashtag("Bbb", last_verified=LONG_AGO))
    out = io.StringIO()

    with caplog.at_level(logging.DEBUG), pytest.raises(CommandError) as failure:
        call_command("send_verification_reminders", stdout=out)

    assert out.getvalue() == "1 reminder sent, 1 failed, 0 entries due without a steward\n"
    assert "1 reminder could not be sent" in str(failure.value)
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    refused.refresh_from_db()
    accepted.refresh_from_db()
    assert refused.reminded_at is None  # tried again next run
    assert accepted.reminded_at == NOW
    assert f"steward {refused.pk} of #Aaa not sent: SMTPRecipientsRefused" in caplog.text
    captured = capsys.readouterr()
    for output in (caplog.text, captured.err, captured.out, str(failure.value)):
        assert "@" not in output


def test_logs_never_carry_an_address(bcsm, make_steward, caplog, capsys):
    make_steward(bcsm)
    with caplog.at_level(logging.DEBUG):
        call_command("send_verification_reminders")
    captured = capsys.readouterr()
    assert "Reminder sent to steward" in caplog.text
    assert "@" not in caplog.text + captured.err + captured.out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(clock, make_hashtag, make_steward):
    for tag in ("One", "Two"):
        make_steward(make_hashtag(tag, last_verified=LONG_AGO))
    err, out = io.StringIO(), io.StringIO()
    call_command("send_verification_reminders", stdout=out, stderr=err)
    assert err.getvalue() == ""

    for steward in Steward.objects.all():
        steward.reminded_at = None
        steward.save()
    terminal = Terminal()
    call_command("send_verification_reminders", stdout=out, stderr=terminal)
    assert "\r[###############---------------] 1/2" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r[##############################] 2/2\n")
    assert out.getvalue().count("2 reminders sent") == 2  # the summary stays on stdout


# --- Freshness: an unanswered reminder makes an entry stale -----------------------------


def freshness_in_sql(now: datetime | None = None) -> dict[str, str]:
    return {
        entry.tag: freshness
        for freshness in Freshness.values
        for entry in Hashtag.objects.with_freshness(freshness, now)
    }


def freshness_in_python() -> dict[str, str]:
    return {entry.tag: entry.freshness for entry in Hashtag.objects.all()}


def test_an_entry_turns_stale_when_its_steward_leaves_a_reminder_unanswered(
    bcsm, make_steward, clock, curator
):
    make_steward(bcsm)
    run()
    assert Hashtag.objects.get(tag="BCSM").freshness == Freshness.DUE

    clock.shift(timedelta(days=30))
    assert Hashtag.objects.get(tag="BCSM").freshness == Freshness.DUE
    clock.shift(timedelta(days=1))
    assert Hashtag.objects.get(tag="BCSM").freshness == Freshness.STALE
    assert freshness_in_sql()["BCSM"] == Freshness.STALE

    # Reminded again, the entry stays stale: the first reminder is still unanswered.
    assert run().startswith("1 reminder sent")
    assert Hashtag.objects.get(tag="BCSM").freshness == Freshness.STALE
    assert freshness_in_sql()["BCSM"] == Freshness.STALE

    moderation.verify(hashtag=bcsm, curator=curator)
    assert Hashtag.objects.get(tag="BCSM").freshness == Freshness.CURRENT
    assert freshness_in_sql()["BCSM"] == Freshness.CURRENT


def test_freshness_in_python_and_in_sql_agree(clock, reminder_settings, make_hashtag, make_steward):
    def entry(tag: str, verified: datetime | None, *reminders: datetime) -> None:
        """An entry whose steward was reminded at each of `reminders`, recorded as the
        command records them: the steward's latest, the entry's first since confirmed."""
        hashtag = make_hashtag(tag, last_verified=verified)
        for when in reminders:
            steward = Steward.objects.filter(hashtag=hashtag).first() or make_steward(hashtag)
            steward.reminded_at = when
            steward.save()
            hashtag.refresh_from_db()
            first = hashtag.reminder_sent_at
            if first is None or (verified is not None and first < verified):
                Hashtag.objects.filter(pk=hashtag.pk).update(reminder_sent_at=when)

    days = lambda n: NOW - timedelta(days=n)  # noqa: E731
    entry("Unverified", None)
    entry("UnverifiedReminded", None, days(60))
    entry("Current", days(10))
    entry("CurrentRemindedBefore", days(10), days(40))
    entry("Due", days(400))
    entry("DueRemindedRecently", days(400), days(29))
    entry("DueRemindedLongAgo", days(400), days(31))
    entry("DueRemindedLongAgoThenAgain", days(400), days(31), days(1))
    entry("DueRemindedBeforeConfirmed", days(400), days(401))
    entry("StaleByAge", days(500))
    entry("StaleByAgeReminded", days(500), days(2))

    expected = {
        "Unverified": Freshness.UNVERIFIED,
        "UnverifiedReminded": Freshness.UNVERIFIED,
        "Current": Freshness.CURRENT,
        "CurrentRemindedBefore": Freshness.CURRENT,
        "Due": Freshness.DUE,
        "DueRemindedRecently": Freshness.DUE,
        "DueRemindedLongAgo": Freshness.STALE,
        "DueRemindedLongAgoThenAgain": Freshness.STALE,
        "DueRemindedBeforeConfirmed": Freshness.DUE,
        "StaleByAge": Freshness.STALE,
        "StaleByAgeReminded": Freshness.STALE,
    }
    assert freshness_in_python() == expected
    assert freshness_in_sql() == expected

    # Other settings and other days: whatever each says, the two agree.
    for verify, interval in ((0, 30), (365, 0), (100, 5)):
        reminder_settings.VERIFY_AFTER_DAYS = verify
        reminder_settings.REMINDER_INTERVAL_DAYS = interval
        for shift in (0, 20, 400):
            with time_machine.travel(NOW + timedelta(days=shift), tick=False):
                assert freshness_in_python() == freshness_in_sql(), (verify, interval, shift)


# --- A real SMTP server -------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping what it received."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(reminder_settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    reminder_settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    reminder_settings.EMAIL_HOST = "127.0.0.1"
    reminder_settings.EMAIL_PORT = controller.port
    reminder_settings.EMAIL_USE_TLS = False
    reminder_settings.EMAIL_USE_SSL = False
    reminder_settings.EMAIL_HOST_USER = reminder_settings.EMAIL_HOST_PASSWORD = ""
    reminder_settings.EMAIL_TIMEOUT = 10
    yield inbox
    controller.stop()


def test_reminders_reach_a_real_smtp_server_with_both_parts_and_the_unsubscribe_header(
    bcsm, make_steward, make_hashtag, smtp_server
):
    steward = make_steward(bcsm)
    make_steward(make_hashtag("Second", last_verified=LONG_AGO), email="other@example.org")

    assert run().startswith("2 reminders sent, 0 failed")

    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [ADDRESS, "other@example.org"]
    [envelope] = [e for e in smtp_server.envelopes if e.rcpt_tos == [ADDRESS]]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Is #BCSM still current?"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "You are the steward of #BCSM" in text
    assert "You receive this email because you are the steward of #BCSM" in html
    stop = message["List-Unsubscribe"].strip().strip("<>")  # unfolded: may lead with a space
    assert stewardship.read_token(token_of(stop), "stop") == steward
    assert f'href="{stop}"' in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    steward.refresh_from_db()
    assert steward.reminded_at == NOW


def test_a_mail_server_that_is_down_fails_every_send_and_marks_nobody_reminded(
    bcsm, make_steward, reminder_settings, caplog
):
    steward = make_steward(bcsm)
    reminder_settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    reminder_settings.EMAIL_HOST = "127.0.0.1"
    reminder_settings.EMAIL_PORT = free_port()  # nobody listens
    reminder_settings.EMAIL_USE_TLS = False
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("send_verification_reminders", stdout=out)

    assert out.getvalue().startswith("0 reminders sent, 1 failed")
    steward.refresh_from_db()
    assert steward.reminded_at is None
    assert "@" not in caplog.text


def test_a_reminder_leads_the_steward_to_confirm_the_entry_which_the_api_then_shows(
    settings, curator, capsys
):
    """The issue's whole path: VERIFY_AFTER_DAYS=0 and the console email backend; the
    steward of a freshly approved entry gets a link; it opens a form; confirming there
    updates last_verified in the API."""
    import re

    from django.test import Client

    settings.VERIFY_AFTER_DAYS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    submission = moderation.submit_hashtag(
        tag="FreshChat",
        name="A fresh chat",
        kind="chat",
        submitter_name="Sam",
        submitter_email="sam@example.org",
    )
    moderation.approve(hashtag=submission.hashtag, curator=curator)
    capsys.readouterr()
    clock_moment = timezone.now()
    summary = run()
    printed = capsys.readouterr().out  # the console backend prints the email
    assert summary.startswith("1 reminder sent")
    (link,) = set(re.findall(r"https://hashtags\.example(/steward/[^/\s]+/)(?!stop)", printed))

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="action" value="confirm"' in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    done = browser.post(link, {"action": "confirm", "csrfmiddlewaretoken": token})
    assert done.status_code == 302

    entry = Client().get("/api/v1/hashtags/FreshChat/").json()
    assert datetime.fromisoformat(entry["last_verified"].replace("Z", "+00:00")) >= clock_moment
    assert Hashtag.objects.get(tag="FreshChat").verified_by_steward.email == "sam@example.org"
    # (With VERIFY_AFTER_DAYS=0 every entry is due again at once; with a year, current.)
    settings.VERIFY_AFTER_DAYS = 365
    assert Client().get("/api/v1/hashtags/FreshChat/").json()["freshness"] == "current"
