"""The site as its users' tools see it, checked by independent validators:

- every public page type, rendered by the application, passes the Nu HTML Checker (the
  W3C's validator, vnu.jar), all pages in one run of the checker;
- the OpenAPI schema passes openapi-spec-validator and Redocly's linter
  (tools/redocly.yaml says which rules are kept and why the others are off);
- every answer sends a Permissions-Policy; answers are compressed, except pages that carry
  a CSRF token; the API root and the footer lead to the docs; the docs page is one of
  the site's own, under the strict Content Security Policy, without console errors.

The checkers come from npm (tools/package.json: vnu-jar, @redocly/cli; `npm ci --prefix
tools`, which .ci/run does) and run on Java and Node.js. Where one is missing the test
skips, saying so, except under CI, where it fails.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from hashtags.curation import moderation, stewardship, suggestions
from hashtags.models import Hashtag, Steward, Submission
from tests.browser.helpers import (
    VIEWPORTS,
    browser,  # noqa: F401 (a fixture)
    browser_db,
    new_page,
    site,  # noqa: F401 (a fixture)
)
from tests.submission_helpers import submission_data

TOOLS = Path(settings.BASE_DIR) / "tools"
VNU_JAR = TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
REDOCLY = TOOLS / "node_modules" / ".bin" / "redocly"
# Redocly's CLI would otherwise report usage and look for updates over the network.
QUIET_REDOCLY = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}


def require(path: Path | None, what: str) -> None:
    """Skip (fail under CI) when a checker is not installed."""
    if path is not None and Path(path).exists():
        return
    reason = f"{what} is not installed (npm ci --prefix tools; Java for vnu.jar)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run it.")
    pytest.skip(reason)


def java() -> Path | None:
    found = shutil.which("java")
    return Path(found) if found else None


# --- The Nu HTML Checker over every public page type ------------------------------------


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def steward_link() -> str:
    entry = Hashtag.objects.public().get(tag="HCLDR")
    steward = Steward.objects.create(
        hashtag=entry, name="Sam Host", email="sam@example.org", state=Steward.State.ACTIVE
    )
    return f"/steward/{stewardship.make_token(steward, 'act')}/"


def changes_requested() -> str:
    """The status page of an edit suggestion whose author was asked for changes."""
    suggested = suggestions.suggest_edit(
        hashtag=Hashtag.objects.public().get(tag="HCLDR"),
        submitter_name="Sam",
        submitter_email="sam@example.org",
        website="https://hcldr.example.org/new/",
    )
    moderation.request_changes(
        submission=suggested, curator=None, message="Is this its own site?\nIt says little."
    )
    return f"/submit/status/{suggested.reference}/"


def rendered_pages(client) -> dict[str, tuple[int, str]]:
    """name -> (status, HTML) of each kind of page a visitor can reach."""
    reference = Submission.objects.order_by("pk").first().reference
    gets = {
        "home": "/",
        "directory-filtered": "/hashtags/?q=cancer&has_chat=true&language=en",
        "directory-category-kind": "/hashtags/?category=cancer&kind=chat",
        "entry": "/hashtags/HCLDR/",
        "entry-history": "/hashtags/HCLDR/history/",
        "categories": "/categories/",
        "category": "/categories/cancer/",
        "chats": "/chats/",
        "chats-in-a-zone": "/chats/?tz=Europe/Paris",
        # The demo confirms no entry: its meetings show only when asked for, labelled.
        "chats-unconfirmed-included": "/chats/?tz=Europe/Paris&include=unconfirmed",
        "entry-unconfirmed-chat": "/hashtags/BCSM/",
        "submit": "/submit/",
        "submission-status": f"/submit/status/{reference}/",
        "suggestion-changes-requested": changes_requested(),
        "report": "/hashtags/HCLDR/report/",
        "suggest": "/hashtags/HCLDR/suggest/",
        "claim": "/hashtags/HCLDR/claim/",
        "steward": steward_link(),
        "api-docs": "/api/v1/docs/",
        "not-found-entry": "/hashtags/NoSuchTag/",
        "not-found": "/no/such/page/",
        "bad-filter": "/hashtags/?kind=spaceship",
        "bad-request": "/hashtags/?q=%00",
    }
    pages = {}
    for name, url in gets.items():
        answer = client.get(url)
        pages[name] = (answer.status_code, answer.content.decode())
    # The form shown again with its errors: a mistyped address, an unknown zone.
    answer = client.post(
        "/submit/",
        submission_data(
            tag="#BrandNewChat",
            website="not an address",
            **{"chats-0-timezone": "Mars/Olympus", "moderators-0-profile_url": "nope nope"},
        ),
    )
    pages["submit-with-errors"] = (answer.status_code, answer.content.decode())
    # Text that date, time and number inputs cannot hold (a client without a date picker):
    # the form shows the errors with those fields empty, not the text back in them.
    answer = client.post(
        "/submit/",
        submission_data(
            tag="#AnotherNewChat",
            kind="conference",
            start_date="31/10/2023",
            end_date="soon",
            **{
                "chats-0-start_time": "8pm",
                "chats-0-duration_minutes": "an hour",
                "chats-0-interval": "weekly",
                "chats-0-starts_on": "next Tuesday",
                "moderators-0-since": "twenty",
            },
        ),
    )
    pages["submit-with-untypable-values"] = (answer.status_code, answer.content.decode())
    return pages


def test_every_public_page_type_passes_the_nu_html_checker(client, demo, tmp_path):
    require(java(), "Java")
    require(VNU_JAR, "The Nu HTML Checker (vnu-jar)")
    pages = rendered_pages(client)
    expected = {"not-found-entry": 404, "not-found": 404, "bad-filter": 400, "bad-request": 400}
    expected["submit-with-errors"] = expected["submit-with-untypable-values"] = 400
    for name, (status, html) in pages.items():
        assert status == expected.get(name, 200), (name, status)
        assert html.lstrip().lower().startswith("<!doctype html>"), name
    assert "Enter a valid URL" in pages["submit-with-errors"][1]
    errors = nu_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)


def nu_errors(pages: dict[str, tuple[int, str]], folder: Path) -> list[str]:
    """The Nu HTML Checker's errors on these pages (its warnings are reported as such)."""
    files = []
    for name, (_status, html) in pages.items():
        path = folder / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))

    # One JVM for every page: the checker takes them all in one run.
    run = subprocess.run(  # noqa: S603 (fixed arguments)
        [str(java()), "-jar", str(VNU_JAR), "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    messages = json.loads(run.stdout)["messages"]
    assert run.returncode in {0, 1}, run.stderr

    def where(message: dict) -> str:
        page = Path(message.get("url", "")).stem
        return f"{page}:{message.get('lastLine', '?')}: {message['message']}"

    for warning in (where(m) for m in messages if m["type"] == "info"):
        warnings.warn(f"Nu HTML Checker: {warning}", stacklevel=1)
    return [where(m) for m in messages if m["type"] in {"error", "non-document-error"}]


def test_every_language_passes_the_nu_html_checker(client, demo, tmp_path):
    """The pages in Spanish, French, Portuguese and German, the entry form shown again
    with its errors among them."""
    require(java(), "Java")
    require(VNU_JAR, "The Nu HTML Checker (vnu-jar)")
    reference = Submission.objects.order_by("pk").first().reference
    paths = {
        "home": "/",
        "directory-filtered": "/hashtags/?q=cancer&has_chat=true&language=en",
        "entry": "/hashtags/HCLDR/",
        "entry-history": "/hashtags/HCLDR/history/",
        "category": "/categories/cancer/",
        "chats-in-a-zone": "/chats/?tz=Europe/Paris",
        "submit": "/submit/",
        "submission-status": f"/submit/status/{reference}/",
        "suggest": "/hashtags/HCLDR/suggest/",
        "report": "/hashtags/HCLDR/report/",
        "claim": "/hashtags/HCLDR/claim/",
        "categories": "/categories/",
        "chats-unconfirmed-included": "/chats/?tz=Europe/Paris&include=unconfirmed",
        "entry-unconfirmed-chat": "/hashtags/BCSM/",
        "not-found-entry": "/hashtags/NoSuchTag/",
    }
    pages = {}
    for code in ("es", "fr", "pt", "de"):
        for name, path in paths.items():
            answer = client.get(f"/{code}{path}")
            assert answer.status_code == (404 if name == "not-found-entry" else 200), (code, name)
            pages[f"{code}-{name}"] = (answer.status_code, answer.content.decode())
        answer = client.post(
            f"/{code}/submit/",
            submission_data(
                tag="#BrandNewChat",
                website="not an address",
                start_date="31/10/2023",
                **{"chats-0-timezone": "Mars/Olympus", "chats-0-start_time": "8pm"},
            ),
        )
        assert answer.status_code == 400, code
        html = answer.content.decode()
        assert f'<html lang="{code}"' in html
        pages[f"{code}-submit-with-errors"] = (answer.status_code, html)
    errors = nu_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)


# --- The OpenAPI schema -------------------------------------------------------------------


@pytest.fixture
def schema(db) -> dict:
    answer = APIClient().get("/api/v1/schema/?format=json")
    assert answer.status_code == 200
    return json.loads(answer.content)


def test_the_schema_passes_openapi_spec_validator(schema):
    validate(schema)  # raises, naming the place, on any violation of OpenAPI 3.0


def test_the_schema_passes_redocly_lint_with_the_projects_rules(schema, tmp_path):
    require(REDOCLY, "Redocly CLI (@redocly/cli)")
    document = tmp_path / "openapi.yaml"
    document.write_text(yaml.safe_dump(schema, sort_keys=False), encoding="utf-8")
    run = subprocess.run(  # noqa: S603 (fixed arguments)
        [str(REDOCLY), "lint", "--config", str(TOOLS / "redocly.yaml"), str(document)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **QUIET_REDOCLY},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "valid" in run.stdout + run.stderr


def test_the_schema_names_its_server_licence_and_the_export(schema):
    assert schema["servers"] == [{"url": settings.SITE_URL, "description": "This site"}]
    licence = schema["info"]["license"]
    assert licence == {
        "name": "CC0-1.0",
        "url": "https://creativecommons.org/publicdomain/zero/1.0/",
    }
    for fmt, media in (("json", "application/json"), ("csv", "text/csv")):
        operation = schema["paths"][f"/api/v1/export.{fmt}"]["get"]
        assert media in operation["responses"]["200"]["content"]
        assert {"304", "400", "429"} <= set(operation["responses"])
    cursor = schema["components"]["schemas"]["PaginatedHashtagList"]["properties"]["next"]
    assert cursor["example"].startswith(settings.SITE_URL + "/api/v1/hashtags/?cursor=")
    assert '"' not in cursor["example"]


def test_the_export_answers_as_its_schema_says(client, demo, schema):
    export = schema["components"]["schemas"]["Export"]
    document = json.loads(b"".join(client.get("/api/v1/export.json").streaming_content))
    assert set(export["required"]) <= set(document)
    assert document["licence"]["id"] == "CC0-1.0"
    assert client.get("/api/v1/export.json?include_retired=maybe").status_code == 400
    # Read-only, and an API address: another method is 405, not the CSRF check's 403 page.
    refused = client.post("/api/v1/export.csv")
    assert refused.status_code == 405 and refused["Allow"] == "GET, HEAD"


# --- The API's root and the way to its docs ---------------------------------------------


@pytest.mark.django_db
def test_the_api_root_lists_every_address_a_client_starts_from():
    root = APIClient().get("/api/v1/").json()
    base = "http://testserver/api/v1/"
    assert root == {
        "hashtags": base + "hashtags/",
        "categories": base + "categories/",
        "submissions": base + "submissions/",
        "upcoming_chats": base + "chats/upcoming/",
        "changes": base + "changes/",
        "export_json": base + "export.json",
        "export_csv": base + "export.csv",
        "export_schema": base + "export.schema.json",
        "schema": base + "schema/",
        "docs": base + "docs/",
    }
    for address in root.values():
        if not address.endswith("/submissions/"):  # POST only
            assert APIClient().get(address).status_code == 200, address


@pytest.mark.django_db
def test_every_page_links_to_the_api_docs_in_its_footer(client):
    for url in ("/", "/hashtags/", "/submit/", "/no/such/page/"):
        html = client.get(url).content.decode()
        footer = html[html.index('<footer class="site-footer">') :]
        assert '<a href="/api/v1/docs/">API documentation</a>' in footer, url


@pytest.mark.django_db
def test_the_api_docs_page_is_one_of_the_sites_own(client):
    answer = client.get("/api/v1/docs/")
    html = answer.content.decode()
    assert '<html lang="en">' in html
    assert '<meta name="description" content="' in html
    assert "<title>API documentation · Healthcare Hashtag Directory</title>" in html
    # Nothing inline for the Content Security Policy to block: styles and scripts are files.
    assert "<style" not in html and " style=" not in html and "<script>" not in html
    assert '<link rel="stylesheet" href="/static/css/api-docs.css">' in html
    assert client.get("/static/css/api-docs.css").status_code == 200
    policy = answer["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy


# --- Headers: Permissions-Policy and compression ----------------------------------------

DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "interest-cohort")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/submit/",
        "/no/such/page/",
        "/api/v1/",
        "/api/v1/hashtags/",
        "/api/v1/schema/",
        "/api/v1/export.csv",
        "/chats.ics",
        "/feeds/latest/",
        "/static/css/site.css",
        "/robots.txt",
        "/healthz",
        "/admin/login/",
    ],
)
def test_every_answer_denies_the_browser_features_a_directory_never_uses(client, url):
    answer = client.get(url)
    assert answer.status_code in {200, 404}, (url, answer.status_code)
    features = dict(part.strip().split("=", 1) for part in answer["Permissions-Policy"].split(","))
    for feature in DENIED:
        assert features[feature] == "()", (url, feature)


