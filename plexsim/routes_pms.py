"""The simulated Plex Media Servers, each on its own loopback port (see `listeners`).

The listener a request arrived on names the server, so handlers get its `machine_id`.
"""

from __future__ import annotations

from typing import Any

from plexsim.model import Server, Share
from plexsim.render import Reply, container, element, xml_reply
from plexsim.routes_sharing import page_bounds
from plexsim.routing import Ctx, route

PMS = "pms"
UNAUTHORIZED = (
    b"<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>"
)


class _Denied(Exception):
    pass


def _server_for(ctx: Ctx, machine_id: str) -> tuple[Server, Share | None]:
    """The server and, for a friend's token, their share; owners and Home tokens see it all."""
    server = ctx.state.servers.get(machine_id)
    if server is None:
        raise _Denied
    token = ctx.token
    signed_in = ctx.state.account_by_token(token) if token else None
    if token and (token == server.accessToken or (signed_in and signed_in.id == server.ownerId)):
        return server, None
    for share in ctx.state.shares_of_server(machine_id):
        if share.accepted and token == share.accessToken:
            return server, share
    raise _Denied


def _guard(handler: Any) -> Any:
    def wrapped(ctx: Ctx, machine_id: str, **kwargs: Any) -> Reply:
        try:
            server, share = _server_for(ctx, machine_id)
        except _Denied:
            return Reply(status=401, body=UNAUTHORIZED, content_type="text/html")
        return handler(ctx, server, share, **kwargs)

    wrapped.__name__ = handler.__name__
    return wrapped


@route("/", host=PMS, auth=False)
@_guard
def root(ctx: Ctx, server: Server, share: Share | None) -> Reply:
    owner = ctx.state.accounts.get(server.ownerId)
    head = {
        "size": 2,
        "allowCameraUpload": True,
        "allowChannelAccess": True,
        "allowSharing": share is None,
        "allowSync": True,
        "claimed": True,
        "friendlyName": server.name,
        "machineIdentifier": server.machineIdentifier,
        "multiuser": True,
        "myPlex": True,
        "myPlexMappingState": "mapped",
        "myPlexSigninState": "ok",
        "myPlexSubscription": bool(owner and owner.plexPass),
        "myPlexUsername": owner.email if owner else "",
        "platform": server.platform,
        "platformVersion": server.platformVersion,
        "transcoderActiveVideoSessions": 0,
        "updatedAt": server.lastSeenAt,
        "version": server.version,
    }
    children = [
        element("Directory", {"count": 1, "key": "library", "title": "library"}),
        element("Directory", {"count": 1, "key": "status", "title": "status"}),
    ]
    return xml_reply(container("MediaContainer", head, children))


@route("/identity", host=PMS, auth=False)
def identity(ctx: Ctx, machine_id: str) -> Reply:
    server = ctx.state.servers.get(machine_id)
    if server is None:
        return Reply(status=404, body=b"", content_type=None)
    head = {"size": 0, "claimed": True, "machineIdentifier": machine_id, "version": server.version}
    return xml_reply(container("MediaContainer", head, []))


@route("/library", host=PMS, auth=False)
@_guard
def library(ctx: Ctx, server: Server, share: Share | None) -> Reply:
    head = {
        "size": 3,
        "allowSync": False,
        "art": "/:/resources/library-art.png",
        "identifier": "com.plexapp.plugins.library",
        "mediaTagPrefix": "/system/bundle/media/flags/",
        "mediaTagVersion": server.lastSeenAt,
        "title1": "Plex Library",
        "title2": "",
    }
    children = [
        element("Directory", {"key": key, "title": title})
        for key, title in (
            ("sections", "Library Sections"),
            ("recentlyAdded", "Recently Added Content"),
            ("onDeck", "On Deck Content"),
        )
    ]
    return xml_reply(container("MediaContainer", head, children))


