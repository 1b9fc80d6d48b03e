"""A steward's link token is a secret: no log line carries it. gunicorn runs for real,
started with the flags docs/deploy.md shows and production's JSON log lines;
its access log (stdout) and the app's logs (stderr, Django's CSRF warning among them)
are read whole. (DEBUG stays on: the pages' static files are served from the source
folders, with no collectstatic; in DEBUG Django also has a console handler of its own,
which must give way too.)"""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from django.test import Client

from tests.support import ROOT, closed_port

# gunicorn's logging flags, as the deployment documents show them.
DOCUMENTED_FLAGS = ["--access-logfile", "-", "--logger-class", "directory.logs.GunicornLogger"]
# Every atom of gunicorn's access log that holds the address, asked for at once.
PATH_ATOMS = "%(r)s|%(U)s|%(f)s|%({referer}i)s|%({raw_uri}e)s|%({location}o)s"


def token() -> str:
    """A token shaped like a signed link's (Django's signing: payload:time:signature)."""
    return f".eJyrVipWsjLUUSpQslIqLE0:1uZr4T:{secrets.token_urlsafe(20)}"


def test_the_documented_gunicorn_commands_use_the_masking_logger():
    for document in ("docs/deploy.md",):
        text = (ROOT / document).read_text()
        commands = re.findall(r"^gunicorn config\.wsgi .*?(?<!\\)$", text, re.M | re.S)
        assert commands, document
        for command in commands:
            assert " ".join(DOCUMENTED_FLAGS) in command.replace("\\\n", " "), document


def ask(url: str, *, method: str = "GET", headers: dict | None = None) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    data = b"action=confirm" if method == "POST" else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("access_format", [None, PATH_ATOMS], ids=["combined", "path atoms"])
def test_gunicorn_and_the_app_log_no_steward_token(tmp_path, access_format):
    port = closed_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", *DOCUMENTED_FLAGS]
    if access_format:
        command += ["--access-logformat", access_format]
    server = subprocess.Popen(  # noqa: S603 - gunicorn with fixed arguments
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    site = f"http://127.0.0.1:{port}"
    tokens = [token() for _ in range(5)]
    try:
        for _ in range(100):
            try:
                ask(f"{site}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer /healthz")
        referer = {"Referer": f"https://hashtags.example.org/steward/{tokens[1]}/"}
        assert ask(f"{site}/steward/{tokens[0]}/", headers=referer) == 410
        # A steward's POST from a browser without the CSRF cookie: Django's warning.
        assert ask(f"{site}/steward/{tokens[2]}/", method="POST") == 403
        assert ask(f"{site}/steward/{tokens[3]}/stop/") == 410
        assert ask(f"{site}/steward/{tokens[4]}") == 301  # to the address with its slash
    finally:
        server.terminate()
        access_log, app_log = server.communicate(timeout=10)

    for secret in tokens:
        assert secret not in access_log
        assert secret not in app_log
    # The lines are there, with the token hidden.
    assert access_log.count("/steward/<token>/") >= 3
    assert '"path": "/steward/<token>/stop/"' in app_log
    assert re.search(r"Forbidden \(CSRF cookie not set\.\): /steward/<token>/", app_log)


@pytest.fixture
def app_log() -> Iterator[io.StringIO]:
    """What the site writes to its log (the stderr handler LOGGING configures)."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "stderr"]
    written = io.StringIO()
    before = handler.setStream(written)
    yield written
    handler.setStream(before)


@pytest.mark.django_db
def test_a_stewards_post_refused_for_csrf_logs_no_token_in_development_either(app_log):
    secret = token()
    answer = Client(enforce_csrf_checks=True).post(f"/steward/{secret}/", {"action": "confirm"})
    assert answer.status_code == 403
    logging.getLogger("directory").warning("A tag's own page: /hashtags/steward/claim/")
    text = app_log.getvalue()
    assert secret not in text
    assert "Forbidden (CSRF cookie not set.): /steward/<token>/" in text
    assert text.count("Forbidden") == 1  # one handler: Django's console gave way
    assert "/hashtags/steward/claim/" in text  # not a steward's link: left as it is
