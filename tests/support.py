"""The tests' named actors and factories (users, categories, entries, chats), as plain
functions, so a module-scoped fixture can use them too; `tests/conftest.py` offers them as
fixtures (visitor, submitter, curator, token clients, bulk entries). Also what
several test modules share: reading a directory page, racing threads, a free port."""

from __future__ import annotations

import itertools
import re
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import time
from pathlib import Path
from urllib.parse import parse_qs

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hashtags.curation import moderation
from hashtags.models import (
    Category,
    Chat,
    Hashtag,
    HashtagModerator,
    Identity,
    Moderator,
    Status,
)
from hashtags.published import publish
from hashtags.validators import tag_key

# The project's folder: where manage.py and the servers the tests start run.
ROOT = Path(__file__).resolve().parent.parent

# Default names of made categories and entries: unique within a run.
_sequence = itertools.count(1)


def make_user(username: str, *, curator: bool = False):
    """A user; a curator is a staff member in the Curators group (made by a data
    migration with the permissions curation needs), as in production."""
    user = get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password="a-long-password-123",
        is_staff=curator,
    )
    if curator:
        user.groups.add(Group.objects.get(name="Curators"))
    return user


def make_category(slug: str | None = None, parent: Category | None = None, **fields) -> Category:
    """A category (`category-N` unless named), validated as a form would."""
    slug = slug or f"category-{next(_sequence)}"
    category = Category(slug=slug, name=fields.pop("name", slug.title()), parent=parent)
    for name, value in fields.items():
        setattr(category, name, value)
    category.full_clean()
    category.save()
    return category


def make_hashtag(tag: str | None = None, status: str = Status.APPROVED, **fields) -> Hashtag:
    """An entry (`TagN` unless named), validated, with its categories and platforms, and
    published."""
    categories = fields.pop("categories", [])
    platforms = fields.pop("platforms", [])
    if status in (Status.APPROVED, Status.RETIRED):
        # A curator approved it, which confirms it (hashtags.curation.moderation.approve):
        # pass last_verified=None for an entry nobody ever confirmed.
        fields.setdefault("last_verified", timezone.now())
    hashtag = Hashtag(
        tag=tag or f"Tag{next(_sequence)}",
        name=fields.pop("name", "An entry"),
        kind=fields.pop("kind", "community"),
        status=status,
        **fields,
    )
    hashtag.full_clean()
    hashtag.save()
    hashtag.categories.set(categories)
    hashtag.platforms.set(platforms)
    # Written past the write path (hashtags.entries), so published here, as every
    # such writer must.
    publish([hashtag.pk])
    return hashtag


def make_chat(hashtag: Hashtag, **fields) -> Chat:
    """A weekly chat of the entry (Tuesdays 20:30 in New York unless told), validated,
    and the entry published again."""
    values = {
        "weekdays": "TU",
        "start_time": time(20, 30),
        "timezone_id": "America/New_York",
        "duration_minutes": 60,
    }
    values.update(fields)
    chat = Chat(hashtag=hashtag, **values)
    chat.full_clean()
    chat.save()
    publish([hashtag.pk])
    return chat


def token_header(user) -> str:
    """The `Authorization` header value for the user's token, as `drf_create_token` gives it."""
    token, _ = Token.objects.get_or_create(user=user)
    return f"Token {token.key}"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=token_header(user))
    return client


