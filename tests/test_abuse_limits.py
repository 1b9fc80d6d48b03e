"""Abuse limits, round two: a client is an IPv4 address or an IPv6 /64 for every limit
(forms, API throttles, admin lock-out); links never come from the Host header; the forms
and the API spend one budget; duplicate text is refused; a form is accepted once; email
stays out of the logs; an oversized body is a 413."""

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import Client
from rest_framework.test import APIClient

from directory.forms import TIMESTAMP_SALT
from hashtags.models import Hashtag, Report, Submission
from hashtags.serving.ratelimit import address_key
from tests.submission_helpers import started, submission_data
from tests.support_redis import PREFIX

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

# Four addresses of one /64, and one of the next /64.
SAME_64 = [
    "2001:db8:1:2::1",
    "2001:db8:1:2::2",
    "2001:db8:1:2:ffff:ffff:ffff:fffe",
    "2001:db8:1:2:a::b",
]
NEXT_64 = "2001:db8:1:3::1"


def api_proposal(tag: str, **overrides) -> dict:
    return {
        "tag": tag,
        "name": f"The {tag} chat",
        "description": f"A chat about {tag}.",
        "kind": "chat",
        "submitter_name": "Pat Submitter",
        "submitter_email": "pat@example.org",
        **overrides,
    }


# --- Who a client is --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),  # IPv4-mapped: the IPv4 client
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::"),
        ("2001:db8:1:3::1", "2001:db8:1:3::"),
    ],
)
def test_an_ipv4_client_is_its_address_and_an_ipv6_client_its_64(address, key):
    assert address_key(address) == key


def test_the_submission_form_counts_a_64_as_one_client(settings, visitor):
    settings.SUBMISSION_RATE = "2/hour"
    codes = [
        visitor.post("/submit/", submission_data(tag=f"Six{n}"), REMOTE_ADDR=address).status_code
        for n, address in enumerate(SAME_64[:3])
    ]
    assert codes == [302, 302, 429]
    other = visitor.post("/submit/", submission_data(tag="NextNet"), REMOTE_ADDR=NEXT_64)
    assert other.status_code == 302
    assert Hashtag.objects.count() == 3


def test_an_ipv4_mapped_address_shares_the_ipv4_clients_budget(settings, visitor):
    settings.SUBMISSION_RATE = "1/hour"
    first = visitor.post("/submit/", submission_data(tag="Four"), REMOTE_ADDR="192.0.2.7")
    mapped = visitor.post("/submit/", submission_data(tag="Mapped"), REMOTE_ADDR="::ffff:192.0.2.7")
    assert (first.status_code, mapped.status_code) == (302, 429)
    assert int(mapped["Retry-After"]) > 0


def report_data() -> dict:
    return {"reason": "wrong_schedule", "comment": "Moved.", "started": started(), "homepage": ""}


def claim_data() -> dict:
    return {
        "name": "Sam Host",
        "email": f"claimant-{uuid.uuid4().hex[:8]}@example.org",
        "note": "",
        "homepage": "",
        "started": started(),
    }


@pytest.mark.parametrize(
    ("page", "rate_setting", "data"),
    [("report", "REPORT_RATE", report_data), ("claim", "CLAIM_RATE", claim_data)],
)
def test_the_report_and_claim_forms_count_a_64_as_one_client(
    settings, visitor, make_hashtag, page, rate_setting, data
):
    make_hashtag("HCLDR")
    setattr(settings, rate_setting, "2/hour")
    url = f"/hashtags/HCLDR/{page}/"
    codes = [visitor.post(url, data(), REMOTE_ADDR=a).status_code for a in SAME_64[:3]]
    assert codes == [302, 302, 429]
    assert visitor.post(url, data(), REMOTE_ADDR=NEXT_64).status_code == 302


def test_the_api_read_throttle_counts_a_64_as_one_client(settings):
    settings.API_ANON_RATE = "2/minute"
    api = APIClient()
    codes = [api.get("/api/v1/categories/", REMOTE_ADDR=a).status_code for a in SAME_64[:3]]
    assert codes == [200, 200, 429]
    assert api.get("/api/v1/categories/", REMOTE_ADDR=NEXT_64).status_code == 200


