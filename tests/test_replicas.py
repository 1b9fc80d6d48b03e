"""Read replicas with two real PostgreSQL databases: reads from the replica, writes and
read-after-write on the primary.

The "replica" is a second database that is migrated and seeded on its own and never
receives the primary's writes, so where each read went is visible in what it finds.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SCENARIO = r"""
import django; django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from hashtags.curation import moderation
from hashtags.models import Hashtag, Submission
from hashtags.serving.routers import use_primary
from tests.submission_helpers import submission_data

# A write on the primary: an approved entry the replica never receives.
curator = get_user_model().objects.create_user("curator", password="x", is_staff=True)
entry = moderation.submit_hashtag(tag="OnlyOnPrimary", name="P", kind="chat",
                                  submitter_name="S", submitter_email="s@example.org").hashtag
moderation.approve(hashtag=entry, curator=curator)

visitor = Client()
# Anonymous reads go to the replica: it has the demo registry, not the primary's entry.
assert visitor.get("/hashtags/HCLDR/").status_code == 200
assert visitor.get("/hashtags/OnlyOnPrimary/").status_code == 404
assert not Hashtag.objects.filter(tag="OnlyOnPrimary").exists()
with use_primary():
    assert Hashtag.objects.filter(tag="OnlyOnPrimary").exists()

# A curator's own session reads the primary.
staff = Client(); staff.force_login(curator)
assert staff.get("/hashtags/OnlyOnPrimary/").status_code == 200

# A submitter: the write lands on the primary, and their next pages read it back.
submitter = Client()
response = submitter.post("/submit/", submission_data(tag="FreshTag"))
assert response.status_code == 302, response.status_code
assert "primary_until" in response.cookies
assert submitter.get(response["Location"]).status_code == 200
with use_primary():
    reference = Submission.objects.get(tag="FreshTag").reference
assert not Submission.objects.filter(tag="FreshTag").exists()  # not on the replica
# The status page reads the primary even once the pin cookie is gone.
assert Client().get(f"/submit/status/{reference}/").status_code == 200
print("SCENARIO OK")
"""


def database_url(name: str) -> str:
    settings = connection.settings_dict
    netloc = f"{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return urlunsplit(("postgres", netloc, f"/{name}", "", ""))


@pytest.fixture
def two_databases():
    if connection.vendor != "postgresql":
        pytest.skip("replicas are a PostgreSQL deployment feature")
    suffix = uuid.uuid4().hex[:8]
    names = [f"hhd_primary_{suffix}", f"hhd_replica_{suffix}"]
    admin_url = database_url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{names[0]}"')
    try:
        yield [database_url(name) for name in names]
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - our own code with fixed arguments
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_reads_go_to_the_replica_and_writes_and_read_after_write_to_the_primary(two_databases):
    primary, replica = two_databases
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **base,
        "DEBUG": "1",
        "DATABASE_CONN_MAX_AGE": "0",
        "SUBMISSION_MIN_SECONDS": "0",
        "ALLOWED_HOSTS": "testserver",
    }
    # Build both databases: the replica is a copy of the migrated primary that then gets
    # the demo registry, as if replicated earlier.
    run(["manage.py", "migrate", "--noinput"], {**env, "DATABASE_URL": primary})
    source, copy = urlsplit(primary).path[1:], urlsplit(replica).path[1:]
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    run(["manage.py", "seed_demo"], {**env, "DATABASE_URL": replica})
    wired = {
        **env,
        "DATABASE_URL": primary,
        "DATABASE_REPLICA_URLS": replica,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    assert "SCENARIO OK" in run(["-c", SCENARIO], wired)
