"""Each simulated Plex Media Server on its own loopback port, and its relay on another.

On plex.tv a resource's connection `uri` has no path and names the same host and port as its
`address` and `port`; clients build plain-http candidates from `address:port`. So every
simulated server gets a listener of its own (and one more for its relay connection) instead of
a path under the plex.tv port.

Ports are ephemeral the first time a server is seen, then sticky: the chosen ports are written
into the state (`servers[].port`, `servers[].relayPort`), so a `--state-file` restart binds
the same ones again and connection URIs a client stored keep working. Within one process a
reset keeps a server's ports too. A port that cannot be bound again is replaced by a fresh
ephemeral one (with a warning), never shared.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from plexsim.app import Simulator

# The environ key a listener sets so the simulator knows which server (and which of its
# connections) a request reached: (machineIdentifier, "pms" | "relay").
PMS_ENVIRON_KEY = "plexsim.pms"
KINDS = ("pms", "relay")


class _Listener:
    """One bound, threaded WSGI server in front of the simulator for one server connection."""

    def __init__(
        self,
        sim: Simulator,
        host: str,
        port: int,
        tag: tuple[str, str],
        handler: type[WSGIRequestHandler],
    ) -> None:
        self.tag = tag

        def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            environ[PMS_ENVIRON_KEY] = tag
            return sim(environ, start_response)

        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=handler
        )
        self.port: int = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"plexsim-{tag[1]}:{self.port}", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class PmsListeners:
    """Keeps one listener per (server, connection kind) in step with the simulator's state."""

    def __init__(self, sim: Simulator, host: str, handler: type[WSGIRequestHandler]) -> None:
        self.sim = sim
        self.host = host
        self.handler = handler
        self._bound: dict[tuple[str, str], _Listener] = {}
        self._remembered: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def sync(self) -> None:
        """Bind what the state's servers need, close what they no longer need, record ports."""
        with self._lock:
            with self.sim.state.lock:
                wanted = {
                    (machine_id, kind): (server.port if kind == "pms" else server.relayPort)
                    for machine_id, server in self.sim.state.servers.items()
                    for kind in KINDS
                }
            _close_all([self._bound.pop(k) for k in list(self._bound) if k not in wanted])
            ports = {key: self._ensure(key, port) for key, port in wanted.items()}
            with self.sim.state.lock:
                for (machine_id, kind), port in ports.items():
                    server = self.sim.state.servers.get(machine_id)
                    if server is None:
                        continue
                    if kind == "pms":
                        server.port = port
                    else:
                        server.relayPort = port

    def _ensure(self, key: tuple[str, str], wanted: int) -> int:
        wanted = wanted or self._remembered.get(key, 0)
        current = self._bound.get(key)
        if current is not None and wanted in (0, current.port):
            return current.port
        if current is not None:
            current.close()
            del self._bound[key]
        try:
            listener = _Listener(self.sim, self.host, wanted, key, self.handler)
        except OSError as error:
            if not wanted:
                raise
            print(
                f"plexsim: port {wanted} for {key[1]} {key[0]} is unavailable ({error}); "
                "using a new one",
                file=sys.stderr,
                flush=True,
            )
            listener = _Listener(self.sim, self.host, 0, key, self.handler)
        self._bound[key] = listener
        self._remembered[key] = listener.port
        return listener.port

    def close(self) -> None:
        with self._lock:
            _close_all(list(self._bound.values()))
            self._bound.clear()


def _close_all(listeners: list[_Listener]) -> None:
    """Close listeners side by side: each waits up to a poll interval for its loop to stop."""
    threads = [threading.Thread(target=listener.close) for listener in listeners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