@route("/library/sections", host=PMS, auth=False)
@_guard
def sections(ctx: Ctx, server: Server, share: Share | None) -> Reply:
    visible = set(ctx.state.share_section_ids(share)) if share else None
    children = []
    for section in server.sections:
        if visible is not None and section.id not in visible:
            continue
        values = {
            "allowSync": True,
            "art": f"/:/resources/{section.type}-fanart.jpg",
            "composite": f"/library/sections/{section.key}/composite/{server.lastSeenAt}",
            "filters": True,
            "refreshing": False,
            "thumb": f"/:/resources/{section.type}.png",
            "key": section.key,
            "type": section.type,
            "title": section.title,
            "agent": "tv.plex.agents.movie" if section.type == "movie" else "tv.plex.agents.series",
            "scanner": "Plex Movie" if section.type == "movie" else "Plex TV Series",
            "language": "en-US",
            "uuid": f"{server.machineIdentifier[:8]}-{section.id}",
            "updatedAt": server.lastSeenAt,
            "createdAt": server.createdAt,
            "scannedAt": server.lastSeenAt,
            "content": True,
            "directory": True,
            "contentChangedAt": section.id % 100_000,
            "hidden": 0,
        }
        location = element("Location", {"id": section.key, "path": f"/data/{section.title}"})
        children.append(element("Directory", values, [location]))
    head = {"size": len(children), "allowSync": True, "title1": "Plex Library"}
    return xml_reply(container("MediaContainer", head, children))


@route("/status/sessions/history/all", host=PMS, auth=False)
@_guard
def history(ctx: Ctx, server: Server, share: Share | None) -> Reply:
    args = ctx.request.args
    entries = list(server.history)
    owner_id = server.ownerId

    def local_id(account_id: int) -> int:
        # A PMS numbers its owner 1; everyone else keeps their plex.tv id.
        return 1 if account_id == owner_id else account_id

    if share is not None and share.userId is not None:
        entries = [e for e in entries if e.accountID == share.userId]
    if args.get("accountID"):
        wanted = int(args["accountID"])
        entries = [e for e in entries if local_id(e.accountID) == wanted]
    if args.get("librarySectionID"):
        entries = [e for e in entries if e.librarySectionID == int(args["librarySectionID"])]
    since = args.get("viewedAt>") or args.get("viewedAt>=")
    if since:
        entries = [e for e in entries if e.viewedAt >= int(since.lstrip("="))]
    entries.sort(
        key=lambda e: e.viewedAt, reverse=args.get("sort", "viewedAt:desc") != "viewedAt:asc"
    )
    start, stop = page_bounds(ctx, len(entries))
    children = []
    for entry in entries[start:stop]:
        tag = "Track" if entry.type == "track" else "Video"
        values: dict[str, Any] = {
            "historyKey": f"/status/sessions/history/{entry.historyKey}",
            "key": f"/library/metadata/{entry.ratingKey}",
            "ratingKey": entry.ratingKey,
            "librarySectionID": entry.librarySectionID,
            "title": entry.title,
            "type": entry.type,
            "viewedAt": entry.viewedAt,
            "accountID": local_id(entry.accountID),
            "deviceID": entry.deviceID,
        }
        if entry.grandparentTitle:
            values["grandparentTitle"] = entry.grandparentTitle
            values["index"] = entry.index
            values["parentIndex"] = entry.parentIndex
        children.append(element(tag, values))
    head = {"size": len(children), "totalSize": len(entries), "offset": start}
    return xml_reply(container("MediaContainer", head, children))


@route("/devices", host=PMS, auth=False)
@_guard
def devices(ctx: Ctx, server: Server, share: Share | None) -> Reply:
    """The players that have played on this server (ids as its history's `deviceID`)."""
    if share is not None:
        return Reply(status=401, body=UNAUTHORIZED, content_type="text/html")
    used = {e.deviceID for e in server.history}
    children = []
    for device_id in sorted(used):
        device = ctx.state.devices.get(device_id)
        values: dict[str, Any] = {
            "id": device_id,
            "name": device.name if device else "",
            "platform": device.platform if device else "",
            "clientIdentifier": device.clientIdentifier if device else "",
            "createdAt": device.createdAt if device else server.createdAt,
        }
        children.append(element("Device", values))
    head = {"size": len(children), "identifier": "com.plexapp.system.devices"}
    return xml_reply(container("MediaContainer", head, children))
