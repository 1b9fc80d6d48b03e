"""Bluesky: posts carrying the tag per day, from the post search (`app.bsky.feed.
searchPosts`), which needs a signed-in session: only counted when ACTIVITY_BLUESKY_HANDLE
and ACTIVITY_BLUESKY_APP_PASSWORD are set.

The search reads the last 7 days, newest first, at most MAX_PAGES pages of 100 posts a
tag. When a busy tag has more, only the days the pages covered in full are counted (the
older ones stay unknown rather than undercounted). Authors are told apart only to count
them; no identity is kept.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from hashtags.activity.client import Client, FetchError, read_json
from hashtags.activity.networks import DayCount, NetworkAdapter
from hashtags.models import Network

DAYS = 7
PAGE_SIZE = 100
MAX_PAGES = 10


class Bluesky(NetworkAdapter):
    code = Network.BLUESKY
    name = "Bluesky"

    def __init__(self) -> None:
        self.access_token: str | None = None

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.ACTIVITY_BLUESKY_HANDLE and settings.ACTIVITY_BLUESKY_APP_PASSWORD)

    def servers(self) -> list[str]:
        return [settings.ACTIVITY_BLUESKY_SERVICE]

    def sign_in(self, client: Client, server: str) -> str:
        if self.access_token is None:
            response = client.request(
                "POST",
                f"{server}/xrpc/com.atproto.server.createSession",
                json={
                    "identifier": settings.ACTIVITY_BLUESKY_HANDLE,
                    "password": settings.ACTIVITY_BLUESKY_APP_PASSWORD,
                },
            )
            if response.status_code in (400, 401):
                raise FetchError("refused the sign-in (check the handle and app password)")
            session = read_json(response)
            token = session.get("accessJwt") if isinstance(session, dict) else None
            if not isinstance(token, str) or not token:
                raise FetchError("answered the sign-in without a session")
            self.access_token = token
        return self.access_token

    def fetch(self, client: Client, server: str, tag: str) -> list[DayCount]:
        token = self.sign_in(client, server)
        today = timezone.now().astimezone(UTC).date()
        first = today - timedelta(days=DAYS - 1)
        uses: dict = defaultdict(int)
        authors: dict = defaultdict(set)
        cursor = None
        oldest_complete = first
        for page in range(MAX_PAGES):
            params = {
                "q": f"#{tag}",
                "tag": tag,
                "sort": "latest",
                "since": datetime.combine(first, time(), UTC).isoformat().replace("+00:00", "Z"),
                "limit": str(PAGE_SIZE),
            }
            if cursor:
                params["cursor"] = cursor
            document = client.get_json(
                f"{server}/xrpc/app.bsky.feed.searchPosts",
                params=params,
                headers={"Authorization": f"Bearer {token}"},
            )
            posts = document.get("posts") if isinstance(document, dict) else None
            if not isinstance(posts, list):
                raise FetchError("answered a search without posts")
            for post in posts:
                try:
                    day, author = post_day(post["record"]["createdAt"]), post["author"]["did"]
                except (KeyError, TypeError, ValueError, OverflowError):
                    raise FetchError("answered a post that cannot be read") from None
                if not isinstance(author, str):
                    raise FetchError("answered a post that cannot be read")
                if first <= day <= today:
                    uses[day] += 1
                    authors[day].add(author)
            cursor = document.get("cursor")
            if not isinstance(cursor, str | None):
                raise FetchError("answered a search with a cursor that cannot be read")
            if not cursor or not posts:
                break
            if page == MAX_PAGES - 1 and uses:
                # Cut short: the oldest day reached may be incomplete.
                oldest_complete = min(uses) + timedelta(days=1)
        return [
            DayCount(day, uses[day], len(authors[day]))
            for day in (today - timedelta(days=n) for n in range(DAYS))
            if day >= oldest_complete
        ]


def post_day(created_at: object) -> date:
    """The UTC day of a post's `createdAt` (ISO 8601; without an offset, UTC)."""
    created = datetime.fromisoformat(created_at)  # TypeError when not a string
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created.astimezone(UTC).date()  # OverflowError past year 1 or 9999
