"""The activity settings read from the environment: documented defaults, and a bad value
stops the site at start-up naming the variable (a fresh settings module per case)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMES = (
    "ACTIVITY_MASTODON_SERVERS",
    "ACTIVITY_BLUESKY_HANDLE",
    "ACTIVITY_TIMEOUT_SECONDS",
    "ACTIVITY_MAX_WAIT_SECONDS",
    "ACTIVITY_DORMANT_DAYS",
)


def activity_settings(**env: str) -> subprocess.CompletedProcess:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        f"print(json.dumps({{n: getattr(s, n) for n in {NAMES!r}}}))"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own settings module
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_the_defaults_are_the_documented_ones():
    result = activity_settings()
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "ACTIVITY_MASTODON_SERVERS": [
            "https://mastodon.social",
            "https://mastodon.online",
            "https://med-mastodon.com",
        ],
        "ACTIVITY_BLUESKY_HANDLE": "",
        "ACTIVITY_TIMEOUT_SECONDS": 10.0,
        "ACTIVITY_MAX_WAIT_SECONDS": 300.0,
        "ACTIVITY_DORMANT_DAYS": 180,
    }
    documented = (ROOT / "docs" / "configuration.md").read_text()
    assert (
        "| `ACTIVITY_MASTODON_SERVERS` | `" + ",".join(values["ACTIVITY_MASTODON_SERVERS"])
        in documented
    )


def test_servers_are_read_as_base_urls():
    result = activity_settings(
        ACTIVITY_MASTODON_SERVERS=" https://one.example/ ,http://127.0.0.1:8001"
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["ACTIVITY_MASTODON_SERVERS"] == ["https://one.example", "http://127.0.0.1:8001"]


def test_bad_values_stop_the_start_naming_the_variable():
    for name, value in [
        ("ACTIVITY_MASTODON_SERVERS", "mastodon.social"),
        ("ACTIVITY_MASTODON_SERVERS", "https://one.example/api"),
        ("ACTIVITY_TIMEOUT_SECONDS", "soon"),
        ("ACTIVITY_MAX_WAIT_SECONDS", "-1"),
    ]:
        result = activity_settings(**{name: value})
        assert result.returncode != 0, (name, value)
        assert f"ImproperlyConfigured: {name} must" in result.stderr, (name, value)
