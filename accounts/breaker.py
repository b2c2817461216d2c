"""The plex.tv circuit breaker's shared state, kept in Django's cache.

With `REDIS_URL` the cache is Redis: `add` and `incr` are atomic there, so across any number of
web and worker processes exactly one opens the breaker and exactly one makes the trial call.
Without it the cache is a directory of files under var/ that every process on this machine
shares; two processes failing in the same instant may then both count, which at worst opens
the breaker one failure early or lets a second trial call through.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches

from plextv import BreakerStatus, CircuitBreaker, ClientConfig


class CacheStore:
    """`plextv.BreakerStore` on a Django cache."""

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias

    @property
    def cache(self) -> Any:
        # Looked up on each use: caches are per thread, and tests swap the settings.
        return caches[self.alias]

    def get(self, key: str) -> Any:
        return self.cache.get(key)

    def set(self, key: str, value: Any, ttl: float) -> None:
        self.cache.set(key, value, timeout=ttl)

    def add(self, key: str, value: Any, ttl: float) -> bool:
        return bool(self.cache.add(key, value, timeout=ttl))

    def incr(self, key: str, ttl: float) -> int:
        if self.cache.add(key, 1, timeout=ttl):
            return 1
        try:
            return int(self.cache.incr(key))
        except ValueError:  # expired between the two calls
            self.cache.add(key, 1, timeout=ttl)
            return 1

    def delete(self, *keys: str) -> None:
        self.cache.delete_many(list(keys))


def breaker() -> CircuitBreaker:
    return CircuitBreaker(
        CacheStore(),
        threshold=settings.PLEXTV_BREAKER_FAILURES,
        reset_timeout=float(settings.PLEXTV_BREAKER_RESET),
        # The trial may take as long as one attempt can before another process tries.
        trial_timeout=ClientConfig.attempt_timeout,
    )


def plextv_status() -> BreakerStatus:
    return breaker().status()
