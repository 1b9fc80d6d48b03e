"""Registering a hashtag through the public form: the journey, the messages, the defences."""

import re

import pytest
from django.core import mail

from hashtags.curation import moderation
from hashtags.models import Chat, Hashtag, Report, Status, Submission, Switchboard
from tests.submission_helpers import started, submission_data

pytestmark = pytest.mark.django_db


def test_the_form_is_offered_with_a_prefilled_tag(visitor):
    page = visitor.get("/submit/?tag=HCLDR")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="HCLDR"' in html
    assert 'name="chats-0-timezone"' in html and 'list="iana-zones"' in html
    assert '<option value="America/New_York">' in html


def test_a_valid_submission_is_stored_pending_with_its_chat_and_host(submitter):
    response = submitter()
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert response["Location"] == f"/submit/received/{submission.reference}/"
    entry = submission.hashtag
    assert (entry.tag, entry.status, entry.kind) == ("NewChat", Status.PENDING, "chat")
    assert sorted(entry.platforms.values_list("code", flat=True)) == ["bluesky", "x"]
    chat = Chat.objects.get(hashtag=entry)
    assert (chat.weekdays, chat.start_time.isoformat(), chat.timezone_id) == (
        "TU",
        "20:30:00",
        "America/New_York",
    )
    host = entry.hosts.select_related("moderator").get()
    assert (host.moderator.handle, host.role) == ("pat_host", "founder")
    assert len(submission.reference) >= 20


def test_the_confirmation_shows_the_reference_and_the_status_link(submitter, visitor):
    submitter()
    submission = Submission.objects.get()
    html = visitor.get(f"/submit/received/{submission.reference}/").content.decode()
    assert submission.reference in html
    assert f'href="/submit/status/{submission.reference}/"' in html


def test_the_submitter_gets_an_email_with_the_status_link(submitter):
    submitter()
    submission = Submission.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pat@example.org"]
    assert f"/submit/status/{submission.reference}/" in message.body


def test_references_are_unguessable_and_unknown_ones_are_not_found(visitor, submitter):
    submitter()
    submitter(submission_data(tag="OtherChat"))
    first, second = Submission.objects.values_list("reference", flat=True)
    assert first != second
    assert visitor.get("/submit/status/not-a-reference/").status_code == 404


def test_errors_are_named_field_by_field_and_the_form_is_refilled(submitter):
    data = submission_data(
        tag="health care",
        name="",
        submitter_email="not-an-email",
        website="javascript:alert(1)",
        **{"chats-0-timezone": "Mars/Olympus", "chats-0-weekdays": None},
    )
    page = submitter(data)
    assert page.status_code == 400
    html = page.content.decode()
    assert "A hashtag cannot contain spaces" in html
    assert "This field is required." in html
    assert "Enter a valid email address." in html
    assert "Chat 1, day(s): This field is required." in html
    assert "Chat 1, time zone: Unknown time zone &#x27;Mars/Olympus&#x27;" in html
    assert 'value="health care"' in html  # refilled
    assert not Hashtag.objects.exists() and not Submission.objects.exists()


def test_a_chat_rule_from_the_shared_validation_lands_on_its_field(submitter):
    page = submitter(submission_data(**{"chats-0-interval": "2"}))  # every 2 weeks, no start date
    assert page.status_code == 400
    assert "needs a start date" in page.content.decode()
    assert not Hashtag.objects.exists()


def test_a_duplicate_links_to_the_existing_entry_before_anything_is_written(
    submitter, make_hashtag
):
    make_hashtag("HCLDR", name="Healthcare Leaders")
    page = submitter(submission_data(tag="＃hcldr"))
    assert page.status_code == 400
    html = page.content.decode()
    assert 'See <a href="/hashtags/HCLDR/">its page</a>' in html
    # Said in the error summary and at the field, not a third time.
    assert html.count("#HCLDR is already in the directory.") == 2
    assert Hashtag.objects.count() == 1 and not Submission.objects.exists()


