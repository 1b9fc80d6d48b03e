"""Security and reliability: production settings, headers, lock-out, bad input, outages."""

import json
import logging
import os
import subprocess
import sys
import time
import urllib.request

import pytest
from django.db import connection
from django.test import Client

from hashtags.models import Hashtag, Submission
from tests.submission_helpers import submission_data
from tests.support import ROOT, closed_port
from tests.support_redis import PREFIX, redis_url

PRODUCTION_ENV = {
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-0123456789",
    "ALLOWED_HOSTS": "hashtags.example.org,127.0.0.1",
    "DATABASE_URL": "sqlite:////tmp/hhd-production-check.sqlite3",
    "CACHE_KEY_PREFIX": PREFIX,
}


def production_env(**extra: str) -> dict[str, str]:
    """Production's settings, with the tests' Redis (this worker's database) as its cache."""
    test_only = {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    return {**env, **PRODUCTION_ENV, "REDIS_URL": redis_url(), **extra}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_configuration_passes_the_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_a_cache_that_workers_do_not_share():
    env = production_env()
    del env["REDIS_URL"]
    result = run_manage("check", "--deploy", env=env)
    assert result.returncode != 0 and "is not a shared cache" in result.stderr


def test_production_settings_are_https_only():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'DEBUG','SECURE_HSTS_SECONDS','SECURE_HSTS_INCLUDE_SUBDOMAINS','SECURE_SSL_REDIRECT',"
        "'SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY',"
        "'CSRF_COOKIE_HTTPONLY','SESSION_COOKIE_SAMESITE','CSRF_COOKIE_SAMESITE']}))"
    )
    env = production_env(DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SECURE_SSL_REDIRECT"]
    for cookie in ("SESSION", "CSRF"):
        assert values[f"{cookie}_COOKIE_SECURE"] and values[f"{cookie}_COOKIE_HTTPONLY"]
        assert values[f"{cookie}_COOKIE_SAMESITE"] in {"Lax", "Strict"}


# Headers on every HTML response.


def assert_security_headers(response) -> None:
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [("/", 200), ("/submit/", 200), ("/admin/login/", 200), ("/hashtags/Nothing/", 404)],
)
def test_html_responses_carry_the_security_headers(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [("/api/v1/hashtags/", 200), ("/api/v1/hashtags/Nothing/", 404), ("/api/v1/docs/", 200)],
)
def test_api_responses_carry_the_security_headers(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.django_db
def test_hsts_is_sent_over_https_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_the_server_error_page_carries_the_headers_too(settings):
    client = Client(raise_request_exception=False)
    settings.ROOT_URLCONF = "tests.failing_urls"
    response = client.get("/boom/")
    assert response.status_code == 500
    assert_security_headers(response)
    assert "Traceback" not in response.content.decode()


# Admin lock-out.


@pytest.mark.django_db
def test_admin_sign_in_locks_out_after_repeated_failures(client, settings, caplog):
    from django.contrib.auth import get_user_model

    settings.AXES_FAILURE_LIMIT = 3
    get_user_model().objects.create_superuser("root", "root@example.org", "right-password-123")
    for _ in range(3):
        page = client.post("/admin/login/", {"username": "root", "password": "wrong"})
    assert page.status_code == 429
    locked = client.post("/admin/login/", {"username": "root", "password": "right-password-123"})
    assert locked.status_code == 429
    assert "Sign-in is locked for now" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert any("locking out" in record.getMessage().lower() for record in caplog.records)

    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get().failures_since_start >= 3  # logged for the admin


# Bad input: a clear 4xx, never a 500.


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/hashtags/%00/",
        "/?q=%00",
        "/hashtags/HCLDR/?x=a%00b",
        "/submit/status/%00abc/",
        "/admin/hashtags/hashtag/?q=%00",
    ],
)
def test_nul_bytes_in_the_address_answer_400(curator_client, url):
    response = curator_client.get(url)
    assert response.status_code == 400
    assert "NUL (0x00)" in response.content.decode()


@pytest.mark.django_db
def test_nul_bytes_in_a_form_field_answer_400_and_write_nothing(client):
    response = client.post("/submit/", submission_data(name="Bad\x00name"))
    assert response.status_code == 400
    assert "form field &#x27;name&#x27;" in response.content.decode()
    assert not Hashtag.objects.exists()


