"""The account page's picture of the owner's plex.tv account, read by the worker and stored
(`AccountSnapshot`), so the page never waits on plex.tv.

Only what the page shows is kept: no tokens (devices carry theirs on plex.tv), no addresses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

import plextv


@dataclass(frozen=True)
class DeviceRow:
    id: str
    name: str
    client_identifier: str
    product: str = ""
    platform: str = ""
    last_seen_at: datetime | None = None


@dataclass(frozen=True)
class ServerRow:
    name: str
    client_identifier: str
    product_version: str = ""


@dataclass(frozen=True)
class AccountPicture:
    title: str
    username: str
    email: str
    has_plex_pass: bool
    servers: tuple[ServerRow, ...]
    devices: tuple[DeviceRow, ...]
    view_state_sync: bool

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for device in data["devices"]:
            seen = device["last_seen_at"]
            device["last_seen_at"] = seen.isoformat() if seen else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountPicture:
        devices = tuple(
            DeviceRow(
                **{
                    **device,
                    "last_seen_at": parse_datetime(device["last_seen_at"])
                    if device.get("last_seen_at")
                    else None,
                }
            )
            for device in data.get("devices", [])
        )
        return cls(
            title=data["title"],
            username=data["username"],
            email=data["email"],
            has_plex_pass=data["has_plex_pass"],
            servers=tuple(ServerRow(**server) for server in data.get("servers", [])),
            devices=devices,
            view_state_sync=data["view_state_sync"],
        )

    def without_devices(self, removed: set[str]) -> AccountPicture:
        kept = tuple(d for d in self.devices if d.id not in removed)
        return AccountPicture(**{**self.__dict__, "devices": kept})

    def with_view_state_sync(self, consent: bool) -> AccountPicture:
        return AccountPicture(**{**self.__dict__, "view_state_sync": consent})


def read_picture(client: plextv.PlexTV) -> AccountPicture:
    """The owner's account, servers, player devices and view-state sync (4 requests)."""
    profile = client.account()
    servers = tuple(
        ServerRow(r.name, r.client_identifier, r.product_version)
        for r in client.resources()
        if r.is_server and r.owned
    )
    devices = tuple(
        DeviceRow(d.id, d.name, d.client_identifier, d.product, d.platform, d.last_seen_at)
        for d in client.devices()
        if "server" not in d.provides
    )
    return AccountPicture(
        title=profile.title,
        username=profile.username,
        email=profile.email or "",
        has_plex_pass=profile.has_plex_pass,
        servers=servers,
        devices=devices,
        view_state_sync=client.view_state_sync(),
    )
