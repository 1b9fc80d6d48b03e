"""Suggesting an edit to a public entry: the form (filled with the entry), the API, and a
curator's decision. Nothing about the entry changes until a curator approves; approving
applies exactly the suggested fields, or some of them, through the one write path."""

import re
from datetime import date

import pytest
from django.conf import settings

from hashtags import entries, published
from hashtags.curation.suggestions import SuggestionConflict, apply_suggestion, suggest_edit
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
    assert re.search(r'value="oncology"[^>]* checked', page)  # a ticked checkbox
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


# --- The API ----------------------------------------------------------------------------


def suggestion(**changes) -> dict:
    return {
        "entry": "BCSM",
        "submitter_name": "Sam Suggester",
        "submitter_email": "sam@example.org",
        **changes,
    }


def suggest_by_api(api, **changes) -> str:
    answer = api.post(API, suggestion(**changes), format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()["reference"]


def test_an_api_suggestion_gets_a_reference_and_changes_nothing(api, bcsm):
    before = api.get("/api/v1/hashtags/BCSM/").json()
    answer = api.post(API, suggestion(description="New words."), format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    submission = Submission.objects.get()
    assert body["reference"] == submission.reference
    assert (body["kind"], body["status"], body["tag"]) == ("edit", "pending", "BCSM")
    assert body["status_url"] == f"{settings.SITE_URL}/submit/status/{submission.reference}/"
    assert "sam@example.org" not in answer.content.decode()
    assert "Sam Suggester" not in answer.content.decode()
    assert submission.payload == {"description": "New words."}
    assert submission.base == {"description": DESCRIPTION}
    assert api.get("/api/v1/hashtags/BCSM/").json() == before


def test_the_api_names_the_field_of_bad_input(api, bcsm):
    cases = [
        (suggestion(entry="NoSuchTag", description="x"), "entry"),
        (suggestion(website="not a url"), "website"),
        (suggestion(tag="Renamed"), "tag"),
        (suggestion(submitter_email="nope", description="x"), "submitter_email"),
        (
            suggestion(chats=[{"weekdays": ["MO"], "start_time": "25:00", "timezone": "UTC"}]),
            "chats[0].start_time",
        ),
        (
            suggestion(
                chats=[{"weekdays": ["MO"], "start_time": "20:00", "timezone": "Mars/Base"}]
            ),
            "chats[0].timezone",
        ),
        (suggestion(categories=["no-such-category"]), "categories"),
        (suggestion(description="x", status="approved"), "status"),
        (suggestion(description="x", colour="red"), "colour"),
    ]
    for body, field in cases:
        answer = api.post(API, body, format="json")
        assert answer.status_code == 400, (body, answer.content)
        assert field in answer.json(), (field, answer.json())
    assert not Submission.objects.exists()


def test_a_suggestion_identical_to_the_entry_is_refused(api, bcsm):
    answer = api.post(API, suggestion(description=DESCRIPTION, platforms=["x"]), format="json")
    assert answer.status_code == 400
    assert answer.json() == {
        "non_field_errors": ["Nothing changed: the suggestion is the same as the entry."]
    }
    assert not Submission.objects.exists()


def test_a_suggestion_is_throttled_with_submissions(api, bcsm, settings):
    settings.SUBMISSION_RATE = "1/hour"
    assert api.post(API, suggestion(description="One"), format="json").status_code == 201
    assert api.post(API, suggestion(description="Two"), format="json").status_code == 429


def test_approving_applies_the_suggestion_with_the_curator_in_the_history(
    api, curator_api, curator, bcsm
):
    reference = suggest_by_api(api, description="New words.", website="https://bcsm.org/")
    answer = curator_api.post(f"{API}{reference}/approve/", format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "approved"
    entry = api.get("/api/v1/hashtags/BCSM/").json()
    assert (entry["description"], entry["website"]) == ("New words.", "https://bcsm.org/")
    latest = Hashtag.history.filter(id=bcsm.pk).latest("history_date")
    assert latest.history_user == curator
    assert reference in latest.history_change_reason
    submission = Submission.objects.get()
    assert (submission.state, submission.decided_by) == ("approved", curator)


def test_approving_a_chats_end_writes_it_through_the_chat(api, curator_api, bcsm):
    chat = entries.stored_record(bcsm)["chats"][0]
    reference = suggest_by_api(api, chats=[{**chat, "ends_on": "2026-12-28"}])
    assert set(Submission.objects.get().payload) == {"chats"}
    assert curator_api.post(f"{API}{reference}/approve/").status_code == 200
    stored = bcsm.chats.get()
    assert stored.ends_on == date(2026, 12, 28)
    assert stored.weekdays == "MO"


def test_a_curator_may_apply_part_of_a_suggestion(api, curator_api, bcsm):
    reference = suggest_by_api(api, description="New words.", website="https://spam.example/")
    answer = curator_api.post(
        f"{API}{reference}/approve/", {"fields": ["description"]}, format="json"
    )
    assert answer.status_code == 200, answer.content
    bcsm.refresh_from_db()
    assert (bcsm.description, bcsm.website) == ("New words.", "https://bcsm.example.org/")
    body = answer.json()
    assert body["status"] == "approved" and "Not applied: website" in body["reason"]


def test_asking_for_a_field_the_suggestion_does_not_change_is_a_400(api, curator_api, bcsm):
    reference = suggest_by_api(api, description="New words.")
    answer = curator_api.post(f"{API}{reference}/approve/", {"fields": ["website"]}, format="json")
    assert answer.status_code == 400 and "fields" in answer.json()
    assert Submission.objects.get().state == "pending"


def test_a_conflict_is_refused_naming_the_field_and_nothing_is_overwritten(
    api, curator_api, curator, bcsm
):
    reference = suggest_by_api(api, description="Suggested words.", website="https://bcsm.org/")
    entries.update(hashtag=bcsm, curator=curator, description="A curator's words.")

    answer = curator_api.post(f"{API}{reference}/approve/", format="json")
    assert answer.status_code == 409
    assert "description" in answer.json()["detail"]
    bcsm.refresh_from_db()
    assert (bcsm.description, bcsm.website) == ("A curator's words.", "https://bcsm.example.org/")
    assert Submission.objects.get().state == "pending"

    # The fields nobody changed meanwhile may still be applied.
    answer = curator_api.post(f"{API}{reference}/approve/", {"fields": ["website"]}, format="json")
    assert answer.status_code == 200, answer.content
    bcsm.refresh_from_db()
    assert (bcsm.description, bcsm.website) == ("A curator's words.", "https://bcsm.org/")


def test_rejecting_leaves_the_entry_as_it_was(api, curator_api, bcsm):
    before = entries.stored_record(bcsm)
    reference = suggest_by_api(api, description="Spam, spam.")
    answer = curator_api.post(
        f"{API}{reference}/reject/", {"reason": "Not accurate."}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "rejected"
    assert entries.stored_record(Hashtag.objects.get(pk=bcsm.pk)) == before
    assert curator_api.post(f"{API}{reference}/approve/").status_code == 409


def test_anonymous_clients_cannot_decide(api, bcsm):
    reference = suggest_by_api(api, description="New words.")
    assert api.post(f"{API}{reference}/approve/").status_code == 401
    assert Submission.objects.get().state == "pending"


def test_the_service_refuses_a_conflict_for_admin_and_api_alike(curator, bcsm):
    submission = suggest_edit(
        hashtag=bcsm, submitter_name="S", submitter_email="s@example.org", name="Renamed"
    )
    entries.update(hashtag=bcsm, curator=curator, name="Curated name")
    with pytest.raises(SuggestionConflict) as error:
        apply_suggestion(submission=submission, curator=curator)
    assert error.value.fields == ["name"]


# --- The admin --------------------------------------------------------------------------


def admin_page(client, submission: Submission, tail: str = "change/") -> str:
    answer = client.get(f"/admin/hashtags/submission/{submission.pk}/{tail}")
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_admin_shows_each_change_old_to_new_and_marks_a_conflict(
    api, curator_client, curator, bcsm
):
    reference = suggest_by_api(api, description="Suggested <b>words</b>.", name="BCSM chat")
    submission = Submission.objects.get(reference=reference)
    page = admin_page(curator_client, submission)
    assert "Changes (old → new)" in page
    assert DESCRIPTION in page and "Suggested &lt;b&gt;words&lt;/b&gt;." in page
    assert "Breast Cancer Social Media" in page and "BCSM chat" in page
    assert "Conflict:" not in page
    assert f"/admin/hashtags/submission/{submission.pk}/apply/" in page

    entries.update(hashtag=bcsm, curator=curator, name="Curated name")
    page = admin_page(curator_client, submission)
    assert 'suggested-field conflict"' in page and "Curated name" in page


def test_the_admin_applies_all_or_chosen_fields_and_rejects(api, curator_client, bcsm):
    first = Submission.objects.get(reference=suggest_by_api(api, description="All of it."))
    url = f"/admin/hashtags/submission/{first.pk}/apply/"
    assert curator_client.post(url, {"all": "1"}).status_code == 302
    bcsm.refresh_from_db()
    assert bcsm.description == "All of it."

    second = Submission.objects.get(
        reference=suggest_by_api(api, description="Part.", website="https://spam.example/")
    )
    page = admin_page(curator_client, second, "apply/")
    assert 'name="fields" value="description"' in page
    url = f"/admin/hashtags/submission/{second.pk}/apply/"
    assert curator_client.post(url, {"fields": ["description"]}).status_code == 302
    bcsm.refresh_from_db()
    assert (bcsm.description, bcsm.website) == ("Part.", "https://bcsm.example.org/")

    third = Submission.objects.get(reference=suggest_by_api(api, description="No."))
    url = f"/admin/hashtags/submission/{third.pk}/decline/"
    # A coded reason is needed; the note is optional.
    assert curator_client.post(url, {"reason": "Not so."}).status_code == 200
    assert curator_client.post(url, {"reason_code": "unverifiable"}).status_code == 302
    third.refresh_from_db()
    bcsm.refresh_from_db()
    assert third.state == "rejected" and bcsm.description == "Part."


def test_the_admin_refuses_a_conflict_and_says_which_field(api, curator_client, curator, bcsm):
    submission = Submission.objects.get(reference=suggest_by_api(api, description="Mine."))
    entries.update(hashtag=bcsm, curator=curator, description="Theirs.")
    url = f"/admin/hashtags/submission/{submission.pk}/apply/"
    answer = curator_client.post(url, {"all": "1"}, follow=True)
    assert "changed since this suggestion was made, in: description" in answer.content.decode()
    bcsm.refresh_from_db()
    assert bcsm.description == "Theirs."


def test_each_visitor_gets_a_suggest_form_of_their_own(bcsm, settings):
    """The form carries the visitor's CSRF token and start time: the page cache never
    keeps it for the next visitor."""
    from django.test import Client

    settings.REGISTRY_CACHE_SECONDS = 300
    Client().get("/hashtags/BCSM/suggest/")
    form = Client().get("/hashtags/BCSM/suggest/")
    assert form.status_code == 200
    assert "X-Cache" not in form and "ETag" not in form


def test_merging_an_entry_turns_down_the_edit_suggestions_made_on_it(bcsm, make_hashtag, curator):
    """A suggestion's old values were the duplicate's: the merge answers it, with where
    to suggest the change instead, and the entry kept is unchanged."""
    from hashtags.curation import moderation
    from hashtags.curation.suggestions import suggest_edit

    kept = make_hashtag("BreastCancerSM")
    suggestion = suggest_edit(
        hashtag=bcsm, submitter_name="Sam", submitter_email="sam@example.org", name="Renamed"
    )
    moderation.merge(duplicate=bcsm, into=kept, curator=curator)
    suggestion.refresh_from_db()
    assert suggestion.state == "rejected"
    assert "Suggest the change on #BreastCancerSM instead." in suggestion.reason
    kept.refresh_from_db()
    assert kept.name != "Renamed"


# --- Host accounts are shared -----------------------------------------------------------


def test_an_approved_suggestion_never_rewrites_a_host_account_other_entries_show(
    api, curator_api, curator_client, bcsm, make_hashtag
):
    """A suggestion on #BCSM listing @Colin_Hung with another display name and a phishing
    profile link leaves the account #HCLDR shows as it was; the review page names the
    account, what the suggestion would change, and the other entries that show it."""
    hcldr = make_hashtag("HCLDR", name="Healthcare leadership")
    colin = Moderator.objects.create(
        handle="Colin_Hung",
        platform_id="x",
        display_name="Colin Hung",
        profile_url="https://x.com/Colin_Hung",
    )
    HashtagModerator.objects.create(hashtag=hcldr, moderator=colin, role="founder")
    published.publish([hcldr.pk])
    hosts = [
        {"handle": "bcsm_host", "platform": "x", "role": "founder", "since": 2011},
        {
            "handle": "colin_hung",
            "platform": "x",
            "display_name": "Colin H. (official)",
            "profile_url": "https://phishing.example/colin",
            "role": "host",
        },
    ]
    reference = suggest_by_api(api, moderators=hosts)
    submission = Submission.objects.get(reference=reference)

    page = curator_client.get(f"/admin/review/edit/{submission.pk}/").content.decode()
    assert "Host accounts this suggestion would change" in page
    assert "https://phishing.example/colin" in page and "Also shown on #HCLDR." in page

    answer = curator_api.post(f"{API}{reference}/approve/", format="json")
    assert answer.status_code == 200, answer.content
    colin.refresh_from_db()
    assert (colin.handle, colin.display_name, colin.profile_url) == (
        "Colin_Hung",
        "Colin Hung",
        "https://x.com/Colin_Hung",
    )
    assert Moderator.objects.filter(handle__iexact="colin_hung").count() == 1
    shown = api.get("/api/v1/hashtags/HCLDR/").json()["moderators"][0]
    assert (shown["display_name"], shown["profile_url"]) == (
        "Colin Hung",
        "https://x.com/Colin_Hung",
    )
    bcsm_hosts = api.get("/api/v1/hashtags/BCSM/").json()["moderators"]
    assert [host["handle"] for host in bcsm_hosts] == ["bcsm_host", "Colin_Hung"]
