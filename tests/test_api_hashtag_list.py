"""GET /api/v1/hashtags/: public entries, every filter and ordering, cursor pagination,
and a query count that does not grow with the page."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from hashtags.models import Alias, Hashtag, Status
from tests.support import complete_entries, walk

pytestmark = pytest.mark.django_db
LIST = "/api/v1/hashtags/"


def tags(answer) -> list[str]:
    assert answer.status_code == 200, answer.content
    return [row["tag"] for row in answer.json()["results"]]


def test_only_approved_and_retired_entries_are_listed(api, make_hashtag):
    make_hashtag("Approved")
    make_hashtag("Retired", status=Status.RETIRED)
    make_hashtag("Waiting", status=Status.PENDING)
    make_hashtag("Refused", status=Status.REJECTED, status_reason="Spam.")
    assert tags(api.get(LIST)) == ["Approved", "Retired"]


def test_the_list_answers_json_in_the_pagination_envelope(api, make_hashtag):
    make_hashtag("HCLDR")
    answer = api.get(LIST)
    assert answer["Content-Type"] == "application/json"
    body = answer.json()
    assert body["next"] is None and body["previous"] is None
    assert body["results"][0]["url"] == f"{settings.SITE_URL}/api/v1/hashtags/HCLDR/"
    assert body["results"][0]["web_url"] == f"{settings.SITE_URL}/hashtags/HCLDR/"


def test_q_searches_tag_prefixes_aliases_and_words_of_the_name(api, make_hashtag):
    hcldr = make_hashtag("HCLDR", name="Healthcare Leaders")
    make_hashtag("BCSM", name="Breast Cancer Social Media")
    Alias(hashtag=hcldr, tag="HealthcareLeader").save()
    assert tags(api.get(LIST, {"q": "hcl"})) == ["HCLDR"]
    assert tags(api.get(LIST, {"q": "#healthcareleader"})) == ["HCLDR"]
    assert tags(api.get(LIST, {"q": "cancer"})) == ["BCSM"]
    assert tags(api.get(LIST, {"q": "nothing-like-it"})) == []


def test_category_includes_its_descendants(api, make_hashtag, make_category):
    diseases = make_category("diseases")
    cancer = make_category("cancer", parent=diseases)
    breast = make_category("breast-cancer", parent=cancer)
    make_hashtag("BCSM", categories=[breast])
    make_hashtag("LCSM", categories=[cancer])
    make_hashtag("MedEd", categories=[make_category("education")])
    assert tags(api.get(LIST, {"category": "diseases"})) == ["BCSM", "LCSM"]
    assert tags(api.get(LIST, {"category": "breast-cancer"})) == ["BCSM"]
    # A slug that names no category is a mistake to report, as on the site, not an empty list.
    unknown = api.get(LIST, {"category": "no-such-category"})
    assert unknown.status_code == 400
    assert unknown.json() == {
        "category": ["There is no category with the slug “no-such-category”."]
    }


def test_kind_platform_and_language_filter(api, make_hashtag):
    make_hashtag("HCLDR", kind="chat", platforms=["x", "bluesky"], language="en")
    make_hashtag("HIMSS26", kind="conference", platforms=["linkedin"], language="en-US")
    make_hashtag("SaludDigital", kind="chat", platforms=["x"], language="es")
    assert tags(api.get(LIST, {"kind": "chat"})) == ["HCLDR", "SaludDigital"]
    assert tags(api.get(LIST, {"platform": "bluesky"})) == ["HCLDR"]
    assert tags(api.get(LIST, {"platform": "x"})) == ["HCLDR", "SaludDigital"]
    assert tags(api.get(LIST, {"language": "en"})) == ["HCLDR", "HIMSS26"]
    assert tags(api.get(LIST, {"language": "en-us"})) == ["HIMSS26"]
    assert tags(api.get(LIST, {"language": "es"})) == ["SaludDigital"]


def test_status_filter_separates_approved_from_retired(api, make_hashtag):
    make_hashtag("Active")
    make_hashtag("Gone", status=Status.RETIRED)
    assert tags(api.get(LIST, {"status": "approved"})) == ["Active"]
    assert tags(api.get(LIST, {"status": "retired"})) == ["Gone"]


def test_has_chat_and_chat_weekday_look_at_active_chats(api, make_hashtag, make_chat):
    tuesday = make_hashtag("Tuesday")
    make_chat(tuesday, weekdays="TU")
    both = make_hashtag("MondayThursday")
    make_chat(both, weekdays="MO,TH", start_time=time(12))
    paused = make_hashtag("Paused")
    make_chat(paused, weekdays="TU", is_active=False)
    make_hashtag("NoChat")
    assert tags(api.get(LIST, {"has_chat": "true"})) == ["MondayThursday", "Tuesday"]
    assert tags(api.get(LIST, {"has_chat": "false"})) == ["NoChat", "Paused"]
    assert tags(api.get(LIST, {"chat_weekday": "TU"})) == ["Tuesday"]
    assert tags(api.get(LIST, {"chat_weekday": "TH"})) == ["MondayThursday"]
    assert tags(api.get(LIST, {"chat_weekday": "SU"})) == []


def test_updated_since_gives_what_changed_for_mirrors(api, make_hashtag):
    old = make_hashtag("Old")
    make_hashtag("Fresh")
    Hashtag.objects.filter(pk=old.pk).update(updated=datetime(2020, 1, 1, tzinfo=UTC))
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    assert tags(api.get(LIST, {"updated_since": since})) == ["Fresh"]
    assert tags(api.get(LIST, {"updated_since": "2019-12-31T23:00:00-05:00"})) == ["Fresh"]
    assert tags(api.get(LIST, {"updated_since": "2019-01-01T00:00:00Z"})) == ["Fresh", "Old"]


def test_filters_combine(api, make_hashtag, make_category, make_chat):
    cancer = make_category("cancer")
    bcsm = make_hashtag("BCSM", kind="chat", categories=[cancer], platforms=["x"])
    make_chat(bcsm, weekdays="MO")
    make_hashtag("BreastCancer", kind="disease", categories=[cancer], platforms=["x"])
    query = {"category": "cancer", "kind": "chat", "has_chat": "true", "platform": "x"}
    assert tags(api.get(LIST, query)) == ["BCSM"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kind": "blog"}, "kind"),
        ({"status": "pending"}, "status"),
        ({"status": "rejected"}, "status"),
        ({"chat_weekday": "Tuesday"}, "chat_weekday"),
        ({"has_chat": "maybe"}, "has_chat"),
        ({"category": "no-such-category"}, "category"),
        ({"platform": "myspace"}, "platform"),
        ({"language": "not a language"}, "language"),
        ({"q": "x" * 201}, "q"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"ordering": "name"}, "ordering"),
        ({"ordering": "-pk"}, "ordering"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
        # Present but empty is not "any": only leaving a parameter out is.
        ({"kind": ""}, "kind"),
        ({"status": ""}, "status"),
        ({"has_chat": ""}, "has_chat"),
        ({"category": ""}, "category"),
        ({"platform": ""}, "platform"),
        ({"language": ""}, "language"),
        ({"chat_weekday": ""}, "chat_weekday"),
        ({"updated_since": ""}, "updated_since"),
        ({"ordering": ""}, "ordering"),
        ({"page_size": ""}, "page_size"),
    ],
)
def test_a_malformed_parameter_is_a_400_naming_it(api, make_hashtag, query, field):
    make_hashtag("HCLDR")
    answer = api.get(LIST, query)
    assert answer.status_code == 400
    assert list(answer.json()) == [field]
    assert all(isinstance(message, str) for message in answer.json()[field])


def test_a_pending_entry_cannot_be_reached_through_the_status_filter(api, make_hashtag):
    make_hashtag("Waiting", status=Status.PENDING)
    assert api.get(LIST, {"status": "pending"}).status_code == 400
    assert tags(api.get(LIST, {"q": "waiting"})) == []


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["Alpha", "beta", "Gamma"]),
        ("tag", ["Alpha", "beta", "Gamma"]),
        ("-tag", ["Gamma", "beta", "Alpha"]),
        ("created", ["beta", "Gamma", "Alpha"]),
        ("-created", ["Alpha", "Gamma", "beta"]),
        ("updated", ["Gamma", "Alpha", "beta"]),
        ("-updated", ["beta", "Alpha", "Gamma"]),
    ],
)
def test_every_ordering(api, make_hashtag, ordering, expected):
    base = datetime(2024, 1, 1, tzinfo=UTC)
    # created: beta, Gamma, Alpha; updated: Gamma, Alpha, beta (tag order is casefolded).
    for tag, created, updated in [("beta", 1, 3), ("Gamma", 2, 1), ("Alpha", 3, 2)]:
        entry = make_hashtag(tag)
        Hashtag.objects.filter(pk=entry.pk).update(
            created=base + timedelta(days=created), updated=base + timedelta(days=updated)
        )
    query = {"ordering": ordering} if ordering else {}
    assert tags(api.get(LIST, query)) == expected


@pytest.mark.parametrize("ordering", ["tag", "-tag", "created", "-updated"])
def test_walking_the_pages_returns_each_public_entry_exactly_once(api, make_hashtag, ordering):
    made = [entry.tag for entry in complete_entries(23)]
    # Ties on the ordering field must not lose or repeat rows.
    same_time = datetime(2025, 5, 5, tzinfo=UTC)
    Hashtag.objects.filter(tag__in=made[::3]).update(created=same_time, updated=same_time)
    make_hashtag("Hidden", status=Status.PENDING)
    rows = walk(api, f"{LIST}?page_size=4&ordering={ordering}")
    assert sorted(row["tag"] for row in rows) == sorted(made)
    assert len(rows) == len(made)


def test_previous_links_walk_back_to_the_first_page(api, make_hashtag):
    for number in range(7):
        make_hashtag(f"Entry{number}")
    first = api.get(LIST, {"page_size": 3}).json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()
    assert [row["tag"] for row in back["results"]] == [row["tag"] for row in first["results"]]
    assert back["previous"] is None


def test_page_size_is_capped_at_one_hundred(api, make_hashtag):
    Hashtag.objects.bulk_create(
        [
            Hashtag(tag=f"Bulk{number:03d}", name="Bulk", kind="other", status=Status.APPROVED)
            for number in range(105)
        ]
    )
    answer = api.get(LIST, {"page_size": 1000})
    assert len(answer.json()["results"]) == 100
    assert answer.json()["next"] is not None
    assert len(api.get(LIST).json()["results"]) == 50


@pytest.mark.parametrize("cursor", ["not-a-cursor", "cD1cMDA=", "cD0yMDI0LTEzLTAx"])
def test_a_forged_cursor_is_refused_without_a_server_error(api, make_hashtag, cursor):
    make_hashtag("HCLDR")
    # The last two decode to positions that are not keys or dates ("p=\x00", "p=2024-13-01").
    answer = api.get(LIST, {"cursor": cursor, "ordering": "-created"})
    assert answer.status_code == 400
    assert answer.json()["cursor"][0].startswith("Invalid cursor: follow the next")


@pytest.mark.parametrize("count", [5, 100])
def test_the_list_costs_the_same_queries_for_5_and_for_100_entries(
    api, django_assert_max_num_queries, count
):
    complete_entries(count)
    # 1 page of entries, then one prefetch each for categories, platforms, chats, the
    # chats' breaks, moderators (with their accounts) and aliases.
    with django_assert_max_num_queries(7):
        answer = api.get(LIST, {"page_size": 100})
    rows = answer.json()["results"]
    assert len(rows) == count
    assert all(row["chats"] and row["moderators"] and row["aliases"] for row in rows)
    # Filtering by category adds the category's lookup.
    with django_assert_max_num_queries(8):
        api.get(LIST, {"page_size": 100, "category": "cancer", "has_chat": "true"})
