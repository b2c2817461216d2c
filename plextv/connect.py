"""Choosing a working connection to a Plex Media Server listed by plex.tv."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import urlsplit

import requests
from defusedxml import ElementTree as SafeET

from plextv.config import ClientConfig
from plextv.errors import NotFound
from plextv.models import Connection, Resource

_LOCATIONS = ("local", "remote", "relay")
_SCHEMES = ("https", "http")


def _location(connection: Connection) -> str:
    if connection.relay:
        return "relay"
    return "local" if connection.local else "remote"


def candidates(resource: Resource) -> list[Connection]:
    """The connections worth trying, best first: local → remote → relay, https → http.

    A local connection of a server we do not own is never offered: its address belongs to
    someone else's network, and on ours it may be any machine.
    """
    usable = [c for c in resource.connections if c.uri and (resource.owned or not c.local)]

    def rank(item: tuple[int, Connection]) -> tuple[int, int, int]:
        index, connection = item
        scheme = urlsplit(connection.uri).scheme or connection.protocol
        scheme_rank = _SCHEMES.index(scheme) if scheme in _SCHEMES else len(_SCHEMES)
        return (_LOCATIONS.index(_location(connection)), scheme_rank, index)

    return [c for _, c in sorted(enumerate(usable), key=rank)]


def _probe(
    session: requests.Session,
    config: ClientConfig,
    connection: Connection,
    resource: Resource,
    timeout: float,
) -> bool:
    headers = config.headers()
    if resource.access_token:
        headers["X-Plex-Token"] = resource.access_token
    try:
        response = session.get(
            connection.uri.rstrip("/") + "/identity", headers=headers, timeout=(timeout, timeout)
        )
    except requests.RequestException:
        return False
    if response.status_code != 200:
        return False
    try:
        root = SafeET.fromstring(response.content)
    except Exception:
        return False
    found = root.get("machineIdentifier")
    return found is None or found == resource.client_identifier


def choose_connection(
    session: requests.Session, config: ClientConfig, resource: Resource, timeout: float
) -> Connection:
    """Probe every candidate in parallel; the best one that answers within `timeout` wins."""
    options = candidates(resource)
    if not options:
        raise NotFound(f"plex.tv lists no usable address for {resource.name}.")
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(max_workers=min(8, len(options))) as pool:
        futures: list[Future[bool]] = [
            pool.submit(_probe, session, config, option, resource, timeout) for option in options
        ]
        try:
            for option, future in zip(options, futures, strict=True):
                remaining = max(0.0, deadline - time.monotonic())
                try:
                    if future.result(timeout=remaining + 0.5):
                        return option
                except TimeoutError:
                    continue
        finally:
            for future in futures:
                future.cancel()
    raise NotFound(f"None of {resource.name}'s addresses answered.")