@contextmanager
def shared_by_the_module(django_db_blocker) -> Iterator[None]:
    """For a module-scoped fixture: what it writes, every test of the module sees, each in a
    savepoint of its own (what one test writes, the next does not see); all of it is rolled
    back after the module's last test. For tests that are not transactional."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def walk(client: APIClient, url: str) -> list[dict]:
    """Every result of a paginated API list, following `next` to the end."""
    results: list[dict] = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert set(body) == {"next", "previous", "results"}
        results.extend(body["results"])
        url = body["next"]
    return results


def bulk_entries(
    count: int,
    *,
    prefix: str = "Entry",
    name: str = "An entry",
    kind: str = "community",
    categories: Sequence[Category] = (),
    platforms: Sequence[str] = (),
    with_chat: bool = False,
    with_host: bool = False,
    with_alias: bool = False,
    status: str = Status.APPROVED,
) -> list[Hashtag]:
    """`count` entries (`prefix`000, `prefix`001 …) written in a few bulk inserts, for
    tests that need many (query counts that must not grow, walking pages). Each holds its
    identity, so its page and API detail resolve; chats, hosts and aliases on request."""
    entries = Hashtag.objects.bulk_create(
        [
            Hashtag(tag=f"{prefix}{number:03d}", name=name, kind=kind, status=status)
            for number in range(count)
        ]
    )
    identities = [Identity(hashtag=e, tag=e.tag, key=e.key, is_alias=False) for e in entries]
    if with_alias:
        identities += [
            Identity(hashtag=e, tag=f"Other{e.tag}", key=tag_key(f"Other{e.tag}"), is_alias=True)
            for e in entries
        ]
    Identity.objects.bulk_create(identities)
    Hashtag.categories.through.objects.bulk_create(
        [Hashtag.categories.through(hashtag=e, category=c) for e in entries for c in categories]
    )
    Hashtag.platforms.through.objects.bulk_create(
        [Hashtag.platforms.through(hashtag=e, platform_id=p) for e in entries for p in platforms]
    )
    if with_chat:
        Chat.objects.bulk_create(
            [
                Chat(
                    hashtag=e,
                    weekdays="TU",
                    start_time=time(20, 30),
                    timezone_id="America/New_York",
                )
                for e in entries
            ]
        )
    if with_host:
        hosts = Moderator.objects.bulk_create(
            [Moderator(handle=f"host_{e.tag}", platform_id="x") for e in entries]
        )
        HashtagModerator.objects.bulk_create(
            [HashtagModerator(hashtag=e, moderator=m) for e, m in zip(entries, hosts, strict=True)]
        )
    # Bulk writes go past the write path: like every bulk writer, publish what was written.
    publish([entry.pk for entry in entries])
    return entries


def complete_entries(count: int, *, category_slug: str = "cancer") -> list[Hashtag]:
    """`bulk_entries` with everything an API answer shows: a category, a platform, an
    active chat, a host and an alias each (tags Bulk000, Bulk001 …)."""
    category = Category.objects.filter(slug=category_slug).first()
    if category is None:
        category = Category(slug=category_slug, name=category_slug.title())
        category.save()
    return bulk_entries(
        count,
        prefix="Bulk",
        kind="chat",
        categories=[category],
        platforms=["x"],
        with_chat=True,
        with_host=True,
        with_alias=True,
    )


# --- Reading a directory page -------------------------------------------------------------


def tags_on(page: str) -> list[str]:
    """The tags of the cards on a page, in order."""
    return re.findall(r'class="card-title"><a href="/hashtags/[^"]+/">#(\w+)</a>', page)


def facet_count(page: str, parameter: str, value: str) -> int | None:
    """The count shown next to a filter value, or None when the value is not offered."""
    match = re.search(
        rf'href="\?[^"]*{parameter}={re.escape(value)}[^"]*">[^<]*<span class="count">(\d+)',
        page,
    )
    return int(match.group(1)) if match else None


def offered(page: str) -> dict[tuple[str, str], int]:
    """Every (parameter, value) the page offers to choose, with the count shown next to it."""
    found = {}
    for name, section in re.findall(r'aria-labelledby="facet-(\w+)">(.*?)</section>', page, re.S):
        links = re.findall(r'<a href="\?([^"]*)">[^<]*<span class="count">(\d+)', section)
        for query, count in links:
            found[(name, parse_qs(query.replace("&amp;", "&"))[name][0])] = int(count)
    return found


# --- Races and servers ----------------------------------------------------------------------


def run_at_once(functions: Sequence[Callable]) -> list:
    """Start every function in its own thread at the same moment; return results or errors."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # the outcome is what the test reads
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def submit(tag: str) -> Callable:
    """A submission of `tag` through the write path, to run later (`run_at_once`)."""
    return lambda: moderation.submit_hashtag(
        tag=tag,
        name="Racing",
        kind="chat",
        submitter_name="Racer",
        submitter_email="racer@example.org",
    )


def closed_port() -> int:
    """A port nothing listens on (yet): for a server to start on, or a refused connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
