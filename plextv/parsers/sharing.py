"""Parsers for users, shares, their settings and libraries, and invites (`SharingOperations`)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element

from plextv.answers import Payload
from plextv.filters import Filters, ShareSettings
from plextv.models import (
    Invite,
    Section,
    ServerLibraries,
    ServerShare,
    SharedServer,
    User,
    UserKind,
)
from plextv.parsers.common import element, json_list, json_object, none_if_empty, required_id
from plextv.values import (
    Source,
    changed,
    child_object,
    child_objects,
    flag,
    integer,
    opt_bool,
    opt_int,
    opt_str,
    opt_time,
    text,
)

_SETTING_KEYS = (
    "allowSync",
    "allowCameraUpload",
    "allowChannels",
    "allowSubtitleAdmin",
    "allowTuners",
    "filterMovies",
    "filterTelevision",
    "filterMusic",
    "filterPhotos",
    "filterAll",
)


def share_settings(src: Source) -> ShareSettings:
    """Share settings from `<User>`/`<SharedServer>` attributes or a v2 `sharingSettings`."""
    if isinstance(src, Element):
        # Thousands of people share a handful of distinct settings: XML attribute values are
        # plain strings, so each distinct combination is parsed once (ShareSettings is frozen).
        return _xml_share_settings(tuple(map(src.get, _SETTING_KEYS)))
    return _share_settings(src, xml=False)


@lru_cache(maxsize=1024)
def _xml_share_settings(values: tuple[str | None, ...]) -> ShareSettings:
    return _share_settings(dict(zip(_SETTING_KEYS, values, strict=True)), xml=True)


def _share_settings(src: Mapping[str, Any], *, xml: bool) -> ShareSettings:
    def filters(key: str, default_empty: bool) -> Filters | None:
        value = opt_str(src, key)
        if value is None:
            return Filters() if default_empty and xml else None
        return Filters.parse(value)

    tuners = src.get("allowTuners")
    return ShareSettings(
        allow_sync=flag(src, "allowSync"),
        allow_camera_upload=flag(src, "allowCameraUpload"),
        allow_channels=flag(src, "allowChannels"),
        allow_subtitle_admin=flag(src, "allowSubtitleAdmin"),
        allow_tuners=int(tuners) if isinstance(tuners, bool) else integer(src, "allowTuners"),
        filter_movies=filters("filterMovies", True),
        filter_television=filters("filterTelevision", True),
        filter_music=filters("filterMusic", True),
        filter_photos=filters("filterPhotos", False),
        filter_all=filters("filterAll", False),
    )


def user_kind(home: bool, restricted: bool) -> UserKind:
    if restricted:
        return "managed"
    return "home" if home else "friend"


def parse_users(payload: Payload) -> list[User]:
    """`GET /api/users/`: `<User>` children, each with one `<Server>` per share."""
    root = element(payload, "users")
    users = []
    for el in root.findall("User"):
        user_id = required_id(el, "user")
        home = flag(el, "home")
        restricted = flag(el, "restricted")
        users.append(
            User(
                id=user_id,
                title=text(el, "title"),
                username=text(el, "username"),
                email=none_if_empty(opt_str(el, "email")),
                kind=user_kind(home, restricted),
                thumb=none_if_empty(opt_str(el, "thumb")),
                home=home,
                restricted=restricted,
                protected=flag(el, "protected"),
                settings=share_settings(el),
                shares=tuple(_server_share(s, user_id) for s in el.findall("Server")),
            )
        )
    return users


def _server_share(el: Element, user_id: int) -> ServerShare:
    share_id = required_id(el, "share")
    return ServerShare(
        id=share_id,
        machine_identifier=text(el, "machineIdentifier"),
        name=text(el, "name"),
        user_id=user_id,
        server_id=opt_int(el, "serverId"),
        num_libraries=integer(el, "numLibraries"),
        all_libraries=flag(el, "allLibraries"),
        owned=flag(el, "owned"),
        pending=flag(el, "pending"),
        last_seen_at=opt_time(el, "lastSeenAt"),
    )


_SECTION_KEYS = ("id", "key", "title", "type", "shared")


def _section(src: Source) -> Section:
    if isinstance(src, Element):
        # A share listing repeats the same few libraries once per share: parse each once.
        return _xml_section(tuple(map(src.get, _SECTION_KEYS)))
    return _build_section(src)


@lru_cache(maxsize=4096)
def _xml_section(values: tuple[str | None, ...]) -> Section:
    return _build_section(dict(zip(_SECTION_KEYS, values, strict=True)))


def _build_section(src: Mapping[str, Any]) -> Section:
    global_id = required_id(src, "library")
    return Section(
        global_id=global_id,
        key=opt_int(src, "key"),
        title=text(src, "title"),
        type=text(src, "type"),
        shared=opt_bool(src, "shared"),
    )


def parse_server_sections(payload: Payload, machine_identifier: str) -> ServerLibraries:
    """`GET /api/servers/{id}`: `<Server><Section id(global) key(local)>`, or v2 JSON."""
    if isinstance(payload, Element):
        server = payload if payload.tag == "Server" else payload.find("Server")
        if server is None:
            return ServerLibraries(machine_identifier, "", ())
        sections = tuple(_section(s) for s in server.findall("Section"))
        return ServerLibraries(machine_identifier, text(server, "name"), sections)
    data = json_object(payload, "server")
    return ServerLibraries(
        machine_identifier,
        text(data, "name"),
        tuple(_section(s) for s in child_objects(data, "librarySections")),
    )


def parse_shared_servers(payload: Payload) -> list[SharedServer]:
    """v1 `<SharedServer>` elements (share listing, share creation answer), or v2 JSON."""
    if isinstance(payload, Element):
        found = [payload] if payload.tag == "SharedServer" else list(payload.iter("SharedServer"))
        return [_v1_shared_server(el, text(payload, "machineIdentifier")) for el in found]
    if isinstance(payload, dict):
        return [parse_v2_shared_server(payload)]
    return [parse_v2_shared_server(obj) for obj in json_list(payload, "shared servers")]


def parse_one_shared_server(payload: Payload, share_id: int) -> SharedServer | None:
    """`GET /api/servers/{id}/shared_servers/{shareId}`: that share, or None when the answer
    holds no share by that id.

    python-plexapi reads only this answer's `<Section>`s; that the `<SharedServer>` carries
    the same settings as in the server's listing is ASSUMED. A share without them raises
    `ApiChanged`: read as all off, they would be written back and take permissions away.
    """
    found = [s for s in parse_shared_servers(payload) if s.id == share_id]
    if not found:
        return None
    if isinstance(payload, Element):
        elements = [payload, *payload.iter("SharedServer")]
        mine = next(el for el in elements if opt_int(el, "id") == share_id)
        if mine.get("allowSync") is None:
            raise changed("a share read on its own came without its settings")
    return found[0]


def _v1_shared_server(el: Element, container_machine: str) -> SharedServer:
    share_id = required_id(el, "shared server")
    accepted_at = opt_time(el, "acceptedAt")
    return SharedServer(
        id=share_id,
        machine_identifier=text(el, "machineIdentifier") or container_machine,
        name=text(el, "name"),
        user_id=opt_int(el, "userID"),
        username=none_if_empty(opt_str(el, "username")),
        email=none_if_empty(opt_str(el, "email")),
        invited_email=none_if_empty(opt_str(el, "invitedEmail")),
        accepted=(accepted_at is not None) if el.get("acceptedAt") else None,
        accepted_at=accepted_at,
        invited_at=opt_time(el, "invitedAt"),
        all_libraries=flag(el, "allLibraries"),
        num_libraries=opt_int(el, "numLibraries"),
        settings=share_settings(el),
        sections=tuple(_section(s) for s in el.findall("Section")),
        access_token=none_if_empty(opt_str(el, "accessToken")),
    )


def parse_v2_shared_server(obj: Mapping[str, Any]) -> SharedServer:
    share_id = required_id(obj, "shared server")
    invited = child_object(obj, "invited") or {}
    settings_src = child_object(obj, "sharingSettings") or child_object(obj, "settings")
    libraries = tuple(_section(lib) for lib in child_objects(obj, "libraries"))
    return SharedServer(
        id=share_id,
        machine_identifier=text(obj, "machineIdentifier"),
        name=text(obj, "name"),
        user_id=opt_int(obj, "invitedId") or opt_int(invited, "id"),
        username=none_if_empty(opt_str(invited, "username")),
        email=none_if_empty(opt_str(invited, "email")),
        invited_email=none_if_empty(opt_str(obj, "invitedEmail")),
        owner_id=opt_int(obj, "ownerId"),
        accepted=opt_bool(obj, "accepted"),
        accepted_at=opt_time(obj, "acceptedAt"),
        all_libraries=flag(obj, "allLibraries"),
        num_libraries=opt_int(obj, "numLibraries"),
        settings=share_settings(settings_src) if settings_src is not None else ShareSettings(),
        sections=libraries,
    )


def parse_invites(payload: Payload, direction: str) -> list[Invite]:
    """The v2 pending invite lists: `[{invited|owner, sharedServers: [...]}]`."""
    if payload is None:
        return []
    invites = []
    for obj in json_list(payload, "invites"):
        person = child_object(obj, "invited" if direction == "sent" else "owner") or {}
        invites.append(
            Invite(
                direction="sent" if direction == "sent" else "received",
                shared_servers=tuple(
                    parse_v2_shared_server(s) for s in child_objects(obj, "sharedServers")
                ),
                user_id=opt_int(person, "id"),
                username=none_if_empty(opt_str(person, "username")),
                email=none_if_empty(opt_str(person, "email")),
                title=none_if_empty(opt_str(person, "title")),
                thumb=none_if_empty(opt_str(person, "thumb")),
            )
        )
    return invites
