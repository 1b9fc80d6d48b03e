"""Curating in the admin: the queue, decisions, merges, reports, roles and history."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from hashtags.curation import moderation
from hashtags.models import Hashtag, Report, Status, Submission
from tests.submission_helpers import submission_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(visitor, django_capture_on_commit_callbacks):
    """A hashtag submitted through the public form, as a visitor would."""
    with django_capture_on_commit_callbacks(execute=True):
        assert visitor.post("/submit/", submission_data(tag="NewChat")).status_code == 302
    mail.outbox.clear()
    return Submission.objects.get(tag="NewChat")


# Every public listing a pending entry must stay out of, and an approved one appears in.
PUBLIC_LISTINGS = [
    "/",
    "/hashtags/",
    "/hashtags/?q=newchat",
    "/sitemap.xml",
    "/feeds/latest/",
    "/chats.ics",
    "/api/v1/export.json",
    "/api/v1/export.csv",
    "/api/v1/hashtags/",
    "/api/v1/hashtags/?q=newchat",
    "/api/v1/chats/upcoming/",
]


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_whole_journey_from_submission_to_public_entry(
    submitted, visitor, curator, client, django_capture_on_commit_callbacks
):
    entry = submitted.hashtag
    status_url = f"/submit/status/{submitted.reference}/"
    # Pending: invisible everywhere public.
    assert visitor.get("/hashtags/NewChat/").status_code == 404
    assert visitor.get("/hashtags/NewChat/chats.ics").status_code == 404
    assert visitor.get("/api/v1/hashtags/NewChat/").status_code == 404
    for url in PUBLIC_LISTINGS:
        assert "NewChat" not in body(visitor.get(url)), url
    assert "Pending review" in visitor.get(status_url).content.decode()

    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/hashtags/hashtag/{entry.pk}/approve/", follow=True)
    assert "#NewChat is approved and public." in messages_of(response)

    client.logout()
    assert visitor.get("/hashtags/NewChat/").status_code == 200
    assert visitor.get("/hashtags/NewChat/chats.ics").status_code == 200
    assert visitor.get("/api/v1/hashtags/newchat/").json()["tag"] == "NewChat"
    for url in PUBLIC_LISTINGS:
        assert "NewChat" in body(visitor.get(url)), url
    status = visitor.get(status_url).content.decode()
    assert "Approved." in status and 'href="/hashtags/NewChat/"' in status
    assert len(mail.outbox) == 1 and "is now in the directory" in mail.outbox[0].subject
    entry.refresh_from_db()
    assert (entry.approved_by, entry.status) == (curator, Status.APPROVED)


def test_rejection_needs_a_coded_reason_which_the_submitter_sees(
    submitted, curator_client, visitor, django_capture_on_commit_callbacks
):
    url = f"/admin/hashtags/hashtag/{submitted.hashtag.pk}/reject/"
    page = curator_client.post(url, {"reason": "Off topic."})
    assert page.status_code == 200
    assert "Choose a reason: the applicant sees its explanation." in page.content.decode()
    page = curator_client.post(url, {"reason_code": "other", "reason": ""})
    assert "With &quot;Another reason&quot;, write the reason." in page.content.decode()
    assert Hashtag.objects.get(pk=submitted.hashtag.pk).status == Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        curator_client.post(
            url, {"reason_code": "not_healthcare", "reason": "Not related to health or care."}
        )
    status = visitor.get(f"/submit/status/{submitted.reference}/").content.decode()
    assert "Not accepted" in status and "Not related to health or care." in status
    assert "Reason: Not about health or healthcare." in status
    assert "Not related to health or care." in mail.outbox[0].body
    assert "What you can do next:" in mail.outbox[0].body
    assert visitor.get("/hashtags/NewChat/").status_code == 404


def test_a_decision_already_made_by_another_curator_is_refused(
    submitted, curator_client, other_curator
):
    moderation.approve(hashtag=submitted.hashtag, curator=other_curator)
    url = f"/admin/hashtags/hashtag/{submitted.hashtag.pk}/reject/"
    response = curator_client.post(url, {"reason_code": "duplicate"}, follow=True)
    assert "#NewChat cannot be rejected: it is already approved by other_curator." in (
        messages_of(response)
    )
    entry = Hashtag.objects.get(pk=submitted.hashtag.pk)
    assert (entry.status, entry.approved_by) == (Status.APPROVED, other_curator)
    assert entry.history.filter(status=Status.REJECTED).count() == 0


def test_approving_twice_is_refused_and_records_one_decision(submitted, curator_client):
    url = f"/admin/hashtags/hashtag/{submitted.hashtag.pk}/approve/"
    curator_client.post(url)
    response = curator_client.post(url, follow=True)
    assert any("cannot be approved" in message for message in messages_of(response))
    assert submitted.hashtag.history.filter(status=Status.APPROVED).count() == 1


def test_decisions_are_not_made_by_a_get(submitted, curator_client):
    curator_client.get(f"/admin/hashtags/hashtag/{submitted.hashtag.pk}/approve/")
    assert Hashtag.objects.get(pk=submitted.hashtag.pk).status == Status.PENDING


def test_bulk_approve_and_bulk_reject_with_a_reason(make_hashtag, curator_client):
    first = make_hashtag("One", status=Status.PENDING)
    second = make_hashtag("Two", status=Status.PENDING)
    third = make_hashtag("Three", status=Status.PENDING)
    curator_client.post(
        "/admin/hashtags/hashtag/",
        {"action": "approve_selected", "_selected_action": [first.pk, second.pk]},
    )
    assert set(Hashtag.objects.approved().values_list("tag", flat=True)) == {"One", "Two"}
    # Rejecting asks for a reason first, then applies it to each entry.
    ask = curator_client.post(
        "/admin/hashtags/hashtag/", {"action": "reject_selected", "_selected_action": [third.pk]}
    )
    assert "will be rejected with the reason you give" in ask.content.decode()
    curator_client.post(
        "/admin/hashtags/hashtag/",
        {
            "action": "reject_selected",
            "_selected_action": [third.pk],
            "apply": "1",
            "reason_code": "spam",
            "reason": "Spam.",
        },
    )
    third.refresh_from_db()
    assert (third.status, third.status_reason) == (Status.REJECTED, "Spam.")


def test_the_queue_lists_pending_entries_first(make_hashtag, curator_client):
    make_hashtag("Older", status=Status.PENDING)
    make_hashtag("Approved")
    make_hashtag("Newer", status=Status.PENDING)
    page = curator_client.get("/admin/hashtags/hashtag/")
    tags = [str(entry) for entry in page.context["cl"].result_list]
    assert tags == ["#Newer", "#Older", "#Approved"]
    filtered = curator_client.get("/admin/hashtags/hashtag/?status__exact=approved&q=%23appr")
    assert [str(e) for e in filtered.context["cl"].result_list] == ["#Approved"]


def test_an_entry_shows_its_submission_and_near_duplicates(submitted, make_hashtag, curator_client):
    make_hashtag("NewChats", name="Existing")
    page = curator_client.get(f"/admin/hashtags/hashtag/{submitted.hashtag.pk}/change/")
    html = page.content.decode()
    assert submitted.reference in html and "pat@example.org" in html
    assert "#NewChats" in html


def test_merge_folds_a_duplicate_into_an_entry_and_its_tag_redirects(
    make_hashtag, curator_client, visitor, make_category
):
    keep = make_hashtag("HCLDR")
    duplicate = make_hashtag("HealthcareLeaders", categories=[make_category("leadership")])
    response = curator_client.post(
        f"/admin/hashtags/hashtag/{duplicate.pk}/merge/", {"into": "#hcldr"}, follow=True
    )
    assert "#HealthcareLeaders is merged into #HCLDR as an alias." in messages_of(response)
    redirect = visitor.get("/hashtags/healthcareleaders/")
    assert (redirect.status_code, redirect["Location"]) == (301, "/hashtags/HCLDR/")
    assert list(keep.categories.values_list("slug", flat=True)) == ["leadership"]
    duplicate.refresh_from_db()
    assert duplicate.status == Status.REJECTED and "Merged into #HCLDR" in duplicate.status_reason


def test_merging_answers_the_duplicates_pending_submission(submitted, make_hashtag, curator):
    keep = make_hashtag("PatientSafety")
    moderation.merge(duplicate=submitted.hashtag, into=keep, curator=curator)
    submitted.refresh_from_db()
    assert (submitted.state, submitted.hashtag) == (Submission.State.APPROVED, keep)
    assert "Merged into #PatientSafety" in submitted.reason


def test_retire_keeps_an_entry_resolvable_and_marked(make_hashtag, curator_client, visitor):
    entry = make_hashtag("HIMSS17")
    curator_client.post(f"/admin/hashtags/hashtag/{entry.pk}/retire/", {"reason": "Held in 2017."})
    entry.refresh_from_db()
    assert entry.status == Status.RETIRED
    assert "retired" in visitor.get("/hashtags/HIMSS17/").content.decode()


def test_mark_verified_sets_the_date(make_hashtag, curator_client):
    entry = make_hashtag("HCLDR")
    curator_client.post(f"/admin/hashtags/hashtag/{entry.pk}/verify/")
    entry.refresh_from_db()
    assert entry.last_verified is not None


def test_reports_are_listed_open_first_and_resolved_with_a_note(make_hashtag, curator_client):
    entry = make_hashtag("HCLDR")
    report = Report.objects.create(hashtag=entry, reason="outdated", comment="Ended in 2021")
    listing = curator_client.get("/admin/hashtags/report/?state=open").content.decode()
    assert "Outdated or no longer active on #HCLDR" in listing
    curator_client.post(
        f"/admin/hashtags/report/{report.pk}/change/",
        {"resolution_note": "Retired the entry.", "resolve": "on"},
    )
    report.refresh_from_db()
    assert report.resolved_at is not None and report.resolution_note == "Retired the entry."
    assert report.resolved_by.username == "curator"


def test_a_curator_reaches_the_registry_but_cannot_manage_users(curator_client):
    assert curator_client.get("/admin/").status_code == 200
    assert curator_client.get("/admin/hashtags/hashtag/").status_code == 200
    assert curator_client.get("/admin/auth/user/").status_code == 403
    assert curator_client.get("/admin/auth/user/add/").status_code == 403
    assert curator_client.get("/admin/auth/group/").status_code == 403


def test_curators_retire_rather_than_delete_entries(make_hashtag, curator_client):
    entry = make_hashtag("HCLDR")
    assert curator_client.get(f"/admin/hashtags/hashtag/{entry.pk}/delete/").status_code == 403


def test_a_user_who_is_not_staff_cannot_reach_the_admin(client):
    user = get_user_model().objects.create_user("visitor", password="pw-123456789")
    client.force_login(user)
    response = client.get("/admin/hashtags/hashtag/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_status_cannot_be_typed_in_the_change_form(make_hashtag, curator_client):
    entry = make_hashtag("Waiting", status=Status.PENDING)
    page = curator_client.get(f"/admin/hashtags/hashtag/{entry.pk}/change/")
    assert "status" not in page.context["adminform"].form.fields


# History: who, when and what, for every write path.


def test_history_records_the_form_the_admin_decision_and_an_admin_edit(
    submitted, curator_client, curator
):
    entry = submitted.hashtag
    curator_client.post(f"/admin/hashtags/hashtag/{entry.pk}/approve/")
    page = curator_client.get(f"/admin/hashtags/hashtag/{entry.pk}/change/")
    form = page.context["adminform"].form
    data = {
        **{name: form.initial.get(name) or "" for name in ["tag", "name", "kind", "language"]},
        "name": "A renamed chat",
        "description": entry.description,
        "categories": [],
        "platforms": list(entry.platforms.values_list("code", flat=True)),
        **{
            f"{prefix}-{key}": value
            for prefix in ["chats", "hosts", "identities"]
            for key, value in {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0"}.items()
        },
    }
    # Existing chat and host inline rows must be sent back as they are.
    for prefix, rows in (("chats", entry.chats.all()), ("hosts", entry.hosts.all())):
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = row.pk
            data[f"{prefix}-{index}-hashtag"] = entry.pk
            inline = page.context["inline_admin_formsets"]
            for formset in inline:
                if formset.formset.prefix == prefix:
                    for name in formset.formset.forms[index].fields:
                        value = formset.formset.forms[index].initial.get(name)
                        if value is not None and name not in data:
                            data[f"{prefix}-{index}-{name}"] = value
    response = curator_client.post(f"/admin/hashtags/hashtag/{entry.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rows = list(entry.history.order_by("history_date", "history_id"))
    created, approved = rows[0], next(row for row in rows if row.status == Status.APPROVED)
    renamed = next(index for index, row in enumerate(rows) if row.name == "A renamed chat")
    # The public form has no user; the admin decision and the edit are the curator's.
    assert (created.history_type, created.status, created.history_user) == ("+", "pending", None)
    assert (approved.history_user, approved.history_change_reason) == (curator, "Approved")
    assert rows[renamed].history_user == curator
    changes = rows[renamed].diff_against(rows[renamed - 1]).changes
    assert [(c.field, c.old, c.new) for c in changes] == [("name", "A new chat", "A renamed chat")]


def test_history_records_bulk_decisions_one_row_per_entry(make_hashtag, curator_client, curator):
    entries = [make_hashtag(f"Bulk{n}", status=Status.PENDING) for n in range(3)]
    curator_client.post(
        "/admin/hashtags/hashtag/",
        {"action": "approve_selected", "_selected_action": [e.pk for e in entries]},
    )
    for entry in entries:
        latest = entry.history.latest()
        assert (latest.status, latest.history_user) == (Status.APPROVED, curator)


def test_the_history_page_is_visible_from_the_admin(submitted, curator_client):
    page = curator_client.get(f"/admin/hashtags/hashtag/{submitted.hashtag.pk}/history/")
    assert page.status_code == 200
    assert "A new chat" in page.content.decode() or "Created" in page.content.decode()


def test_history_records_aliases_added_through_the_alias_proxy(make_hashtag, curator):
    entry = make_hashtag("MedEd")
    alias = moderation.add_alias(hashtag=entry, tag="MedicalEducation", curator=curator)
    record = entry.identities.get(pk=alias.pk).history.get()
    assert (record.tag, record.is_alias, record.history_user) == ("MedicalEducation", True, curator)
    alias_id = alias.pk
    alias.delete()
    assert entry.identities.model.history.filter(id=alias_id, history_type="-").exists()


def test_the_submitter_of_an_approved_entry_becomes_its_steward(curator):
    from hashtags.models import Steward

    submission = moderation.submit_hashtag(
        tag="Stewarded",
        name="x",
        kind="chat",
        submitter_name="Sam Host",
        submitter_email="sam@example.org",
    )
    assert not Steward.objects.exists()
    moderation.approve(hashtag=submission.hashtag, curator=curator)
    (steward,) = Steward.objects.all()
    assert (steward.hashtag, steward.email, steward.state) == (
        submission.hashtag,
        "sam@example.org",
        "active",
    )
    # The history keeps what changed, never the steward's address or name.
    assert not hasattr(steward.history.first(), "email")
