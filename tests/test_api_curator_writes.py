"""Curator writes with a token: create, change, retire and verify entries, approve and
reject submissions; each write recorded in the history with the curator's name; the
permission matrix (no token 401, non-curator 403, curator allowed) for every write."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from hashtags.curation.moderation import submit_hashtag
from hashtags.models import Alias, Hashtag, Status, Submission
from tests.support import make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_api(db):
    """A valid token whose user has no curator permissions."""
    return token_client(make_user("mona"))


@pytest.fixture
def pending_submission(db):
    return submit_hashtag(
        tag="NewChat", name="A new chat", kind="chat", submitter_name="S", submitter_email="s@x.org"
    )


ENTRY = {
    "tag": "#HealthIT",
    "name": "Health IT",
    "kind": "health_it",
    "platforms": ["x"],
    "chats": [{"weekdays": ["FR"], "start_time": "12:00", "timezone": "America/Chicago"}],
    "moderators": [{"handle": "hitsm", "role": "host"}],
}


def _writes(entry_tag: str, reference: str) -> list[tuple[str, str, dict]]:
    return [
        ("post", "/api/v1/hashtags/", ENTRY),
        ("patch", f"/api/v1/hashtags/{entry_tag}/", {"name": "Renamed"}),
        ("post", f"/api/v1/hashtags/{entry_tag}/retire/", {"reason": "Ended."}),
        ("post", f"/api/v1/hashtags/{entry_tag}/verify/", {}),
        ("post", f"/api/v1/submissions/{reference}/approve/", {}),
        ("post", f"/api/v1/submissions/{reference}/reject/", {"reason": "Not health."}),
    ]


WRITE_NAMES = ["create", "update", "retire", "verify", "approve", "reject"]


@pytest.mark.parametrize("index", range(6), ids=WRITE_NAMES)
def test_a_write_without_a_token_is_401(make_hashtag, pending_submission, index):
    make_hashtag("HCLDR")
    method, url, data = _writes("HCLDR", pending_submission.reference)[index]
    answer = getattr(APIClient(), method)(url, data, format="json")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("index", range(6), ids=WRITE_NAMES)
def test_a_write_with_a_bad_token_is_401(make_hashtag, pending_submission, index):
    make_hashtag("HCLDR")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    method, url, data = _writes("HCLDR", pending_submission.reference)[index]
    assert getattr(client, method)(url, data, format="json").status_code == 401


@pytest.mark.parametrize("index", range(6), ids=WRITE_NAMES)
def test_a_write_with_a_non_curator_token_is_403(
    member_api, make_hashtag, pending_submission, index
):
    entry = make_hashtag("HCLDR")
    method, url, data = _writes("HCLDR", pending_submission.reference)[index]
    answer = getattr(member_api, method)(url, data, format="json")
    assert answer.status_code == 403
    entry.refresh_from_db()
    assert (entry.name, entry.status) == ("An entry", Status.APPROVED)
    assert Submission.objects.get(pk=pending_submission.pk).state == "pending"


@pytest.mark.parametrize(
    ("index", "expected"),
    list(enumerate([201, 200, 200, 200, 200, 200])),
    ids=WRITE_NAMES,
)
def test_a_write_with_a_curator_token_succeeds(
    curator_api, make_hashtag, pending_submission, index, expected
):
    make_hashtag("HCLDR")
    method, url, data = _writes("HCLDR", pending_submission.reference)[index]
    answer = getattr(curator_api, method)(url, data, format="json")
    assert answer.status_code == expected, answer.content


def test_a_user_needs_every_permission_an_action_names(make_hashtag, pending_submission):
    from django.contrib.auth.models import Permission

    user = make_user("half")
    user.user_permissions.add(Permission.objects.get(codename="change_hashtag"))
    client = token_client(user)
    url = f"/api/v1/submissions/{pending_submission.reference}/approve/"
    assert client.post(url).status_code == 403  # change_submission is missing
    assert client.post("/api/v1/hashtags/", ENTRY, format="json").status_code == 403
    make_hashtag("HCLDR")
    assert client.patch("/api/v1/hashtags/HCLDR/", {"name": "X"}, format="json").status_code == 200


def test_a_curator_creates_a_public_entry_recorded_in_the_history(curator_api, curator):
    answer = curator_api.post("/api/v1/hashtags/", ENTRY, format="json")
    assert answer.status_code == 201
    body = answer.json()
    assert (body["tag"], body["status"]) == ("HealthIT", "approved")
    assert body["chats"][0]["schedule"] == "Fridays at 12:00 PM CT"
    assert body["moderators"][0]["handle"] == "hitsm"
    assert answer["Location"] == f"{settings.SITE_URL}/api/v1/hashtags/HealthIT/"
    entry = Hashtag.objects.get(tag="HealthIT")
    assert entry.approved_by == curator
    assert entry.history.first().history_user == curator
    assert entry.chats.get().history.first().history_user == curator
    assert APIClient().get("/api/v1/hashtags/healthit/").status_code == 200


def test_a_curator_create_follows_the_same_rules_as_a_submission(curator_api, make_hashtag):
    make_hashtag("HealthIT")
    answer = curator_api.post("/api/v1/hashtags/", ENTRY, format="json")
    assert answer.json() == {"tag": ["#HealthIT is already in the directory."]}
    bad = {**ENTRY, "tag": "Other", "chats": [{**ENTRY["chats"][0], "timezone": "Nowhere"}]}
    answer = curator_api.post("/api/v1/hashtags/", bad, format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["chats[0].timezone"]
    assert not Hashtag.objects.filter(tag="Other").exists()


def test_a_curator_changes_fields_and_replaces_lists(
    curator_api, curator, make_hashtag, make_chat, make_category
):
    entry = make_hashtag("HCLDR", name="Old name", platforms=["x"])
    make_chat(entry, weekdays="TU")
    make_category("leadership")
    change = {
        "name": "Healthcare Leaders",
        "categories": ["leadership"],
        "chats": [{"weekdays": ["WE"], "start_time": "20:00", "timezone": "America/Toronto"}],
    }
    answer = curator_api.patch("/api/v1/hashtags/hcldr/", change, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["name"] == "Healthcare Leaders"
    assert body["platforms"] == ["x"]  # not given, so kept
    assert [c["slug"] for c in body["categories"]] == ["leadership"]
    assert [c["weekdays"] for c in body["chats"]] == [["WE"]]
    entry.refresh_from_db()
    latest = entry.history.first()
    assert (latest.name, latest.history_user) == ("Healthcare Leaders", curator)
    assert entry.chats.count() == 1


def test_a_curator_may_fix_the_tags_case_but_not_take_anothers(curator_api, make_hashtag):
    make_hashtag("hcldr")
    other = make_hashtag("BCSM")
    Alias(hashtag=other, tag="BreastCancerSM").save()
    assert (
        curator_api.patch("/api/v1/hashtags/hcldr/", {"tag": "HCLDR"}, format="json").json()["tag"]
        == "HCLDR"
    )
    answer = curator_api.patch("/api/v1/hashtags/HCLDR/", {"tag": "breastcancersm"}, format="json")
    assert answer.status_code == 400
    assert "another name for #BCSM" in answer.json()["tag"][0]


def test_an_invalid_change_writes_nothing(curator_api, make_hashtag):
    entry = make_hashtag("HCLDR", name="Kept")
    answer = curator_api.patch(
        "/api/v1/hashtags/HCLDR/", {"name": "New", "website": "ftp://x"}, format="json"
    )
    assert answer.status_code == 400
    assert list(answer.json()) == ["website"]
    entry.refresh_from_db()
    assert entry.name == "Kept"


def test_status_cannot_be_set_by_a_change(curator_api, make_hashtag):
    entry = make_hashtag("HCLDR")
    answer = curator_api.patch(
        "/api/v1/hashtags/HCLDR/", {"status": "rejected", "name": "New"}, format="json"
    )
    assert answer.status_code == 400
    assert list(answer.json()) == ["status"]
    entry.refresh_from_db()
    assert (entry.status, entry.name) == (Status.APPROVED, "An entry")


def test_a_field_a_change_does_not_take_is_refused_by_name(curator_api, make_hashtag):
    entry = make_hashtag("HCLDR", name="Kept")
    answer = curator_api.patch(
        "/api/v1/hashtags/HCLDR/", {"name": "New", "freshness": "current"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["freshness"][0].startswith("Unknown field")
    entry.refresh_from_db()
    assert entry.name == "Kept"


def test_a_curator_patch_of_aliases_replaces_them(curator_api, make_hashtag):
    make_hashtag("HCLDR")
    answer = curator_api.patch(
        "/api/v1/hashtags/HCLDR/", {"aliases": ["HCLDRchat", "HCLDR_chat"]}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["aliases"] == ["HCLDR_chat", "HCLDRchat"]
    assert curator_api.get("/api/v1/hashtags/hcldrchat/").json()["tag"] == "HCLDR"
    answer = curator_api.patch("/api/v1/hashtags/HCLDR/", {"aliases": []}, format="json")
    assert answer.json()["aliases"] == []
    assert not Alias.objects.exists()


def test_retiring_keeps_the_entry_public_and_twice_is_a_conflict(
    curator_api, curator, make_hashtag
):
    entry = make_hashtag("HIMSS17", kind="conference")
    answer = curator_api.post(
        "/api/v1/hashtags/HIMSS17/retire/", {"reason": "Over."}, format="json"
    )
    assert answer.json()["status"] == "retired"
    entry.refresh_from_db()
    assert (entry.status_reason, entry.history.first().history_user) == ("Over.", curator)
    again = curator_api.post("/api/v1/hashtags/HIMSS17/retire/", {}, format="json")
    assert again.status_code == 409
    assert "already retired" in again.json()["detail"]


def test_verifying_stamps_the_entry(curator_api, make_hashtag):
    make_hashtag("HCLDR")
    answer = curator_api.post("/api/v1/hashtags/HCLDR/verify/")
    assert answer.status_code == 200
    assert answer.json()["last_verified"] is not None


def test_approving_a_submission_publishes_its_entry(curator_api, curator, pending_submission):
    url = f"/api/v1/submissions/{pending_submission.reference}/approve/"
    answer = curator_api.post(url)
    assert answer.status_code == 200
    assert answer.json()["status"] == "approved"
    assert answer.json()["hashtag"] == f"{settings.SITE_URL}/api/v1/hashtags/NewChat/"
    entry = Hashtag.objects.get(tag="NewChat")
    assert (entry.status, entry.approved_by) == (Status.APPROVED, curator)
    assert entry.history.first().history_user == curator
    second = curator_api.post(url)
    assert second.status_code == 409
    assert second.json() == {"detail": "This submission is already approved."}


def test_rejecting_needs_a_reason_and_the_submitter_sees_it(curator_api, pending_submission):
    url = f"/api/v1/submissions/{pending_submission.reference}/reject/"
    missing = curator_api.post(url, {"reason": "   "}, format="json")
    assert missing.status_code == 400
    assert list(missing.json()) == ["reason"]
    answer = curator_api.post(url, {"reason": "Not about health."}, format="json")
    assert answer.status_code == 200
    status = APIClient().get(f"/api/v1/submissions/{pending_submission.reference}/").json()
    assert (status["status"], status["reason"]) == ("rejected", "Not about health.")
    assert Hashtag.objects.get(tag="NewChat").status == Status.REJECTED


def test_writes_on_an_entry_that_is_not_public_are_404(curator_api, make_hashtag):
    make_hashtag("Waiting", status=Status.PENDING)
    assert (
        curator_api.patch("/api/v1/hashtags/Waiting/", {"name": "X"}, format="json").status_code
        == 404
    )
    assert curator_api.post("/api/v1/hashtags/Waiting/retire/").status_code == 404


def test_deleting_is_not_offered(curator_api, make_hashtag):
    make_hashtag("HCLDR")
    answer = curator_api.delete("/api/v1/hashtags/HCLDR/")
    assert answer.status_code == 405
    assert Hashtag.objects.filter(tag="HCLDR").exists()


def test_a_chat_in_a_change_is_given_whole(curator_api, make_hashtag):
    make_hashtag("HCLDR")
    answer = curator_api.patch(
        "/api/v1/hashtags/HCLDR/", {"chats": [{"weekdays": ["WE"]}]}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "chats[0].start_time": ["This field is required."],
        "chats[0].timezone": ["This field is required."],
    }


def test_a_token_made_with_drf_create_token_lets_a_curator_write(curator, make_hashtag):
    from io import StringIO

    from django.core.management import call_command

    make_hashtag("HCLDR")
    out = StringIO()
    call_command("drf_create_token", curator.username, stdout=out)
    key = out.getvalue().split()[2]  # "Generated token <key> for user curator"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/v1/hashtags/HCLDR/verify/").status_code == 200


def test_verifying_takes_no_fields(curator_api, make_hashtag):
    make_hashtag("HCLDR")
    answer = curator_api.post(
        "/api/v1/hashtags/HCLDR/verify/", {"when": "2020-01-01"}, format="json"
    )
    assert answer.status_code == 400
    assert list(answer.json()) == ["when"]
    assert curator_api.post("/api/v1/hashtags/HCLDR/verify/").status_code == 200
