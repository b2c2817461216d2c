"""A tiny scripted HTTP server on 127.0.0.1 for transport tests that need real sockets.

Each request takes the next step of the script: a response, a hang, a connection reset, a
truncated body, or an answer sent a byte at a time (the body, or all of it). Every request is
recorded (method, path, headers, body, the client's address).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Step:
    status: int = 200
    body: str = ""
    content_type: str = "application/xml"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    action: str = "respond"  # respond | reset | truncate | trickle | trickle_all
    interval: float = 1.0  # trickle: seconds between bytes of the body (trickle_all: of it all)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int] = ("", 0)  # the client's address: one per connection


class ScriptedServer:
    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.default = Step(status=200, body="<MediaContainer/>")
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with owner._lock:
                    owner.seen.append(
                        Seen(
                            self.command,
                            self.path,
                            dict(self.headers.items()),
                            body,
                            self.client_address,
                        )
                    )
                    step = owner.steps.pop(0) if owner.steps else owner.default
                if step.delay:
                    time.sleep(step.delay)
                if step.action == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self.close_connection = True
                    return
                payload = step.body.encode()
                if step.action == "trickle_all":
                    head = (
                        f"HTTP/1.1 {step.status} OK\r\nContent-Type: {step.content_type}\r\n"
                        f"Content-Length: {len(payload)}\r\n\r\n"
                    )
                    try:
                        for byte in head.encode() + payload:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(step.interval)
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                self.send_response(step.status)
                self.send_header("Content-Type", step.content_type)
                declared = len(payload) * 2 + 10 if step.action == "truncate" else len(payload)
                self.send_header("Content-Length", str(declared))
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if step.action == "trickle":
                    try:
                        for index in range(len(payload)):
                            self.wfile.write(payload[index : index + 1])
                            self.wfile.flush()
                            time.sleep(step.interval)
                    except OSError:
                        self.close_connection = True
                    return
                self.wfile.write(payload)
                if step.action == "truncate":
                    self.wfile.flush()
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def script(self, *steps: Step) -> None:
        with self._lock:
            self.steps.extend(steps)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
