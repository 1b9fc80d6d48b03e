"""Suggesting an edit to a public entry: the form (filled with the entry), the API, and a
curator's decision. Nothing about the entry changes until a curator approves; approving
applies exactly the suggested fields, or some of them, through the one write path."""

import pytest

from hashtags import entries
from hashtags.models import Hashtag, HashtagModerator, Moderator, Submission
from tests.submission_helpers import started

pytestmark = pytest.mark.django_db
API = "/api/v1/submissions/"
DESCRIPTION = "Breast cancer social media: a weekly chat for patients and clinicians."


@pytest.fixture
def bcsm(make_hashtag, make_chat, make_category):
    oncology = make_category("oncology", name="Oncology")
    entry = make_hashtag(
        "BCSM",
        name="Breast Cancer Social Media",
        kind="chat",
        description=DESCRIPTION,
        website="https://bcsm.example.org/",
        categories=[oncology],
        platforms=["x"],
    )
    make_chat(entry, weekdays="MO", timezone_id="America/New_York")
    host = Moderator.objects.create(handle="bcsm_host", platform_id="x")
    HashtagModerator.objects.create(hashtag=entry, moderator=host, role="founder", since=2011)
    return entry


def page_data(entry: Hashtag, **overrides) -> dict:
    """What a browser sends back from the suggest form when nothing is touched, with
    `overrides`; the entry's current values, as the page filled them in."""
    record = entries.stored_record(entry)
    data = {
        "started": started(),
        "homepage": "",
        "submitter_name": "Sam Suggester",
        "submitter_email": "sam@example.org",
        "note": "",
        "chats-TOTAL_FORMS": str(len(record["chats"]) + 1),
        "chats-INITIAL_FORMS": str(len(record["chats"])),
        "chats-MIN_NUM_FORMS": "0",
        "chats-MAX_NUM_FORMS": "10",
        "moderators-TOTAL_FORMS": str(len(record["moderators"]) + 1),
        "moderators-INITIAL_FORMS": str(len(record["moderators"])),
        "moderators-MIN_NUM_FORMS": "0",
        "moderators-MAX_NUM_FORMS": "20",
    }
    for name in ("name", "description", "kind", "language", "website", "source", "place"):
        data[name] = record[name] or ""
    for name in ("start_date", "end_date"):
        data[name] = record[name] or ""
    data["categories"] = record["categories"]
    data["platforms"] = record["platforms"]
    for index, chat in enumerate(record["chats"]):
        prefix = f"chats-{index}-"
        for name, value in chat.items():
            if name == "pauses":
                continue
            if name == "cancelled_dates":
                value = "\n".join(value)
            elif name == "is_active":
                value = "on" if value else ""
            elif value is None:
                value = ""
            data[prefix + name] = [str(v) for v in value] if isinstance(value, list) else value
    extra = len(record["chats"])
    data.update({f"chats-{extra}-frequency": "weekly", f"chats-{extra}-interval": "1"})
    data[f"chats-{extra}-duration_minutes"] = "60"
    data[f"chats-{extra}-is_active"] = "on"
    for index, host in enumerate(record["moderators"]):
        for name, value in host.items():
            data[f"moderators-{index}-{name}"] = "" if value is None else value
    extra = len(record["moderators"])
    data.update({f"moderators-{extra}-platform": "x", f"moderators-{extra}-role": "host"})
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- The form ---------------------------------------------------------------------------


def test_the_entry_page_links_to_its_suggest_form(visitor, bcsm):
    page = visitor.get("/hashtags/BCSM/").content.decode()
    assert 'href="/hashtags/BCSM/suggest/"' in page


def test_the_suggest_form_is_filled_with_the_entry(visitor, bcsm):
    answer = visitor.get("/hashtags/BCSM/suggest/")
    assert answer.status_code == 200
    form = answer.context["form"]
    assert form["description"].value() == DESCRIPTION
    assert form["website"].value() == "https://bcsm.example.org/"
    page = answer.content.decode()
    assert DESCRIPTION in page
    assert 'value="oncology" selected' in page
    chat = answer.context["chat_formset"].forms[0]
    assert chat["weekdays"].value() == ["MO"]
    assert chat["timezone"].value() == "America/New_York"
    assert "ends_on" in chat.fields and "cancelled_dates" in chat.fields
    host = answer.context["moderator_formset"].forms[0]
    assert (host["handle"].value(), host["role"].value(), host["since"].value()) == (
        "bcsm_host",
        "founder",
        2011,
    )


def test_other_spellings_redirect_to_the_suggest_form(visitor, bcsm):
    answer = visitor.get("/hashtags/bcsm/suggest/")
    assert answer.status_code == 301 and answer["Location"] == "/hashtags/BCSM/suggest/"


def test_an_unknown_or_pending_tag_has_no_suggest_form(visitor, make_hashtag):
    make_hashtag("Waiting", status="pending")
    assert visitor.get("/hashtags/NoSuchTag/suggest/").status_code == 404
    assert visitor.get("/hashtags/Waiting/suggest/").status_code == 404
    assert visitor.post("/hashtags/Waiting/suggest/", {}).status_code == 404


