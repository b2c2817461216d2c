"""The WSGI application: host inference, fault injection, rate limiting, logging, dispatch."""

from __future__ import annotations

import json
import math
import os
import select
import socket
import struct
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

# Importing the route modules registers their handlers.
from plexsim import (  # noqa: F401
    control,
    hosts,
    link_page,
    oauth_page,
    routes_account,
    routes_devices,
    routes_discover,
    routes_home,
    routes_images,
    routes_pms,
    routes_sharing,
    routes_signup,
)
from plexsim.faults import (
    STALL_SECONDS,
    TRICKLE_SECONDS,
    FaultBook,
    FaultRule,
    RateLimiter,
    RequestLog,
)
from plexsim.listeners import KINDS as PMS_KINDS
from plexsim.listeners import PMS_ENVIRON_KEY, PmsListeners
from plexsim.model import SimError, State
from plexsim.render import JSON_TYPE, XML_TYPE, Reply, error_reply
from plexsim.routes_pms import PMS
from plexsim.routing import PLEX_HOSTS, ROUTES, Ctx, RouteSpec
from plexsim.seeds import build_state

UNLOGGED_HOSTS = {"sim", "app.plex.tv", link_page.WEB}
TEXT_TYPE = "text/plain; charset=utf-8"


class ConnectionAborted(ConnectionResetError):
    """Raised after a fault rule reset the socket; the server treats it as a dropped client."""


