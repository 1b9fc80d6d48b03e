"""The filters the directory page and the API share (hashtags/filters.py): one table of
cases, each asked of /hashtags/ and of GET /api/v1/hashtags/, which must agree on the
entries a valid value gives and on the 400 (naming the parameter, same message) an
unknown, malformed or empty value gets. The counts each surface shows next to a filter
value or a category are the results choosing it gives."""

import html
import re
from datetime import time

import pytest

from tests.support import offered, tags_on

pytestmark = pytest.mark.django_db
SITE = "/hashtags/"
API = "/api/v1/hashtags/"
EVERY_ENTRY = {"HCLDR", "BCSM", "LCSM", "Salud", "Paused"}


@pytest.fixture
def registry(make_hashtag, make_category, make_chat):
    diseases = make_category("diseases", name="Diseases")
    cancer = make_category("cancer", parent=diseases, name="Cancer")
    breast = make_category("breast-cancer", parent=cancer, name="Breast cancer")
    leadership = make_category("leadership", name="Leadership")
    hcldr = make_hashtag(
        "HCLDR", name="Healthcare Leaders", kind="chat", categories=[leadership],
        platforms=["x"], language="en",
    )  # fmt: skip
    make_chat(hcldr, weekdays="TU", start_time=time(20, 30))
    bcsm = make_hashtag(
        "BCSM", name="Breast Cancer Social Media", kind="disease", categories=[breast],
        platforms=["x", "bluesky"], language="en-GB",
    )  # fmt: skip
    make_chat(bcsm, weekdays="MO", start_time=time(21, 0))
    make_hashtag(
        "LCSM", name="Lung Cancer Social Media", kind="disease", categories=[cancer],
        platforms=["bluesky"], language="EN",
    )  # fmt: skip
    make_hashtag("Salud", name="Salud digital", kind="community", categories=[diseases],
                 language="es")  # fmt: skip
    paused = make_hashtag("Paused", name="A paused chat", kind="other", language="fr")
    make_chat(paused, weekdays="WE", is_active=False)
    make_hashtag("Waiting", name="Cancer pending", categories=[cancer], language="en",
                 status="pending")  # fmt: skip


def site_tags(visitor, params: dict) -> set[str]:
    page = visitor.get(SITE, params)
    assert page.status_code == 200, params
    return set(tags_on(page.content.decode()))


def api_tags(api, params: dict) -> set[str]:
    answer = api.get(API, params)
    assert answer.status_code == 200, (params, answer.content)
    return {row["tag"] for row in answer.json()["results"]}


VALID = [
    ({}, EVERY_ENTRY),
    ({"q": ""}, EVERY_ENTRY),  # the search box submitted blank
    ({"q": "cancer"}, {"BCSM", "LCSM"}),
    ({"category": "diseases"}, {"BCSM", "LCSM", "Salud"}),  # and its sub-categories
    ({"category": "cancer"}, {"BCSM", "LCSM"}),
    ({"category": "breast-cancer"}, {"BCSM"}),
    ({"kind": "disease"}, {"BCSM", "LCSM"}),
    ({"platform": "bluesky"}, {"BCSM", "LCSM"}),
    ({"platform": "X"}, {"HCLDR", "BCSM"}),  # codes in any case
    ({"language": "en"}, {"HCLDR", "BCSM", "LCSM"}),  # regional: en-GB and EN too
    ({"language": "EN"}, {"HCLDR", "BCSM", "LCSM"}),
    ({"language": "en-gb"}, {"BCSM"}),
    ({"language": "es"}, {"Salud"}),
    ({"language": "de"}, set()),  # a valid tag no entry has
    ({"has_chat": "true"}, {"HCLDR", "BCSM"}),
    ({"has_chat": "FALSE"}, {"LCSM", "Salud", "Paused"}),  # an inactive chat is none
    ({"category": "cancer", "language": "en", "has_chat": "true"}, {"BCSM"}),
    ({"q": "social", "kind": "disease", "platform": "x"}, {"BCSM"}),
]


@pytest.mark.parametrize(("params", "expected"), VALID)
def test_a_valid_value_gives_the_same_entries_on_the_site_and_the_api(
    visitor, api, registry, params, expected
):
    assert site_tags(visitor, params) == expected
    assert api_tags(api, params) == expected


