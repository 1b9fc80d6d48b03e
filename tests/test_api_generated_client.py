"""A client generated from the served OpenAPI schema, used against a live server.

openapi-python-client (a dev dependency) generates a Python package from
`/api/v1/schema/` into a temporary folder; the test imports it and makes every read a
client starts with, and a submission, against a real HTTP server (pytest-django's
`live_server`) holding the demo registry (tests.openapi_support). Each call must answer
its documented success status and parse into the generated model without error: the
generated code reads every field the schema promises, with its type and format, so an
answer the schema does not describe (a null where none is admitted, a missing key, a
date that is not one) fails here as it would in a client's code.

CALLS is the list of calls, in order; a new endpoint's call is one more entry.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hashtags.models import Hashtag
from tests.openapi_support import COUNTED, RETIRED, seed_demo_registry

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "hhd_client"
# No formatter over the generated code: it is imported, not read.
GENERATOR_CONFIG = "post_hooks: []\n"


@dataclass
class Session:
    """The generated package, a client on the live server, and what the calls learn on
    the way (the tags they list, a submission's reference)."""

    package: ModuleType
    client: Any
    learned: dict[str, Any] = field(default_factory=dict)

    def call(self, group: str, operation: str, *args: Any, **kwargs: Any) -> Any:
        """`<package>.api.<group>.<operation>.sync_detailed(...)`: the answer, once it is
        checked to be a success (2xx)."""
        module = importlib.import_module(f"{PACKAGE}.api.{group}.{operation}")
        answer = module.sync_detailed(*args, client=self.client, **kwargs)
        assert 200 <= answer.status_code < 300, (operation, answer.status_code, answer.content)
        return answer.parsed

    def model(self, name: str) -> type:
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def generate(schema: bytes, folder: Path) -> str:
    """Run openapi-python-client on the schema; its report (warnings included)."""
    (folder / "openapi.json").write_bytes(schema)
    (folder / "config.yaml").write_text(GENERATOR_CONFIG)
    run = subprocess.run(  # noqa: S603 (fixed arguments)
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(folder / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
            "--config",
            str(folder / "config.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


@pytest.fixture
def session(live_server, settings, tmp_path) -> Iterator[Session]:
    # Every entry is read in turn: judged on its answers, not throttled.
    settings.RATE_LIMITS_ENABLED = False
    seed_demo_registry()
    schema = httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30)
    assert schema.status_code == 200
    report = generate(schema.content, tmp_path)
    # The generator skips what it cannot read and says so: every operation and model
    # must be there.
    assert "Warning" not in report, report
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module(PACKAGE)
        client = package.Client(
            base_url=live_server.url, raise_on_unexpected_status=True, timeout=30
        )
        with client:
            yield Session(package, client)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


# --- The calls --------------------------------------------------------------------------


def cursor_of(link: str | None) -> str | None:
    return parse_qs(urlsplit(link).query)["cursor"][0] if link else None


def list_entries(s: Session) -> None:
    page = s.call("hashtags", "hashtags_list")
    assert isinstance(page, s.model("PaginatedHashtagList")) and page.results


def search(s: Session) -> None:
    page = s.call("hashtags", "hashtags_list", q="cancer", has_chat=True)
    assert page.results and all(entry.chats for entry in page.results)


def every_page(s: Session) -> None:
    """Page by page through the whole list, each page's cursor taken from `next`."""
    tags, cursor, pages = [], None, 0
    while True:
        kwargs = {"cursor": cursor} if cursor else {}
        page = s.call("hashtags", "hashtags_list", page_size=25, **kwargs)
        tags += [entry.tag for entry in page.results]
        pages += 1
        cursor = cursor_of(page.next_)
        if cursor is None:
            break
    assert pages > 1
    s.learned["tags"] = tags


def every_detail(s: Session) -> None:
    detail = s.model("HashtagDetail")
    for tag in s.learned["tags"]:
        entry = s.call("hashtags", "hashtags_retrieve", tag)
        assert isinstance(entry, detail) and entry.tag == tag
    retired = s.call("hashtags", "hashtags_retrieve", RETIRED)
    assert retired.replaced_by.tag and retired.activity.last_7_days is None
    assert s.call("hashtags", "hashtags_retrieve", COUNTED).activity.last_7_days.uses > 0


def upcoming_chats(s: Session) -> None:
    week = s.call("chats", "chats_upcoming_retrieve", tz="America/New_York")
    assert isinstance(week, s.model("Upcoming")) and week.results


def categories(s: Session) -> None:
    tree = s.call("categories", "categories_list")
    assert tree.results
    one = s.call("categories", "categories_retrieve", tree.results[0].slug)
    assert one.slug == tree.results[0].slug


def submit(s: Session) -> None:
    proposal = s.model("SubmissionInputRequest")(
        tag="GeneratedClientChat",
        name="A chat proposed by a generated client",
        kind=s.model("HashtagKindEnum")("chat"),
        submitter_name="Sam",
        submitter_email="sam@example.org",
        categories=["cancer"],
        platforms=["x"],
    )
    status = s.call("submissions", "submissions_create", body=proposal)
    assert status.status.value == "pending"
    s.learned["reference"] = status.reference


def submission_status(s: Session) -> None:
    status = s.call("submissions", "submissions_retrieve", s.learned["reference"])
    assert status.tag == "GeneratedClientChat" and status.hashtag is None


def export(s: Session) -> None:
    document = s.call("export", "export_json")
    assert document.version == 1
    assert len(document.hashtags) == Hashtag.objects.filter(status="approved").count()
    # Chats and hosts are models of their own (the export's JSON Schema describes them).
    chats = [chat for entry in document.hashtags for chat in entry.chats]
    hosts = [host for entry in document.hashtags for host in entry.moderators]
    assert chats and all(isinstance(chat, s.model("ExportChat")) for chat in chats)
    assert hosts and all(isinstance(host, s.model("ExportHost")) for host in hosts)


def changes(s: Session) -> None:
    """The feed from the start, then from the first change on, and one entry's."""
    first = s.call("changes", "changes_retrieve", limit=10)
    assert first.latest >= 1 and len(first.results) == 10
    assert isinstance(first.results[0].record, s.model("ExportEntry"))
    later = s.call("changes", "changes_retrieve", after=first.results[0].sequence, limit=10)
    assert later.results[0].sequence == first.results[1].sequence
    one = s.call("changes", "changes_retrieve", entry="HCLDR")
    assert one.results and all(change.entry == "HCLDR" for change in one.results)


CALLS: list[tuple[str, Callable[[Session], None]]] = [
    ("list", list_entries),
    ("search", search),
    ("every page", every_page),
    ("every entry's detail", every_detail),
    ("upcoming chats", upcoming_chats),
    ("categories", categories),
    ("submit", submit),
    ("submission status", submission_status),
    ("export", export),
    ("changes", changes),
]


def test_a_generated_client_makes_every_call_on_the_demo_registry(session):
    failed = []
    for name, call in CALLS:
        try:
            call(session)
        except Exception as error:  # every call is tried, and every failure reported
            failed.append(f"{name}: {type(error).__name__}: {error}"[:1000])
    assert not failed, "\n".join(failed)
