"""POST /api/v1/submissions/ and GET /api/v1/submissions/<reference>/: anyone proposes an
entry through the same rules and messages as the form; bad input is a 400 naming the
field, never a 500; the submitter's contact never comes back."""

import json

import pytest
from django.conf import settings
from django.core import mail

from hashtags.curation.moderation import reject
from hashtags.models import Hashtag, Status, Submission, Switchboard
from tests.submission_helpers import proposal
from tests.support import make_user, token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/submissions/"


@pytest.fixture
def critical_care(make_category):
    return make_category("critical-care", name="Critical care")


def test_a_valid_proposal_is_stored_pending_and_answers_its_reference(api, critical_care):
    answer = api.post(URL, proposal(), format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    submission = Submission.objects.get()
    assert body["reference"] == submission.reference
    assert body["status"] == "pending"
    assert body["tag"] == "PedsICU"
    assert body["hashtag"] is None  # not public until approved
    assert answer["Location"] == body["url"]
    assert body["status_url"] == f"{settings.SITE_URL}/submit/status/{submission.reference}/"
    entry = Hashtag.objects.get()
    assert entry.status == Status.PENDING and entry.tag == "PedsICU"
    assert [c.slug for c in entry.categories.all()] == ["critical-care"]
    chat = entry.chats.get()
    assert (chat.frequency, chat.weekdays, chat.month_weeks) == ("monthly", "TH", "1,3")
    assert entry.hosts.get().moderator.handle == "picu_doc"
    assert submission.submitter_email == "pat@example.org"
    assert "pat@example.org" not in answer.content.decode()
    assert "Pat Submitter" not in answer.content.decode()


def test_the_submitter_hears_by_email(api, critical_care, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(URL, proposal(), format="json")
    assert [message.to for message in mail.outbox] == [["pat@example.org"]]


def test_the_minimal_proposal_needs_only_the_required_fields(api):
    data = {
        "tag": "Minimal",
        "name": "A minimal entry",
        "kind": "other",
        "submitter_name": "Pat",
        "submitter_email": "pat@example.org",
    }
    assert api.post(URL, data, format="json").status_code == 201


def test_missing_required_fields_are_named(api):
    answer = api.post(URL, {}, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) == {"tag", "name", "kind", "submitter_name", "submitter_email"}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"tag": "two words"}, "tag", "cannot contain spaces"),
        ({"tag": "2024"}, "tag", "at least one letter"),
        ({"tag": "#"}, "tag", "Enter a hashtag"),
        ({"tag": "a\u202eb"}, "tag", "bidirectional"),
        ({"kind": "blog"}, "kind", "not a valid choice"),
        ({"website": "javascript:alert(1)"}, "website", "http:// or https://"),
        ({"language": "not a language"}, "language", "BCP 47"),
        ({"submitter_email": "nobody"}, "submitter_email", "valid email"),
        ({"categories": ["no-such"]}, "categories", "Unknown category: no-such"),
        ({"platforms": ["myspace"]}, "platforms", "Unknown platform: myspace"),
        ({"name": "x" * 201}, "name", "at most 200"),
    ],
)
def test_a_refused_field_is_named_with_the_rule(api, critical_care, changes, field, words):
    answer = api.post(URL, proposal(**changes), format="json")
    assert answer.status_code == 400
    assert field in answer.json(), answer.json()
    assert words in " ".join(answer.json()[field])
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("chat", "field", "words"),
    [
        ({"timezone": "Mars/Base"}, "chats[0].timezone", "Unknown time zone"),
        ({"start_time": "25:00"}, "chats[0].start_time", "Time has wrong format"),
        ({"weekdays": ["XX"]}, "chats[0].weekdays[0]", "not a valid choice"),
        ({"weekdays": []}, "chats[0].weekdays", ""),
        ({"month_weeks": []}, "chats[0].month_weeks", "which weeks"),
        ({"frequency": "weekly"}, "chats[0].month_weeks", "Only monthly"),
        ({"duration_minutes": 10**30}, "chats[0].duration_minutes", "less than or equal"),
        ({"starts_on": "0001-01-01"}, "chats[0].starts_on", "between 2000-01-01"),
    ],
)
def test_a_refused_chat_field_is_named_by_position(api, critical_care, chat, field, words):
    data = proposal()
    data["chats"] = [{**data["chats"][0], **chat}]
    answer = api.post(URL, data, format="json")
    assert answer.status_code == 400
    assert field in answer.json(), answer.json()
    assert words in " ".join(answer.json()[field])


