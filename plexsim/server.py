"""Running the simulator: a threaded Werkzeug server, in the foreground or a background thread."""

from __future__ import annotations

import os
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from plexsim.app import Simulator
from plexsim.listeners import PmsListeners


class QuietHandler(WSGIRequestHandler):
    """No per-request console lines: the request log is the record, and tests stay readable."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class SimServer:
    """A bound simulator with its URL; `start()` serves from a daemon thread."""

    def __init__(
        self,
        seed: str | dict[str, Any] = "demo",
        users: int | None = None,
        rate_limit: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: str | os.PathLike[str] | None = None,
        quiet: bool = True,
    ) -> None:
        self.sim = Simulator(seed=seed, users=users, rate_limit=rate_limit, state_file=state_file)
        handler = QuietHandler if quiet else WSGIRequestHandler
        self._server: BaseWSGIServer = make_server(
            host, port, self.sim, threaded=True, request_handler=handler
        )
        self.port: int = self._server.socket.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.sim.base_url = self.url
        # Connections name an address a client can reach, even when binding every interface.
        self.sim.address = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
        self.sim.listeners = PmsListeners(self.sim, host, handler)
        self.sim.listeners.sync()
        self.sim.save()
        self._thread: threading.Thread | None = None

    def start(self) -> SimServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"plexsim:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self.sim.listeners is not None:
            self.sim.listeners.close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def run_in_thread(
    seed: str | dict[str, Any] = "demo",
    users: int | None = None,
    rate_limit: float | None = None,
    port: int = 0,
) -> SimServer:
    """Start a simulator on 127.0.0.1 (a free port unless given) and return it running."""
    return SimServer(seed=seed, users=users, rate_limit=rate_limit, port=port).start()
