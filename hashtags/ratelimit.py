"""Who a client is, for rate limits: the one answer the form limits (django-ratelimit)
and the API throttles (Django REST framework, through NUM_PROXIES) agree on.

With NUM_PROXIES=0 (the default) the client is REMOTE_ADDR and X-Forwarded-For is
ignored, so a forged header cannot reset a limit. Behind N trusted proxies, the client is
the address the outermost trusted proxy saw: the N-th entry from the right.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
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
