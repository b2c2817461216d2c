"""Resources, devices and mobile sync items."""

from __future__ import annotations

from typing import Any

from plexsim.model import Account, Device, Server, SimError, State, SyncItem
from plexsim.render import Reply, container, element, iso, xml_reply
from plexsim.routing import Ctx, flag, route

LOOPBACK = "127.0.0.1"


def _connections(ctx: Ctx, server: Server) -> list[dict[str, Any]]:
    """Local, remote and relay connections; `uri`, `address` and `port` always agree.

    The local and remote connections reach the server's own port (on loopback they are the
    same place); the relay connection reaches the server's relay port.
    """
    kinds = [
        (True, False, server.port),
        (False, False, server.port),
        (False, True, server.relayPort),
    ]
    return [
        {
            "protocol": "http",
            "address": ctx.sim.address,
            "port": port,
            "uri": ctx.sim.server_url(port),
            "local": local,
            "relay": relay,
            "IPv6": False,
        }
        for local, relay, port in kinds
    ]


def _server_resource(ctx: Ctx, server: Server, account: Account) -> dict[str, Any]:
    state = ctx.state
    owned = server.ownerId == account.id
    if owned:
        token = server.accessToken
    else:
        share = next(
            s
            for s in state.shares_of_server(server.machineIdentifier)
            if s.userId == account.id and s.accepted
        )
        token = share.accessToken
    owner = state.accounts.get(server.ownerId)
    home = state.home_of(account.id)
    return {
        "name": server.name,
        "product": "Plex Media Server",
        "productVersion": server.version,
        "platform": server.platform,
        "platformVersion": server.platformVersion,
        "device": server.device,
        "clientIdentifier": server.machineIdentifier,
        "createdAt": iso(server.createdAt),
        "lastSeenAt": iso(server.lastSeenAt),
        "provides": "server",
        "ownerId": None if owned else server.ownerId,
        "sourceTitle": None if owned or owner is None else owner.username,
        "publicAddress": LOOPBACK,
        "accessToken": token,
        "owned": owned,
        "home": not owned and home is not None and server.ownerId in home.memberIds,
        "synced": False,
        "relay": True,
        "presence": True,
        "httpsRequired": False,
        "publicAddressMatches": True,
        "dnsRebindingProtection": False,
        "natLoopbackSupported": True,
        "connections": _connections(ctx, server),
    }


def _device_resource(device: Device) -> dict[str, Any]:
    return {
        "name": device.name,
        "product": device.product,
        "productVersion": device.productVersion,
        "platform": device.platform,
        "platformVersion": device.platformVersion,
        "device": device.device,
        "clientIdentifier": device.clientIdentifier,
        "createdAt": iso(device.createdAt),
        "lastSeenAt": iso(device.lastSeenAt),
        "provides": device.provides,
        "ownerId": None,
        "sourceTitle": None,
        "publicAddress": LOOPBACK,
        "accessToken": device.token,
        "owned": True,
        "home": False,
        "synced": False,
        "relay": False,
        "presence": False,
        "httpsRequired": False,
        "publicAddressMatches": True,
        "dnsRebindingProtection": False,
        "natLoopbackSupported": False,
        "connections": [],
    }


def visible_servers(state: State, account: Account) -> list[Server]:
    owned = state.owned_servers(account.id)
    shared_ids = {s.machineIdentifier for s in state.shares_received(account.id) if s.accepted}
    return owned + [state.servers[m] for m in sorted(shared_ids) if m in state.servers]


@route("/api/v2/resources")
def resources(ctx: Ctx) -> Reply:
    account = ctx.account()
    state = ctx.state
    items = [_server_resource(ctx, s, account) for s in visible_servers(state, account)]
    items += [
        _device_resource(d)
        for d in state.devices.values()
        if d.ownerId == account.id and "player" in d.provides
    ]
    return ctx.v2(items, "resources")


@route("/devices.xml")
def devices(ctx: Ctx) -> Reply:
    account = ctx.account()
    state = ctx.state
    children = []
    for server in state.owned_servers(account.id):
        values = {
            "name": server.name,
            "publicAddress": LOOPBACK,
            "product": "Plex Media Server",
            "productVersion": server.version,
            "platform": server.platform,
            "platformVersion": server.platformVersion,
            "device": server.device,
            "model": "x86_64",
            "vendor": "",
            "provides": "server",
            "clientIdentifier": server.machineIdentifier,
            "version": server.version,
            "id": server.serverId,
            "token": server.accessToken,
            "createdAt": server.createdAt,
            "lastSeenAt": server.lastSeenAt,
            "screenResolution": "",
            "screenDensity": "",
        }
        uri = ctx.sim.server_url(server.port)
        children.append(element("Device", values, [element("Connection", {"uri": uri})]))
    for device in state.devices.values():
        if device.ownerId != account.id:
            continue
        values = {
            "name": device.name,
            "publicAddress": LOOPBACK,
            "product": device.product,
            "productVersion": device.productVersion,
            "platform": device.platform,
            "platformVersion": device.platformVersion,
            "device": device.device,
            "model": device.model,
            "vendor": device.vendor,
            "provides": device.provides,
            "clientIdentifier": device.clientIdentifier,
            "version": device.productVersion,
            "id": device.id,
            "token": device.token,
            "createdAt": device.createdAt,
            "lastSeenAt": device.lastSeenAt,
            "screenResolution": device.screenResolution,
            "screenDensity": "",
        }
        inner = []
        if "sync-target" in device.provides:
            inner.append(
                element(
                    "SyncList",
                    {
                        "itemsCompleteCount": sum(i.itemsCompleteCount for i in device.syncItems),
                        "totalSize": sum(i.totalSize for i in device.syncItems),
                        "version": 2,
                    },
                )
            )
        children.append(element("Device", values, inner))
    head = {"publicAddress": LOOPBACK, "size": len(children)}
    return xml_reply(container("MediaContainer", head, children))