def test_a_tag_awaiting_review_is_reported_as_such(submitter, make_hashtag):
    make_hashtag("LCSM", status=Status.PENDING)
    html = submitter(submission_data(tag="lcsm")).content.decode()
    assert "#LCSM has already been submitted and is awaiting review." in html


def test_an_alias_counts_as_taken(submitter, make_hashtag):
    entry = make_hashtag("MedEd")
    entry.identities.create(tag="MedicalEducation", key="medicaleducation", is_alias=True)
    html = submitter(submission_data(tag="MEDICALEDUCATION")).content.decode()
    assert "as another name for #MedEd" in html


def test_near_duplicates_are_suggested_without_blocking(submitter, visitor, make_hashtag):
    make_hashtag("HCLDR")
    page = visitor.get("/submit/?tag=HCLDRchat")
    assert 'Did you mean <a href="/hashtags/HCLDR/">#HCLDR</a>?' in page.content.decode()
    response = submitter(submission_data(tag="HCLDRchat"))
    assert response.status_code == 302
    confirmation = visitor.get(response["Location"]).content.decode()
    assert 'Similar hashtags already in the directory: <a href="/hashtags/HCLDR/">#HCLDR</a>' in (
        confirmation
    )


def test_a_rejected_tag_can_be_submitted_again(submitter, make_hashtag):
    make_hashtag("NewChat", status=Status.REJECTED, status_reason="Not health-related.")
    assert submitter().status_code == 302
    assert Hashtag.objects.filter(key="newchat", status=Status.PENDING).count() == 1


def test_a_filled_honeypot_creates_nothing(submitter):
    page = submitter(submission_data(homepage="http://spam.example"))
    assert page.status_code == 400
    assert "faster than a person can, or a hidden field was filled" in page.content.decode()
    assert not Hashtag.objects.exists() and not Submission.objects.exists()
    assert mail.outbox == []


def test_a_form_sent_faster_than_a_person_can_creates_nothing(submitter):
    page = submitter(submission_data(started=started(seconds_ago=0.5)))
    assert page.status_code == 400
    assert not Hashtag.objects.exists()


def test_a_forged_or_missing_start_time_creates_nothing(submitter):
    assert submitter(submission_data(started="1700000000")).status_code == 400
    assert submitter(submission_data(started=None)).status_code == 400
    assert not Hashtag.objects.exists()


def test_a_person_who_was_refused_as_too_fast_can_send_again(submitter, visitor):
    page = submitter(submission_data(started=started(seconds_ago=0)))
    fresh = re.search(r'name="started" value="([^"]+)"', page.content.decode()).group(1)
    assert fresh != submission_data()["started"]


