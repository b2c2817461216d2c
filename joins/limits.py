"""Wrong-code limits for /join/<code>: per client and for everyone together.

Counters live in the shared cache (Redis in production), so every web process counts
together. A client that guesses too often gets a 429 for the rest of the window; past the
global budget everybody does, which slows a guess spread over many addresses. A right code
is never counted, and once the window ends its holder gets in again.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from accounts import ratelimit

GLOBAL = "join:all"


def per_client() -> int:
    return int(getattr(settings, "JOIN_MISSES_PER_CLIENT", 10))


def global_budget() -> int:
    return int(getattr(settings, "JOIN_MISSES_GLOBAL", 300))


def window() -> int:
    return int(getattr(settings, "JOIN_MISS_WINDOW", 600))


def client_key(request: HttpRequest) -> str:
    return f"join:ip:{ratelimit.client_ip(request)}"


def blocked(client: str) -> bool:
    return ratelimit.exhausted(client, per_client()) or ratelimit.exhausted(GLOBAL, global_budget())


def count_miss(client: str) -> None:
    ratelimit.count_failure(client, window())
    ratelimit.count_failure(GLOBAL, window())


def global_misses() -> int:
    from django.core.cache import cache

    return int(cache.get(f"ratelimit:{GLOBAL}") or 0)


def pins_per_client() -> int:
    return int(getattr(settings, "JOIN_SIGN_INS_PER_CLIENT", 20))


def sign_in_blocked(request: HttpRequest) -> bool:
    """Each sign-in start makes a plex.tv PIN and a polling chain: bounded per client."""
    return ratelimit.exhausted(f"join:pins:{ratelimit.client_ip(request)}", pins_per_client())


def count_sign_in(request: HttpRequest) -> None:
    ratelimit.count_failure(f"join:pins:{ratelimit.client_ip(request)}", window())