INVALID = [
    ({"q": "x" * 201}, "q"),
    ({"category": "no-such-category"}, "category"),
    ({"category": "Cancer "}, "category"),
    ({"kind": "spaceship"}, "kind"),
    ({"platform": "myspace"}, "platform"),
    ({"language": "not a language"}, "language"),
    ({"language": "e" * 36}, "language"),
    ({"has_chat": "maybe"}, "has_chat"),
    ({"has_chat": "1"}, "has_chat"),
    # Given empty is not "any" (only leaving the parameter out is): a link that lost its
    # value should say so rather than show every entry.
    ({"category": ""}, "category"),
    ({"kind": ""}, "kind"),
    ({"platform": " "}, "platform"),
    ({"language": ""}, "language"),
    ({"has_chat": ""}, "has_chat"),
]


@pytest.mark.parametrize(("params", "parameter"), INVALID)
def test_a_bad_value_is_a_400_naming_the_parameter_on_both(
    visitor, api, registry, params, parameter
):
    answer = api.get(API, {"kind": "disease", **params})
    assert answer.status_code == 400
    assert list(answer.json()) == [parameter]
    messages = answer.json()[parameter]
    assert messages and all(isinstance(message, str) and message for message in messages)

    page = visitor.get(SITE, {"kind": "disease", **params})
    assert page.status_code == 400
    shown = re.findall(r"<li>([^<]*)</li>", page.content.decode())
    # The same parameter and the same words as the API.
    assert [html.unescape(line) for line in shown] == [f"{parameter}: {m}" for m in messages]


def test_the_messages_say_what_is_wrong(api, registry):
    def message(params: dict) -> str:
        [(parameter, [text])] = api.get(API, params).json().items()
        return f"{parameter}: {text}"

    assert message({"category": "oncology"}) == (
        "category: There is no category with the slug “oncology”."
    )
    assert (
        message({"platform": "MySpace"})
        == "platform: There is no platform with the code “myspace”."
    )
    assert message({"kind": "blog"}).startswith("kind: There is no kind “blog”; use one of chat,")
    assert message({"has_chat": "yes"}) == "has_chat: Use true or false (got “yes”)."
    assert message({"language": "english"}) == (
        "language: Enter a BCP 47 language tag, e.g. en, es, pt-BR (got english)."
    )
    assert message({"kind": ""}) == "kind: Give a value, or leave the parameter out."


@pytest.mark.parametrize(
    "params", [{}, {"kind": "disease"}, {"language": "en"}, {"q": "cancer", "has_chat": "true"}]
)
def test_each_count_on_the_site_is_what_choosing_it_gives_on_both(visitor, api, registry, params):
    counts = offered(visitor.get(SITE, params).content.decode())
    assert counts
    for (parameter, value), count in counts.items():
        chosen = {**params, parameter: value}
        assert len(site_tags(visitor, chosen)) == count, chosen
        assert len(api_tags(api, chosen)) == count, chosen


def test_a_language_counts_its_regional_forms(visitor, registry):
    counts = offered(visitor.get(SITE).content.decode())
    languages = {value: n for (name, value), n in counts.items() if name == "language"}
    # en, en-GB and EN entries under en (one value, whatever the case); en-GB on its own.
    assert languages == {"en": 3, "en-GB": 1, "es": 1, "fr": 1}
    page = visitor.get(SITE, {"language": "en-GB"}).content.decode()
    chosen = re.search(r'class="selected" href="[^"]*">([^<]*)<span class="count">(\d+)', page)
    assert chosen.group(2) == "1"


def test_every_category_count_is_the_same_on_both_and_what_choosing_it_gives(
    visitor, api, registry
):
    answer = api.get("/api/v1/categories/")
    api_counts = {row["slug"]: row["entry_count"] for row in answer.json()["results"]}
    assert api_counts == {"diseases": 3, "cancer": 2, "breast-cancer": 1, "leadership": 1}
    tree = visitor.get("/categories/").content.decode()
    for slug, count in api_counts.items():
        assert re.search(
            rf'href="/categories/{slug}/">[^<]+</a> <span class="count">{count} ', tree
        )
        assert api.get(f"/api/v1/categories/{slug}/").json()["entry_count"] == count
        assert len(site_tags(visitor, {"category": slug})) == count
        assert len(api_tags(api, {"category": slug})) == count
