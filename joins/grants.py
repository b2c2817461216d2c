"""What a profile or a link grants, as stored in their `grants` JSON.

    {"servers": [{"machine": "…", "libraries": [global ids],
                  "access": {"allow_sync": bool, "allow_camera_upload": bool,
                             "allow_channels": bool, "allow_tuners": 0|1|2,
                             "filter_movies": {"content_ratings": […], "labels": […],
                                               "excluded_labels": […]},
                             "filter_television": {…}}}]}

Library ids are plex.tv's global section ids, so a link still means the same libraries after
a sync renumbers nothing. A server or library that has gone since is left out when shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sharing.models import Library, Server

FLAG_WORDS = {
    "allow_sync": "downloads",
    "allow_camera_upload": "camera upload",
    "allow_channels": "channels",
}
TUNER_WORDS = {1: "Live TV", 2: "Live TV and DVR"}
FILTER_KEYS = ("filter_movies", "filter_television")


@dataclass
class ServerGrant:
    machine: str
    name: str
    libraries: list[str]
    permissions: list[str]
    filters: list[str]


def entries(grants: dict[str, Any]) -> list[dict[str, Any]]:
    servers = grants.get("servers") if isinstance(grants, dict) else None
    return [e for e in servers or [] if isinstance(e, dict) and e.get("libraries")]


def library_ids(grants: dict[str, Any]) -> set[int]:
    return {int(g) for e in entries(grants) for g in e["libraries"]}


def describe(grants: dict[str, Any]) -> list[ServerGrant]:
    """Server names, library titles and permissions in words, for pages."""
    machines = [e["machine"] for e in entries(grants)]
    names = dict(
        Server.objects.filter(machine_identifier__in=machines).values_list(
            "machine_identifier", "name"
        )
    )
    titles = dict(
        Library.objects.filter(global_id__in=library_ids(grants)).values_list("global_id", "title")
    )
    described = []
    for entry in entries(grants):
        access = entry.get("access") or {}
        words = [word for key, word in FLAG_WORDS.items() if access.get(key)]
        tuners = int(access.get("allow_tuners") or 0)
        if tuners:
            words.append(TUNER_WORDS.get(tuners, "Live TV"))
        filters = []
        for key in FILTER_KEYS:
            parts = access.get(key) or {}
            ratings = parts.get("content_ratings") or []
            hidden = parts.get("excluded_labels") or []
            what = "Movies" if key == "filter_movies" else "TV"
            if ratings:
                filters.append(f"{what} rated {', '.join(ratings)} only")
            if hidden:
                filters.append(f"{what} without labels {', '.join(hidden)}")
        described.append(
            ServerGrant(
                machine=entry["machine"],
                name=names.get(entry["machine"], "a server that is gone"),
                libraries=[titles.get(int(g), f"library {g}") for g in entry["libraries"]],
                permissions=words,
                filters=filters,
            )
        )
    return described


def covered_by_shares(grants: dict[str, Any], plex_id: int) -> bool:
    """Whether the person already has everything the grants hand out (as last synced):
    each server shared with them, with at least these libraries and these permissions.

    Filters are not compared: a person who has the libraries keeps whatever filters they
    have (a link never narrows what someone has)."""
    from sharing.models import Share

    shares = {
        s.server.machine_identifier: s
        for s in Share.objects.select_related("server")
        .prefetch_related("libraries")
        .filter(user__plex_id=plex_id, pending=False)
    }
    if not entries(grants):
        return False
    for entry in entries(grants):
        share = shares.get(entry["machine"])
        if share is None:
            return False
        access = entry.get("access") or {}
        if not share.all_libraries:
            have = {lib.global_id for lib in share.libraries.all()}
            if not {int(g) for g in entry["libraries"]} <= have:
                return False
        if any(access.get(key) and not getattr(share, key) for key in FLAG_WORDS):
            return False
        if int(access.get("allow_tuners") or 0) > share.allow_tuners:
            return False
    return True