def test_api_submissions_from_one_64_share_a_budget(settings):
    settings.SUBMISSION_RATE = "2/hour"
    api = APIClient()
    codes = [
        api.post(
            "/api/v1/submissions/", api_proposal(f"Api{n}"), format="json", REMOTE_ADDR=address
        ).status_code
        for n, address in enumerate(SAME_64)
    ]
    assert codes == [201, 201, 429, 429]
    assert Submission.objects.count() == 2


def test_wrong_admin_passwords_from_one_64_lock_the_whole_64_out(client, settings):
    settings.AXES_FAILURE_LIMIT = 5
    get_user_model().objects.create_superuser("root", "root@example.org", "right-password-123")
    for n in range(8):
        address = f"2001:db8:1:2::{n + 1:x}"
        client.post("/admin/login/", {"username": "root", "password": "wrong"}, REMOTE_ADDR=address)
    signed_in = client.post(
        "/admin/login/",
        {"username": "root", "password": "right-password-123"},
        REMOTE_ADDR="2001:db8:1:2::abcd",
    )
    assert signed_in.status_code == 429
    assert "Sign-in is locked for now" in signed_in.content.decode()
    assert "_auth_user_id" not in client.session
    # Another network is not locked out by this one.
    other = Client().post(
        "/admin/login/",
        {"username": "root", "password": "right-password-123"},
        REMOTE_ADDR=NEXT_64,
    )
    assert other.status_code == 302


# --- The Host header --------------------------------------------------------------------


def test_a_forged_host_does_not_reach_the_links_later_readers_get(settings, make_hashtag):
    settings.REGISTRY_CACHE_SECONDS = 300
    settings.ALLOWED_PORTS = ["*"]  # even with every port let through
    for tag in ("HCLDR", "BCSM"):
        make_hashtag(tag)
    api = APIClient()
    forged = api.get("/api/v1/hashtags/?page_size=1", HTTP_HOST="127.0.0.1:6666")
    assert forged.status_code == 200
    assert "6666" not in forged.content.decode()
    reader = api.get("/api/v1/hashtags/?page_size=1")
    body = reader.json()
    assert body["next"].startswith(f"{django_settings.SITE_URL}/api/v1/hashtags/?")
    assert body["results"][0]["url"] == f"{django_settings.SITE_URL}/api/v1/hashtags/BCSM/"
    assert "6666" not in reader.content.decode()


