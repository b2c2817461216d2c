"""Rate limiting: the client address limits count against, and counters every process shares."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
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


def exhausted(bucket: str, limit: int) -> bool:
    """Whether `bucket` has reached `limit` counted failures in its current window."""
    return int(cache.get(f"ratelimit:{bucket}") or 0) >= limit


def count_failure(bucket: str, window: int) -> None:
    """Count one failure in `bucket`; the count starts over `window` seconds after its first.
    Kept in the shared cache (Redis or files under var/), so every process counts together."""
    key = f"ratelimit:{bucket}"
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # the window ended between the two calls
        cache.add(key, 1, timeout=window)