def body(answer) -> bytes:
    if answer.streaming:
        return b"".join(answer.streaming_content)
    return answer.content


@pytest.mark.parametrize("url", ["/", "/hashtags/", "/api/v1/hashtags/", "/api/v1/export.json"])
def test_pages_and_the_api_are_sent_compressed_to_clients_that_accept_gzip(client, demo, url):
    plain = client.get(url)
    assert "Content-Encoding" not in plain
    squeezed = client.get(url, headers={"accept-encoding": "gzip, br"})
    assert squeezed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in squeezed["Vary"]
    unpacked = gzip.decompress(body(squeezed))
    # The same document, less its per-request parts.
    assert unpacked[:200] == body(plain)[:200]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/submit/", "/admin/login/"])
def test_pages_that_carry_a_csrf_token_are_never_compressed(client, url):
    """BREACH: see directory.middleware.CompressionMiddleware."""
    answer = client.get(url, headers={"accept-encoding": "gzip"})
    assert answer.status_code == 200
    assert "Content-Encoding" not in answer
    assert b"csrfmiddlewaretoken" in answer.content


# --- In a browser: no console errors on the docs page --------------------------------------


@pytest.mark.browser
@browser_db
@pytest.mark.parametrize("path", ["/api/v1/docs/", "/"])
def test_the_browser_reports_no_error_on_the_docs_page_or_the_home_page(
    browser,  # noqa: F811
    site,  # noqa: F811
    path,
):
    """A style or script the Content Security Policy blocks, or a Permissions-Policy the
    browser cannot read, is reported on the console."""
    page = new_page(browser, VIEWPORTS["1280"])
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(site + path)
    if path == "/api/v1/docs/":
        page.wait_for_selector(".opblock-tag")
        page.click(".opblock-summary-control")
        page.wait_for_selector(".opblock-body")
    page.context.close()
    assert not problems, problems
