"""Throttles for the API, with rates from settings (API_ANON_RATE, API_USER_RATE,
SUBMISSION_RATE), counted in the default cache (Redis when REDIS_URL is set, so every
worker shares the counts). RATE_LIMITS=off turns them all off.

Rates are read per request rather than at import, so a changed setting takes effect
without a restart (and tests can override it).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class _RateFromSettings:
    rate_setting: str

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def allow_request(self, request, view) -> bool:
        if not settings.RATE_LIMITS_ENABLED:
            return True
        return super().allow_request(request, view)


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    """Every request without a token, per client address (see NUM_PROXIES)."""

    rate_setting = "API_ANON_RATE"


class UserThrottle(_RateFromSettings, UserRateThrottle):
    """Every request with a token, per user."""

    rate_setting = "API_USER_RATE"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # AnonThrottle counts these
        return super().get_cache_key(request, view)


class SubmissionThrottle(_RateFromSettings, SimpleRateThrottle):
    """Proposed entries, per user or client address: the same budget as the form's."""

    scope = "submissions"
    rate_setting = "SUBMISSION_RATE"

    def get_cache_key(self, request, view) -> str:
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
