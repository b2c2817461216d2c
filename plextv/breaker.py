"""A circuit breaker for plex.tv, shared by every process that talks to it.

When plex.tv stops answering, each web page and each worker would otherwise find out on its own,
one timeout at a time, and keep knocking. The breaker counts consecutive failures across all
processes and, past a threshold, makes every call fail at once (`CircuitOpen`, nothing sent)
for a cool-down. Then exactly one call is let through as a trial: success closes the breaker,
failure opens it for another cool-down.

plextv keeps no state of its own between processes, so the caller hands in a `BreakerStore`:
five cache-like operations (the Django side implements them on its cache: Redis when
configured, files under var/ otherwise). `MemoryStore` serves a single process and the tests.

What counts as a failure is plex.tv not answering usefully: a timeout, a refused or dropped
connection, a 5xx, an answer cut off or not in a known format (`Unavailable`). Any other answer,
a 4xx included, proves plex.tv is there and counts as a success.

A store that fails (Redis down) never blocks calls: the breaker then lets everything through
and says so once in the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from plextv.errors import CircuitOpen

log = logging.getLogger("plextv")

PREFIX = "plextv:breaker:"
FAILURES = PREFIX + "failures"
OPEN = PREFIX + "open"  # {"since": epoch, "until": epoch}
TRIAL = PREFIX + "trial"
LAST_FAILURE = PREFIX + "last_failure"  # {"at": epoch, "message": str}
# Keys that outlive any cool-down; closing the breaker deletes them.
LONG = 7 * 24 * 3600.0


class BreakerStore(Protocol):
    """What the breaker needs from a shared store. Values are small JSON-able data."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any, ttl: float) -> None: ...

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Set `key` only if it is absent; True when this call set it (atomic where it matters:
        it decides which process opens the breaker and which one makes the trial call)."""
        ...

    def incr(self, key: str, ttl: float) -> int:
        """Add one to a counter (created at 1 with `ttl`) and return the new value."""
        ...

    def delete(self, *keys: str) -> None: ...


class MemoryStore:
    """A `BreakerStore` for one process (tests, scripts); thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._items: dict[str, tuple[Any, float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _live(self, key: str) -> tuple[Any, float] | None:
        item = self._items.get(key)
        if item is not None and item[1] <= self._clock():
            del self._items[key]
            return None
        return item

    def get(self, key: str) -> Any:
        with self._lock:
            item = self._live(key)
            return None if item is None else item[0]

    def set(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            self._items[key] = (value, self._clock() + ttl)

    def add(self, key: str, value: Any, ttl: float) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._items[key] = (value, self._clock() + ttl)
            return True

    def incr(self, key: str, ttl: float) -> int:
        with self._lock:
            item = self._live(key)
            value = (item[0] if item else 0) + 1
            self._items[key] = (value, item[1] if item else self._clock() + ttl)
            return int(value)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._items.pop(key, None)


@dataclass(frozen=True)
class BreakerStatus:
    """What a page shows about plex.tv: `state` is closed, open or half_open (a trial is due
    or under way); times are epoch seconds."""

    state: str
    failures: int = 0
    opened_at: float | None = None
    retry_at: float | None = None
    last_failure_at: float | None = None
    last_failure: str = ""

    @property
    def is_open(self) -> bool:
        return self.state != "closed"


class CircuitBreaker:
    def __init__(
        self,
        store: BreakerStore,
        *,
        threshold: int = 5,
        reset_timeout: float = 60.0,
        trial_timeout: float = 60.0,
        failure_window: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Open after `threshold` consecutive failures (counted within `failure_window`
        seconds of the first), stay open `reset_timeout` seconds, then allow one trial call;
        a trial that never reports back frees its slot after `trial_timeout`."""
        self.store = store
        self.threshold = threshold
        self.reset_timeout = reset_timeout
        self.trial_timeout = trial_timeout
        self.failure_window = failure_window
        self._clock = clock
        self._store_failing = False

    # --- around each call ---------------------------------------------------------------------

    def before_call(self) -> bool:
        """Raise `CircuitOpen` while open; True when this call is the trial."""
        opened = self._safely(self.store.get, OPEN)
        if not opened:
            return False
        now = self._clock()
        until = float(opened.get("until", 0))
        if now < until:
            raise CircuitOpen(until - now)
        if self._safely(self.store.add, TRIAL, now, self.trial_timeout):
            return True
        # Another process is making the trial call: wait for its verdict.
        raise CircuitOpen(min(self.trial_timeout, self.reset_timeout))

    def record_success(self, trial: bool) -> None:
        if trial:
            self._close()
            return
        failures = self._safely(self.store.get, FAILURES)
        if failures:
            self._safely(self.store.delete, FAILURES)

    def record_failure(self, error: Exception, trial: bool) -> None:
        now = self._clock()
        message = getattr(error, "human_message", None) or type(error).__name__
        self._safely(self.store.set, LAST_FAILURE, {"at": now, "message": message}, LONG)
        if trial:
            self._open(now, "the trial call failed")
            self._safely(self.store.delete, TRIAL)
            return
        failures = self._safely(self.store.incr, FAILURES, self.failure_window) or 0
        if failures >= self.threshold:
            opened = {"since": now, "until": now + self.reset_timeout}
            if self._safely(self.store.add, OPEN, opened, LONG):
                log.warning(
                    "plex.tv failed %d times in a row; calls paused for %.0f s",
                    failures,
                    self.reset_timeout,
                )

    def _open(self, now: float, why: str) -> None:
        opened = self._safely(self.store.get, OPEN) or {}
        since = opened.get("since", now)
        self._safely(
            self.store.set, OPEN, {"since": since, "until": now + self.reset_timeout}, LONG
        )
        log.warning("plex.tv still failing (%s); calls paused for %.0f s", why, self.reset_timeout)

    def _close(self) -> None:
        was_open = self._safely(self.store.get, OPEN)
        self._safely(self.store.delete, OPEN, TRIAL, FAILURES)
        if was_open:
            log.warning("plex.tv answers again; calls resume")

    # --- for pages ----------------------------------------------------------------------------

    def status(self) -> BreakerStatus:
        opened = self._safely(self.store.get, OPEN)
        last = self._safely(self.store.get, LAST_FAILURE) or {}
        failures = int(self._safely(self.store.get, FAILURES) or 0)
        last_at = last.get("at")
        last_message = str(last.get("message", ""))
        if not opened:
            return BreakerStatus(
                "closed", failures, last_failure_at=last_at, last_failure=last_message
            )
        until = float(opened.get("until", 0))
        return BreakerStatus(
            "open" if self._clock() < until else "half_open",
            failures,
            opened_at=opened.get("since"),
            retry_at=until,
            last_failure_at=last_at,
            last_failure=last_message,
        )

    def reset(self) -> None:
        """Forget everything (an operator's "plex.tv is back, try now")."""
        self._safely(self.store.delete, OPEN, TRIAL, FAILURES, LAST_FAILURE)

    def _safely(self, operation: Callable[..., Any], *args: Any) -> Any:
        try:
            result = operation(*args)
        except Exception as exc:
            if not self._store_failing:
                log.warning(
                    "the plex.tv circuit breaker cannot reach its store (%s); calls go through",
                    type(exc).__name__,
                )
            self._store_failing = True
            return None
        self._store_failing = False
        return result
