"""The submitter's name and email never appear in any API answer: reads, the answers to
writes, errors, and the schema's examples."""

from datetime import time

import pytest
from rest_framework.test import APIClient

from hashtags.curation.moderation import approve, submit_hashtag
from hashtags.models import Hashtag, Submission

pytestmark = pytest.mark.django_db
SECRET_NAME = "Zebulon Quixotic-Submitter"
SECRET_EMAIL = "zebulon.private@example.org"


def _submit(tag: str) -> Submission:
    return submit_hashtag(
        tag=tag,
        name="Entry",
        kind="chat",
        submitter_name=SECRET_NAME,
        submitter_email=SECRET_EMAIL,
        note="a private note to the curators",
        chats=[{"weekdays": "TU", "start_time": time(20, 30), "timezone": "America/New_York"}],
    )


def _walk_keys(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(str(key))
            _walk_keys(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk_keys(item, found)
    return found


def assert_private_fields_absent(answer) -> None:
    text = answer.content.decode()
    assert SECRET_EMAIL not in text and SECRET_NAME not in text
    assert "zebulon" not in text.lower() and "private note" not in text
    if answer.content and answer["Content-Type"].startswith("application/json"):
        keys = _walk_keys(answer.json(), set())
        assert not keys & {"submitter_email", "submitter_name", "email", "payload"}


def test_no_answer_of_any_endpoint_shows_the_submitters_contact(
    make_category, curator, curator_api
):
    category = make_category("leadership")
    published = _submit("Published")
    approve(hashtag=published.hashtag, curator=curator)
    published.hashtag.categories.set([category])
    waiting = _submit("Waiting")
    rejected = _submit("Rejected")
    api = APIClient()
    answers = [
        api.get("/api/v1/"),
        api.get("/api/v1/hashtags/"),
        api.get("/api/v1/hashtags/?q=published"),
        api.get("/api/v1/hashtags/published/"),
        api.get("/api/v1/hashtags/waiting/"),
        api.get("/api/v1/categories/"),
        api.get("/api/v1/categories/leadership/"),
        api.get("/api/v1/chats/upcoming/?start=2026-03-01&end=2026-03-31"),
        api.get(f"/api/v1/submissions/{published.reference}/"),
        api.get(f"/api/v1/submissions/{waiting.reference}/"),
        curator_api.post(f"/api/v1/submissions/{rejected.reference}/reject/", {"reason": "No."}),
        api.get(f"/api/v1/submissions/{rejected.reference}/"),
        curator_api.post(f"/api/v1/submissions/{waiting.reference}/approve/"),
        curator_api.patch("/api/v1/hashtags/Waiting/", {"name": "Renamed"}, format="json"),
        curator_api.post("/api/v1/hashtags/Waiting/verify/"),
        curator_api.post("/api/v1/hashtags/Waiting/retire/", {}, format="json"),
        api.post(
            "/api/v1/submissions/",
            {
                "tag": "Fresh",
                "name": "Fresh",
                "kind": "other",
                "submitter_name": SECRET_NAME,
                "submitter_email": SECRET_EMAIL,
            },
            format="json",
        ),
        api.post(  # a refused one must not echo the contact either
            "/api/v1/submissions/",
            {
                "tag": "Published",
                "name": "Dup",
                "kind": "other",
                "submitter_name": SECRET_NAME,
                "submitter_email": SECRET_EMAIL,
            },
            format="json",
        ),
        curator_api.post(
            "/api/v1/hashtags/", {"tag": "ByCurator", "name": "X", "kind": "other"}, format="json"
        ),
        api.get("/api/v1/schema/"),
        api.get("/api/v1/schema/?format=json"),
    ]
    assert [answer.status_code for answer in answers] == [
        200, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 200,
        200, 200, 200, 200, 201, 400, 201, 200, 200,
    ]  # fmt: skip
    for answer in answers:
        assert_private_fields_absent(answer)
    assert Hashtag.objects.get(tag="Fresh").submissions.get().submitter_email == SECRET_EMAIL