@pytest.mark.django_db
def test_a_body_over_the_size_limit_answers_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = Client(raise_request_exception=False).post(
        "/submit/", submission_data(description="x" * 20_000)
    )
    assert response.status_code == 413
    assert "at most 9 KB" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/hashtags/" + "x" * 10_000 + "/",
        "/submit/?tag=" + "x" * 10_000,
        "/?q=" + "a" * 10_000,
        "/hashtags/%E2%80%AEevil/",
        "/hashtags/';DROP TABLE hashtags_hashtag;--/",
        "/submit/status/" + "z" * 5000 + "/",
    ],
)
def test_over_long_and_hostile_addresses_answer_without_a_server_error(client, url):
    assert client.get(url).status_code in {200, 301, 404}


@pytest.mark.django_db
def test_over_long_form_values_are_field_errors(client):
    response = client.post("/submit/", submission_data(name="n" * 10_000, tag="t" * 500))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ensure this value has at most 200 characters" in html
    assert not Hashtag.objects.exists()


XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.mark.django_db
def test_markup_submitted_through_the_form_is_shown_as_text(
    client, curator_client, curator, django_capture_on_commit_callbacks
):
    anonymous = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(
            "/submit/", submission_data(tag="SafeTag", name=XSS, description=XSS)
        )
    assert response.status_code == 302
    entry = Hashtag.objects.get(tag="SafeTag")
    from hashtags.curation import moderation

    moderation.approve(hashtag=entry, curator=curator)
    page = anonymous.get("/hashtags/SafeTag/").content.decode()
    admin_page = curator_client.get(f"/admin/hashtags/hashtag/{entry.pk}/change/").content.decode()
    for html in (page, admin_page):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html


# Health and database outages.


def test_liveness_does_not_touch_the_database(client):
    # No django_db mark: any database access here fails the test.
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readiness_answers_when_the_database_does(client):
    assert client.get("/readyz").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_outage_answers_503_and_the_site_recovers_without_a_restart(make_hashtag):
    if connection.vendor != "postgresql":
        pytest.skip("an unreachable server needs PostgreSQL (SQLite is a local file)")
    make_hashtag("HCLDR")
    client = Client(raise_request_exception=False)
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(closed_port())
    try:
        page = client.get("/hashtags/HCLDR/")
        assert page.status_code == 503
        assert page["Retry-After"] == "30"
        assert "temporarily unavailable" in page.content.decode()
        assert "Traceback" not in page.content.decode()
        api = client.get("/api/v1/hashtags/HCLDR/")
        assert (api.status_code, api["Retry-After"]) == (503, "30")
        assert api["Content-Type"] == "application/json"
        assert "unavailable" in api.json()["detail"]
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready["Retry-After"] == "30"
        assert client.get("/healthz").status_code == 200
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert client.get("/hashtags/HCLDR/").status_code == 200
    assert client.get("/api/v1/hashtags/HCLDR/").status_code == 200
    assert client.get("/readyz").status_code == 200


# Logs.


@pytest.mark.django_db
def test_request_logs_are_structured_and_carry_no_private_fields(client, caplog, settings):
    from pythonjsonlogger.json import JsonFormatter

    with caplog.at_level(logging.INFO, logger="directory.requests"):
        client.post("/submit/", submission_data(submitter_email="private@example.org"))
    record = next(r for r in caplog.records if r.name == "directory.requests")
    line = json.loads(JsonFormatter("%(levelname)s %(name)s %(message)s").format(record))
    assert (line["method"], line["path"], line["status"]) == ("POST", "/submit/", 302)
    assert "duration_ms" in line
    assert "private@example.org" not in json.dumps(line)


def test_a_commands_stdout_is_its_document_and_its_logs_go_to_stderr(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "1",
        "LOG_LEVEL": "DEBUG",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, capture_output=True)  # noqa: S603
    result = subprocess.run(  # noqa: S603
        [*manage, "export_registry", "--format", "json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(result.stdout)["format"] == "healthcare-hashtag-directory"
    assert " DEBUG " in result.stderr or " INFO " in result.stderr  # the log lines


# The production server.


def test_gunicorn_serves_the_site_with_the_production_settings(tmp_path):
    port = closed_port()
    # A Host header's port must be one the site is served on (ALLOWED_PORTS).
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", ALLOWED_PORTS=str(port)
    )
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer /healthz")

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(f"http://127.0.0.1:{port}/", timeout=5)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"] == f"https://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)
