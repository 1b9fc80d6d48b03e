"""The HTTP client the network adapters share (httpx).

Every request carries a User-Agent naming the site and its SITE_URL, so a server's
operator can tell who is asking. A server's answer is untrusted input, so each try is
bounded: the whole exchange, from connecting to the body's last byte, must end within
ACTIVITY_TIMEOUT_SECONDS (a server sending a byte now and then cannot hold a run up);
the body is read as it arrives and refused past MAX_BODY_BYTES, and is asked for
uncompressed (a compressed one is refused: 300 KB of gzip can unpack to 300 MB before
any limit is checked, and the answers are a few kilobytes); redirects are not
followed (the counts would be stored under the configured server's name, whoever
answered). A request that fails in a way that may pass (a timeout, a refused
connection, a 5xx) is tried again, up to ACTIVITY_RETRIES times, waiting
ACTIVITY_BACKOFF_SECONDS, then twice that, and so on.

httpx times each read, not an exchange, so the exchange runs on its async client under
`asyncio.timeout`, in one event loop kept for the client's life (its connections are
reused); the adapters call it as plain functions.

The servers' rate limits are kept: after an answer with `X-RateLimit-Remaining: 0` the
next request to that server waits for `X-RateLimit-Reset`; a 429 waits for its
`Retry-After` (seconds or a date) or reset and tries again. A wait longer than
ACTIVITY_MAX_WAIT_SECONDS is not made: the request fails with `RateLimited`, so the
run goes on with the other servers and reports this one.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({500, 502, 503, 504})
# A Mastodon tag answers in about 2 KB and a page of Bluesky's search in a few hundred;
# anything much larger is not an answer to what was asked.
MAX_BODY_BYTES = 4 * 1024 * 1024
SECONDS = re.compile(r"\d+(\.\d+)?")


class FetchError(Exception):
    """A server could not give an answer; the message says why, for the run's report."""


class RateLimited(FetchError):
    pass


def user_agent() -> str:
    return f"HealthcareHashtagDirectory/1.0 (+{settings.SITE_URL})"


def _seconds_until(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After or X-RateLimit-Reset value: a number of
    seconds, an HTTP date, or (Mastodon's reset) an ISO 8601 instant; None when it is
    none of these (`inf`, `nan`, `-1`, a number too large for a float)."""
    if not value:
        return None
    value = value.strip()
    if SECONDS.fullmatch(value):
        seconds = float(value)
        return seconds if math.isfinite(seconds) else None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return max(0.0, moment.timestamp() - now)
    except (OverflowError, ValueError):
        return None


class Client:
    """One session for a run: connections are reused, and each server's rate-limit
    state is remembered between requests."""

    def __init__(
        self,
        *,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        max_wait: float | None = None,
    ) -> None:
        self.timeout = settings.ACTIVITY_TIMEOUT_SECONDS if timeout is None else timeout
        self.retries = max(1, settings.ACTIVITY_RETRIES if retries is None else retries)
        self.backoff = settings.ACTIVITY_BACKOFF_SECONDS if backoff is None else backoff
        self.max_wait = settings.ACTIVITY_MAX_WAIT_SECONDS if max_wait is None else max_wait
        self.loop = asyncio.Runner()
        self.http = httpx.AsyncClient(
            timeout=self.timeout,
            headers={
                "User-Agent": user_agent(),
                "Accept": "application/json",
                "Accept-Encoding": "identity",
            },
            follow_redirects=False,
        )
        self.not_before: dict[str, float] = {}  # server → when it takes requests again

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.loop.run(self.http.aclose())
        finally:
            self.loop.close()

    def _wait(self, seconds: float, server: str) -> None:
        if seconds > self.max_wait:
            raise RateLimited(f"rate limited for another {round(seconds)} s")
        if seconds > 0:
            logger.info("Waiting %.1f s for %s's rate limit", seconds, server)
            time.sleep(seconds)

    def request(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        """The answer to a request, after retries; raises FetchError when none came. A
        4xx other than 429, or a redirect, is an answer: the adapter decides what it
        means. The answer's body is already read."""
        server = urlsplit(url).netloc
        problem = "no answer"
        for attempt in range(1, self.retries + 1):
            pending = self.not_before.get(server, 0.0) - time.time()
            self._wait(pending, server)
            try:
                response = self.loop.run(self._exchange(method, url, **kwargs))
            except (httpx.TimeoutException, TimeoutError):
                problem = f"timed out after {self.timeout:g} s"
            except httpx.TransportError as error:
                problem = f"could not connect ({type(error).__name__})"
            except httpx.HTTPError as error:
                # A body that cannot be decoded: the same again on a retry.
                name = type(error).__name__
                raise FetchError(f"answered a body that cannot be read ({name})") from None
            else:
                self._remember_limits(server, response)
                if response.status_code == 429:
                    now = time.time()
                    wait = _seconds_until(response.headers.get("Retry-After"), now)
                    if wait is None:
                        wait = _seconds_until(response.headers.get("X-RateLimit-Reset"), now)
                    wait = self.backoff * 2 ** (attempt - 1) if wait is None else wait
                    if attempt < self.retries:
                        self._wait(wait, server)
                        continue
                    raise RateLimited(f"rate limited (429) after {attempt} tries")
                if response.status_code in RETRY_STATUSES:
                    problem = f"server error {response.status_code}"
                else:
                    return response
            if attempt < self.retries:
                logger.info("%s: %s; trying again (%d/%d)", server, problem, attempt, self.retries)
                time.sleep(self.backoff * 2 ** (attempt - 1))
        raise FetchError(f"{problem} (after {self.retries} tries)")

    async def _exchange(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        """One try, within the deadline: the answer with its body read."""
        async with asyncio.timeout(self.timeout):
            async with self.http.stream(method, url, **kwargs) as streamed:
                encoding = streamed.headers.get("Content-Encoding", "identity").strip().lower()
                if encoding not in {"identity", ""}:
                    raise FetchError(f"answered a compressed body ({encoding[:20]}), not asked for")
                body = bytearray()
                async for chunk in streamed.aiter_raw():
                    body += chunk
                    if len(body) > MAX_BODY_BYTES:
                        raise FetchError(f"answered more than {MAX_BODY_BYTES // 2**20} MB")
        return httpx.Response(
            streamed.status_code,
            headers=streamed.headers.multi_items(),
            content=bytes(body),
            request=streamed.request,
        )

    def _remember_limits(self, server: str, response: httpx.Response) -> None:
        remaining = response.headers.get("X-RateLimit-Remaining", "").strip()
        if remaining.isdigit() and int(remaining) == 0:
            now = time.time()
            wait = _seconds_until(response.headers.get("X-RateLimit-Reset"), now)
            if wait is not None:
                self.not_before[server] = now + wait

    def get_json(self, url: str, **kwargs: object) -> object:
        """GET `url` and read its JSON body (a 2xx answer); FetchError otherwise."""
        response = self.request("GET", url, **kwargs)
        return read_json(response)


def read_json(response: httpx.Response) -> object:
    if response.is_redirect:
        # Not followed: what another address says is not this server's count.
        raise FetchError(f"answered a redirect ({response.status_code}), not followed")
    if not response.is_success:
        raise FetchError(f"answered {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise FetchError("answered something that is not JSON") from None
    except RecursionError:
        raise FetchError("answered JSON nested too deeply to read") from None
