"""The client address that sign-in rate limiting counts against."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = N proxies in front, the address the
    outermost trusted proxy saw: the N-th entry from the right of X-Forwarded-For. Entries
    further left were written by the client and are ignored, so a spoofed header cannot
    dodge the limit."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if len(chain) < hops:
        return remote
    return chain[-hops]
