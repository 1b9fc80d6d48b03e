"""Database settings read from the environment (a fresh settings module per case)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRIMARY = "postgres://app@127.0.0.1:5432/hashtags"
REPLICAS = "postgres://app@127.0.0.1:5432/replica_one,postgres://app@127.0.0.1:5432/replica_two"


def database_settings(**env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({alias: {k: d.get(k) for k in ('NAME', 'DISABLE_SERVER_SIDE_CURSORS',"
        " 'CONN_MAX_AGE', 'ENGINE', 'OPTIONS')} for alias, d in s.DATABASES.items()}))"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": PRIMARY,
        "DATABASE_REPLICA_URLS": REPLICAS,
        **env,
    }
    result = subprocess.run(  # noqa: S603 - our own settings module
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_server_side_cursors_stay_on_by_default():
    databases = database_settings()
    assert set(databases) == {"default", "replica_1", "replica_2"}
    assert not any(d["DISABLE_SERVER_SIDE_CURSORS"] for d in databases.values())


def test_pgbouncer_transaction_pooling_turns_them_off_for_every_database():
    databases = database_settings(
        DATABASE_DISABLE_SERVER_SIDE_CURSORS="1", DATABASE_CONN_MAX_AGE="0"
    )
    assert all(d["DISABLE_SERVER_SIDE_CURSORS"] for d in databases.values())
    assert all(d["CONN_MAX_AGE"] == 0 for d in databases.values())
    assert databases["replica_2"]["NAME"] == "replica_two"


def test_every_postgresql_connection_has_deadlines_on_the_clients_side():
    databases = database_settings(DATABASE_STATEMENT_TIMEOUT="0.3")
    for database in databases.values():
        assert database["ENGINE"] == "config.postgresql"
        options = database["OPTIONS"]
        assert options["options"] == "-c statement_timeout=300"
        assert options["deadline"] == 2.3  # the server cancels first
        assert (options["keepalives"], options["tcp_user_timeout"]) == (1, 10_000)
        assert options["connect_timeout"] == 2


def test_the_statement_timeout_joins_options_given_in_the_url_and_zero_lifts_it():
    url = PRIMARY + "?options=-c%20search_path%3Dregistry"
    options = database_settings(DATABASE_URL=url)["default"]["OPTIONS"]
    assert options["options"] == "-c search_path=registry -c statement_timeout=10000"
    lifted = database_settings(DATABASE_STATEMENT_TIMEOUT="0")["default"]["OPTIONS"]
    assert "options" not in lifted and "deadline" not in lifted
    assert lifted["tcp_user_timeout"] == 10_000  # a dead host is still noticed


def test_management_commands_run_without_the_pages_statement_timeout():
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "DATABASE_URL": PRIMARY},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "statement_timeout" not in result.stdout
    assert "tcp_user_timeout" in result.stdout
