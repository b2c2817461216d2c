"""Parsers for what an owner's own server answers: play history and players (`ServerOperations`)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from plextv.answers import Payload
from plextv.models import HistoryEntry, ServerDevice
from plextv.parsers.common import json_object, media_container, none_if_empty, required_id
from plextv.values import (
    Source,
    changed,
    child_object,
    child_objects,
    opt_int,
    opt_str,
    opt_time,
    text,
)


def parse_history(
    payload: Payload, machine_identifier: str
) -> tuple[list[HistoryEntry], int | None]:
    """One page of a server's `/status/sessions/history/all` and its `totalSize`."""
    container, items = media_container(payload, "history")
    return [
        HistoryEntry(
            machine_identifier=machine_identifier,
            rating_key=opt_str(src, "ratingKey"),
            title=text(src, "title"),
            type=text(src, "type"),
            viewed_at=opt_time(src, "viewedAt"),
            account_id=opt_int(src, "accountID"),
            grandparent_title=none_if_empty(opt_str(src, "grandparentTitle")),
            library_section_id=opt_int(src, "librarySectionID"),
            history_key=_history_key(opt_str(src, "historyKey")),
            device_id=opt_int(src, "deviceID"),
            parent_index=opt_int(src, "parentIndex"),
            index=opt_int(src, "index"),
        )
        for src in items
    ], opt_int(container, "totalSize")


def _history_key(value: str | None) -> int | None:
    """`/status/sessions/history/123` (or a bare `123`) → 123."""
    if not value:
        return None
    last = value.rstrip("/").rsplit("/", 1)[-1]
    if not last.isdigit():
        raise changed("historyKey is not a history path")
    return int(last)


def parse_server_devices(payload: Payload) -> list[ServerDevice]:
    """A server's `/devices`: `<MediaContainer><Device id name platform clientIdentifier>`."""
    items: list[Source]
    if isinstance(payload, Element):
        items = list(payload.findall("Device"))
    else:
        container = child_object(json_object(payload, "server devices"), "MediaContainer") or {}
        items = list(child_objects(container, "Device"))
    devices = []
    for src in items:
        device_id = required_id(src, "server device")
        devices.append(
            ServerDevice(
                id=device_id,
                name=text(src, "name"),
                platform=text(src, "platform"),
                client_identifier=text(src, "clientIdentifier"),
            )
        )
    return devices
