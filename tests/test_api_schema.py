"""The OpenAPI schema and its docs, and schemathesis fuzzing the live API against it.

schemathesis generates requests from the schema (valid ones, and invalid ones: wrong
types, NUL bytes, huge numbers, malformed bodies) with a fixed seed and a bounded number
of examples, sends them to the WSGI application in-process, and runs all its default
checks on every answer: no 5xx, only documented status codes, content types and headers,
bodies that match the documented schema, invalid input refused and valid input accepted.
"""

import json

import pytest
import schemathesis
import yaml
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from hashtags.api.views import EXAMPLE_REFERENCE
from hashtags.curation.moderation import submit_hashtag
from hashtags.models import Alias, Submission
from tests.support import make_user, token_header

pytestmark = pytest.mark.django_db
SEED = 20260310
MAX_EXAMPLES = 8


def test_the_schema_is_openapi_3_and_documents_every_endpoint():
    answer = APIClient().get("/api/v1/schema/")
    assert answer.status_code == 200
    schema = yaml.safe_load(answer.content)
    assert schema["openapi"].startswith("3.")
    operations = {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "patch", "put", "delete"}
    }
    assert operations == {
        "GET /api/v1/hashtags/",
        "POST /api/v1/hashtags/",
        "GET /api/v1/hashtags/{tag}/",
        "PATCH /api/v1/hashtags/{tag}/",
        "POST /api/v1/hashtags/{tag}/retire/",
        "POST /api/v1/hashtags/{tag}/verify/",
        "GET /api/v1/categories/",
        "GET /api/v1/categories/{slug}/",
        "GET /api/v1/chats/upcoming/",
        "GET /api/v1/changes/",
        "POST /api/v1/submissions/",
        "GET /api/v1/submissions/{reference}/",
        "POST /api/v1/submissions/{reference}/approve/",
        "POST /api/v1/submissions/{reference}/reject/",
        "GET /api/v1/export.json",
        "GET /api/v1/export.csv",
        "GET /api/v1/export.schema.json",
        "GET /api/v1/export/activity.csv",
    }
    list_parameters = {p["name"] for p in schema["paths"]["/api/v1/hashtags/"]["get"]["parameters"]}
    assert {
        "q",
        "category",
        "kind",
        "platform",
        "language",
        "status",
        "has_chat",
        "chat_weekday",
        "updated_since",
        "active_within_days",
        "ordering",
        "cursor",
        "page_size",
    } <= list_parameters
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "429" in operation["responses"], (method, path)
            if method != "get":
                assert {"401", "403"} <= set(operation["responses"]) or path.endswith(
                    "/submissions/"
                ), (method, path)
    # The detail carries the entry's activity with its daily series; the list does not.
    components = schema["components"]["schemas"]
    detail = schema["paths"]["/api/v1/hashtags/{tag}/"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"]["$ref"].endswith("/HashtagDetail")
    assert "activity" in components["HashtagDetail"]["properties"]
    assert "activity" not in components["Hashtag"]["properties"]
    assert set(components["Activity"]["properties"]) == {
        "as_of",
        "last_7_days",
        "last_seen",
        "series",
    }
    ordering = next(
        p
        for p in schema["paths"]["/api/v1/hashtags/"]["get"]["parameters"]
        if p["name"] == "ordering"
    )
    assert {"activity", "-activity"} <= set(ordering["schema"]["enum"])
    assert schema["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"
    submission_input = schema["components"]["schemas"]["SubmissionInputRequest"]
    assert {"submitter_email", "submitter_name"} <= set(submission_input["properties"])
    for name, component in schema["components"]["schemas"].items():
        if not name.endswith("Request"):
            assert "submitter_email" not in component.get("properties", {}), name


def test_what_may_be_null_is_written_as_openapi_3_1_says():
    """null is a type in OpenAPI 3.1: a nullable reference is a `oneOf` with `{"type":
    "null"}` (3.0's `nullable` beside a $ref admitted no null, and generated clients
    crashed on it), and no 3.0 `nullable` is left anywhere."""
    schema = yaml.safe_load(APIClient().get("/api/v1/schema/").content)
    assert schema["openapi"] == "3.1.0"
    assert "nullable" not in json.dumps(schema)
    components = schema["components"]["schemas"]
    successor = components["Hashtag"]["properties"]["replaced_by"]
    assert successor["oneOf"] == [{"$ref": "#/components/schemas/HashtagRef"}, {"type": "null"}]
    assert components["HashtagDetail"]["properties"]["replaced_by"]["oneOf"] == successor["oneOf"]
    counts = components["Activity"]["properties"]["last_7_days"]
    assert counts["oneOf"] == [{"$ref": "#/components/schemas/ActivityCounts"}, {"type": "null"}]
    page = components["PaginatedHashtagList"]
    assert page["properties"]["next"]["type"] == ["string", "null"]
    assert set(page["required"]) == {"next", "previous", "results"}


def parameter_schemas(schema: dict, path: str) -> dict[str, dict]:
    return {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}


def test_the_rules_the_api_enforces_are_stated_in_the_schema():
    schema = yaml.safe_load(APIClient().get("/api/v1/schema/").content)
    entries = parameter_schemas(schema, "/api/v1/hashtags/")
    assert entries["active_within_days"] == {"type": "integer", "minimum": 1, "maximum": 3650}
    for name in ("category", "platform", "updated_since"):
        assert entries[name]["pattern"] == r"\S", name  # given empty or blank: refused
    assert "pattern" in entries["language"] and "pattern" in entries["q"]
    assert parameter_schemas(schema, "/api/v1/chats/upcoming/")["tz"]["maxLength"] == 64
    assert "pattern" in parameter_schemas(schema, "/api/v1/export.json")["include_retired"]


def test_the_schema_states_the_unconfirmed_status_and_the_include_parameter():
    schema = yaml.safe_load(APIClient().get("/api/v1/schema/").content)
    include = parameter_schemas(schema, "/api/v1/chats/upcoming/")["include"]
    assert include["enum"] == ["unconfirmed"]
    components = schema["components"]["schemas"]
    statuses = [
        found["enum"]
        for found in components.values()
        if set(found.get("enum") or ()) >= {"active", "ended", "paused", "upcoming"}
    ]
    assert statuses and all("unconfirmed" in values for values in statuses)
    occurrence = components["Occurrence"]["properties"]
    assert "status" in occurrence
    # The API answers as the schema says: the one value, and nothing else.
    for value, code in (("unconfirmed", 200), ("", 400), ("Unconfirmed", 400), ("all", 400)):
        answer = APIClient().get("/api/v1/chats/upcoming/", {"include": value})
        assert answer.status_code == code, (value, answer.content[:300])
        assert Draft202012Validator(include).is_valid(value) == (code == 200)


@pytest.mark.parametrize(
    ("parameter", "values"),
    [
        ("language", ["en", "EN-gb", " pt-BR ", "en_US", "zh-Hant-TW", "x-foo", "i-klingon"]),
        ("language", ["", "  ", "en-", "e", "en--US", "en GB", "a" * 36]),
        ("q", ["", "  ", "cancer care", " " + "a" * 200 + " "]),
        ("q", ["a" * 201, "a\x00b"]),
        ("active_within_days", ["1", "3650"]),
        ("active_within_days", ["0", "3651", "", "x"]),
        ("kind", ["chat"]),
        ("kind", ["", "Chat"]),
    ],
)
def test_the_schemas_rules_and_the_apis_answers_agree(parameter, values):
    """Each value is accepted by the API exactly when the schema admits it."""
    schema = yaml.safe_load(APIClient().get("/api/v1/schema/").content)
    rule = Draft202012Validator(parameter_schemas(schema, "/api/v1/hashtags/")[parameter])
    for value in values:
        typed = int(value) if rule.schema.get("type") == "integer" and value.isdigit() else value
        admitted = rule.is_valid(typed)
        answer = APIClient().get("/api/v1/hashtags/", {parameter: value})
        assert answer.status_code == (200 if admitted else 400), (value, answer.content[:300])


def test_only_what_needs_a_token_says_so():
    """Swagger UI puts a padlock on every operation with a security requirement: the
    public reads and the submission need none, the curators' writes need the token."""
    schema = yaml.safe_load(APIClient().get("/api/v1/schema/").content)
    security = {
        f"{method.upper()} {path}": operation.get("security")
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "patch")
    }
    for name, required in security.items():
        curators_only = name.startswith(("PATCH", "POST /api/v1/hashtags/")) or name.endswith(
            ("/approve/", "/reject/")
        )
        assert required == ([{"tokenAuth": []}] if curators_only else []), name
    anonymous = APIClient()
    for name, required in security.items():
        if name.startswith("GET") and required == [] and "{" not in name:
            assert anonymous.get(name.split(" ", 1)[1]).status_code == 200, name


def test_the_docs_page_uses_local_assets_only():
    answer = APIClient().get("/api/v1/docs/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    asset = APIClient().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
    # No inline script: Swagger UI's start-up code is a file of its own (strict CSP).
    assert "<script>" not in html
    start_up = APIClient().get("/api/v1/docs/?script=")
    assert start_up.status_code == 200 and "SwaggerUIBundle" in start_up.content.decode()


# --- schemathesis ------------------------------------------------------------------------

# The schema states every rule a schema can (hashtags/api/schema.py `_state_rules`: empty
# filters, limits, BCP 47's syntax, the export's yes/no values), so the other operations
# are held to "valid request accepted" and every operation to "invalid request refused".
# Rules a schema cannot express: a tag that is syntactically a string but not a hashtag,
# a duplicate, an unknown category or zone, a chat whose frequency and weeks disagree, a
# window longer than 31 days (two parameters). Schema-valid input breaking them is
# refused with a 400 naming the field, which schemathesis is told to accept for these
# operations only.
DOMAIN_RULE_OPERATIONS = [
    ("POST", "/api/v1/submissions/"),
    ("POST", "/api/v1/hashtags/"),
    ("PATCH", "/api/v1/hashtags/{tag}/"),
    ("POST", "/api/v1/submissions/{reference}/reject/"),
    ("GET", "/api/v1/chats/upcoming/"),
]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        "operations": [
            {
                "include-method": method,
                "include-path": path,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]
                    }
                },
            }
            for method, path in DOMAIN_RULE_OPERATIONS
        ],
    }
)