def test_a_refused_moderator_is_named_by_position(api, critical_care):
    data = proposal(moderators=[{"handle": "ok"}, {"handle": "x", "role": "boss"}])
    answer = api.post(URL, data, format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["moderators[1].role"]


def test_a_duplicate_in_any_spelling_is_refused_with_the_forms_message(
    api, make_hashtag, critical_care
):
    make_hashtag("PedsICU")
    answer = api.post(URL, proposal(tag="＃ＰＥＤＳＩＣＵ"), format="json")
    assert answer.status_code == 400
    assert answer.json() == {"tag": ["#PedsICU is already in the directory."]}


def test_a_rejected_submission_does_not_block_a_new_one(
    api, critical_care, curator, django_capture_on_commit_callbacks
):
    first = api.post(URL, proposal(), format="json").json()
    with django_capture_on_commit_callbacks(execute=True):  # its text may be sent again
        reject(hashtag=Hashtag.objects.get(), curator=curator, reason="Duplicate of #PICU.")
    assert api.post(URL, proposal(), format="json").status_code == 201
    status = api.get(f"{URL}{first['reference']}/").json()
    assert (status["status"], status["reason"]) == ("rejected", "Duplicate of #PICU.")


def test_the_status_of_a_submission_and_its_entry_once_approved(api, critical_care, curator):
    from hashtags.curation.moderation import approve

    reference = api.post(URL, proposal(), format="json").json()["reference"]
    pending = api.get(f"{URL}{reference}/")
    assert pending.status_code == 200
    assert (pending.json()["status"], pending.json()["reason"]) == ("pending", "")
    approve(hashtag=Hashtag.objects.get(), curator=curator)
    approved = api.get(f"{URL}{reference}/").json()
    assert approved["status"] == "approved"
    assert approved["hashtag"] == f"{settings.SITE_URL}/api/v1/hashtags/PedsICU/"


@pytest.mark.parametrize("reference", ["nope", "a" * 200, "%E2%80%AE"])
def test_an_unknown_reference_is_a_404(api, reference):
    answer = api.get(f"{URL}{reference}/")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "There is no submission with this reference."}


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"tag": NaN}',
        b"[" * 100_000,
        b"\xff\xfe",
        b'"just a string"',
        b"[]",
        b"null",
        b"12345678901234567890123456789",
    ],
)
def test_a_malformed_body_is_a_400(api, body):
    answer = api.post(URL, body, content_type="application/json")
    assert answer.status_code == 400
    assert "non_field_errors" in answer.json()


def test_nul_bytes_anywhere_are_refused_by_name(api, critical_care):
    data = proposal(name="nul\x00name", chats=[{**proposal()["chats"][0], "timezone": "UTC\x00"}])
    answer = api.post(URL, data, format="json")
    assert answer.status_code == 400
    assert {"name", "chats[0].timezone"} <= set(answer.json())


def test_wrong_types_are_named_not_crashed_on(api, critical_care):
    data = proposal(tag=["a"], chats={"not": "a list"}, moderators=["handle"], categories="x")
    answer = api.post(URL, data, format="json")
    assert answer.status_code == 400
    assert {"tag", "chats", "moderators[0]", "categories"} <= set(answer.json())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": 123}, "name"),
        ({"kind": True}, "kind"),
        ({"submitter_email": ["pat@example.org"]}, "submitter_email"),
        (
            {"chats": [{**proposal()["chats"][0], "duration_minutes": "60"}]},
            "chats[0].duration_minutes",
        ),
        (
            {"chats": [{**proposal()["chats"][0], "duration_minutes": 60.0}]},
            "chats[0].duration_minutes",
        ),
        ({"chats": [{**proposal()["chats"][0], "month_weeks": ["1"]}]}, "chats[0].month_weeks[0]"),
    ],
)
def test_json_types_are_taken_exactly_as_documented(api, critical_care, changes, field):
    # JSON-only input: "60" is not the number 60, and 123 is not text.
    answer = api.post(URL, proposal(**changes), format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == [field]


def test_a_huge_body_is_a_413(api):
    answer = api.post(URL, json.dumps({"note": "x" * 400_000}), content_type="application/json")
    assert answer.status_code == 413


def test_a_form_encoded_body_is_a_415(api):
    answer = api.post(URL, {"tag": "Foo"}, format="multipart")
    assert answer.status_code == 415


def test_a_token_client_may_submit_too(critical_care):
    client = token_client(make_user("app"))
    assert client.post(URL, proposal(), format="json").status_code == 201


def test_when_submissions_are_closed_the_api_says_so(api, critical_care, settings):
    settings.SUBMISSIONS_OPEN = False
    answer = api.post(URL, proposal(), format="json")
    assert answer.status_code == 503
    assert not Submission.objects.exists()


def test_when_curators_close_submissions_in_the_switchboard_the_api_refuses_too(api, critical_care):
    # The form refused while the API still answered 201: both now ask submissions_open().
    Switchboard.objects.create(submissions_open=False, closed_message="Back on Monday.")
    answer = api.post(URL, proposal(), format="json")
    assert answer.status_code == 503
    assert answer.json() == {"detail": "Back on Monday."}
    assert not Submission.objects.exists()


def test_a_field_the_api_does_not_take_is_refused_by_name(api, critical_care):
    """`status: approved` is read-only: refused, never dropped unseen (nothing stored)."""
    answer = api.post(URL, proposal(status="approved", colour="red"), format="json")
    assert answer.status_code == 400
    body = answer.json()
    assert list(body) == ["colour", "status"]
    assert body["status"][0].startswith("Unknown field")
    assert not Submission.objects.exists() and not Hashtag.objects.exists()


def test_an_unknown_field_inside_a_chat_or_host_is_named_by_position(api, critical_care):
    data = proposal(moderators=[{"handle": "ok", "verified": True}])
    data["chats"][0]["colour"] = "red"
    answer = api.post(URL, data, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) == {"chats[0].colour", "moderators[0].verified"}
    assert not Submission.objects.exists()