def test_a_host_header_with_a_port_the_site_is_not_served_on_is_refused(settings, make_hashtag):
    settings.ALLOWED_PORTS = ["8000"]
    make_hashtag("HCLDR")
    client = Client(raise_request_exception=False)
    assert client.get("/api/v1/hashtags/", HTTP_HOST="127.0.0.1:6666").status_code == 400
    assert client.get("/hashtags/", HTTP_HOST="127.0.0.1:6666").status_code == 400
    assert client.get("/api/v1/hashtags/", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/api/v1/hashtags/", HTTP_HOST="127.0.0.1").status_code == 200
    assert client.get("/healthz", HTTP_HOST="127.0.0.1:6666").status_code == 200  # probes


def test_production_allows_only_the_port_of_site_url_by_default():
    def allowed_ports(**env: str) -> list[str]:
        code = "from django.conf import settings; print(','.join(settings.ALLOWED_PORTS))"
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env={**clean_env(), "DJANGO_SETTINGS_MODULE": "config.settings", **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().split(",")

    production = {"DEBUG": "0", "SECRET_KEY": "x" * 60}
    assert allowed_ports(**production, SITE_URL="https://hashtags.example.org") == ["443"]
    assert allowed_ports(**production, SITE_URL="http://127.0.0.1:8000") == ["8000"]
    assert allowed_ports(**production, ALLOWED_PORTS="8000,8443") == ["8000", "8443"]


def clean_env() -> dict[str, str]:
    drop = {"DEBUG", "SITE_URL", "ALLOWED_PORTS", "EMAIL_HOST", "EMAIL_BACKEND", "EMAIL_FILE_PATH"}
    return {k: v for k, v in os.environ.items() if k not in drop}


# --- One budget across the form and the API ----------------------------------------------


def test_the_form_and_the_api_spend_one_submission_budget(settings, visitor):
    settings.SUBMISSION_RATE = "2/hour"
    api = APIClient()
    assert visitor.post("/submit/", submission_data(tag="ByForm")).status_code == 302
    made = api.post("/api/v1/submissions/", api_proposal("ByApi"), format="json")
    assert made.status_code == 201
    refused = api.post("/api/v1/submissions/", api_proposal("ByApiAgain"), format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"]
    assert visitor.post("/submit/", submission_data(tag="ByFormAgain")).status_code == 429
    assert Submission.objects.count() == 2


def test_a_spent_api_budget_closes_the_form_too(settings, visitor):
    settings.SUBMISSION_RATE = "1/hour"
    api = APIClient()
    assert api.post("/api/v1/submissions/", api_proposal("First"), format="json").status_code == 201
    page = visitor.post("/submit/", submission_data(tag="Second"))
    assert page.status_code == 429
    assert "Too many requests" in page.content.decode()


def test_rate_limits_off_lifts_the_shared_budget(settings, visitor):
    settings.RATE_LIMITS_ENABLED = False
    settings.SUBMISSION_RATE = "1/hour"
    api = APIClient()
    codes = [
        api.post("/api/v1/submissions/", api_proposal(f"Load{n}"), format="json").status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 201]
    assert visitor.post("/submit/", submission_data(tag="LoadForm")).status_code == 302


# --- Duplicate content ------------------------------------------------------------------


def test_the_same_text_under_another_tag_is_refused_naming_the_rule():
    first = APIClient().post("/api/v1/submissions/", api_proposal("Original"), format="json")
    assert first.status_code == 201
    # Another client, another tag, the same text give or take case and spacing.
    copy = api_proposal(
        "Copycat", name="  THE original   CHAT ", description="A chat about\nOriginal."
    )
    refused = APIClient().post(
        "/api/v1/submissions/", copy, format="json", REMOTE_ADDR="198.51.100.9"
    )
    assert refused.status_code == 400
    (message,) = refused.json()["non_field_errors"]
    assert message.startswith("Duplicate content:") and "24 hours" in message
    assert list(Hashtag.objects.values_list("tag", flat=True)) == ["Original"]


def test_the_same_tag_again_is_named_as_a_taken_tag_first():
    api = APIClient()
    assert api.post("/api/v1/submissions/", api_proposal("Twice"), format="json").status_code == 201
    again = api.post("/api/v1/submissions/", api_proposal("twice"), format="json")
    assert again.status_code == 400
    assert list(again.json()) == ["tag"]


def test_the_form_refuses_duplicate_text_too(visitor):
    text = {"name": "Spam", "description": "Buy now."}
    assert visitor.post("/submit/", submission_data(tag="SpamOne", **text)).status_code == 302
    refused = visitor.post("/submit/", submission_data(tag="SpamTwo", **text))
    assert refused.status_code == 400
    assert "Duplicate content:" in refused.content.decode()
    assert Hashtag.objects.count() == 1


def test_a_refused_proposal_does_not_hold_its_text(settings):
    api = APIClient()
    bad = api.post("/api/v1/submissions/", api_proposal("Fixme", kind="spaceship"), format="json")
    assert bad.status_code == 400
    fixed = api.post("/api/v1/submissions/", api_proposal("Fixme"), format="json")
    assert fixed.status_code == 201


def test_duplicate_content_hours_zero_turns_the_rule_off(settings):
    settings.DUPLICATE_CONTENT_HOURS = 0
    api = APIClient()
    text = {"name": "Same", "description": "Same."}
    for tag in ("SameOne", "SameTwo"):
        made = api.post("/api/v1/submissions/", api_proposal(tag, **text), format="json")
        assert made.status_code == 201


# --- A form is accepted once -------------------------------------------------------------


def shown_token(page) -> str:
    return re.search(r'name="started" value="([^"]+)"', page.content.decode()).group(1)


def test_a_forms_start_time_is_accepted_once(settings, visitor):
    settings.SUBMISSION_MIN_SECONDS = 0
    token = shown_token(visitor.get("/submit/"))
    first = visitor.post("/submit/", submission_data(tag="Once", started=token))
    assert first.status_code == 302
    replay = visitor.post("/submit/", submission_data(tag="Replay", started=token))
    assert replay.status_code == 400
    page = replay.content.decode()
    assert "This form was already sent once" in page
    assert shown_token(replay) != token  # the form shown again can be sent
    assert list(Hashtag.objects.values_list("tag", flat=True)) == ["Once"]


def test_a_report_form_is_accepted_once(settings, visitor, make_hashtag):
    settings.SUBMISSION_MIN_SECONDS = 0
    make_hashtag("HCLDR")
    data = report_data()
    assert visitor.post("/hashtags/HCLDR/report/", data).status_code == 302
    again = visitor.post("/hashtags/HCLDR/report/", data)
    assert again.status_code == 400
    assert "This form was already sent once" in again.content.decode()
    assert Report.objects.count() == 1


def test_a_start_time_spent_by_another_worker_is_refused(redis_db, redis_cache, visitor):
    token = started()
    code = (
        "import django; django.setup();"
        "from directory.forms import BotCheckMixin;"
        f"assert BotCheckMixin.spend_token({token!r})"
    )
    env = {
        **clean_env(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "REDIS_URL": redis_db,
        "CACHE_KEY_PREFIX": PREFIX,
    }
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)  # noqa: S603
    refused = visitor.post("/submit/", submission_data(tag="Elsewhere", started=token))
    assert refused.status_code == 400
    assert "This form was already sent once" in refused.content.decode()
    assert not Hashtag.objects.exists()


# --- Email stays out of the logs -----------------------------------------------------------


def test_without_email_host_mail_goes_to_files_not_to_the_console(tmp_path):
    code = (
        "from django.conf import settings;"
        "print(settings.EMAIL_BACKEND); print(settings.EMAIL_FILE_PATH)"
    )
    env = {**clean_env(), "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}

    def read(**extra: str) -> list[str]:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert read() == [
        "django.core.mail.backends.filebased.EmailBackend",
        str(ROOT / "var" / "mail"),
    ]
    assert read(EMAIL_FILE_PATH=str(tmp_path))[1] == str(tmp_path)
    assert read(EMAIL_HOST="smtp.example.org")[0] == "django.core.mail.backends.smtp.EmailBackend"


def test_a_submission_leaves_the_submitters_address_and_name_out_of_every_log(
    settings, submitter, caplog, capfd, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    caplog.set_level("DEBUG")
    name, email = "Quentin Zebedee", "q.zebedee@example.net"
    response = submitter(submission_data(submitter_name=name, submitter_email=email))
    assert response.status_code == 302
    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    assert caplog.records  # the request was logged
    assert email not in logged and name not in logged
    assert "zebedee" not in logged.lower()
    # The mail was written, to the folder.
    written = "".join(path.read_text() for path in tmp_path.iterdir())
    assert email in written


# --- Bodies over the limit ---------------------------------------------------------------


def test_an_api_body_over_djangos_limit_is_a_json_413():
    body = json.dumps(api_proposal("Huge", description="x" * (1100 * 1024)))
    response = APIClient().post("/api/v1/submissions/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The request body is too large: the API accepts at most 256 KB."
    }
    assert not Submission.objects.exists()


def test_an_api_body_over_the_apis_own_limit_is_the_same_json_413():
    body = json.dumps(api_proposal("Large", description="x" * (300 * 1024)))
    response = APIClient().post("/api/v1/submissions/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request body is too large")


def test_a_curators_write_over_the_limit_is_a_json_413_too(curator_api):
    body = json.dumps({"tag": "Huge", "description": "x" * (1100 * 1024)})
    response = curator_api.post("/api/v1/hashtags/", body, content_type="application/json")
    assert response.status_code == 413
    assert "detail" in response.json()


@pytest.mark.parametrize("url", ["/submit/", "/hashtags/HCLDR/report/"])
def test_a_form_over_the_limit_gets_a_readable_413_page(settings, make_hashtag, url):
    make_hashtag("HCLDR")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = Client(raise_request_exception=False)
    response = client.post(url, {**submission_data(), "description": "x" * 20_000})
    assert response.status_code == 413
    page = response.content.decode()
    assert "That form was too large to accept" in page and "at most 9 KB" in page
    assert not Submission.objects.exists() and not Report.objects.exists()


def test_forms_shown_in_the_same_instant_get_tokens_of_their_own(settings, visitor):
    settings.SUBMISSION_MIN_SECONDS = 0
    with time_machine.travel("2026-03-03 12:00:00", tick=False):
        first, second = (shown_token(visitor.get("/submit/")) for _ in range(2))
    assert first != second


def test_a_page_shown_before_tokens_had_a_nonce_is_still_accepted_once(visitor):
    legacy = signing.dumps(time.time() - 60, salt=TIMESTAMP_SALT)
    assert (
        visitor.post("/submit/", submission_data(tag="Legacy", started=legacy)).status_code == 302
    )
    again = visitor.post("/submit/", submission_data(tag="LegacyTwo", started=legacy))
    assert again.status_code == 400