class Simulator:
    """One simulated plex.tv (with its PMS servers), callable as a WSGI application."""

    def __init__(
        self,
        seed: str | dict[str, Any] = "demo",
        users: int | None = None,
        rate_limit: float | None = None,
        state_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self.state_file = Path(state_file) if state_file else None
        if self.state_file and self.state_file.exists():
            self.state = State.from_doc(json.loads(self.state_file.read_text()))
        else:
            self.state = build_state(seed, users)
        self.faults = FaultBook()
        self.log = RequestLog()
        self.limiter = RateLimiter(rate_limit)
        self.base_url = "http://127.0.0.1:32500"
        self.address = "127.0.0.1"
        self.listeners: PmsListeners | None = None
        self._specs: list[RouteSpec] = list(ROUTES)
        # plex.tv's hosts share one port; the simulated servers answer on their own ports.
        self._map = _route_map(self._specs, lambda s: s.host != PMS)
        self._pms_map = _route_map(self._specs, lambda s: s.host == PMS)

    # ---- state ----------------------------------------------------------------------------

    def reset(self, seed: str | dict[str, Any] = "demo", users: int | None = None) -> None:
        fresh = build_state(seed, users)
        with self.state.lock:
            fresh.clockOffset = 0.0
            self.state = fresh
        if self.listeners is not None:
            self.listeners.sync()
        self.save()

    def save(self) -> None:
        if not self.state_file:
            return
        with self.state.lock:
            text = json.dumps(self.state.to_doc(), indent=1)
        directory = self.state_file.parent
        with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as tmp:
            tmp.write(text)
        Path(tmp.name).replace(self.state_file)

    def server_url(self, port: int) -> str:
        """The URL of a simulated server's connection (its own port, no path)."""
        return f"http://{self.address}:{port}"

    # ---- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        started = time.perf_counter()
        server: str | None = None
        if PMS_ENVIRON_KEY in environ:
            server, host = environ[PMS_ENVIRON_KEY]
            spec, kwargs, reply = self._match_pms(request, server)
        else:
            spec, kwargs, reply = self._match(request)
            host = self._infer_host(request, spec)
        if host in UNLOGGED_HOSTS and spec is not None:
            reply = self._run(spec, request, host, kwargs)
            return self._respond(reply, environ, start_response)

        fault = self.faults.take(request.method, host, request.path, server)
        if fault and fault.pause:
            time.sleep(fault.pause)
        if fault and fault.action == "stall":
            request.get_data()  # read the body, so nothing of it is taken for a next request
            self._log(request, host, server, Reply(status=0, body=b""), fault, started)
            _stall(environ, float(fault.delay) or STALL_SECONDS)
        if reply is None:
            if fault and fault.action == "status":
                reply = _fault_reply(fault)
            elif fault and fault.action == "reset" and not fault.apply:
                reply = Reply(status=0, body=b"")
            else:
                reply = self._guarded(spec, request, host, kwargs)  # type: ignore[arg-type]
        if fault and fault.action == "truncate":
            reply.body = reply.body[: len(reply.body) // 2]
        if fault and fault.action == "wrong_content_type":
            reply.content_type = fault.content_type

        self._log(request, host, server, reply, fault, started)
        if request.method != "GET" and 200 <= reply.status < 300:
            self.save()
        if fault and fault.action == "reset":
            _reset_connection(environ, reply if fault.partial else None)
        if fault and fault.action == "trickle":
            return _trickle(reply, float(fault.delay) or TRICKLE_SECONDS, environ, start_response)
        return self._respond(reply, environ, start_response)

    def _log(
        self,
        request: Request,
        host: str,
        server: str | None,
        reply: Reply,
        fault: FaultRule | None,
        started: float,
    ) -> None:
        dropped = fault is not None and fault.action in {"reset", "stall"}
        self.log.record(
            {
                "method": request.method,
                "host": host,
                "path": request.path,
                "query": request.query_string.decode("latin-1"),
                "status": 0 if dropped else reply.status,
                # What the route (or the rate limit) answered before a fault dropped the
                # connection: a reset write that was applied, or one that was refused.
                "answered": reply.status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "client": request.headers.get("X-Plex-Client-Identifier")
                or request.args.get("X-Plex-Client-Identifier", ""),
                "fault": fault.action if fault else None,
                "server": server,
            }
        )

    def _match(self, request: Request) -> tuple[RouteSpec | None, dict[str, Any], Reply | None]:
        adapter = self._map.bind_to_environ(request.environ)
        try:
            index, kwargs = adapter.match()
        except MethodNotAllowed:
            return None, {}, _not_found(request, status=405)
        except NotFound:
            return None, {}, _not_found(request)
        return self._specs[index], dict(kwargs), None

    def _match_pms(
        self, request: Request, machine_id: str
    ) -> tuple[RouteSpec | None, dict[str, Any], Reply | None]:
        adapter = self._pms_map.bind_to_environ(request.environ)
        try:
            index, kwargs = adapter.match()
        except (MethodNotAllowed, NotFound) as error:
            return None, {}, _pms_error(error.code or 404)
        return self._specs[index], {**kwargs, "machine_id": machine_id}, None

    def _infer_host(self, request: Request, spec: RouteSpec | None) -> str:
        if spec is not None and spec.host in UNLOGGED_HOSTS:
            return spec.host
        named = _named_host(request)
        if named in PLEX_HOSTS:
            return named
        return spec.host if spec else "plex.tv"

    def _guarded(
        self, spec: RouteSpec, request: Request, host: str, kwargs: dict[str, Any]
    ) -> Reply:
        ctx = Ctx(self, request, host)
        if host in PMS_KINDS:
            return self._run(spec, request, host, kwargs, ctx)
        refused = hosts.refusal(_named_host(request), spec.host, request.path)
        if refused is not None:
            return error_reply(refused, ctx.wants_json)
        wait = self.limiter.check(ctx.client_id or request.remote_addr or "?")
        if wait is not None:
            error = SimError(429, 1003, "API rate limit exceeded")
            reply = error_reply(error, ctx.wants_json, v1=spec.v1)
            # No capture shows plex.tv sending Retry-After with a 429; it is opt-in.
            if self.limiter.retry_after:
                reply.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return reply
        if request.path.startswith("/api/v2/") and not ctx.client_id:
            error = SimError(400, 1000, "X-Plex-Client-Identifier is missing")
            return error_reply(error, ctx.wants_json)
        return self._run(spec, request, host, kwargs, ctx)

    def _run(
        self,
        spec: RouteSpec,
        request: Request,
        host: str,
        kwargs: dict[str, Any],
        ctx: Ctx | None = None,
    ) -> Reply:
        ctx = ctx or Ctx(self, request, host)
        try:
            with self.state.lock:
                ctx.state = self.state
                if spec.auth:
                    ctx.account()
                return spec.handler(ctx, **kwargs)
        except SimError as error:
            return error_reply(error, ctx.wants_json, v1=spec.v1)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            failure = SimError(500, 1, "Internal simulator error", style="v2")
            return error_reply(failure, ctx.wants_json)

    def _respond(self, reply: Reply, environ: dict[str, Any], start_response: Any) -> Any:
        response = Response(reply.body, status=reply.status or 500)
        if reply.content_type:
            response.headers["Content-Type"] = reply.content_type
        else:
            del response.headers["Content-Type"]
        for key, value in reply.headers.items():
            response.headers[key] = value
        return response(environ, start_response)


def _fault_reply(rule: FaultRule) -> Reply:
    body = rule.body.encode()
    stripped = rule.body.lstrip()
    if stripped.startswith("<"):
        kind: str | None = XML_TYPE
    elif stripped.startswith(("{", "[")):
        kind = JSON_TYPE
    else:
        kind = TEXT_TYPE if body else None
    headers = dict(rule.headers)
    for key in list(headers):
        if key.lower() == "content-type":
            kind = headers.pop(key)
    return Reply(status=int(rule.status), body=body, content_type=kind, headers=headers)


def _route_map(specs: list[RouteSpec], keep: Callable[[RouteSpec], bool]) -> Map:
    rules = [
        Rule(s.path, methods=list(s.methods), endpoint=i) for i, s in enumerate(specs) if keep(s)
    ]
    return Map(rules, strict_slashes=False, merge_slashes=False)


def _pms_error(status: int) -> Reply:
    """A Plex Media Server's plain HTML error page."""
    reason = {404: "Not Found", 405: "Method Not Allowed"}.get(status, "Error")
    title = f"<head><title>{reason}</title></head>"
    body = f"<html>{title}<body><h1>{status} {reason}</h1></body></html>"
    return Reply(status=status, body=body.encode(), content_type="text/html")


def _named_host(request: Request) -> str:
    return request.host.split(":")[0].lower()


def _not_found(request: Request, status: int = 404) -> Reply:
    wants_json = "application/json" in request.headers.get("Accept", "")
    if _named_host(request) in hosts.PROVIDERS:
        return error_reply(hosts.provider_not_found(request.path), False)
    if status == 405:
        return error_reply(SimError(405, 1002, "Method not allowed"), wants_json)
    return error_reply(SimError(404, 1002, hosts.NOT_FOUND), wants_json)


def _reset_connection(environ: dict[str, Any], partial: Reply | None) -> None:
    sock: socket.socket | None = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            if partial is not None:
                head = [f"HTTP/1.1 {partial.status} Fault", f"Content-Length: {len(partial.body)}"]
                if partial.content_type:
                    head.append(f"Content-Type: {partial.content_type}")
                raw = ("\r\n".join(head) + "\r\n\r\n").encode() + partial.body[
                    : len(partial.body) // 2
                ]
                sock.sendall(raw)
            # Linger 0 makes the eventual close send RST instead of FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAborted("connection reset by a fault rule")


def _stall(environ: dict[str, Any], seconds: float) -> None:
    """Accept the request and never answer: hold the connection `seconds`, or until the client
    gives up, then drop it without running the route."""
    sock: socket.socket | None = environ.get("werkzeug.socket")
    ends = time.monotonic() + seconds
    while sock is not None and (left := ends - time.monotonic()) > 0:
        try:
            readable, _, _ = select.select([sock], [], [], min(left, 0.5))
            if readable and not sock.recv(1, socket.MSG_PEEK):
                break  # the client closed its end
        except OSError:
            break
    else:
        if sock is None:
            time.sleep(seconds)
    _reset_connection(environ, None)


def _trickle(
    reply: Reply, every: float, environ: dict[str, Any], start_response: Any
) -> Iterable[bytes]:
    """The route's answer with its headers at once and its body one byte every `every` s."""
    headers = [(key, value) for key, value in reply.headers.items()]
    if reply.content_type:
        headers.append(("Content-Type", reply.content_type))
    headers.append(("Content-Length", str(len(reply.body))))
    start_response(f"{reply.status or 500} Trickle", headers)

    def drip() -> Iterator[bytes]:
        for index in range(len(reply.body)):
            time.sleep(every)
            yield reply.body[index : index + 1]

    return drip()
