"""GET /api/v1/hashtags/<tag>/ and the categories: lookups by any spelling or alias,
404s for what is not public, the fields (chats with their schedule), query counts."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from hashtags.curation import moderation
from hashtags.models import HashtagModerator, Moderator, Status
from tests.support import complete_entries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "spelling",
    [
        "HCLDR",
        "hcldr",
        "HcLdR",
        "%23HCLDR",
        "%EF%BC%83%EF%BC%A8%EF%BC%A3%EF%BC%AC%EF%BC%A4%EF%BC%B2",
    ],
)
def test_any_spelling_of_the_tag_answers_with_the_entry(api, make_hashtag, spelling):
    make_hashtag("HCLDR", name="Healthcare Leaders")
    answer = api.get(f"/api/v1/hashtags/{spelling}/")
    assert answer.status_code == 200
    assert answer.json()["tag"] == "HCLDR"
    assert answer.json()["url"] == f"{settings.SITE_URL}/api/v1/hashtags/HCLDR/"


def test_an_alias_answers_with_the_canonical_entry(api, make_hashtag):
    entry = make_hashtag("MedEd", name="Medical education")
    moderation.add_alias(hashtag=entry, tag="MedicalEducation", curator=None)
    answer = api.get("/api/v1/hashtags/medicaleducation/")
    assert answer.status_code == 200
    assert answer.json()["tag"] == "MedEd"
    assert answer.json()["aliases"] == ["MedicalEducation"]


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED])
def test_an_entry_that_is_not_public_is_not_found(api, make_hashtag, status):
    make_hashtag("Hidden", status=status, status_reason="Spam." if status == "rejected" else "")
    answer = api.get("/api/v1/hashtags/hidden/")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "#hidden is not in the directory."}


@pytest.mark.parametrize("raw", ["NoSuchTag", "a" * 400, "%F0%9F%A9%BA", "..."])
def test_an_unknown_or_impossible_tag_is_a_json_404(api, make_hashtag, raw):
    make_hashtag("HCLDR")
    answer = api.get(f"/api/v1/hashtags/{raw}/")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"


def test_a_nul_byte_in_the_tag_is_a_json_400(api, make_hashtag):
    answer = api.get("/api/v1/hashtags/HC%00LDR/")
    assert answer.status_code == 400
    assert "NUL (0x00)" in answer.json()["non_field_errors"][0]


def test_a_nul_byte_in_a_query_parameter_names_the_parameter(api, make_hashtag):
    # The API's one shape for a 400 (messages by field), as its schema documents.
    answer = api.get("/api/v1/hashtags/", {"language": "en\x00", "kind": "chat"})
    assert answer.status_code == 400
    assert answer.json() == {
        "language": [
            "Requests cannot contain NUL (0x00) characters: "
            "found in the query parameter 'language'."
        ]
    }


def test_a_retired_entry_is_public_and_says_so(api, make_hashtag):
    make_hashtag("HIMSS17", status=Status.RETIRED, kind="conference")
    answer = api.get("/api/v1/hashtags/himss17/")
    assert answer.status_code == 200
    assert answer.json()["status"] == "retired"


def test_the_entry_has_the_fields_the_spec_lists(api, make_hashtag, make_category, make_chat):
    cancer = make_category("cancer", name="Cancer")
    entry = make_hashtag(
        "BCSM",
        name="Breast Cancer Social Media",
        description="<b>Not HTML</b>",
        kind="chat",
        categories=[cancer],
        platforms=["x", "bluesky"],
        language="en",
        website="https://bcsm.org/",
    )
    host = Moderator.objects.create(
        handle="womenwithcancer", display_name="Alicia", platform_id="x"
    )
    HashtagModerator.objects.create(hashtag=entry, moderator=host, role="founder")
    make_chat(entry, weekdays="MO", start_time=time(21), timezone_id="America/New_York")
    body = APIClient().get("/api/v1/hashtags/BCSM/").json()
    assert {
        "tag",
        "url",
        "web_url",
        "name",
        "description",
        "kind",
        "categories",
        "platforms",
        "language",
        "website",
        "status",
        "aliases",
        "moderators",
        "chats",
        "created",
        "updated",
    } <= set(body)
    assert body["description"] == "<b>Not HTML</b>"
    assert body["categories"] == [
        {
            "slug": "cancer",
            "name": "Cancer",
            "url": f"{settings.SITE_URL}/api/v1/categories/cancer/",
        }
    ]
    assert sorted(body["platforms"]) == ["bluesky", "x"]
    assert body["moderators"] == [
        {
            "handle": "womenwithcancer",
            "display_name": "Alicia",
            "platform": "x",
            "profile_url": "",
            "role": "founder",
            "since": None,
            "until": None,
            "current": True,
        }
    ]
    assert body["web_url"] == f"{settings.SITE_URL}/hashtags/BCSM/"


def test_a_chat_carries_its_schedule_in_words_rrule_zone_and_next_dates(
    api, make_hashtag, make_chat
):
    entry = make_hashtag("HCLDR")
    make_chat(entry, weekdays="TU", start_time=time(20, 30), timezone_id="America/New_York")
    make_chat(
        entry,
        frequency="monthly",
        weekdays="TH",
        month_weeks="1,3",
        start_time=time(12),
        timezone_id="America/Chicago",
        duration_minutes=45,
    )
    # Chats come in order of their local start time.
    monthly, weekly = api.get("/api/v1/hashtags/HCLDR/").json()["chats"]
    assert weekly["schedule"] == "Tuesdays at 8:30 PM ET"
    assert weekly["rrule"] == "FREQ=WEEKLY;BYDAY=TU;WKST=MO"
    assert weekly["timezone"] == "America/New_York"
    assert weekly["duration_minutes"] == 60
    assert weekly["start_time"] == "20:30"
    assert len(weekly["next_occurrences"]) == 3
    for text in weekly["next_occurrences"]:
        start = datetime.fromisoformat(text)
        # ISO 8601 with the zone's own offset (EST or EDT), on a Tuesday at 20:30 local.
        assert text.endswith(("-05:00", "-04:00"))
        assert (start.weekday(), start.hour, start.minute) == (1, 20, 30)
    first = datetime.fromisoformat(weekly["next_occurrences"][0])
    assert first.astimezone(UTC) > datetime.now(UTC) - timedelta(hours=1)
    assert monthly["schedule"] == "1st and 3rd Thursdays at 12:00 PM CT"
    assert monthly["month_weeks"] == [1, 3]
    assert monthly["duration_minutes"] == 45


def test_a_chat_that_stopped_on_an_unknown_date_is_shown_ended(api, make_hashtag, make_chat):
    entry = make_hashtag("HCLDR")
    make_chat(entry, is_active=False)
    (chat,) = api.get("/api/v1/hashtags/HCLDR/").json()["chats"]
    assert (chat["status"], chat["ends_on"], chat["next_occurrences"]) == ("ended", None, [])


def test_a_chat_that_has_ended_has_no_next_dates(api, make_hashtag, make_chat):
    entry = make_hashtag("Over")
    make_chat(entry, starts_on=date(2020, 1, 7), ends_on=date(2020, 3, 31))
    chat = api.get("/api/v1/hashtags/Over/").json()["chats"][0]
    assert chat["next_occurrences"] == []
    assert "UNTIL=20200401T" in chat["rrule"]


@pytest.mark.parametrize("count", [5, 100])
def test_the_detail_costs_a_fixed_number_of_queries(api, django_assert_max_num_queries, count):
    entries = complete_entries(count)
    for entry in entries[:3]:
        moderation.add_alias(hashtag=entry, tag=f"Extra{entry.tag}", curator=None)
    # The entry's stored document, found through any of its names: one indexed read.
    with django_assert_max_num_queries(1):
        answer = api.get(f"/api/v1/hashtags/{entries[0].tag.lower()}/")
    assert answer.json()["aliases"] == [f"Extra{entries[0].tag}", f"Other{entries[0].tag}"]


def test_categories_list_the_tree_with_public_entry_counts(api, make_hashtag, make_category):
    diseases = make_category("diseases", name="Diseases")
    cancer = make_category("cancer", name="Cancer", parent=diseases)
    make_category("education", name="Education")
    make_hashtag("BCSM", categories=[cancer])
    make_hashtag("Both", categories=[cancer, diseases])  # counted once under diseases
    make_hashtag("Old", categories=[cancer], status=Status.RETIRED)
    make_hashtag("Waiting", categories=[cancer], status=Status.PENDING)
    answer = api.get("/api/v1/categories/")
    assert answer.status_code == 200
    rows = {row["slug"]: row for row in answer.json()["results"]}
    assert list(rows) == ["diseases", "cancer", "education"]  # tree order
    assert rows["cancer"]["entry_count"] == 3
    assert rows["diseases"]["entry_count"] == 3
    assert rows["education"]["entry_count"] == 0
    assert rows["cancer"]["parent"] == "diseases" and rows["diseases"]["parent"] is None
    assert rows["cancer"]["path"] == "diseases/cancer"
    assert rows["cancer"]["hashtags_url"] == f"{settings.SITE_URL}/api/v1/hashtags/?category=cancer"


def test_a_category_by_slug_and_an_unknown_one(api, make_hashtag, make_category):
    cancer = make_category("cancer", name="Cancer", description="All cancers.")
    make_hashtag("BCSM", categories=[cancer])
    answer = api.get("/api/v1/categories/cancer/")
    assert answer.status_code == 200
    assert answer.json()["entry_count"] == 1
    assert answer.json()["description"] == "All cancers."
    missing = api.get("/api/v1/categories/no-such/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "There is no category 'no-such'."}


@pytest.mark.parametrize("count", [5, 100])
def test_categories_cost_the_same_queries_whatever_the_entries_and_categories(
    api, make_category, django_assert_num_queries, count
):
    complete_entries(count)
    for number in range(count // 5):
        make_category(f"extra-{number}")
    # The page of categories (with their parents), then the count the site shows too, once
    # per registry generation: every category, and the entries grouped by category set.
    with django_assert_num_queries(3):
        answer = api.get("/api/v1/categories/")
    assert {row["slug"]: row["entry_count"] for row in answer.json()["results"]}["cancer"] == count
    # Until the registry changes, only the page of categories.
    with django_assert_num_queries(1):
        assert api.get("/api/v1/categories/cancer/").json()["entry_count"] == count