@route("/devices/<int:device_id>.xml", "DELETE")
def delete_device(ctx: Ctx, device_id: int) -> Reply:
    account = ctx.account()
    device = ctx.state.devices.get(device_id)
    if device is None or device.ownerId != account.id:
        raise SimError(404, 1002, "Not found")
    # Removing a device also ends its sign-in: its token stops working.
    del ctx.state.devices[device_id]
    ctx.state.reindex()
    return xml_reply(container("MediaContainer", {"size": 0}, []))


def _sync_device(ctx: Ctx, client_id: str) -> Device:
    device = ctx.state.device_by_client(ctx.account().id, client_id)
    if device is None:
        raise SimError(404, 1002, "Not found")
    return device


def sync_item_xml(item: SyncItem) -> str:
    return element(
        "SyncItem",
        {
            "id": item.id,
            "version": item.version,
            "rootTitle": item.rootTitle,
            "title": item.title,
            "metadataType": item.metadataType,
            "contentType": item.contentType,
        },
        [
            element("Server", {"machineIdentifier": item.machineIdentifier}),
            element(
                "Status",
                {
                    "failureCode": "1" if item.failure else "",
                    "failure": item.failure,
                    "state": item.state,
                    "itemsCount": item.itemsCount,
                    "itemsCompleteCount": item.itemsCompleteCount,
                    "itemsDownloadedCount": item.itemsCompleteCount,
                    "itemsReadyCount": item.itemsCompleteCount,
                    "itemsSuccessfulCount": item.itemsCompleteCount,
                    "totalSize": item.totalSize,
                },
            ),
            element(
                "MediaSettings",
                {
                    "audioBoost": 100,
                    "maxVideoBitrate": item.maxVideoBitrate,
                    "musicBitrate": 192,
                    "photoQuality": 74,
                    "photoResolution": "1920x1080",
                    "subtitleSize": 100,
                    "videoQuality": item.videoQuality,
                    "videoResolution": item.videoResolution,
                },
            ),
            element(
                "Policy",
                {
                    "scope": item.policyScope,
                    "unwatched": item.policyUnwatched,
                    "value": item.policyValue,
                },
            ),
            element("Location", {"uri": item.locationUri}),
        ],
    )


@route("/devices/<client_id>/sync_items", "GET", "POST")
def sync_items(ctx: Ctx, client_id: str) -> Reply:
    device = _sync_device(ctx, client_id)
    if ctx.request.method == "POST":
        if "sync-target" not in device.provides:
            raise SimError(400, 1000, "This device cannot sync")
        a = ctx.request.args
        item = SyncItem(
            id=ctx.state.new_id(),
            title=a.get("SyncItem[title]", ""),
            rootTitle=a.get("SyncItem[rootTitle]", ""),
            metadataType=a.get("SyncItem[metadataType]", "movie"),
            contentType=a.get("SyncItem[contentType]", "video"),
            machineIdentifier=a.get("SyncItem[machineIdentifier]", ""),
            state="pending",
            itemsCompleteCount=0,
            locationUri=a.get("SyncItem[Location][uri]", ""),
            policyScope=a.get("SyncItem[Policy][scope]", "count"),
            policyUnwatched=flag(a.get("SyncItem[Policy][unwatched]", "0")),
            policyValue=int(a.get("SyncItem[Policy][value]", "1") or 1),
        )
        device.syncItems.append(item)
        return xml_reply(sync_item_xml(item))
    items = [sync_item_xml(i) for i in device.syncItems]
    body = element(
        "SyncList",
        {"clientIdentifier": client_id},
        [element("SyncItems", {}, items) if items else "<SyncItems>\n</SyncItems>\n"],
    )
    return xml_reply(body)


@route("/devices/<client_id>/sync_items/<int:item_id>", "DELETE")
def delete_sync_item(ctx: Ctx, client_id: str, item_id: int) -> Reply:
    device = _sync_device(ctx, client_id)
    before = len(device.syncItems)
    device.syncItems = [i for i in device.syncItems if i.id != item_id]
    if len(device.syncItems) == before:
        raise SimError(404, 1002, "Not found")
    return xml_reply(container("MediaContainer", {"size": 0}, []))
