"""The JSON export's JSON Schema (hashtags/opendata/schemas/export-v1.schema.json): served at a
stable address, linked from every JSON export, and the export validates against it with
an independent validator (the `jsonschema` library, Draft 2020-12, formats checked).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from hashtags.api.schema import export_components
from hashtags.models import Frequency, Kind, Role, Weekday
from hashtags.opendata import registry_io
from tests.openapi_support import RETIRED, SUCCESSOR, seed_demo_registry, served_schema
from tests.support import shared_by_the_module

pytestmark = pytest.mark.django_db

ADDRESS = "/api/v1/export.schema.json"


def the_schema() -> dict:
    return json.loads(registry_io.SCHEMA_FILE.read_text(encoding="utf-8"))


def errors(document: dict) -> list[str]:
    validator = Draft202012Validator(
        the_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def exported(client, query: str = "") -> dict:
    answer = client.get("/api/v1/export.json" + query)
    assert answer.status_code == 200
    return json.loads(b"".join(answer.streaming_content))


def test_the_schema_is_a_valid_json_schema_of_this_format():
    schema = the_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["format"] == {"const": registry_io.FORMAT_NAME}
    assert schema["properties"]["version"] == {"const": registry_io.FORMAT_VERSION}
    assert registry_io.SCHEMA_FILE.name == f"export-v{registry_io.FORMAT_VERSION}.schema.json"


def test_the_schema_names_the_registrys_own_values():
    """A kind, frequency, weekday or role added to the models is a change of the format,
    made in the schema too."""
    definitions = the_schema()["$defs"]
    entry = definitions["entry"]["properties"]
    assert entry["kind"]["enum"] == Kind.values
    assert entry["status"]["enum"] == ["approved", "retired"]
    assert definitions["chat"]["properties"]["frequency"]["enum"] == Frequency.values
    assert definitions["weekday"]["enum"] == Weekday.values
    assert definitions["host"]["properties"]["role"]["enum"] == Role.values


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo registry, seeded once for the module (seeding takes seconds): the tests
    only read it, each in a savepoint of its own."""
    with shared_by_the_module(django_db_blocker):
        seed_demo_registry()
        yield


def test_the_demo_registrys_export_validates_against_its_schema(demo, client, settings):
    settings.RATE_LIMITS_ENABLED = False
    for query in ("", "?include_retired=1"):
        document = exported(client, query)
        assert errors(document) == [], query
    # What the schema describes in full was there to be checked: breaks, cancelled
    # meetings, monthly chats, hosts with their years, a successor.
    chats = [chat for entry in document["hashtags"] for chat in entry["chats"]]
    hosts = [host for entry in document["hashtags"] for host in entry["moderators"]]
    assert any(chat["pauses"] for chat in chats)
    assert any(chat["cancelled_dates"] for chat in chats)
    assert any(chat["frequency"] == "monthly" for chat in chats)
    assert any(host["since"] for host in hosts)
    (retired,) = [entry for entry in document["hashtags"] if entry["tag"] == RETIRED]
    assert retired["replaced_by"] == SUCCESSOR


def test_chats_and_hosts_are_described_in_full(demo, client, settings):
    settings.RATE_LIMITS_ENABLED = False
    document = exported(client)
    entry = next(entry for entry in document["hashtags"] if entry["chats"] and entry["moderators"])
    chat, host = entry["chats"][0], entry["moderators"][0]
    chat["start_time"] = "8:30 PM"
    chat["weekdays"] = ["Tuesday"]
    del host["handle"]
    host["role"] = "owner"
    host["email"] = "someone@example.org"
    found = errors(document)
    assert len(found) == 5, found
    for part in ("start_time", "weekdays/0", "'handle' is a required", "'owner'", "'email'"):
        assert any(part in error for error in found), (part, found)


def test_the_schema_is_served_at_a_stable_address_as_the_file_in_the_repository():
    answer = APIClient().get(ADDRESS)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/schema+json"
    assert answer.content == registry_io.SCHEMA_FILE.read_bytes()
    assert "public" in answer["Cache-Control"]
    again = APIClient().get(ADDRESS, headers={"if-none-match": answer["ETag"]})
    assert again.status_code == 304


def test_the_schema_spends_the_export_budget_but_not_when_unchanged(client, settings):
    settings.EXPORT_RATE = "1/hour"
    etag = client.get(ADDRESS)["ETag"]
    assert client.get(ADDRESS).status_code == 429
    assert client.get(ADDRESS, headers={"if-none-match": etag}).status_code == 304


def test_every_json_export_links_to_its_schema(client):
    link = f'<{settings.SITE_URL}{ADDRESS}>; rel="describedby"'
    answer = client.get("/api/v1/export.json")
    assert link in answer["Link"] and 'rel="license"' in answer["Link"]
    unchanged = client.get("/api/v1/export.json", headers={"if-none-match": answer["ETag"]})
    assert unchanged.status_code == 304 and link in unchanged["Link"]
    assert "describedby" not in client.get("/api/v1/export.csv")["Link"]


def test_the_openapi_schema_describes_the_export_with_the_same_schema():
    components = served_schema()["components"]["schemas"]
    for name, component in export_components().items():
        assert components[name] == component, name
    chats = components["ExportEntry"]["properties"]["chats"]
    assert chats["items"] == {"$ref": "#/components/schemas/ExportChat"}
