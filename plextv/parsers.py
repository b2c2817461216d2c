"""Payload → model conversion for every answer plextv reads.

Each parser takes what the transport decoded: an XML root `Element`, or JSON (dict/list)
when plex.tv answered in JSON. Both forms are accepted wherever plex.tv is known to send both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element

from plextv.filters import Filters, ShareSettings
from plextv.models import (
    Account,
    Connection,
    Device,
    DiscoverResult,
    HistoryEntry,
    HomeInvite,
    HomeUser,
    Invite,
    Pin,
    Resource,
    Section,
    ServerDevice,
    ServerLibraries,
    ServerShare,
    SharedServer,
    Subscription,
    SyncItem,
    User,
    UserKind,
    UserState,
    WatchlistItem,
)
from plextv.transport import Payload
from plextv.values import (
    Source,
    changed,
    child_object,
    child_objects,
    flag,
    integer,
    opt_bool,
    opt_float,
    opt_int,
    opt_str,
    opt_time,
    text,
)


def _element(payload: Payload, what: str) -> Element:
    if not isinstance(payload, Element):
        raise changed(f"{what}: expected XML")
    return payload


def _mapping(payload: Payload, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, dict):
        raise changed(f"{what}: expected a JSON object")
    return payload


def _list(payload: Payload, what: str) -> list[Mapping[str, Any]]:
    if not isinstance(payload, list) or not all(isinstance(i, dict) for i in payload):
        raise changed(f"{what}: expected a JSON list of objects")
    return payload


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _none_if_empty(value: str | None) -> str | None:
    return value or None


# --- account -------------------------------------------------------------------------------


def parse_account(payload: Payload) -> Account:
    """`GET /api/v2/user` and the sign-in answer, XML `<user>` or JSON."""
    if isinstance(payload, Element):
        src: Source = payload
        sub_el = payload.find("subscription")
        subscription = Subscription()
        if sub_el is not None:
            subscription = Subscription(
                active=flag(sub_el, "active"),
                status=opt_str(sub_el, "status"),
                plan=_none_if_empty(opt_str(sub_el, "plan")),
                subscribed_at=opt_time(sub_el, "subscribedAt"),
                features=tuple(text(f, "id") for f in sub_el.iter("feature")),
            )
        roles = tuple(text(r, "id") for r in payload.iter("role"))
        entitlements = tuple(text(e, "id") for e in payload.iter("entitlement"))
    else:
        data = _mapping(payload, "account")
        if isinstance(data.get("user"), dict):
            data = data["user"]
        src = data
        sub = child_object(data, "subscription") or {}
        features = sub.get("features") or []
        subscription = Subscription(
            active=flag(sub, "active"),
            status=opt_str(sub, "status"),
            plan=opt_str(sub, "plan"),
            subscribed_at=opt_time(sub, "subscribedAt"),
            features=tuple(str(f) for f in features),
        )
        roles = _json_ids(data.get("roles"))
        entitlements = _json_ids(data.get("entitlements"))
    account_id = opt_int(src, "id")
    if account_id is None:
        raise changed("account without id")
    return Account(
        id=account_id,
        uuid=text(src, "uuid"),
        username=text(src, "username"),
        title=text(src, "title"),
        email=_none_if_empty(opt_str(src, "email")),
        friendly_name=_none_if_empty(opt_str(src, "friendlyName")),
        thumb=_none_if_empty(opt_str(src, "thumb")),
        auth_token=_none_if_empty(
            opt_str(src, "authToken") or opt_str(src, "authentication_token")
        ),
        home=flag(src, "home"),
        home_admin=flag(src, "homeAdmin"),
        home_size=opt_int(src, "homeSize"),
        max_home_size=opt_int(src, "maxHomeSize"),
        restricted=flag(src, "restricted"),
        protected=flag(src, "protected"),
        guest=flag(src, "guest"),
        two_factor_enabled=flag(src, "twoFactorEnabled"),
        joined_at=opt_time(src, "joinedAt"),
        subscription=subscription,
        roles=roles,
        entitlements=entitlements,
    )


def _json_ids(value: Any) -> tuple[str, ...]:
    """JSON role/entitlement lists are strings, older ones objects with an id."""
    if value is None:
        return ()
    if isinstance(value, dict):
        value = value.get("roles") or value.get("entitlements") or []
    if not isinstance(value, list):
        raise changed("roles/entitlements are not a list")
    return tuple(str(v["id"]) if isinstance(v, dict) else str(v) for v in value)


# --- resources and devices -------------------------------------------------------------------


def parse_resources(payload: Payload) -> list[Resource]:
    """`GET /api/v2/resources`: XML `<resources><resource>` (or v1 `<Device>`), or a JSON list."""
    if isinstance(payload, Element):
        return [_resource(el, _xml_connections(el)) for el in payload]
    return [
        _resource(obj, tuple(_connection(c) for c in child_objects(obj, "connections")))
        for obj in _list(payload, "resources")
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
        provides=_csv(opt_str(src, "provides")),
        owned=flag(src, "owned"),
        home=flag(src, "home"),
        presence=flag(src, "presence"),
        https_required=flag(src, "httpsRequired"),
        owner_id=owner,
        source_title=_none_if_empty(opt_str(src, "sourceTitle")),
        access_token=_none_if_empty(opt_str(src, "accessToken")),
        created_at=opt_time(src, "createdAt"),
        last_seen_at=opt_time(src, "lastSeenAt"),
        connections=connections,
    )


def parse_devices(payload: Payload) -> list[Device]:
    """`GET /devices.xml`: `<MediaContainer><Device><Connection uri/>`."""
    root = _element(payload, "devices")
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
            provides=_csv(opt_str(el, "provides")),
            public_address=_none_if_empty(opt_str(el, "publicAddress")),
            token=_none_if_empty(opt_str(el, "token")),
            created_at=opt_time(el, "createdAt"),
            last_seen_at=opt_time(el, "lastSeenAt"),
            connections=tuple(text(c, "uri") for c in el.findall("Connection")),
        )
        for el in root.findall("Device")
    ]


# --- users, Home, shares ------------------------------------------------------------------------


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
    root = _element(payload, "users")
    users = []
    for el in root.findall("User"):
        user_id = opt_int(el, "id")
        if user_id is None:
            raise changed("user without id")
        home = flag(el, "home")
        restricted = flag(el, "restricted")
        users.append(
            User(
                id=user_id,
                title=text(el, "title"),
                username=text(el, "username"),
                email=_none_if_empty(opt_str(el, "email")),
                kind=user_kind(home, restricted),
                thumb=_none_if_empty(opt_str(el, "thumb")),
                home=home,
                restricted=restricted,
                protected=flag(el, "protected"),
                settings=share_settings(el),
                shares=tuple(_server_share(s, user_id) for s in el.findall("Server")),
            )
        )
    return users


def _server_share(el: Element, user_id: int) -> ServerShare:
    share_id = opt_int(el, "id")
    if share_id is None:
        raise changed("share without id")
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


def parse_home_users(payload: Payload) -> list[HomeUser]:
    """`GET /api/home/users` (XML `<User>`s) or the v2 JSON `{users: [...]}`."""
    if isinstance(payload, Element):
        items: Iterable[Source] = payload.findall("User")
    else:
        items = child_objects(_mapping(payload, "home users"), "users")
    result = []
    for src in items:
        user_id = opt_int(src, "id")
        if user_id is None:
            raise changed("home user without id")
        result.append(
            HomeUser(
                id=user_id,
                uuid=text(src, "uuid"),
                title=text(src, "title"),
                username=text(src, "username"),
                email=_none_if_empty(opt_str(src, "email")),
                thumb=_none_if_empty(opt_str(src, "thumb")),
                admin=flag(src, "admin"),
                guest=flag(src, "guest"),
                restricted=flag(src, "restricted"),
                restriction_profile=_none_if_empty(opt_str(src, "restrictionProfile")),
                protected=flag(src, "protected"),
                has_password=opt_bool(src, "hasPassword"),
            )
        )
    return result


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
    global_id = opt_int(src, "id")
    if global_id is None:
        raise changed("library without id")
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
    data = _mapping(payload, "server")
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
    return [parse_v2_shared_server(obj) for obj in _list(payload, "shared servers")]


def _v1_shared_server(el: Element, container_machine: str) -> SharedServer:
    share_id = opt_int(el, "id")
    if share_id is None:
        raise changed("shared server without id")
    accepted_at = opt_time(el, "acceptedAt")
    return SharedServer(
        id=share_id,
        machine_identifier=text(el, "machineIdentifier") or container_machine,
        name=text(el, "name"),
        user_id=opt_int(el, "userID"),
        username=_none_if_empty(opt_str(el, "username")),
        email=_none_if_empty(opt_str(el, "email")),
        invited_email=_none_if_empty(opt_str(el, "invitedEmail")),
        accepted=(accepted_at is not None) if el.get("acceptedAt") else None,
        accepted_at=accepted_at,
        invited_at=opt_time(el, "invitedAt"),
        all_libraries=flag(el, "allLibraries"),
        num_libraries=opt_int(el, "numLibraries"),
        settings=share_settings(el),
        sections=tuple(_section(s) for s in el.findall("Section")),
        access_token=_none_if_empty(opt_str(el, "accessToken")),
    )


def parse_v2_shared_server(obj: Mapping[str, Any]) -> SharedServer:
    share_id = opt_int(obj, "id")
    if share_id is None:
        raise changed("shared server without id")
    invited = child_object(obj, "invited") or {}
    settings_src = child_object(obj, "sharingSettings") or child_object(obj, "settings")
    libraries = tuple(_section(lib) for lib in child_objects(obj, "libraries"))
    return SharedServer(
        id=share_id,
        machine_identifier=text(obj, "machineIdentifier"),
        name=text(obj, "name"),
        user_id=opt_int(obj, "invitedId") or opt_int(invited, "id"),
        username=_none_if_empty(opt_str(invited, "username")),
        email=_none_if_empty(opt_str(invited, "email")),
        invited_email=_none_if_empty(opt_str(obj, "invitedEmail")),
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
    for obj in _list(payload, "invites"):
        person = child_object(obj, "invited" if direction == "sent" else "owner") or {}
        invites.append(
            Invite(
                direction="sent" if direction == "sent" else "received",
                shared_servers=tuple(
                    parse_v2_shared_server(s) for s in child_objects(obj, "sharedServers")
                ),
                user_id=opt_int(person, "id"),
                username=_none_if_empty(opt_str(person, "username")),
                email=_none_if_empty(opt_str(person, "email")),
                title=_none_if_empty(opt_str(person, "title")),
                thumb=_none_if_empty(opt_str(person, "thumb")),
            )
        )
    return invites


def parse_home_invites(payload: Payload) -> list[HomeInvite]:
    """Pending Home invitations among `GET /api/v2/friends?status=pending_sent`: the pending
    friends marked `home` (an account invited into the Home, not in it yet)."""
    invites = []
    for obj in _list(payload, "pending friends"):
        user_id = opt_int(obj, "id")
        if user_id is None or not flag(obj, "home"):
            continue
        invites.append(
            HomeInvite(
                user_id=user_id,
                username=_none_if_empty(opt_str(obj, "username")),
                email=_none_if_empty(opt_str(obj, "email")),
                title=_none_if_empty(opt_str(obj, "title") or opt_str(obj, "friendlyName")),
                thumb=_none_if_empty(opt_str(obj, "thumb")),
                invited_at=opt_time(obj, "createdAt") or opt_time(obj, "invitedAt"),
            )
        )
    return invites


# --- PINs and switching ------------------------------------------------------------------------


def parse_pin(payload: Payload) -> Pin:
    """`POST /api/v2/pins` and `GET /api/v2/pins/{id}`, JSON or XML `<pin>`."""
    src: Source = payload if isinstance(payload, Element) else _mapping(payload, "pin")
    pin_id = opt_int(src, "id")
    if pin_id is None:
        raise changed("pin without id")
    return Pin(
        id=pin_id,
        code=text(src, "code"),
        client_identifier=opt_str(src, "clientIdentifier"),
        expires_in=opt_int(src, "expiresIn"),
        created_at=opt_time(src, "createdAt"),
        expires_at=opt_time(src, "expiresAt"),
        trusted=flag(src, "trusted"),
        auth_token=_none_if_empty(opt_str(src, "authToken")),
    )


def parse_auth_token(payload: Payload) -> str:
    """The token in a Home switch answer (`authenticationToken` in v1 XML, `authToken` v2)."""
    src: Source = payload if isinstance(payload, Element) else _mapping(payload, "switch")
    token = opt_str(src, "authenticationToken") or opt_str(src, "authToken")
    if not token:
        raise changed("no token in the answer")
    return token


def parse_created_user_id(payload: Payload) -> int:
    """The id of a newly created managed user (root attribute, JSON key, or a `<User>`)."""
    if isinstance(payload, Element):
        candidates: list[Source] = [payload, *payload.iter("User"), *payload.iter("user")]
    else:
        data = _mapping(payload, "created user")
        candidates = [data, child_object(data, "user") or {}]
    for src in candidates:
        user_id = opt_int(src, "id")
        if user_id is not None:
            return user_id
    raise changed("created user without id")


# --- watchlist, discover, sync, history ------------------------------------------------------


def _container(payload: Payload, what: str) -> tuple[Source, list[Source]]:
    """A MediaContainer and its items, from XML or `{"MediaContainer": {"Metadata": [...]}}`."""
    if isinstance(payload, Element):
        return payload, [el for el in payload if el.tag in ("Video", "Directory", "Track")]
    data = _mapping(payload, what)
    container = child_object(data, "MediaContainer") or {}
    return container, list(child_objects(container, "Metadata"))


def parse_watchlist(payload: Payload) -> tuple[list[WatchlistItem], int | None]:
    """One watchlist page and the list's `totalSize`."""
    container, items = _container(payload, "watchlist")
    result = []
    for src in items:
        rating_key = opt_str(src, "ratingKey") or text(src, "guid").rsplit("/", 1)[-1]
        result.append(
            WatchlistItem(
                rating_key=rating_key,
                guid=text(src, "guid"),
                title=text(src, "title"),
                type=text(src, "type"),
                year=opt_int(src, "year"),
                thumb=_none_if_empty(opt_str(src, "thumb")),
                content_rating=_none_if_empty(opt_str(src, "contentRating")),
                originally_available_at=_none_if_empty(opt_str(src, "originallyAvailableAt")),
                added_at=opt_time(src, "addedAt"),
                rating=opt_float(src, "rating"),
            )
        )
    return result, opt_int(container, "totalSize")


