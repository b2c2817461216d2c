"""Fault rules, the request log and the per-client rate limiter."""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

ACTIONS = ("status", "delay", "reset", "truncate", "wrong_content_type", "stall", "trickle")
# A stall with no `delay` holds the connection this long (or until the client gives up).
STALL_SECONDS = 3600.0
# A trickle with no `delay` sends one byte a second.
TRICKLE_SECONDS = 1.0


class FaultRuleError(ValueError):
    pass


@dataclass
class FaultRule:
    """One scripted misbehaviour; see the README's "Fault rules" for the schema."""

    action: str
    method: str = "*"
    path: str = "*"
    host: str = "*"
    server: str = "*"
    status: int = 500
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int | None = None
    apply: bool = True
    partial: bool = False
    content_type: str = "text/html; charset=utf-8"
    probability: float = 1.0
    id: int = 0
    hits: int = 0

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> FaultRule:
        unknown = set(doc) - {f for f in cls.__dataclass_fields__ if f not in {"id", "hits"}}
        if unknown:
            raise FaultRuleError(f"unknown fault rule keys: {sorted(unknown)}")
        action = doc.get("action")
        if action not in ACTIONS:
            raise FaultRuleError(f"action must be one of {list(ACTIONS)}")
        rule = cls(**doc)
        if rule.action == "status" and not 100 <= int(rule.status) <= 599:
            raise FaultRuleError("status must be an HTTP status code")
        if rule.times is not None and int(rule.times) < 1:
            raise FaultRuleError("times must be a positive integer or null")
        if float(rule.delay) < 0:
            raise FaultRuleError("delay must not be negative")
        if not 0 < float(rule.probability) <= 1:
            raise FaultRuleError("probability must be above 0 and at most 1")
        return rule

    @property
    def pause(self) -> float:
        """Seconds to wait before acting; a stall and a trickle use `delay` their own way."""
        return 0.0 if self.action in {"stall", "trickle"} else float(self.delay)

    def matches(self, method: str, host: str, path: str, server: str | None) -> bool:
        return (
            self.method in {"*", method}
            and (self.host in {"*", host})
            and fnmatch.fnmatchcase(path, self.path)
            and (self.server == "*" or fnmatch.fnmatchcase(server or "", self.server))
        )


class FaultBook:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next = 0

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._next += 1
            rule.id = self._next
            self._rules.append(rule)
            return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._rules]

    def take(self, method: str, host: str, path: str, server: str | None) -> FaultRule | None:
        """The first matching rule, counting the use and retiring it when its `times` run out.

        A rule with a `probability` below 1 applies to that share of its matching requests
        (drawn per request); the requests it lets through may meet the rules after it."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, host, path, server):
                    if rule.probability < 1 and random.random() >= rule.probability:  # noqa: S311
                        continue
                    rule.hits += 1
                    if rule.times is not None and rule.hits >= rule.times:
                        self._rules.remove(rule)
                    return rule
        return None


class RequestLog:
    def __init__(self, limit: int = 100_000) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._seq = 0
        self._lock = threading.Lock()

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)

    def since(self, seq: int) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries if e["seq"] > seq]

    def clear(self) -> None:
        """Drop the entries but keep `seq` increasing, so a saved `since` stays meaningful."""
        with self._lock:
            self._entries.clear()


class RateLimiter:
    """A token bucket per client: `rate` requests per second, bursts up to `rate`."""

    def __init__(self, rate: float | None, retry_after: bool = False) -> None:
        self.rate = rate
        # plex.tv's 429s carry no Retry-After in any capture; a test may ask for one.
        self.retry_after = retry_after
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def set_rate(self, rate: float | None, retry_after: bool = False) -> None:
        with self._lock:
            self.rate = rate
            self.retry_after = retry_after
            self._buckets.clear()

    def check(self, client: str) -> float | None:
        """None when allowed, else the seconds to wait before the next request is allowed."""
        if not self.rate:
            return None
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.rate, now))
            tokens = min(self.rate, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return None
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate
