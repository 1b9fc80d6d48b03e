"""Who a client is, for every limit, and the budgets the site's limits spend.

`client_key()` is the one answer the form limits, the API throttles and the admin
lock-out (django-axes, AXES_CLIENT_IP_CALLABLE) agree on:

- the address is REMOTE_ADDR with NUM_PROXIES=0 (the default), so a forged
  X-Forwarded-For cannot reset a limit; behind N trusted proxies it is the address the
  outermost trusted proxy saw (the N-th entry of X-Forwarded-For from the right);
- an IPv4 client is its address, and so is an IPv4-mapped IPv6 one (::ffff:192.0.2.1);
- an IPv6 client is its /64: one subscriber is usually given a whole /64, so counting
  single addresses would let them try 2**64 times. The key is the network's first
  address (2001:db8:1:2::), which is still an IP address for axes' records.

Budgets (`spend()`) are counted by django-ratelimit in the default cache (Redis with
REDIS_URL, so every worker shares the counts). A budget is named once here and spent by
every way in: the submission form, the edit-suggestion form and `POST
/api/v1/submissions/` spend the same "submit" counter of SUBMISSION_RATE.
RATE_LIMITS=off turns every budget off.

While the cache cannot be reached a budget cannot be counted: a write's budget then
refuses (`Refusal.unavailable`, answered 503 with Retry-After) rather than let writes
through unlimited; a read's budget lets the read through, as reads are served without
the cache.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from hashtags.serving import cache as registry_cache

IPV6_PREFIX = 64
# Retry-After of a write refused because the cache is down.
UNAVAILABLE_RETRY_AFTER = 30

# Budget name -> the setting holding its rate ("N/period").
BUDGETS = {
    "submit": "SUBMISSION_RATE",  # the submission and suggestion forms and the API's POST
    "report": "REPORT_RATE",  # "Report a problem"
    "claim": "CLAIM_RATE",  # "Ask to become steward"
    "export": "EXPORT_RATE",  # full answers of the export
    "page": "UNCACHED_PAGE_RATE",  # pages computed rather than served from the page cache
}
# The budgets that guard writes (see the module's docstring).
WRITES = frozenset({"submit", "report", "claim"})


def client_ip(request: HttpRequest) -> str:
    """The client's address as seen through NUM_PROXIES trusted proxies."""
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def address_key(address: str) -> str:
    """An IPv4 address as itself, an IPv6 address as the first address of its /64."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # a zone id (%eth0) is local
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False).network_address)
    return str(ip)


def client_key(request: HttpRequest) -> str:
    """Who the client is for every limit: see the module's docstring."""
    return address_key(client_ip(request))


def budget_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key: the signed-in user (an API token's or the admin session's),
    else the client's address key."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user-{user.pk}"
    return client_key(request)


@dataclass(frozen=True)
class Refusal:
    """A spent budget: the seconds until it renews, for Retry-After; or (`unavailable`)
    a write's budget that cannot be counted because the cache is down."""

    retry_after: int
    unavailable: bool = False


def spend(request: HttpRequest, budget: str) -> Refusal | None:
    """Count one use of the client's `budget`; a Refusal once it is spent, else None."""
    if not settings.RATE_LIMITS_ENABLED:
        return None
    try:
        usage = get_usage(
            request,
            group=budget,
            key=budget_key,
            rate=getattr(settings, BUDGETS[budget]),
            method=ALL,  # the caller decides what counts; GET and POST may share a budget
            increment=True,
        )
    except registry_cache.UNAVAILABLE as error:
        if budget in WRITES:
            registry_cache.unavailable(error, "writes with a budget are refused (503)")
            return Refusal(retry_after=UNAVAILABLE_RETRY_AFTER, unavailable=True)
        registry_cache.unavailable(error, f"the {budget} budget is not counted")
        return None
    if usage is None or not usage["should_limit"]:
        return None
    return Refusal(retry_after=max(int(usage["time_left"]), 1))
