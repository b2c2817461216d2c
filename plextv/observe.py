"""Observers of every HTTP exchange with plex.tv (for metrics; plextv itself keeps no counts).

An observer is a plain callable that receives one `Exchange` per attempt, retries included,
after the answer (or the failure) and before any retry waits. plextv knows nothing about what
an observer does with it, so the client stays free of any metrics library; an observer that
raises is logged and ignored, never allowed to fail the call it watched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("plextv")


@dataclass(frozen=True)
class Exchange:
    method: str
    endpoint: str
    """As the caller named it, e.g. ``GET /api/v2/shared_servers/123`` (ids not removed)."""
    status: int | None
    """The HTTP status, or None when no answer came back."""
    failure: str | None
    """Why no answer came (the transport exception's class name), or None."""
    seconds: float


Observer = Callable[[Exchange], None]

_lock = threading.Lock()
_observers: tuple[Observer, ...] = ()


def add_observer(observer: Observer) -> None:
    """Call `observer` for every exchange in this process; adding it twice has no effect."""
    global _observers
    with _lock:
        if observer not in _observers:
            _observers = (*_observers, observer)


def remove_observer(observer: Observer) -> None:
    global _observers
    with _lock:
        _observers = tuple(o for o in _observers if o != observer)


def notify(exchange: Exchange) -> None:
    for observer in _observers:
        try:
            observer(exchange)
        except Exception:
            log.warning("a plex.tv request observer failed", exc_info=True)
