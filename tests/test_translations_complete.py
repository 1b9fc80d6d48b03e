"""Every message of the public site is translated into each of its other languages.

The catalogues are gathered afresh with `make messages` (its very command, read from
the Makefile) in a copy of the project, so a string marked in the code or a template but
not yet in a catalogue counts as untranslated, and the working tree is left as it was.
A failure names every untranslated or fuzzy message of each catalogue. Needs GNU
gettext: skipped without it, except in CI, where it fails.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# What a copy of the project leaves out: none of it is scanned (the Makefile's
# NOT_SCANNED), and some of it is large.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "tools",
    "staticfiles",
    "var",
    "test-artifacts",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "db.sqlite3*",
    "*.mo",
)


def makemessages_command() -> list[str]:
    """The command `make messages` runs, for this Python."""
    plan = subprocess.run(  # noqa: S603 (our own Makefile)
        [shutil.which("make"), "--dry-run", "--silent", "messages"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in plan.splitlines() if "manage.py makemessages" in line)
    words = shlex.split(line)
    return [sys.executable, *words[words.index("manage.py") :]]


def entries(po: str) -> list[str]:
    """The messages of a PO text (header aside), each as its msgid, with its context."""
    found = []
    for block in po.split("\n\n"):
        fields: dict[str, str] = {}
        field = ""
        for line in block.splitlines():
            named = re.match(r'(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if named:
                field = named.group(1)
                fields[field] = named.group(2)
            elif line.startswith('"') and field:
                fields[field] += line[1:-1]
        if fields.get("msgid"):
            context = f"[{fields['msgctxt']}] " if "msgctxt" in fields else ""
            found.append(f'{context}"{fields["msgid"]}"')
    return found


def attributes(catalogue: Path, which: str) -> list[str]:
    """The catalogue's messages msgattrib selects with `which` (--untranslated…)."""
    selected = subprocess.run(  # noqa: S603 (our own catalogue)
        [shutil.which("msgattrib"), which, "--no-wrap", str(catalogue)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return entries(selected)


@pytest.fixture(scope="module")
def gathered(tmp_path_factory) -> Path:
    """The locale folder of a copy of the project, after `make messages`."""
    missing = [tool for tool in ("make", "xgettext", "msgattrib") if shutil.which(tool) is None]
    if missing:
        reason = f"GNU gettext is needed (apt-get install gettext): {', '.join(missing)} missing"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    copy = tmp_path_factory.mktemp("messages") / "project"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED, symlinks=True)
    subprocess.run(  # noqa: S603 (the Makefile's command)
        makemessages_command(),
        cwd=copy,
        env={**os.environ, "DEBUG": "1"},
        capture_output=True,
        check=True,
    )
    return copy / "directory" / "locale"


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_every_message_is_translated(gathered, code):
    catalogue = gathered / code / "LC_MESSAGES" / "django.po"
    assert catalogue.exists(), f"no {code} catalogue: run `make messages`"
    untranslated = attributes(catalogue, "--untranslated")
    fuzzy = attributes(catalogue, "--only-fuzzy")
    problems = [f"untranslated: {message}" for message in untranslated]
    problems += [f"fuzzy (check it, then remove the fuzzy flag): {message}" for message in fuzzy]
    assert not problems, (
        f"directory/locale/{code}/LC_MESSAGES/django.po: {len(problems)} message(s) to "
        "translate (`make messages`, then translate them):\n" + "\n".join(problems)
    )
