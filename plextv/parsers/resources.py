"""Parsers for resources (servers and players) and devices (`PlexTV` itself)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from plextv.answers import Payload
from plextv.models import Connection, Device, Resource
from plextv.parsers.common import csv_values, element, json_list, none_if_empty
from plextv.values import Source, child_objects, flag, integer, opt_int, opt_str, opt_time, text


def parse_resources(payload: Payload) -> list[Resource]:
    """`GET /api/v2/resources`: XML `<resources><resource>` (or v1 `<Device>`), or a JSON list."""
    if isinstance(payload, Element):
        return [_resource(el, _xml_connections(el)) for el in payload]
    return [
        _resource(obj, tuple(_connection(c) for c in child_objects(obj, "connections")))
        for obj in json_list(payload, "resources")
    ]


def _xml_connections(el: Element) -> tuple[Connection, ...]:
    found = [c for c in el.iter() if c.tag in ("connection", "Connection")]
    return tuple(_connection(c) for c in found)


def _connection(src: Source) -> Connection:
    return Connection(
        uri=text(src, "uri"),
        protocol=text(src, "protocol", "https"),
        address=text(src, "address"),
        port=integer(src, "port", 32400),
        local=flag(src, "local"),
        relay=flag(src, "relay"),
        ipv6=flag(src, "IPv6"),
    )


def _resource(src: Source, connections: tuple[Connection, ...]) -> Resource:
    owner = opt_int(src, "ownerId")
    if owner is None:
        owner = opt_int(src, "ownerID")
    return Resource(
        name=text(src, "name"),
        client_identifier=text(src, "clientIdentifier"),
        product=text(src, "product"),
        product_version=text(src, "productVersion"),
        platform=text(src, "platform"),
        platform_version=text(src, "platformVersion"),
        device=text(src, "device"),
        provides=csv_values(opt_str(src, "provides")),
        owned=flag(src, "owned"),
        home=flag(src, "home"),
        presence=flag(src, "presence"),
        https_required=flag(src, "httpsRequired"),
        owner_id=owner,
        source_title=none_if_empty(opt_str(src, "sourceTitle")),
        access_token=none_if_empty(opt_str(src, "accessToken")),
        created_at=opt_time(src, "createdAt"),
        last_seen_at=opt_time(src, "lastSeenAt"),
        connections=connections,
    )


def parse_devices(payload: Payload) -> list[Device]:
    """`GET /devices.xml`: `<MediaContainer><Device><Connection uri/>`."""
    root = element(payload, "devices")
    return [
        Device(
            id=text(el, "id"),
            name=text(el, "name"),
            client_identifier=text(el, "clientIdentifier"),
            product=text(el, "product"),
            product_version=text(el, "productVersion"),
            platform=text(el, "platform"),
            platform_version=text(el, "platformVersion"),
            device=text(el, "device"),
            model=text(el, "model"),
            vendor=text(el, "vendor"),
            provides=csv_values(opt_str(el, "provides")),
            public_address=none_if_empty(opt_str(el, "publicAddress")),
            token=none_if_empty(opt_str(el, "token")),
            created_at=opt_time(el, "createdAt"),
            last_seen_at=opt_time(el, "lastSeenAt"),
            connections=tuple(text(c, "uri") for c in el.findall("Connection")),
        )
        for el in root.findall("Device")
    ]
