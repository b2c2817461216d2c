"""Client settings: where plex.tv lives, who we say we are, timeouts and the retry policy."""

from __future__ import annotations

import platform
import uuid
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class ClientConfig:
    """Everything a `PlexTV` client needs besides a token.

    `client_identifier` must stay the same for one installation: plex.tv registers the
    device (and the token a PIN produces) under it. The default is random per process, so the
    Django side passes the installation's stored identifier.
    """

    plex_tv: str = "https://plex.tv"
    clients: str = "https://clients.plex.tv"
    discover: str = "https://discover.provider.plex.tv"
    metadata: str = "https://metadata.provider.plex.tv"
    app: str = "https://app.plex.tv"
    images: str | None = None
    """Where poster URLs from plex.tv's answers are fetched; None: the host each URL names.
    Set (to plexsim) by `for_base_url`, so the allowed image hosts are served from there."""

    product: str = "plexadmin"
    version: str = "0.1.0"
    client_identifier: str = field(default_factory=lambda: uuid.uuid4().hex)
    device_name: str = field(default_factory=platform.node)
    platform: str = field(default_factory=platform.system)

    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    attempt_timeout: float = 60.0
    """The longest one attempt may take from connecting to the last byte of the answer: a
    server that trickles its answer is cut off here, not only one that goes quiet."""

    retry_attempts: int = 4
    """Attempts in total for a retryable request (the first try included)."""
    retry_backoff_base: float = 0.5
    retry_backoff_cap: float = 8.0
    retry_budget: float = 30.0
    """Seconds a single call may spend waiting between attempts, Retry-After included."""
    max_retry_after: float = 300.0
    """A Retry-After above this (or above what is left of the budget) raises `RateLimited`."""

    page_size: int = 100
    connection_probe_timeout: float = 3.0

    @classmethod
    def for_base_url(cls, url: str, **kw: Any) -> ClientConfig:
        """A config that sends every plex.tv host's requests to one URL (plexsim)."""
        base = url.rstrip("/")
        return cls(
            plex_tv=base,
            clients=base,
            discover=base,
            metadata=base,
            app=base,
            images=base,
            **kw,
        )

    def with_changes(self, **kw: Any) -> ClientConfig:
        return replace(self, **kw)

    def base_url(self, host: str) -> str:
        """The base URL of one of the hosts: plex_tv, clients, discover, metadata or app."""
        value: str = getattr(self, host)
        return value.rstrip("/")

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    def headers(self) -> dict[str, str]:
        """The X-Plex-* identification headers sent on every request."""
        return {
            "X-Plex-Product": self.product,
            "X-Plex-Version": self.version,
            "X-Plex-Client-Identifier": self.client_identifier,
            "X-Plex-Platform": self.platform,
            "X-Plex-Device-Name": self.device_name,
            "X-Plex-Device": self.platform,
            "X-Plex-Provides": "controller",
        }