# The live schema, fetched from the application itself (no database needed to build it).
APPLICATION = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", APPLICATION, config=CONFIG)


@pytest.fixture
def in_process(settings):
    """Call the application inside the test's transaction, as Django's test client does:
    keep the per-request connection handling from closing the test's connection. Turn
    throttles off so that every request is judged on its merits rather than answered 429.
    """
    settings.RATE_LIMITS_ENABLED = False
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def registry(make_hashtag, make_chat, make_category):
    """Real data for the fuzzer to find at the schema's example paths: an entry with an
    alias, chats and a category (HCLDR, cancer), and a pending submission."""
    cancer = make_category("cancer")
    entry = make_hashtag("HCLDR", categories=[cancer], platforms=["x"])
    make_chat(entry, weekdays="TU")
    make_chat(entry, frequency="monthly", weekdays="TH", month_weeks="1,-1")
    Alias(hashtag=entry, tag="HealthcareLeaders").save()
    waiting = submit_hashtag(
        tag="Waiting", name="Waiting", kind="other", submitter_name="S", submitter_email="s@x.org"
    )
    Submission.objects.filter(pk=waiting.pk).update(reference=EXAMPLE_REFERENCE)


@pytest.fixture
def curator_token(db) -> str:
    return token_header(make_user("fuzzing-curator", curator=True))


@schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_failure(case, in_process, registry, curator_token):
    # With a curator's token every write is exercised past its permission check; the
    # ignored_auth check re-sends each write without the token and expects a 401.
    # Uncompressed answers: the in-process transport does not undo gzip as an HTTP client
    # would (compression has its own tests, tests/test_conformance_web.py).
    case.call_and_validate(headers={"Authorization": curator_token, "Accept-Encoding": "identity"})
