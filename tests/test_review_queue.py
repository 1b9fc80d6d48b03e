"""The curators' workbench: the review queue (what waits, oldest first, by kind), its
workload figures, the review pages and their decisions with coded reject reasons, and
the admin's branding and fixes."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from hashtags.curation import moderation, review, stewardship, suggestions
from hashtags.models import Chat, Hashtag, Report, Status, Steward, Submission
from tests.support import make_user

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def submit(tag: str, email: str = "pat@example.org", **fields) -> Submission:
    return moderation.submit_hashtag(
        submitter_name="Pat Submitter",
        submitter_email=email,
        tag=tag,
        name=fields.pop("name", f"The {tag} chat"),
        kind=fields.pop("kind", "community"),
        **fields,
    )


@pytest.fixture
def waiting(make_hashtag, curator):
    """One item of each kind, a day apart from T0 (oldest: the due entry)."""
    with time_machine.travel(T0 - timedelta(days=400), tick=False):
        due = make_hashtag("OldChat", name="An old chat")
        moderation.verify(hashtag=due, curator=curator)
    public = make_hashtag("BCSM", name="Breast Cancer Social Media")
    moderation.verify(hashtag=public, curator=curator)  # current: not due
    with time_machine.travel(T0, tick=False):
        new = submit("NewChat", source="https://newchat.example.org/")
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        edit = suggestions.suggest_edit(
            hashtag=public,
            submitter_name="Sam",
            submitter_email="sam@example.org",
            description="Now on Bluesky too.",
        )
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        claim = stewardship.claim(hashtag=public, name="Kim", email="kim@example.org")
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        report = Report.objects.create(hashtag=public, reason="outdated", comment="Ended.")
    return {"new": new, "edit": edit, "claim": claim, "report": report, "verify": due}


# --- The queue's queries and figures ------------------------------------------------------


def test_the_queue_lists_every_kind_of_waiting_item_oldest_first(waiting):
    now = T0 + timedelta(days=5)
    items = review.queue(now=now)
    assert [(i.kind, i.tag) for i in items] == [
        ("verify", "OldChat"),
        ("new", "NewChat"),
        ("edit", "BCSM"),
        ("claim", "BCSM"),
        ("report", "BCSM"),
    ]
    assert review.counts(now) == {"new": 1, "edit": 1, "claim": 1, "report": 1, "verify": 1}
    assert review.waited(items[1].since, now) == "5 days"
    assert [i.tag for i in review.queue("report", now)] == ["BCSM"]


def test_what_is_decided_leaves_the_queue(waiting, curator):
    moderation.approve(hashtag=waiting["new"].hashtag, curator=curator)
    suggestions.reject_suggestion(submission=waiting["edit"], curator=curator, code="spam")
    stewardship.decline_claim(steward=waiting["claim"], curator=curator)
    moderation.resolve_report(report=waiting["report"], curator=curator)
    moderation.verify(hashtag=waiting["verify"], curator=curator)
    assert review.queue() == []
    assert sum(review.counts().values()) == 0


def test_an_entry_never_confirmed_waits_from_its_approval_plus_the_check_period(
    make_hashtag, settings
):
    settings.VERIFY_AFTER_DAYS = 10
    with time_machine.travel(T0, tick=False):
        entry = make_hashtag("Unchecked", last_verified=None)
        Hashtag.objects.filter(pk=entry.pk).update(approved_at=T0)
    (item,) = review.queue("verify", now=T0 + timedelta(days=12))
    assert (item.tag, item.since, item.summary) == (
        "Unchecked",
        T0 + timedelta(days=10),
        "Never confirmed",
    )


def _decided(created: datetime, wait: timedelta, state: str = "approved") -> Submission:
    submission = submit(f"Tag{Submission.objects.count() + 1}x")
    Submission.objects.filter(pk=submission.pk).update(
        created=created, decided_at=created + wait, state=state, reason="Done."
    )
    return submission


def test_median_review_time_is_over_the_decisions_of_the_last_30_days(db):
    now = T0
    assert review.median_review_time(now) is None
    _decided(now - timedelta(days=10), timedelta(days=1))
    _decided(now - timedelta(days=9), timedelta(days=2), "rejected")
    _decided(now - timedelta(days=8), timedelta(days=4))
    # Decided 40 days ago: too old to count, however long it took.
    _decided(now - timedelta(days=140), timedelta(days=100))
    submit("StillWaiting")
    assert review.median_review_time(now) == timedelta(days=2)
    assert review.duration(review.median_review_time(now)) == "2 days"


def test_decisions_per_week_count_approvals_and_rejections_in_each_week(db):
    now = T0
    _decided(now - timedelta(days=3), timedelta(hours=5))
    _decided(now - timedelta(days=3), timedelta(hours=6), "rejected")
    _decided(now - timedelta(days=12), timedelta(hours=1))
    weeks = review.decisions_per_week(3, now)
    assert [(w.approved, w.rejected) for w in weeks] == [(1, 1), (1, 0), (0, 0)]
    assert weeks[0].starts == now - timedelta(days=7)


# --- Coded reasons through the write path ---------------------------------------------------


def test_a_rejection_stores_its_code_and_a_free_text_reason_files_as_other(curator):
    coded = submit("CodedOne")
    moderation.reject(hashtag=coded.hashtag, curator=curator, code="promotional")
    coded.refresh_from_db()
    assert (coded.state, coded.reason_code, coded.reason) == ("rejected", "promotional", "")
    assert "advertisement" in coded.reason_explanation and coded.reason_next_step

    free = submit("FreeText")
    moderation.reject(hashtag=free.hashtag, curator=curator, reason="Off topic.")
    free.refresh_from_db()
    assert (free.reason_code, free.reason) == ("other", "Off topic.")


@pytest.mark.parametrize(
    ("code", "note", "field", "message"),
    [
        ("", "", "reason", "Give a reason"),
        ("other", "", "reason", 'With "Another reason", write the reason'),
        ("rude", "x", "reason_code", "Unknown reason code 'rude'"),
    ],
)
def test_a_rejection_without_a_usable_reason_is_refused_and_nothing_changes(
    curator, code, note, field, message
):
    submission = submit("Undecided")
    with pytest.raises(Exception) as raised:
        moderation.reject(hashtag=submission.hashtag, curator=curator, code=code, reason=note)
    assert message in " ".join(raised.value.message_dict[field])
    submission.refresh_from_db()
    assert submission.state == "pending"


# --- The admin: branding, counts, the queue page -------------------------------------------


def test_the_admin_is_branded_and_shows_what_waits_on_the_index_and_in_the_header(
    waiting, curator_client
):
    index = curator_client.get("/admin/").content.decode()
    assert "Healthcare Hashtag Directory — curators" in index
    assert "Django administration" not in index
    assert "Review queue: <strong>5</strong> waiting" in index
    assert '<a href="/admin/review/?kind=claim">Steward claims</a>: <strong>1</strong>' in index
    listing = curator_client.get("/admin/hashtags/hashtag/").content.decode()
    assert "Review queue: <strong>5</strong> waiting" in listing


def test_the_index_names_host_accounts_and_host_roles_once_each(curator_client):
    index = curator_client.get("/admin/").content.decode()
    assert "Host accounts (people and organisations)" in index
    assert "Host roles (who hosts which entry)" in index
    assert "Moderators / hosts" not in index and ">Moderators<" not in index


def test_the_queue_page_lists_items_with_their_age_filters_by_kind_and_shows_figures(
    waiting, curator_client
):
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        page = curator_client.get("/admin/review/").content.decode()
        reports = curator_client.get("/admin/review/?kind=report").content.decode()
    assert page.index("#OldChat") < page.index("#NewChat") < page.index("Outdated or no")
    assert "waiting 5 days" in page and "Waiting now" in page
    assert "Median wait, last 30 days" in page and "Decisions per week" in page
    assert f'href="/admin/review/report/{waiting["report"].pk}/"' in reports
    assert "#NewChat" not in reports


def test_an_unknown_kind_is_named_and_the_whole_queue_shown(waiting, curator_client):
    answer = curator_client.get("/admin/review/?kind=spaceship")
    assert answer.status_code == 400
    assert "Unknown kind &#x27;spaceship&#x27;" in answer.content.decode()


def test_only_curators_reach_the_queue(client, waiting):
    assert client.get("/admin/review/").status_code == 302  # to the sign-in page
    staff = make_user("helper")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get("/admin/review/").status_code == 403
    new = waiting["new"]
    assert client.post(f"/admin/review/new/{new.pk}/approve/").status_code == 403
    assert Hashtag.objects.get(pk=new.hashtag_id).status == Status.PENDING


# --- Review pages and decisions --------------------------------------------------------


def test_a_new_submission_shows_its_lookalikes_near_duplicates_and_the_submitters_others(
    make_hashtag, curator_client
):
    make_hashtag("HCLDR", name="Healthcare Leaders")
    earlier = submit("PatientVoices", email="PAT@example.org")
    submission = submit("HCLDRs", source="https://hcldrs.example.org/about")
    page = curator_client.get(f"/admin/review/new/{submission.pk}/").content.decode()
    assert "Existing #HCLDR" in page and "similar spelling" in page
    assert f'href="/admin/review/new/{earlier.pk}/">#PatientVoices</a>' in page
    assert "pat@example.org" in page  # curators see the email; the public never does
    assert "https://hcldrs.example.org/about" in page
    for action in ("approve", "reject", "merge", "changes"):
        assert f'action="/admin/review/new/{submission.pk}/{action}/"' in page


def test_approving_from_the_review_page_publishes_the_entry(
    waiting, curator_client, curator, django_capture_on_commit_callbacks
):
    new = waiting["new"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = curator_client.post(f"/admin/review/new/{new.pk}/approve/")
    assert answer.status_code == 302 and answer["Location"] == "/admin/review/"
    entry = Hashtag.objects.get(pk=new.hashtag_id)
    assert (entry.status, entry.approved_by) == (Status.APPROVED, curator)
    assert "is now in the directory" in mail.outbox[-1].subject


def test_rejecting_needs_a_code_and_the_applicant_reads_its_explanation(
    waiting, curator_client, visitor, django_capture_on_commit_callbacks
):
    new = waiting["new"]
    url = f"/admin/review/new/{new.pk}/reject/"
    missing = curator_client.post(url, {"reason": "No."})
    assert missing.status_code == 400
    assert "Choose a reason: the applicant sees its explanation." in missing.content.decode()
    other = curator_client.post(url, {"reason_code": "other"})
    assert other.status_code == 400 and "write the reason" in other.content.decode()
    assert Submission.objects.get(pk=new.pk).state == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        curator_client.post(url, {"reason_code": "unverifiable", "reason": "The link is dead."})
    new.refresh_from_db()
    assert (new.state, new.reason_code, new.reason) == (
        "rejected",
        "unverifiable",
        "The link is dead.",
    )
    status = visitor.get(f"/submit/status/{new.reference}/").content.decode()
    assert "Reason: Could not be verified." in status
    assert "We could not confirm the details from a public source." in status
    assert "What you can do next" in status and "The link is dead." in status
    body = mail.outbox[-1].body
    assert "The reason: Could not be verified." in body and "Submit it again with a source" in body


def test_merging_from_the_review_page_folds_the_proposal_into_the_entry(waiting, curator_client):
    new = waiting["new"]
    answer = curator_client.post(f"/admin/review/new/{new.pk}/merge/", {"into": "bcsm"})
    assert answer.status_code == 302
    bcsm = Hashtag.objects.get(tag="BCSM")
    assert "NewChat" in set(bcsm.identities.values_list("tag", flat=True))
    again = curator_client.post(f"/admin/review/new/{new.pk}/merge/", {"into": "Nope"}, follow=True)
    assert "Nothing to decide: this item was already decided." in again.content.decode()


def test_merging_into_an_unknown_entry_names_the_field(waiting, curator_client):
    new = waiting["new"]
    answer = curator_client.post(f"/admin/review/new/{new.pk}/merge/", {"into": "Nope"})
    assert answer.status_code == 400
    assert "No live entry has this tag or alias." in answer.content.decode()
    assert Submission.objects.get(pk=new.pk).state == "pending"


def test_requesting_changes_emails_the_submitter_and_keeps_the_item_waiting(
    waiting, curator_client, django_capture_on_commit_callbacks
):
    new = waiting["new"]
    empty = curator_client.post(f"/admin/review/new/{new.pk}/changes/", {"message": " "})
    assert empty.status_code == 400 and "Write what should change" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        curator_client.post(
            f"/admin/review/new/{new.pk}/changes/", {"message": "Which time zone is it in?"}
        )
    assert mail.outbox[-1].to == ["pat@example.org"]
    assert "Which time zone is it in?" in mail.outbox[-1].body
    (item,) = review.queue("new")
    assert item.changes_requested
    assert "changes requested" in curator_client.get("/admin/review/").content.decode()
    assert Submission.objects.get(pk=new.pk).state == "pending"


def test_an_edit_suggestion_shows_its_diff_and_approving_applies_it(waiting, curator_client):
    edit = waiting["edit"]
    page = curator_client.get(f"/admin/review/edit/{edit.pk}/").content.decode()
    assert "The changes, field by field" in page and "Now on Bluesky too." in page
    curator_client.post(f"/admin/review/edit/{edit.pk}/approve/")
    assert Hashtag.objects.get(tag="BCSM").description == "Now on Bluesky too."
    assert Submission.objects.get(pk=edit.pk).state == "approved"


def test_claims_reports_and_due_entries_are_decided_from_their_pages(waiting, curator_client):
    claim, report, due = waiting["claim"], waiting["report"], waiting["verify"]
    assert (
        "kim@example.org" in curator_client.get(f"/admin/review/claim/{claim.pk}/").content.decode()
    )
    curator_client.post(f"/admin/review/claim/{claim.pk}/approve/")
    assert Steward.objects.get(pk=claim.pk).state == Steward.State.ACTIVE
    curator_client.post(f"/admin/review/report/{report.pk}/resolve/", {"note": "Checked."})
    assert Report.objects.get(pk=report.pk).resolution_note == "Checked."
    curator_client.post(f"/admin/review/verify/{due.pk}/verify/")
    assert Hashtag.objects.get(pk=due.pk).last_verified.date() == timezone.now().date()


def test_a_decision_is_never_made_by_a_get_nor_twice(waiting, curator_client, other_curator):
    new = waiting["new"]
    assert curator_client.get(f"/admin/review/new/{new.pk}/approve/").status_code == 302
    assert Hashtag.objects.get(pk=new.hashtag_id).status == Status.PENDING
    moderation.approve(hashtag=new.hashtag, curator=other_curator)
    page = curator_client.get(f"/admin/review/new/{new.pk}/").content.decode()
    assert "Nothing to decide: already approved." in page
    answer = curator_client.post(f"/admin/review/new/{new.pk}/reject/", {"reason_code": "spam"})
    assert answer.status_code == 302
    assert Submission.objects.get(pk=new.pk).state == "approved"


def test_the_review_pages_offer_keyboard_shortcuts_from_a_static_script(waiting, curator_client):
    page = curator_client.get(f"/admin/review/new/{waiting['new'].pk}/").content.decode()
    assert 'src="/static/js/review.js"' in page and "<script>" not in page
    assert 'data-shortcut="a"' in page and 'data-shortcut-focus="r"' in page
    assert "Keyboard shortcuts" in page


def test_an_unknown_item_or_decision_is_not_found(curator_client, waiting):
    assert curator_client.get("/admin/review/new/999999/").status_code == 404
    assert curator_client.get("/admin/review/spaceship/1/").status_code == 404
    assert (
        curator_client.post(f"/admin/review/report/{waiting['report'].pk}/approve/").status_code
        == 404
    )


# --- The API's coded reasons ------------------------------------------------------------


def test_the_api_rejects_with_a_code_and_shows_it_in_the_status(waiting, curator_api, api):
    reference = waiting["new"].reference
    bad = curator_api.post(
        f"/api/v1/submissions/{reference}/reject/", {"reason_code": "rude"}, format="json"
    )
    assert bad.status_code == 400 and "reason_code" in bad.json()
    answer = curator_api.post(
        f"/api/v1/submissions/{reference}/reject/", {"reason_code": "duplicate"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    body = api.get(f"/api/v1/submissions/{reference}/").json()
    assert (body["status"], body["reason_code"], body["reason"]) == ("rejected", "duplicate", "")


def test_the_api_still_takes_a_free_text_reason(waiting, curator_api):
    reference = waiting["new"].reference
    answer = curator_api.post(
        f"/api/v1/submissions/{reference}/reject/", {"reason": "Off topic."}, format="json"
    )
    assert answer.status_code == 200
    assert (answer.json()["reason_code"], answer.json()["reason"]) == ("other", "Off topic.")


# --- Admin fixes ------------------------------------------------------------------------


def test_an_approved_entry_has_one_view_on_site_link(make_hashtag, curator_client):
    entry = make_hashtag("HCLDR")
    page = curator_client.get(f"/admin/hashtags/hashtag/{entry.pk}/change/").content.decode()
    assert page.count("View on site") == 1
    pending = make_hashtag("Waiting", status=Status.PENDING)
    page = curator_client.get(f"/admin/hashtags/hashtag/{pending.pk}/change/").content.decode()
    assert "View on site" not in page


def test_chat_weekdays_are_checkboxes_and_save_as_codes(make_hashtag, make_chat, curator_client):
    chat = make_chat(make_hashtag("HCLDR"), weekdays="TU")
    url = f"/admin/hashtags/chat/{chat.pk}/change/"
    page = curator_client.get(url).content.decode()
    boxes = dict(re.findall(r'<input type="checkbox" name="weekdays" value="(\w\w)"([^>]*)>', page))
    assert list(boxes) == ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    assert [code for code, attrs in boxes.items() if "checked" in attrs] == ["TU"]
    assert "Thursday</label>" in page
    form = {
        "hashtag": chat.hashtag_id,
        "title": "",
        "is_active": "on",
        "frequency": "weekly",
        "weekdays": ["TH", "MO"],
        "interval": "1",
        "month_weeks": "",
        "start_time": "20:30:00",
        "duration_minutes": "60",
        "timezone": "America/New_York",
        "starts_on": "",
        "ends_on": "",
        "cancelled_dates": "",
        "note": "",
        "pauses-TOTAL_FORMS": "0",
        "pauses-INITIAL_FORMS": "0",
        "pauses-MIN_NUM_FORMS": "0",
        "pauses-MAX_NUM_FORMS": "1000",
    }
    answer = curator_client.post(url, form)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Chat.objects.get(pk=chat.pk).weekdays == "MO,TH"
    none = curator_client.post(url, {**form, "weekdays": []})
    assert "Choose at least one weekday." in none.content.decode()


def test_time_zones_are_a_searchable_select(make_hashtag, make_chat, curator_client):
    chat = make_chat(make_hashtag("HCLDR"))
    page = curator_client.get(f"/admin/hashtags/chat/{chat.pk}/change/").content.decode()
    assert 'name="timezone"' in page and "admin-autocomplete" in page
    found = curator_client.get(
        "/admin/autocomplete/",
        {
            "term": "london",
            "app_label": "hashtags",
            "model_name": "chat",
            "field_name": "timezone",
        },
    )
    assert found.status_code == 200
    assert {"id": "Europe/London", "text": "Europe/London"} in found.json()["results"]


def test_the_curators_group_can_decide_every_kind(db):
    curator = make_user("someone", curator=True)
    needed = {"change_hashtag", "change_submission", "change_report"}
    held = set(Permission.objects.filter(group__user=curator).values_list("codename", flat=True))
    assert needed <= held