def test_a_suggestion_holds_only_what_changed_and_changes_nothing(visitor, api, bcsm):
    before = entries.stored_record(bcsm)
    api_before = api.get("/api/v1/hashtags/BCSM/").json()
    data = page_data(
        bcsm,
        description="A weekly chat for people with breast cancer.\r\nEvery Monday.",
        **{"chats-0-ends_on": "2026-12-28"},
    )
    answer = visitor.post("/hashtags/BCSM/suggest/", data)
    assert answer.status_code == 302, answer.context and [
        answer.context["form"].errors,
        answer.context["chat_formset"].errors,
        answer.context["moderator_formset"].errors,
    ]
    submission = Submission.objects.get()
    assert answer["Location"] == f"/submit/received/{submission.reference}/"
    assert submission.kind == Submission.Kind.EDIT
    assert submission.hashtag == bcsm and submission.state == "pending"
    assert set(submission.payload) == {"description", "chats"}
    assert (
        submission.payload["description"]
        == "A weekly chat for people with breast cancer.\nEvery Monday."
    )
    assert submission.payload["chats"][0]["ends_on"] == "2026-12-28"
    assert submission.base == {"description": DESCRIPTION, "chats": before["chats"]}
    assert entries.stored_record(Hashtag.objects.get(pk=bcsm.pk)) == before
    assert api.get("/api/v1/hashtags/BCSM/").json() == api_before


def test_the_form_sent_back_untouched_is_nothing_to_review(visitor, bcsm):
    answer = visitor.post("/hashtags/BCSM/suggest/", page_data(bcsm))
    assert answer.status_code == 400
    assert "Nothing changed" in answer.content.decode()
    assert not Submission.objects.exists()


def test_bad_input_is_named_on_its_field(visitor, bcsm):
    data = page_data(
        bcsm,
        website="not a url at all",
        **{"chats-0-cancelled_dates": "next tuesday", "chats-0-timezone": "Mars/Olympus"},
    )
    answer = visitor.post("/hashtags/BCSM/suggest/", data)
    assert answer.status_code == 400
    assert answer.context["form"].errors["website"]
    chat = answer.context["chat_formset"].forms[0]
    assert "YYYY-MM-DD" in chat.errors["cancelled_dates"][0]
    assert chat.errors["timezone"]
    assert not Submission.objects.exists()


def test_a_rule_of_the_registry_is_named_on_the_chat(visitor, bcsm):
    data = page_data(bcsm, **{"chats-0-ends_on": "2001-01-01", "chats-0-starts_on": "2020-01-06"})
    answer = visitor.post("/hashtags/BCSM/suggest/", data)
    assert answer.status_code == 400
    assert answer.context["chat_formset"].forms[0].errors
    assert not Submission.objects.exists()


def test_the_suggest_form_has_the_submit_forms_spam_defences(visitor, bcsm, settings):
    answer = visitor.post(
        "/hashtags/BCSM/suggest/", page_data(bcsm, description="Spam", homepage="http://x")
    )
    assert answer.status_code == 400 and not Submission.objects.exists()
    answer = visitor.post(
        "/hashtags/BCSM/suggest/", page_data(bcsm, description="Spam", started=started(0))
    )
    assert answer.status_code == 400 and not Submission.objects.exists()
    settings.SUBMISSION_RATE = "1/h"
    assert (
        visitor.post("/hashtags/BCSM/suggest/", page_data(bcsm, description="One")).status_code
        == 302
    )
    assert (
        visitor.post("/hashtags/BCSM/suggest/", page_data(bcsm, description="Two")).status_code
        == 429
    )
    assert Submission.objects.count() == 1


def test_the_status_page_speaks_of_an_edit_and_hides_the_submitter(visitor, bcsm):
    visitor.post("/hashtags/BCSM/suggest/", page_data(bcsm, description="Changed."))
    submission = Submission.objects.get()
    for url in (
        f"/submit/received/{submission.reference}/",
        f"/submit/status/{submission.reference}/",
    ):
        page = visitor.get(url).content.decode()
        assert "edit" in page and "#BCSM" in page and submission.reference in page
        assert "sam@example.org" not in page and "Sam Suggester" not in page
    assert (
        "Pending review." in visitor.get(f"/submit/status/{submission.reference}/").content.decode()
    )


def test_removing_a_chat_and_adding_one(visitor, bcsm):
    data = page_data(
        bcsm,
        **{
            "chats-0-DELETE": "on",
            "chats-1-weekdays": ["WE"],
            "chats-1-start_time": "12:00",
            "chats-1-timezone": "Europe/London",
        },
    )
    assert visitor.post("/hashtags/BCSM/suggest/", data).status_code == 302
    (chat,) = Submission.objects.get().payload["chats"]
    assert (chat["weekdays"], chat["timezone"], chat["start_time"]) == (
        ["WE"],
        "Europe/London",
        "12:00:00",
    )
    assert bcsm.chats.get().weekdays == "MO"