def parse_user_state(payload: Payload, rating_key: str) -> UserState:
    """`GET /library/metadata/{ratingKey}/userState` on the metadata host."""
    src: Source | None
    if isinstance(payload, Element):
        src = payload if payload.tag == "UserState" else payload.find("UserState")
    elif payload is None:
        src = None
    else:
        container = child_object(_mapping(payload, "user state"), "MediaContainer") or {}
        state = container.get("UserState")
        if isinstance(state, list):
            state = state[0] if state else None
        src = state if isinstance(state, dict) else None
    if src is None:
        return UserState(rating_key=rating_key)
    return UserState(
        rating_key=opt_str(src, "ratingKey") or rating_key,
        type=opt_str(src, "type"),
        view_count=integer(src, "viewCount"),
        view_offset=opt_int(src, "viewOffset"),
        view_state=opt_str(src, "viewState"),
        last_viewed_at=opt_time(src, "lastViewedAt"),
        watchlisted_at=opt_time(src, "watchlistedAt"),
    )


def parse_discover(payload: Payload) -> list[DiscoverResult]:
    """`GET /library/search` on the discover host (JSON)."""
    container = child_object(_mapping(payload, "search"), "MediaContainer") or {}
    results: list[DiscoverResult] = []
    seen: set[str] = set()
    for group in child_objects(container, "SearchResults"):
        for hit in child_objects(group, "SearchResult"):
            meta = child_object(hit, "Metadata")
            if meta is None or text(meta, "type") not in ("movie", "show"):
                continue
            guid = text(meta, "guid")
            if guid in seen:
                continue
            seen.add(guid)
            results.append(
                DiscoverResult(
                    rating_key=opt_str(meta, "ratingKey") or guid.rsplit("/", 1)[-1],
                    guid=guid,
                    title=text(meta, "title"),
                    type=text(meta, "type"),
                    year=opt_int(meta, "year"),
                    thumb=_none_if_empty(opt_str(meta, "thumb")),
                    summary=_none_if_empty(opt_str(meta, "summary")),
                )
            )
    return results


