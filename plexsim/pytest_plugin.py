"""pytest fixtures: a session-wide plexsim server and a per-test handle reset to the demo seed.

Loaded from the root conftest with `pytest_plugins = ["plexsim.pytest_plugin"]`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from plexsim.server import SimServer, run_in_thread

TIMEOUT = 10


class SimHandle:
    """A thin client of the control API (`/__sim__/`) of a running simulator."""

    def __init__(self, url: str, port: int) -> None:
        self.url = url
        self.port = port
        self._session = requests.Session()

    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self._session.request(
            method,
            f"{self.url}/__sim__/{path}",
            json=body,
            params=params or None,
            timeout=TIMEOUT,
        )
        if response.status_code >= 400:
            raise AssertionError(
                f"plexsim control {method} {path} -> {response.status_code}: {response.text}"
            )
        return response.json()

    def state(self) -> dict[str, Any]:
        return self._call("GET", "state")

    def reset(self, seed: str | dict[str, Any] = "demo") -> None:
        self._call("POST", "reset", {"seed": seed})

    def server_url(self, machine_id: str, relay: bool = False) -> str:
        """Where a simulated server (or its relay) answers: its own loopback port."""
        server = next(s for s in self.state()["servers"] if s["machineIdentifier"] == machine_id)
        return f"http://127.0.0.1:{server['relayPort' if relay else 'port']}"

    def add_fault(self, **rule: Any) -> None:
        self._call("POST", "faults", rule)

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        return self._call("GET", "requests", since=since)

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    def mutate(self, **change: Any) -> dict[str, Any]:
        return self._call("POST", "mutate", change)

    def approve_pin(self, code: str, username: str) -> str:
        """Approve a PIN as `username`; returns the token the PIN now carries."""
        result: dict[str, Any] = self._call("POST", f"pins/{code}/approve", {"username": username})
        return str(result["token"])

    def device_code(self, product: str = "Plex for Smart TV") -> dict[str, Any]:
        """A 4-character link code, as a device waiting to be linked shows it (`code`, `pinId`,
        `clientIdentifier`)."""
        result: dict[str, Any] = self._call("POST", "pins", {"product": product})
        return result

    def accept_invite(self, invite_id: int | str) -> None:
        self._call("POST", f"invites/{invite_id}/accept")

    def advance_clock(self, seconds: float) -> None:
        self._call("POST", "clock", {"advance": seconds})

    def set_rate_limit(self, rate: float | None, retry_after: bool = False) -> None:
        self._call("POST", "rate_limit", {"rate": rate, "retryAfter": retry_after})

    def set_share_limit(self, limit: int) -> None:
        self._call("POST", "share_limit", {"limit": limit})


@pytest.fixture(scope="session")
def plexsim_server() -> Iterator[SimServer]:
    server = run_in_thread(seed="demo")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def plexsim(plexsim_server: SimServer) -> SimHandle:
    handle = SimHandle(plexsim_server.url, plexsim_server.port)
    handle.reset("demo")
    handle.clear_faults()
    handle.clear_requests()
    handle.set_rate_limit(None)
    return handle
