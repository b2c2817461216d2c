"""Which plex.tv host serves which path, and how the others refuse it: the one place for it.

A request is checked only when its `Host` names one of plex.tv's hosts (a client that keeps
the real host name while sending to the simulator); a request to `127.0.0.1:PORT` says nothing
about the host it meant and is served. Each route names its home host; another host:

- plex.tv and clients.plex.tv serve each other's paths. They are one API family and clients
  use several paths on both (POST /api/v2/shared_servers on plex.tv by cantinarr and Nevu, on
  clients.plex.tv by marquee). python-plexapi #1504 (404 code 1002 on
  plex.tv/api/v2/shared_servers) is one report against those clients, so it is not followed;
  a fault rule reproduces it. ASSUMED for every path no client shows on both.
- plex.tv and clients.plex.tv answer a provider's path as any unknown endpoint: 404 code 1002.
- A provider answers a plex.tv path with its own 404 body.
- Between the two providers only the refusals below are known; anything else is served
  (ASSUMED).
"""

from __future__ import annotations

import fnmatch

from plexsim.model import SimError

PLEX_FAMILY = frozenset({"plex.tv", "clients.plex.tv"})
PROVIDERS = frozenset({"discover.provider.plex.tv", "metadata.provider.plex.tv"})
NOT_FOUND = "The requested resource or endpoint could not be found"

# (host, path glob, evidence): paths a provider is known not to serve.
KNOWN_REFUSALS = (
    (
        "metadata.provider.plex.tv",
        "/library/sections/watchlist/*",
        "python-plexapi #1541 (2025-08): the watchlist moved to discover.provider.plex.tv and "
        "the old host answers 404 \"Section 'watchlist' not found!\"",
    ),
)


def refusal(named: str, home: str, path: str) -> SimError | None:
    """How host `named` answers a path whose home is `home`; None when it serves it."""
    if named == home or named not in PLEX_FAMILY | PROVIDERS or home not in PLEX_FAMILY | PROVIDERS:
        return None
    if named in PLEX_FAMILY:
        if home in PLEX_FAMILY:
            return None
        return SimError(404, 1002, NOT_FOUND, style="v2")
    if home in PLEX_FAMILY:
        return provider_not_found(path)
    for host, pattern, _evidence in KNOWN_REFUSALS:
        if host == named and fnmatch.fnmatchcase(path, pattern):
            return provider_not_found(path)
    return None


def provider_not_found(path: str) -> SimError:
    """A provider's 404. The message is captured for a library section; otherwise ASSUMED."""
    parts = path.split("/")
    if len(parts) > 3 and parts[1:3] == ["library", "sections"]:
        message = f"Section '{parts[3]}' not found!"
    else:
        message = "Not Found"
    return SimError(404, 1002, message, style="provider")
