"""A deadline for the whole wait on an answer, headers included.

A socket timeout bounds each read, not the sum of them: a server that sends its status line and
headers a byte at a time keeps every read short and the caller waiting for as long as it likes.
So while a request waits for its answer, a timer stands by to shut the connection's socket at
the deadline; the blocked read then fails at once. The deadline is set per thread by the
transport (`deadline`), and the connection classes that honour it are installed on the
transport's session by `install` (for http and https; the rest of requests is unchanged).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse

_local = threading.local()


@contextmanager
def deadline(ends_at: float) -> Iterator[None]:
    """Requests sent by this thread inside the block stop waiting at `ends_at` (monotonic)."""
    _local.ends_at = ends_at
    try:
        yield
    finally:
        _local.ends_at = None


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also under TLS: it wakes the reader without touching the TLS
    # state that the reading thread is using. An error means it was closed already.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _guarded(connection: Any, wait: Any) -> HTTPResponse:
    ends_at = getattr(_local, "ends_at", None)
    sock = getattr(connection, "sock", None)
    if ends_at is None or not isinstance(sock, socket.socket):
        return wait()  # type: ignore[no-any-return]
    timer = threading.Timer(max(0.0, ends_at - time.monotonic()), _shut, (sock,))
    timer.daemon = True
    timer.start()
    try:
        return wait()  # type: ignore[no-any-return]
    finally:
        timer.cancel()


class _Connection(HTTPConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3 does
        return _guarded(self, super().getresponse)


class _TLSConnection(HTTPSConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3 does
        return _guarded(self, super().getresponse)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}


def install(session: requests.Session) -> None:
    """Make `session` honour `deadline` (idempotent)."""
    for prefix in ("http://", "https://"):
        if not isinstance(session.adapters.get(prefix), _Adapter):
            session.mount(prefix, _Adapter())
