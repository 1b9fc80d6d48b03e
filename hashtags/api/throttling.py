"""Throttles for the API, with rates from settings (API_ANON_RATE, API_USER_RATE,
SUBMISSION_RATE), counted in the default cache (Redis when REDIS_URL is set, so every
worker shares the counts). RATE_LIMITS=off turns them all off.

A client is who hashtags.serving.ratelimit.client_key says (an IPv6 client by its /64), and
proposing an entry spends the same "submit" budget the site's forms spend.

While the cache is down, reads are not throttled and proposals are refused with 503
(hashtags.serving.ratelimit).

Rates are read per request rather than at import, so a changed setting takes effect
without a restart (and tests can override it).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, UserRateThrottle

from hashtags.api.errors import BudgetUnavailable
from hashtags.serving import cache as registry_cache
from hashtags.serving.ratelimit import client_key, spend


class _RateFromSettings:
    rate_setting: str

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def get_ident(self, request) -> str:
        return client_key(request)

    def allow_request(self, request, view) -> bool:
        if not settings.RATE_LIMITS_ENABLED:
            return True
        try:
            return super().allow_request(request, view)
        except registry_cache.UNAVAILABLE as error:
            # Reads are served while the cache is down; a proposal's own budget
            # (SubmissionThrottle) still refuses it.
            registry_cache.unavailable(error, "the API throttles do not count")
            return True


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    """Every request without a token, per client (see hashtags.serving.ratelimit)."""

    rate_setting = "API_ANON_RATE"


class UserThrottle(_RateFromSettings, UserRateThrottle):
    """Every request with a token, per user."""

    rate_setting = "API_USER_RATE"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # AnonThrottle counts these
        return super().get_cache_key(request, view)


class SubmissionThrottle(BaseThrottle):
    """Proposed entries and edit suggestions: the client's "submit" budget, the very
    counter the submission and suggestion forms spend (SUBMISSION_RATE)."""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def allow_request(self, request, view) -> bool:
        refusal = spend(request, "submit")
        if refusal is not None and refusal.unavailable:
            raise BudgetUnavailable(wait=refusal.retry_after)
        self.retry_after = refusal.retry_after if refusal else None
        return refusal is None

    def wait(self) -> int | None:
        return self.retry_after
