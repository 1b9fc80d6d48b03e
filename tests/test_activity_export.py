"""The activity export: every public entry's daily counts as CSV, under CC0 like the
registry export, over HTTP (with validators) and from `manage.py export_activity`."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from tests.activity_helpers import counted, today

pytestmark = pytest.mark.django_db
URL = "/api/v1/export/activity.csv"


def test_the_export_has_every_public_entry_s_daily_counts_and_the_licence(client, make_hashtag):
    counted(make_hashtag("Bbb"), {0: 2, 1: 0})
    counted(make_hashtag("Aaa"), {0: 5})
    counted(make_hashtag("Hidden", status="pending"), {0: 9})
    answer = client.get(URL)
    assert answer.status_code == 200
    assert answer["Link"] == '<https://creativecommons.org/publicdomain/zero/1.0/>; rel="license"'
    assert answer["Content-Type"].startswith("text/csv")
    body = b"".join(answer.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    day, yesterday = today().isoformat(), (today() - timedelta(days=1)).isoformat()
    assert rows == [
        ["tag", "network", "server", "day", "uses", "accounts"],
        ["Aaa", "mastodon", "https://a.example", day, "5", "1"],
        ["Bbb", "mastodon", "https://a.example", yesterday, "0", "0"],
        ["Bbb", "mastodon", "https://a.example", day, "2", "1"],
    ]
    again = client.get(URL, HTTP_IF_NONE_MATCH=answer["ETag"])
    assert again.status_code == 304

    out = io.StringIO()
    call_command("export_activity", stdout=out)
    assert out.getvalue() == body
