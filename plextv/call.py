"""`Call`: one request to plex.tv (or to an owner's server), described once as a value.

Client methods build a `Call` and hand it to the transport, which adds the standard headers,
applies the retry policy and decodes the answer. Every fact about a request lives in this one
value instead of being relayed argument by argument through several signatures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from plextv.answers import Missing

Format = Literal["xml", "json"]

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})
"""Methods whose repetition cannot apply a change twice: retried after a lost answer."""

READS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Call:
    """One request. Only `method` and `path` are required; the rest have plex.tv's defaults.

    `host` names one of plex.tv's hosts (`ClientConfig.base_url`); `server` instead is the
    base URI of one of the owner's Plex Media Servers, which is called with `token` (its own
    access token) and outside the circuit breaker. `missing` says what a 404 means: "api" (an
    endpoint that should exist, `ApiChanged`) or "item" (one thing that is gone, `NotFound`).
    `retry_safe` defaults to the method's idempotence: a POST is never sent twice.
    """

    method: str
    path: str
    host: str = "plex_tv"
    params: Mapping[str, Any] | None = None
    form: Mapping[str, Any] | None = None
    json_body: Any = None
    headers: Mapping[str, str] | None = None
    accept: Format = "xml"
    missing: Missing = "api"
    authenticated: bool = True
    server: str | None = None
    token: str | None = field(default=None, repr=False)
    timeout: tuple[float, float] | None = None
    label: str | None = None
    retry_safe: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        if self.retry_safe is None:
            object.__setattr__(self, "retry_safe", self.method in IDEMPOTENT)

    @property
    def endpoint(self) -> str:
        """How the call is named in logs, errors and observers (never with a token)."""
        return self.label or f"{self.method} {self.path}"

    @property
    def is_write(self) -> bool:
        """Whether the call may change something (the write guard runs before each attempt)."""
        return self.method not in READS

    @property
    def guarded(self) -> bool:
        """Calls to plex.tv's hosts go through the circuit breaker; an owner's server not."""
        return self.server is None
