"""The published entry: each public entry's documents produced once by the write path,
stored, and read by the API, the export and the counts (hashtags.published)."""

import json
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from hashtags import entries, published
from hashtags.models import Category, Chat, Hashtag, Published, Switchboard
from hashtags.opendata import registry_io
from tests.support import make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancer(make_category):
    diseases = make_category("diseases")
    return make_category("cancer", parent=diseases)


def entry(curator, tag="HCLDR", **fields):
    values = {"name": "Healthcare leaders", "kind": "chat", "platforms": ["x"], **fields}
    return entries.create(curator=curator, tag=tag, **values)


def weekly(**fields):
    return {
        "weekdays": ["TU"],
        "start_time": time(20, 30),
        "timezone": "America/New_York",
        "duration_minutes": 60,
        **fields,
    }


def check() -> tuple[int, str]:
    """`manage.py publish --check`: its exit code and what it printed."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("publish", check=True, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue()
    return 0, out.getvalue()


def test_the_detail_is_the_stored_document_with_its_activity(api, curator, cancer):
    written = entry(curator, categories=[cancer], chats=[weekly()], aliases=["HCLDRchat"])
    stored = Published.objects.get(entry_id=written.pk)
    detail = api.get("/api/v1/hashtags/hcldrchat/").content.decode()
    assert detail == stored.document[:-1] + ',"activity":' + stored.activity + "}"
    document = json.loads(stored.document)
    assert document["categories"][0]["slug"] == "cancer"
    assert document["aliases"] == ["HCLDRchat"]
    assert len(document["chats"][0]["next_occurrences"]) == 3


def test_a_list_page_reads_the_stored_documents_in_one_query(api, curator):
    for number in range(5):
        entry(curator, tag=f"Entry{number}", chats=[weekly()])
    with CaptureQueriesContext(connection) as queries:
        answer = api.get("/api/v1/hashtags/?page_size=3")
    assert answer.status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if "hashtags_published" in q["sql"]]
    assert len(reads) == 1, reads  # the page and its documents together
    stored = {row.entry_id: row.document for row in Published.objects.all()}
    body = answer.content.decode()
    assert all(document in body for document in list(stored.values())[:3])


def test_the_export_streams_the_stored_records(curator, cancer):
    written = entry(curator, categories=[cancer], chats=[weekly()])
    Published.objects.filter(entry_id=written.pk).update(record='{"tag": "FromTheStore"}')
    exported = "".join(registry_io.iter_json())
    assert '{"tag": "FromTheStore"}' in exported


def test_next_meetings_move_on_as_time_passes(api, curator):
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        entry(curator, chats=[weekly()])
        first = api.get("/api/v1/hashtags/HCLDR/").json()["chats"][0]["next_occurrences"]
    with time_machine.travel(datetime(2026, 3, 4, 12, tzinfo=UTC), tick=False):
        later = api.get("/api/v1/hashtags/HCLDR/").json()["chats"][0]["next_occurrences"]
    # Tuesday 3 March's meeting has ended by Wednesday: the list starts a week later.
    assert first[0].startswith("2026-03-03T20:30")
    assert later[0].startswith("2026-03-10T20:30")
    assert later[:2] == first[1:]


def test_links_follow_the_site_address(api, curator, settings):
    entry(curator)
    settings.SITE_URL = "https://hashtags.example.org"
    assert api.get("/api/v1/hashtags/HCLDR/").json()["url"] == (
        "https://hashtags.example.org/api/v1/hashtags/HCLDR/"
    )


def test_a_write_past_the_write_path_is_noticed_and_publishing_again_mends_it(curator, cancer):
    written = entry(curator, categories=[cancer])
    assert check() == (0, "")
    # A queryset update and a reverse many-to-many write: neither goes through the write
    # path, so neither publishes.
    Hashtag.objects.filter(pk=written.pk).update(kind="disease")
    other = Category.objects.create(slug="oncology", name="Oncology")
    other.hashtags.add(written)
    code, printed = check()
    assert code == 1
    assert f"entry\t{written.pk}\tdiffers" in printed
    call_command("publish")
    assert check() == (0, "")
    assert Published.objects.get(entry_id=written.pk).kind == "disease"


def test_a_bulk_load_is_noticed_until_published(curator):
    (loaded,) = Hashtag.objects.bulk_create(
        [Hashtag(tag="Loaded", name="Bulk", kind="other", status="approved")]
    )
    code, printed = check()
    assert code == 1
    assert f"entry\t{loaded.pk}\tunpublished" in printed


def test_counts_follow_every_published_change(
    api, curator, cancer, django_capture_on_commit_callbacks
):
    one = entry(curator, tag="One", categories=[cancer])
    entry(curator, tag="Two", categories=[cancer], chats=[weekly()])
    counts = {c["slug"]: c["entry_count"] for c in api.get("/api/v1/categories/").json()["results"]}
    assert counts["cancer"] == counts["diseases"] == 2
    with django_capture_on_commit_callbacks(execute=True):  # expires the cached counts
        entries.update(hashtag=one, curator=curator, categories=[])
    counts = {c["slug"]: c["entry_count"] for c in api.get("/api/v1/categories/").json()["results"]}
    assert counts["cancer"] == 1
    assert published.count_differences() == {}


def test_a_submission_with_one_chat_and_one_host_takes_at_most_40_statements(api):
    Switchboard.current()  # the site's switches, stored once on the first request ever
    payload = {
        "tag": "NewChat",
        "name": "A new chat",
        "description": "A weekly chat on patient safety.",
        "kind": "chat",
        "platforms": ["x"],
        "chats": [weekly(start_time="20:30")],
        "moderators": [{"handle": "pat_host", "platform": "x", "role": "founder"}],
        "submitter_name": "Pat",
        "submitter_email": "pat@example.org",
    }
    with CaptureQueriesContext(connection) as queries:
        answer = api.post("/api/v1/submissions/", payload, format="json")
    assert answer.status_code == 201, answer.content
    assert len(queries) <= 40, f"{len(queries)} statements\n" + "\n".join(
        q["sql"][:120] for q in queries.captured_queries
    )


def test_a_curator_edit_of_categories_chats_and_an_alias_takes_at_most_60_statements(
    curator, cancer
):
    entry(curator, chats=[weekly()])
    client = token_client(curator)
    change = {
        "categories": ["cancer"],
        "chats": [weekly(start_time="20:30"), weekly(weekdays=["TH"], start_time="12:00")],
        "aliases": ["HCLDRchat"],
    }
    with CaptureQueriesContext(connection) as queries:
        answer = client.patch("/api/v1/hashtags/HCLDR/", change, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["aliases"] == ["HCLDRchat"]
    assert len(queries) <= 60, f"{len(queries)} statements\n" + "\n".join(
        q["sql"][:120] for q in queries.captured_queries
    )


def test_an_entry_that_leaves_the_registry_leaves_its_counts(api, curator, cancer):
    from hashtags.curation import moderation

    written = entry(curator, categories=[cancer])
    kept = entry(curator, tag="Kept", categories=[cancer])
    moderation.merge(duplicate=written, into=kept, curator=curator)
    assert not Published.objects.filter(entry_id=written.pk).exists()
    counts = {c["slug"]: c["entry_count"] for c in api.get("/api/v1/categories/").json()["results"]}
    assert counts["cancer"] == 1
    assert published.count_differences() == {}


# --- Concurrent curators (PostgreSQL) ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_curator_edits_never_fail_and_leave_counts_that_match_the_list():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL (SQLite serialises every write)")
    curator = make_user("concurrent-curator", curator=True)
    roots = [Category.objects.create(slug=f"root{n}", name=f"Root {n}") for n in range(3)]
    leaves = [
        Category.objects.create(slug=f"leaf{n}", name=f"Leaf {n}", parent=roots[n % 3])
        for n in range(6)
    ]
    for number in range(5):
        entry(curator, tag=f"Busy{number}", categories=[leaves[number]])
    kinds = ["chat", "disease", "community", "conference"]
    languages = ["en", "es", "fr", "pt-BR"]
    platforms = [["x"], ["bluesky"], ["x", "mastodon"], []]
    statuses: list[int] = []
    lock = threading.Lock()

    def curator_at_work(worker: int) -> None:
        client = token_client(curator)
        try:
            for step in range(25):
                n = worker * 25 + step
                change = {
                    "categories": [leaves[n % 6].slug, leaves[(n * 7) % 6].slug],
                    "platforms": platforms[n % 4],
                    "language": languages[(n // 2) % 4],
                    "kind": kinds[(n // 3) % 4],
                }
                answer = client.patch(f"/api/v1/hashtags/Busy{n % 5}/", change, format="json")
                with lock:
                    statuses.append(answer.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=curator_at_work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == 200
    assert [code for code in statuses if code >= 500] == []
    assert set(statuses) == {200}
    client = token_client(curator)
    for category in client.get("/api/v1/categories/?page_size=100").json()["results"]:
        listed = client.get(f"/api/v1/hashtags/?category={category['slug']}&page_size=100")
        assert category["entry_count"] == len(listed.json()["results"]), category["slug"]
    assert published.count_differences() == {}


def test_a_chat_that_ends_leaves_the_chat_count_when_published_again(curator):
    written = entry(curator, chats=[weekly()])
    assert published.kept_counts()["chat"]["yes"] == 1
    Chat.objects.filter(hashtag=written).update(is_active=False)
    assert published.count_differences() == {}  # the published rows still say it meets
    published.publish([written.pk])
    assert "yes" not in published.kept_counts().get("chat", {})
    assert check() == (0, "")


def test_publishing_again_changes_nothing_when_nothing_changed(curator):
    written = entry(curator, chats=[weekly()])
    before = Published.objects.get(entry_id=written.pk)
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=1)):
        published.publish([written.pk])
    after = Published.objects.get(entry_id=written.pk)
    assert (before.document, before.record, before.activity) == (
        after.document,
        after.record,
        after.activity,
    )


# --- What moves with time: a chat's evidence, its end --------------------------------------

CONFIRMED = datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_a_chat_becomes_unconfirmed_when_its_confirmation_runs_out(api, visitor, curator):
    """Confirmed (created by a curator) on 2 March 2026: a year later, with no write in
    between, the API's document, the directory's has_chat filter and its kept count all
    say the chat is no longer presented as meeting."""
    with time_machine.travel(CONFIRMED, tick=False):
        entry(curator, chats=[weekly()])
        before = api.get("/api/v1/hashtags/HCLDR/").json()["chats"][0]
        assert published.kept_counts()["chat"]["yes"] == 1
    assert before["status"] == "active" and before["is_active"] is True
    assert len(before["next_occurrences"]) == 3
    stored = Published.objects.get()
    assert stored.counted_until == CONFIRMED + timedelta(days=365)

    with time_machine.travel(CONFIRMED + timedelta(days=366), tick=False):
        after = api.get("/api/v1/hashtags/HCLDR/").json()["chats"][0]
        facets = visitor.get("/hashtags/").context["facets"]
        filtered = api.get("/api/v1/hashtags/", {"has_chat": "true"}).json()["results"]
    assert after["status"] == "unconfirmed" and after["is_active"] is False
    assert after["next_occurrences"] == []
    assert {value.value: value.count for value in facets.has_chat} == {"false": 1}
    assert filtered == []
    assert published.count_differences() == {}


def test_the_kept_chat_count_moves_with_time_without_any_reader_of_the_entry(visitor, curator):
    """Nobody reads the entry: the directory's counts notice by themselves that its
    chat's last day has passed (`Published.counted_until`)."""
    with time_machine.travel(CONFIRMED, tick=False):
        entry(curator, chats=[weekly(ends_on="2026-03-10")])
        assert published.kept_counts()["chat"]["yes"] == 1
    with time_machine.travel(datetime(2026, 3, 11, 3, 59, tzinfo=UTC), tick=False):
        # 11:59 PM on 10 March in New York: still its last day.
        assert {v.value: v.count for v in visitor.get("/hashtags/").context["facets"].has_chat}[
            "true"
        ] == 1
    with time_machine.travel(datetime(2026, 3, 11, 4, 1, tzinfo=UTC), tick=False):
        facets = visitor.get("/hashtags/").context["facets"]
    assert {value.value: value.count for value in facets.has_chat} == {"false": 1}


def test_use_seen_on_the_open_networks_is_evidence_too(api, make_hashtag, make_chat):
    from tests.activity_helpers import counted

    quiet = make_hashtag("Quiet", last_verified=None)
    make_chat(quiet)
    assert api.get("/api/v1/hashtags/Quiet/").json()["chats"][0]["status"] == "unconfirmed"
    assert api.get("/api/v1/chats/upcoming/").json()["results"] == []
    counted(quiet, {1: 5})
    published.publish([quiet.pk])  # as a refresh of the counts does
    assert api.get("/api/v1/hashtags/Quiet/").json()["chats"][0]["status"] == "active"
    # The same rule in SQL: upcoming meetings and has_chat.
    upcoming = api.get("/api/v1/chats/upcoming/").json()["results"]
    assert {(row["tag"], row["status"]) for row in upcoming} == {("Quiet", "active")}
    listed = api.get("/api/v1/hashtags/", {"has_chat": "true"}).json()["results"]
    assert [row["tag"] for row in listed] == ["Quiet"]


def test_approving_a_submission_confirms_the_entry(api, curator):
    from hashtags.curation import moderation

    submission = moderation.submit_hashtag(
        tag="NewChat",
        name="A new chat",
        kind="chat",
        chats=[weekly()],
        submitter_name="Sam",
        submitter_email="sam@example.org",
    )
    moderation.approve(hashtag=submission.hashtag, curator=curator)
    document = api.get("/api/v1/hashtags/NewChat/").json()
    assert document["freshness"] == "current"
    assert document["chats"][0]["status"] == "active"
    assert Hashtag.objects.get(tag="NewChat").last_verified_by == curator
