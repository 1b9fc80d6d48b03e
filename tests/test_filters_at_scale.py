"""Filtered views at scale (issue 26): the list filters of the site and the API read each
public entry's published row (`Published.terms`, one indexed table), and a filtered
view's counts stop at a cap, shown as "1,000+" with a sentence saying so."""

import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from directory.filters import DirectoryFilter
from hashtags import counts
from hashtags import published as producer
from hashtags.models import Hashtag, Published

pytestmark = pytest.mark.django_db

fill_terms = __import__("hashtags.migrations.0025_published_terms", fromlist=["fill"]).fill


@pytest.fixture
def registry(make_hashtag, make_category):
    conditions = make_category("conditions", name="Conditions")
    cancer = make_category("cancer", parent=conditions, name="Cancer")
    for number in range(5):
        make_hashtag(
            f"Onco{number}", kind="disease", categories=[cancer], platforms=["x"],
            language="en-GB" if number % 2 else "en",
        )  # fmt: skip
    make_hashtag("Salud", kind="community", language="es", platforms=["bluesky"])
    return SimpleNamespace(conditions=conditions, cancer=cancer)


def test_the_published_terms_hold_what_the_filters_read(registry):
    row = Published.objects.get(key="onco1")
    assert sorted(row.terms) == sorted(
        ["k:disease", "h:0", "l:en", "l:en-gb", "e:en-gb", f"c:{registry.cancer.pk}", "p:x"]
    )
    assert producer.language_forms("zh-Hant-TW") == ["zh", "zh-hant", "zh-hant-tw"]


@pytest.mark.parametrize(
    ("params", "tags"),
    [
        ({"category": "conditions"}, {"Onco0", "Onco1", "Onco2", "Onco3", "Onco4"}),
        ({"language": "EN-gb"}, {"Onco1", "Onco3"}),
        ({"language": "en", "platform": "X", "kind": "disease"}, {f"Onco{n}" for n in range(5)}),
        ({"language": "es", "has_chat": "false"}, {"Salud"}),
        ({"platform": "bluesky", "kind": "disease"}, set()),
    ],
)
def test_the_site_and_the_api_list_the_same_entries(client, registry, params, tags):
    listed = client.get("/api/v1/hashtags/", params).json()["results"]
    assert {entry["tag"] for entry in listed} == tags
    page = client.get("/hashtags/", params).content.decode()
    shown = set(re.findall(r'href="/hashtags/([A-Za-z0-9]+)/"', page))
    assert shown == tags


def test_counts_past_the_cap_show_as_a_lower_bound_and_the_page_says_so(
    client, registry, monkeypatch
):
    monkeypatch.setattr(counts, "COUNT_CAP", 3)
    monkeypatch.setattr("directory.filters.COUNT_CAP", 3)
    page = client.get("/hashtags/", {"platform": "x"}).content.decode()
    assert '<h2 class="results-count">3+ hashtags found</h2>' in page
    assert "Counts above 3 are shown as 3+" in page
    assert re.search(r'Disease / condition <span class="count">3\+<', page)
    # Every entry is still listed: only the counts stop at the cap.
    assert len(re.findall(r'href="/hashtags/Onco\d/"', page)) >= 5
    # Below the cap, counts are exact and the sentence is not shown.
    page = client.get("/hashtags/", {"platform": "bluesky", "kind": "community"}).content.decode()
    assert '<h2 class="results-count">1 hashtag found</h2>' in page
    assert "Counts above" not in page


def test_a_filtered_views_counts_are_one_statement_on_the_published_rows(registry):
    filterset = DirectoryFilter(
        {"kind": "disease", "platform": "x", "language": "en"}, queryset=Hashtag.objects.public()
    )
    assert filterset.is_valid()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        facets = filterset.facets_in_sql()
    counting = [q["sql"] for q in queries if "COUNT(*)" in q["sql"]]
    assert len(counting) == 1
    assert "hashtags_hashtag_categories" not in counting[0]
    assert "hashtags_chat" not in counting[0]
    assert facets.total == 5
    assert {value.label: value.count for value in facets.languages}.get("English") == 5


def test_the_migration_fills_the_terms_of_rows_already_published(registry):
    produced = {row.entry_id: sorted(row.terms) for row in Published.objects.all()}
    Published.objects.update(terms=[])
    assert (
        not Hashtag.objects.public()
        .filter(pk__in=Published.objects.values("entry_id"))
        .filter(pk__in=Published.objects.filter(terms__has_all=["k:disease"]).values("entry_id"))
    )
    fill_terms(apps, SimpleNamespace(connection=connection))
    assert {row.entry_id: sorted(row.terms) for row in Published.objects.all()} == produced


def test_a_category_moved_elsewhere_filters_by_its_new_place(client, registry, make_category):
    """The terms hold an entry's own categories; the subtree is read when filtering, so
    moving a category needs no entry published again."""
    elsewhere = make_category("elsewhere", name="Elsewhere")
    registry.cancer.parent = elsewhere
    registry.cancer.save()
    listed = client.get("/api/v1/hashtags/", {"category": "elsewhere"}).json()["results"]
    assert len(listed) == 5
    assert client.get("/api/v1/hashtags/", {"category": "conditions"}).json()["results"] == []
