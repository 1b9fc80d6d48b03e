"""The API's real answers, on the demo registry, validated against the OpenAPI schema it
serves by an independent validator (openapi-schema-validator, OpenAPI 3.1 dialect, with
its format checker): every list page, every entry's detail, and the other reads.

The entries' JSON is written by hashtags.published and described by the serializers; this
is where the two are held to each other, null values included (`replaced_by`,
`activity.last_7_days`: see tests.openapi_support).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator
from rest_framework.test import APIClient

from hashtags.models import Hashtag, Submission
from tests.openapi_support import COUNTED, RETIRED, seed_demo_registry, served_schema
from tests.support import shared_by_the_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema() -> dict:
    return served_schema()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo registry, seeded once for the module (seeding takes seconds): the tests
    only read it, each in a savepoint of its own."""
    with shared_by_the_module(django_db_blocker):
        seed_demo_registry()
        yield


@pytest.fixture
def demo(seeded, db, settings) -> None:
    # Every entry read in turn: judged on its answer, not throttled.
    settings.RATE_LIMITS_ENABLED = False


def errors_in(answer, schema: dict, path: str, method: str = "get") -> list[str]:
    """Every way the answer's JSON breaks the schema the operation documents for its
    status code (an empty list when it conforms)."""
    responses = schema["paths"][path][method]["responses"]
    documented = responses[str(answer.status_code)]["content"]["application/json"]["schema"]
    # The operation's schema, resolved against the whole document's components.
    validator = OAS31Validator(
        {**documented, "components": schema["components"]},
        format_checker=OAS31Validator.FORMAT_CHECKER,
    )
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(answer.json())
    ]


def read(url: str) -> Any:
    answer = APIClient().get(url)
    assert answer.status_code == 200, (url, answer.content[:500])
    return answer


def test_every_list_page_conforms_to_the_schema(demo, schema):
    url, pages, entries = "/api/v1/hashtags/?page_size=40", 0, 0
    while url:
        answer = read(url)
        assert errors_in(answer, schema, "/api/v1/hashtags/") == []
        entries += len(answer.json()["results"])
        url, pages = answer.json()["next"], pages + 1
    assert pages > 1 and entries == Hashtag.objects.public().count()


def test_every_entrys_detail_conforms_to_the_schema(demo, schema):
    tags = list(Hashtag.objects.public().order_by("key").values_list("tag", flat=True))
    for tag in tags:
        answer = read(f"/api/v1/hashtags/{tag}/")
        assert errors_in(answer, schema, "/api/v1/hashtags/{tag}/") == [], tag
    # Both shapes of what may be null were answered and held to the schema.
    retired = read(f"/api/v1/hashtags/{RETIRED}/").json()
    assert retired["status"] == "retired" and retired["replaced_by"]["tag"]
    assert read(f"/api/v1/hashtags/{COUNTED}/").json()["activity"]["last_7_days"]["uses"] > 0
    assert read(f"/api/v1/hashtags/{tags[0]}/").json()["activity"]["last_7_days"] is None


def test_the_other_reads_conform_to_the_schema(demo, schema):
    for url, path in [
        ("/api/v1/categories/", "/api/v1/categories/"),
        ("/api/v1/categories/cancer/", "/api/v1/categories/{slug}/"),
        ("/api/v1/chats/upcoming/?tz=Europe/Paris", "/api/v1/chats/upcoming/"),
        ("/api/v1/hashtags/?q=cancer&has_chat=true", "/api/v1/hashtags/"),
        ("/api/v1/hashtags/?status=retired", "/api/v1/hashtags/"),
    ]:
        assert errors_in(read(url), schema, path) == [], url
    assert read("/api/v1/chats/upcoming/").json()["results"]
    submission = Submission.objects.order_by("pk").first()
    answer = read(f"/api/v1/submissions/{submission.reference}/")
    assert errors_in(answer, schema, "/api/v1/submissions/{reference}/") == []


def test_an_answer_that_breaks_the_schema_is_caught(demo, schema):
    """The check itself: the validator does find a null where the schema admits none."""
    answer = read("/api/v1/hashtags/?page_size=2")
    answer.json()["results"][0]["categories"] = None
    assert errors_in(answer, schema, "/api/v1/hashtags/") == [
        "results/0/categories: None is not of type 'array'"
    ]