def parse_sync_items(payload: Payload) -> list[SyncItem]:
    """`GET /devices/{clientId}/sync_items`: `<SyncList><SyncItems><SyncItem>`."""
    root = _element(payload, "sync items")
    items = []
    for el in root.iter("SyncItem"):
        server = el.find("Server")
        status = el.find("Status")
        location = el.find("Location")
        item_id = opt_int(el, "id")
        if item_id is None:
            raise changed("sync item without id")
        items.append(
            SyncItem(
                id=item_id,
                title=text(el, "title"),
                root_title=opt_str(el, "rootTitle"),
                metadata_type=opt_str(el, "metadataType"),
                content_type=opt_str(el, "contentType"),
                version=opt_int(el, "version"),
                machine_identifier=opt_str(server, "machineIdentifier")
                if server is not None
                else None,
                state=opt_str(status, "state") if status is not None else None,
                items_count=opt_int(status, "itemsCount") if status is not None else None,
                items_complete_count=(
                    opt_int(status, "itemsCompleteCount") if status is not None else None
                ),
                location_uri=opt_str(location, "uri") if location is not None else None,
            )
        )
    return items


def parse_history(
    payload: Payload, machine_identifier: str
) -> tuple[list[HistoryEntry], int | None]:
    """One page of a server's `/status/sessions/history/all` and its `totalSize`."""
    container, items = _container(payload, "history")
    return [
        HistoryEntry(
            machine_identifier=machine_identifier,
            rating_key=opt_str(src, "ratingKey"),
            title=text(src, "title"),
            type=text(src, "type"),
            viewed_at=opt_time(src, "viewedAt"),
            account_id=opt_int(src, "accountID"),
            grandparent_title=_none_if_empty(opt_str(src, "grandparentTitle")),
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
        container = child_object(_mapping(payload, "server devices"), "MediaContainer") or {}
        items = list(child_objects(container, "Device"))
    devices = []
    for src in items:
        device_id = opt_int(src, "id")
        if device_id is None:
            raise changed("server device without id")
        devices.append(
            ServerDevice(
                id=device_id,
                name=text(src, "name"),
                platform=text(src, "platform"),
                client_identifier=text(src, "clientIdentifier"),
            )
        )
    return devices


def parse_bool_answer(payload: Payload, key: str) -> bool:
    """`<pong>true</pong>`, `{"pong": true}`, `{"consent": false}` and the like."""
    if isinstance(payload, Element):
        value = payload.get(key)
        if value is None:
            value = (payload.text or "").strip()
        result = opt_bool({key: value}, key)
    elif isinstance(payload, dict):
        result = opt_bool(payload, key)
    else:
        result = opt_bool({key: payload}, key)
    if result is None:
        raise changed(f"no {key} in the answer")
    return result