def test_the_rate_limit_refuses_a_client_after_its_budget(submitter, settings):
    settings.SUBMISSION_RATE = "2/hour"
    assert submitter(submission_data(tag="One")).status_code == 302
    assert submitter(submission_data(tag="Two")).status_code == 302
    refused = submitter(submission_data(tag="Three"))
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert not Hashtag.objects.filter(key="three").exists()


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(submitter, settings):
    settings.SUBMISSION_RATE = "1/hour"
    assert submitter(submission_data(tag="One"), HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 302
    refused = submitter(submission_data(tag="Two"), HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert refused.status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(submitter, settings):
    settings.SUBMISSION_RATE = "1/hour"
    settings.NUM_PROXIES = 1
    assert (
        submitter(submission_data(tag="One"), HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 302
    )
    assert (
        submitter(submission_data(tag="Two"), HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302
    )
    assert (
        submitter(submission_data(tag="Six"), HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 429
    )


def test_rate_limits_off_lets_every_submission_through(submitter, settings):
    settings.SUBMISSION_RATE = "1/hour"
    settings.RATELIMIT_ENABLE = False
    assert submitter(submission_data(tag="One")).status_code == 302
    assert submitter(submission_data(tag="Two")).status_code == 302


def test_curators_can_close_submissions_and_reading_keeps_working(visitor, submitter, make_hashtag):
    make_hashtag("HCLDR")
    Switchboard.objects.create(submissions_open=False, closed_message="Back on Monday.")
    page = visitor.get("/submit/")
    assert page.status_code == 503
    assert "Back on Monday." in page.content.decode()
    assert submitter().status_code == 503
    assert not Submission.objects.exists()
    assert visitor.get("/hashtags/HCLDR/").status_code == 200


def test_the_setting_closes_submissions_too(visitor, settings):
    settings.SUBMISSIONS_OPEN = False
    assert visitor.get("/submit/").status_code == 503


def test_the_submitter_email_appears_on_no_public_page(submitter, visitor):
    submitter()
    submission = Submission.objects.get()
    for url in [
        "/",
        f"/submit/received/{submission.reference}/",
        f"/submit/status/{submission.reference}/",
    ]:
        assert "pat@example.org" not in visitor.get(url).content.decode()


# Reports


def report_data(**overrides) -> dict:
    return {
        "reason": "wrong_schedule",
        "comment": "Moved to Wednesdays.",
        "started": started(),
        "homepage": "",
        **overrides,
    }


def test_a_visitor_reports_a_problem_and_it_lands_in_the_queue(visitor, make_hashtag):
    entry = make_hashtag("HCLDR")
    assert visitor.get("/hashtags/HCLDR/report/").status_code == 200
    response = visitor.post("/hashtags/HCLDR/report/", report_data())
    assert response.status_code == 302
    assert "Thank you" in visitor.get(response["Location"]).content.decode()
    report = Report.objects.get()
    assert (report.hashtag, report.reason, report.is_open) == (entry, "wrong_schedule", True)


def test_the_report_page_answers_other_spellings_and_aliases_as_the_entry_page_does(
    visitor, make_hashtag
):
    # The entry page answered 301 for an alias while its report page answered 404.
    entry = make_hashtag("MedEd")
    moderation.add_alias(hashtag=entry, tag="MedicalEducation", curator=None)
    for asked in ("MedicalEducation", "medicaleducation", "meded", "ＭｅｄＥｄ"):
        page = visitor.get(f"/hashtags/{asked}/")
        report = visitor.get(f"/hashtags/{asked}/report/")
        assert page.status_code == report.status_code == 301
        assert page["Location"] == "/hashtags/MedEd/"
        assert report["Location"] == "/hashtags/MedEd/report/"
    assert visitor.get("/hashtags/MedEd/report/").status_code == 200
    response = visitor.post("/hashtags/medicaleducation/report/", report_data())
    assert response.status_code == 302
    assert Report.objects.get().hashtag == entry


def test_a_report_needs_a_reason_and_bots_are_refused(visitor, make_hashtag):
    make_hashtag("HCLDR")
    assert visitor.post("/hashtags/HCLDR/report/", report_data(reason="")).status_code == 400
    bot = visitor.post("/hashtags/HCLDR/report/", report_data(homepage="x"))
    assert bot.status_code == 400
    assert not Report.objects.exists()


def test_non_public_entries_cannot_be_reported(visitor, make_hashtag):
    make_hashtag("Hidden", status=Status.PENDING)
    assert visitor.get("/hashtags/Hidden/report/").status_code == 404
    assert visitor.post("/hashtags/Hidden/report/", report_data()).status_code == 404


def test_reports_are_rate_limited(visitor, make_hashtag, settings):
    settings.REPORT_RATE = "1/hour"
    make_hashtag("HCLDR")
    assert visitor.post("/hashtags/HCLDR/report/", report_data()).status_code == 302
    assert visitor.post("/hashtags/HCLDR/report/", report_data()).status_code == 429
    assert Report.objects.count() == 1
