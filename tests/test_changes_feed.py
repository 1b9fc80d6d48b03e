"""The public changes feed (GET /api/v1/changes/, /changes.atom) and an entry's history
page: every change to the public registry, in order, with nothing private."""

import io
from datetime import timedelta

import feedparser
import pytest
import time_machine
from django.utils import timezone

from hashtags.curation import moderation, stewardship
from hashtags.models import Change, Hashtag, Steward
from hashtags.opendata import registry_io
from tests.support import token_client

pytestmark = pytest.mark.django_db

ENTRY = {
    "tag": "PatientSafetyChat",
    "name": "Patient safety chat",
    "description": "A weekly chat on patient safety.",
    "kind": "chat",
    "platforms": ["x"],
    "chats": [
        {
            "title": "Weekly chat",
            "weekdays": ["TU"],
            "start_time": "20:30",
            "timezone": "America/New_York",
            "duration_minutes": 60,
        }
    ],
}


@pytest.fixture
def written(curator):
    """Created, its description changed, then retired: through the curator API."""
    client = token_client(curator)
    assert client.post("/api/v1/hashtags/", ENTRY, format="json").status_code == 201
    answer = client.patch(
        "/api/v1/hashtags/PatientSafetyChat/",
        {"description": "A weekly chat on patient safety and quality."},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    answer = client.post(
        "/api/v1/hashtags/PatientSafetyChat/retire/",
        {"reason": "The hosts stopped the chat."},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    return Hashtag.objects.get(tag="PatientSafetyChat")


def changes(api, query: str = "") -> dict:
    answer = api.get(f"/api/v1/changes/{query}")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_create_edit_and_retire_are_three_changes_in_order(api, written):
    page = changes(api, "?entry=PatientSafetyChat")
    actions = [(c["action"], c["fields"], c["role"]) for c in page["results"]]
    assert actions == [
        ("created", [], "curator"),
        ("updated", ["description"], "curator"),
        ("retired", ["status", "status_reason"], "curator"),
    ]
    sequences = [c["sequence"] for c in page["results"]]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert page["latest"] == sequences[-1]
    second = page["results"][1]
    assert second["record"]["description"] == "A weekly chat on patient safety and quality."
    assert second["record"]["chats"][0]["timezone"] == "America/New_York"
    assert second["url"].endswith("/api/v1/hashtags/PatientSafetyChat/")
    assert page["results"][2]["reason"] == "The hosts stopped the chat."
    # Paged from a sequence: only what came after it.
    after = changes(api, f"?after={sequences[0]}")
    assert [c["sequence"] for c in after["results"]] == sequences[1:]
    assert changes(api, f"?after={sequences[-1]}")["results"] == []


def test_a_full_page_links_to_the_next_and_may_be_cached_long(api, written):
    first = api.get("/api/v1/changes/?limit=2")
    body = first.json()
    assert len(body["results"]) == 2
    assert "max-age=86400" in first["Cache-Control"]
    rest = api.get(body["next"]).json()
    assert [c["action"] for c in rest["results"]] == ["retired"]
    assert rest["next"] is None
    assert "max-age=60" in api.get(body["next"])["Cache-Control"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?after=-1", "after"),
        ("?after=x", "after"),
        ("?limit=0", "limit"),
        ("?limit=5000", "limit"),
        ("?entry=", "entry"),
        ("?since=3", "since"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(api, query, field):
    answer = api.get(f"/api/v1/changes/{query}")
    assert answer.status_code == 400
    assert field in answer.json()


def test_a_rename_a_merge_and_an_alias_say_what_they_are(api, curator, make_hashtag):
    keep = make_hashtag("HCLDR", name="Healthcare leaders")
    twin = make_hashtag("HCLDRchat", name="Healthcare leaders chat")
    client = token_client(curator)
    assert (
        client.patch("/api/v1/hashtags/HCLDR/", {"tag": "HCLDR2"}, format="json").status_code == 200
    )
    moderation.merge(duplicate=twin, into=Hashtag.objects.get(pk=keep.pk), curator=curator)
    page = changes(api)["results"]
    renamed = next(c for c in page if c["action"] == "renamed")
    assert (renamed["entry"], renamed["renamed_from"]) == ("HCLDR2", "HCLDR")
    merged = next(c for c in page if c["action"] == "merged")
    assert merged["entry"] == "HCLDRchat" and merged["record"] is None
    assert merged["reason"] == "Merged into #HCLDR2." and merged["url"] is None
    alias = next(c for c in page if c["entry"] == "HCLDR2" and c["action"] == "alias_added")
    assert alias["fields"] == ["aliases"]
    # The old name still finds the entry's changes.
    assert {c["action"] for c in changes(api, "?entry=HCLDR")["results"]} >= {"renamed"}


def test_a_steward_and_an_import_are_named_by_role(api, make_hashtag):
    hashtag = make_hashtag("HCLDR")
    steward = Steward.objects.create(
        hashtag=hashtag, name="Pat Host", email="pat@example.org", state=Steward.State.ACTIVE
    )
    stewardship.confirm(steward=steward)
    document = registry_io.read_json(
        io.StringIO(
            '{"format": "healthcare-hashtag-directory", "version": 1, "categories": [], '
            '"hashtags": [{"tag": "MedEd", "name": "Medical education", "kind": "community", '
            '"status": "approved"}]}'
        )
    )
    assert not registry_io.import_registry(document).errors
    roles = {(c["entry"], c["action"], c["role"]) for c in changes(api)["results"]}
    assert ("HCLDR", "verified", "steward") in roles
    assert ("MedEd", "created", "import") in roles
    text = api.get("/api/v1/changes/").content.decode()
    assert "pat@example.org" not in text and "Pat Host" not in text


def test_an_edit_that_changes_nothing_shows_no_field_and_no_history_line(
    api, client, curator, written
):
    history = client.get("/hashtags/PatientSafetyChat/history/").content.decode()
    client_ = token_client(curator)
    client_.patch(
        "/api/v1/hashtags/PatientSafetyChat/",
        {"description": "A weekly chat on patient safety and quality."},
        format="json",
    )
    # The entry's `updated` moved, so a mirror hears of it; nothing a reader sees changed.
    last = changes(api)["results"][-1]
    assert (last["action"], last["fields"]) == ("updated", [])
    assert client.get("/hashtags/PatientSafetyChat/history/").content.decode() == history


def test_the_history_page_tells_each_change_in_words(client, written):
    page = client.get("/hashtags/PatientSafetyChat/history/")
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        "Description changed from “A weekly chat on patient safety.” to "
        "“A weekly chat on patient safety and quality.”" in text
    )
    assert "Retired. The hosts stopped the chat." in text
    assert "by a curator" in text
    assert "@" not in text.split("<main", 1)[1].split("</main>", 1)[0].replace("@x", "")
    # Newest first.
    assert text.index("Retired.") < text.index("Description changed") < text.index("Added to")


def test_the_history_page_says_when_a_chat_ended_and_a_category_was_added(
    client, curator, make_category
):
    cancer = make_category("cancer", name="Cancer")
    token = token_client(curator)
    assert token.post("/api/v1/hashtags/", ENTRY, format="json").status_code == 201
    chat = {**ENTRY["chats"][0], "ends_on": "2023-10-31"}
    answer = token.patch(
        "/api/v1/hashtags/PatientSafetyChat/",
        {"chats": [chat], "categories": [cancer.slug]},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    text = client.get("/hashtags/PatientSafetyChat/history/").content.decode()
    assert "Chat “Weekly chat” ended on 31 October 2023." in text
    assert "Added to Cancer." in text


def test_the_entry_page_links_to_its_history(client, written):
    # Retired entries keep their page.
    assert (
        "/hashtags/PatientSafetyChat/history/"
        in client.get("/hashtags/PatientSafetyChat/").content.decode()
    )


def test_an_unknown_tag_has_no_history(client):
    assert client.get("/hashtags/NoSuchTag/history/").status_code == 404


def test_the_atom_feeds_parse_and_tell_the_changes(client, written):
    for url in ("/changes.atom", "/hashtags/PatientSafetyChat/history.atom"):
        answer = client.get(url)
        assert answer.status_code == 200
        feed = feedparser.parse(answer.content)
        assert not feed.bozo, feed.get("bozo_exception")
        titles = [entry.title for entry in feed.entries]
        assert titles[0] == "#PatientSafetyChat: retired"
        assert "Description changed" in feed.entries[1].summary


def test_a_time_moving_republish_is_not_a_change(api, written):
    before = Change.objects.count()
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert api.get("/api/v1/hashtags/PatientSafetyChat/").status_code == 200
    assert Change.objects.count() == before
