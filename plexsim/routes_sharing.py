"""Users, servers and shares: the v1 XML endpoints and the v2 JSON sharing endpoints."""

from __future__ import annotations

from typing import Any

from plexsim import ops
from plexsim.docs import (
    MYPLEX,
    container_id,
    filter_attrs,
    person_json,
    settings_attrs,
    share_json,
    shared_server_xml,
)
from plexsim.model import Account, Share, SharingSettings, SimError, State
from plexsim.render import Reply, container, element, empty_reply, xml_reply
from plexsim.routing import Ctx, flag, route


def page_bounds(ctx: Ctx, total: int) -> tuple[int, int]:
    """X-Plex-Container-Start/Size from headers or query; the whole list when absent."""
    start_text = ctx.plex_value("X-Plex-Container-Start")
    size_text = ctx.plex_value("X-Plex-Container-Size")
    start = int(start_text) if start_text.isdigit() else 0
    size = int(size_text) if size_text.isdigit() else total
    return start, min(total, start + size)


# ---- /api/users ------------------------------------------------------------------------------


def listed_users(state: State, owner: Account) -> list[Account]:
    """Friends and Home members of the owner, without the owner and without pending invitees."""
    seen: set[int] = {owner.id}
    users: list[Account] = []
    home = state.home_of(owner.id)
    if home is not None and home.adminId == owner.id:
        for member_id in home.memberIds:
            if member_id not in seen and member_id in state.accounts:
                seen.add(member_id)
                users.append(state.accounts[member_id])
    for relation in state.relations:
        if relation.ownerId != owner.id or not relation.accepted or relation.userId is None:
            continue
        if relation.userId not in seen and relation.userId in state.accounts:
            seen.add(relation.userId)
            users.append(state.accounts[relation.userId])
    return users


@route("/api/users")
@route("/api/users/")
def users(ctx: Ctx) -> Reply:
    owner = ctx.account()
    state = ctx.state
    people = listed_users(state, owner)
    start, stop = page_bounds(ctx, len(people))
    shares_by_user: dict[int, list[Share]] = {}
    for share in state.shares.values():
        if share.ownerId == owner.id and share.userId is not None:
            shares_by_user.setdefault(share.userId, []).append(share)
    settings_by_user = {
        r.userId: r.settings for r in state.relations if r.ownerId == owner.id and r.userId
    }
    home = state.home_of(owner.id)
    home_ids = set(home.memberIds) if home and home.adminId == owner.id else set()
    children = []
    for person in people[start:stop]:
        settings = settings_by_user.get(person.id) or SharingSettings()
        values: dict[str, Any] = {"id": person.id, "title": person.title}
        if not person.restricted:
            values["username"] = person.username or ""
            values["email"] = person.email or ""
        values.update(
            {
                "recommendationsPlaylistId": "",
                "thumb": person.thumb,
                "protected": person.homePin is not None,
                "home": person.id in home_ids,
                **settings_attrs(settings),
                **filter_attrs(settings),
                "restricted": person.restricted,
            }
        )
        servers = []
        for share in sorted(shares_by_user.get(person.id, ()), key=lambda s: s.id):
            server = state.servers[share.machineIdentifier]
            servers.append(
                element(
                    "Server",
                    {
                        "id": share.id,
                        "serverId": server.serverId,
                        "machineIdentifier": server.machineIdentifier,
                        "name": server.name,
                        "lastSeenAt": share.lastSeenAt or server.lastSeenAt,
                        "numLibraries": len(state.share_section_ids(share)),
                        "allLibraries": share.allLibraries,
                        "owned": True,
                        "pending": not share.accepted,
                    },
                )
            )
        children.append(element("User", values, servers))
    head = {
        **MYPLEX,
        "machineIdentifier": container_id(owner.id),
        "totalSize": len(people),
        "size": len(children),
    }
    return xml_reply(container("MediaContainer", head, children))


# ---- /api/servers/{machineId} ------------------------------------------------------------------


@route("/api/servers/<machine_id>")
def server_sections(ctx: Ctx, machine_id: str) -> Reply:
    server = ops.owned_server(ctx.state, ctx.account(), machine_id)
    values = {
        "name": server.name,
        "address": ctx.sim.address,
        "port": server.port,
        "version": server.version,
        "scheme": "http",
        "host": ctx.sim.address,
        "localAddresses": ctx.sim.address,
        "machineIdentifier": server.machineIdentifier,
        "createdAt": server.createdAt,
        "updatedAt": server.lastSeenAt,
        "owned": True,
        "synced": False,
    }
    sections = [
        element("Section", {"id": s.id, "key": s.key, "type": s.type, "title": s.title})
        for s in server.sections
    ]
    head = {**MYPLEX, "machineIdentifier": server.machineIdentifier, "size": 1}
    return xml_reply(container("MediaContainer", head, [element("Server", values, sections)]))


@route("/api/v2/servers/<machine_id>")
def server_v2(ctx: Ctx, machine_id: str) -> Reply:
    server = ops.owned_server(ctx.state, ctx.account(), machine_id)
    doc = {
        "name": server.name,
        "address": ctx.sim.address,
        "port": server.port,
        "version": server.version,
        "scheme": "http",
        "synced": False,
        "owned": True,
        "localAddresses": ctx.sim.address,
        "machineIdentifier": server.machineIdentifier,
        "createdAt": server.createdAt,
        "updatedAt": server.lastSeenAt,
        "librarySections": [
            {"id": s.id, "key": s.key, "title": s.title, "type": s.type} for s in server.sections
        ],
    }
    return ctx.v2(doc, "server")


# ---- /api/servers/{machineId}/shared_servers (v1) ----------------------------------------------


def _shared_servers_reply(state: State, machine_id: str, shares: list[Share]) -> Reply:
    server = state.servers[machine_id]
    settings = {
        (r.userId, r.invitedEmail): r.settings
        for r in state.relations
        if r.ownerId == server.ownerId
    }
    children = [
        shared_server_xml(state, s, server, settings.get((s.userId, s.invitedEmail)))
        for s in shares
    ]
    head = {**MYPLEX, "machineIdentifier": machine_id, "size": len(children)}
    return xml_reply(container("MediaContainer", head, children))


@route("/api/servers/<machine_id>/shared_servers", "GET", "POST")
def shared_servers(ctx: Ctx, machine_id: str) -> Reply:
    owner = ctx.account()
    state = ctx.state
    server = ops.owned_server(state, owner, machine_id)
    if ctx.request.method == "GET":
        shares = sorted(state.shares_of_server(machine_id), key=lambda s: s.id)
        return _shared_servers_reply(state, machine_id, shares)
    body = ctx.body()
    wanted = body.get("shared_server") or {}
    invited = wanted.get("invited_id") or wanted.get("invited_email")
    share = ops.create_share(
        state,
        owner,
        server,
        invited,
        wanted.get("library_section_ids"),
        body.get("sharing_settings") or None,
    )
    return _shared_servers_reply(state, machine_id, [share])


@route("/api/servers/<machine_id>/shared_servers/<share_id>", "GET", "PUT", "DELETE")
def shared_server(ctx: Ctx, machine_id: str, share_id: str) -> Reply:
    owner = ctx.account()
    state = ctx.state
    ops.owned_server(state, owner, machine_id)
    if not share_id.isdigit():
        # As captured for /api/servers/None/shared_servers/None.
        raise SimError(404, 1002, ops.NOT_FOUND)
    share = ops.owned_share(state, owner, int(share_id))
    if share.machineIdentifier != machine_id:
        raise SimError(404, 1002, ops.NOT_FOUND)
    if ctx.request.method == "DELETE":
        ops.delete_share(state, share)
        return xml_reply(container("MediaContainer", {**MYPLEX, "size": 0}, []))
    if ctx.request.method == "PUT":
        wanted = ctx.body().get("shared_server") or {}
        ops.set_share_sections(state, share, wanted.get("library_section_ids"))
    return _shared_servers_reply(state, machine_id, [share])


# ---- v2 shared_servers -----------------------------------------------------------------------


@route("/api/v2/shared_servers", "POST")
def create_shared_server(ctx: Ctx) -> Reply:
    owner = ctx.account()
    state = ctx.state
    body = ctx.body()
    server = ops.owned_server(state, owner, str(body.get("machineIdentifier", "")))
    invited = body.get("invitedId") or body.get("invitedEmail")
    share = ops.create_share(
        state,
        owner,
        server,
        invited,
        body.get("librarySectionIds"),
        body.get("settings") or None,
        v2=True,
    )
    return ctx.v2(share_json(state, share), "sharedServer", 201)


@route("/api/v2/shared_servers/<int:share_id>", "GET", "POST", "DELETE", host="clients.plex.tv")
def v2_shared_server(ctx: Ctx, share_id: int) -> Reply:
    account = ctx.account()
    state = ctx.state
    share = state.shares.get(share_id)
    if share is None or account.id not in {share.ownerId, share.userId}:
        raise SimError(404, 1002, ops.NOT_FOUND)
    method = ctx.request.method
    if method == "GET":
        return ctx.v2(share_json(state, share), "sharedServer")
    if share.ownerId != account.id:
        if method == "DELETE":
            # The invitee leaving a share they were given.
            ops.delete_share(state, share)
            return empty_reply()
        raise SimError(403, 1000, "Only the server owner can edit this share")
    if method == "DELETE":
        ops.delete_share(state, share)
        return empty_reply()
    body = ctx.body()
    relation = state.relation_for_share(share)
    if "settings" in body and relation is not None:
        ops.apply_settings(state, relation, body.get("settings") or {}, replace=True)
    if "librarySectionIds" in body:
        ops.set_share_sections(state, share, body.get("librarySectionIds"))
    return ctx.v2(share_json(state, share), "sharedServer")


@route("/api/v2/shared_servers/owned/accepted", host="clients.plex.tv")
def owned_accepted(ctx: Ctx) -> Reply:
    owner = ctx.account()
    shares = [s for s in ctx.state.shares.values() if s.ownerId == owner.id and s.accepted]
    items = [share_json(ctx.state, s) for s in sorted(shares, key=lambda s: s.id)]
    return ctx.v2(items, "sharedServers")


@route("/api/v2/shared_servers/invites/owned/pending")
def owned_pending(ctx: Ctx) -> Reply:
    owner = ctx.account()
    state = ctx.state
    groups: dict[tuple[int | None, str | None], list[Share]] = {}
    for share in sorted(state.shares.values(), key=lambda s: s.id):
        if share.ownerId == owner.id and not share.accepted:
            groups.setdefault((share.userId, share.invitedEmail), []).append(share)
    invites = []
    for (user_id, _email), shares in groups.items():
        invite: dict[str, Any] = {}
        if user_id is not None and user_id in state.accounts:
            invite["invited"] = person_json(state, state.accounts[user_id], "pending")
        invite["sharedServers"] = [share_json(state, s, with_invited=False) for s in shares]
        invites.append(invite)
    return ctx.v2(invites, "invites")


@route("/api/v2/shared_servers/invites/received/pending", host="clients.plex.tv")
def received_pending(ctx: Ctx) -> Reply:
    account = ctx.account()
    state = ctx.state
    groups: dict[int, list[Share]] = {}
    for share in sorted(state.shares_received(account.id), key=lambda s: s.id):
        if not share.accepted:
            groups.setdefault(share.ownerId, []).append(share)
    invites = []
    for owner_id, shares in groups.items():
        owner = state.accounts[owner_id]
        person = person_json(state, owner)
        for key in ("restricted", "home"):
            person.pop(key)
        invites.append(
            {
                "owner": person,
                "sharedServers": [share_json(state, s, with_invited=False) for s in shares],
            }
        )
    return ctx.v2(invites, "invites")


@route("/api/v2/shared_servers/<int:share_id>/accept", "POST", host="clients.plex.tv")
def accept(ctx: Ctx, share_id: int) -> Reply:
    account = ctx.account()
    share = ctx.state.shares.get(share_id)
    if share is None:
        raise SimError(404, 1002, ops.NOT_FOUND)
    ops.accept_share(ctx.state, account, share)
    return ctx.v2(share_json(ctx.state, share), "sharedServer")


# ---- /api/v2/sharings/{userId} -----------------------------------------------------------------


@route("/api/v2/sharings/<int:user_id>", "PUT", "DELETE")
def sharings(ctx: Ctx, user_id: int) -> Reply:
    owner = ctx.account()
    state = ctx.state
    if ctx.request.method == "DELETE":
        ops.remove_friend(state, owner, user_id)
        return empty_reply()
    relation = state.relation(owner.id, user_id)
    if relation is None:
        raise SimError(404, 1002, ops.NOT_FOUND)
    values = {**ctx.request.args.to_dict(), **ctx.body()}
    values = {k: v for k, v in values.items() if not k.startswith("X-Plex-")}
    ops.apply_settings(state, relation, values, replace=False)
    return empty_reply()


FRIEND_STATUSES = ("accepted", "pending_sent", "pending_received", "pending")


@route("/api/v2/friends")
def friends(ctx: Ctx) -> Reply:
    """The caller's friends, or the friend requests they sent or received.

    `pending` (a value clients know of) is read as both kinds of pending request.
    """
    account = ctx.account()
    state = ctx.state
    status = ctx.request.args.get("status", "accepted")
    if status not in FRIEND_STATUSES:
        raise SimError(400, 1000, f"status must be one of {', '.join(FRIEND_STATUSES)}")
    include_servers = flag(ctx.request.args.get("includeSharedServers", "0"))
    wanted = {"pending_sent", "pending_received"} if status == "pending" else {status}
    items = []
    seen: set[int] = set()
    for relation in state.relations:
        if relation.userId is None or relation.userId not in state.accounts:
            continue
        if relation.ownerId == account.id:
            other_id, direction = relation.userId, "sent"
        elif relation.userId == account.id:
            other_id, direction = relation.ownerId, "received"
        else:
            continue
        kind = "accepted" if relation.accepted else f"pending_{direction}"
        if kind not in wanted or other_id in seen or other_id not in state.accounts:
            continue
        seen.add(other_id)
        items.append(_friend(state, account, state.accounts[other_id], kind, include_servers))
    if "pending_sent" in wanted:
        _add_home_invites(state, account, items)
    return ctx.v2(items, "friends")


def _friend(
    state: State, account: Account, person: Account, status: str, include_servers: bool
) -> dict[str, Any]:
    """One friend entry: the person, with the settings and shares between the two of them.

    For a request the caller received, those are the ones the other person offers.
    """
    owner_id, user_id = (
        (person.id, account.id) if status == "pending_received" else (account.id, person.id)
    )
    relation = state.relation(owner_id, user_id)
    settings = relation.settings if relation else SharingSettings()
    shares = state.shares_for_user(owner_id, user_id) if include_servers else []
    return {
        "status": status,
        "sharingSettings": {**settings.__dict__},
        "sharedServers": [share_json(state, s, with_invited=False) for s in shares],
        "sharedSources": [],
        **person_json(state, person),
        "restrictionProfile": person.restrictionProfile,
    }


def _add_home_invites(state: State, owner: Account, items: list[dict[str, Any]]) -> None:
    """Pending Home invitations are pending friends with `home: true` (and `createdAt`).

    For a pending friend, `home` says whether they are in, or invited into, the caller's Home.
    """
    home = state.home_of(owner.id)
    members = set(home.memberIds) if home else set()
    by_id = {doc["id"]: doc for doc in items}
    for doc in items:
        doc["home"] = doc["id"] in members
    for invite in sorted(state.homeInvites.values(), key=lambda i: i.id):
        if invite.adminId != owner.id or invite.userId not in state.accounts:
            continue
        found = by_id.get(invite.userId)
        if found is None:
            person = state.accounts[invite.userId]
            found = {
                "status": "pending_sent",
                "sharingSettings": {},
                "sharedServers": [],
                "sharedSources": [],
                **person_json(state, person),
                "restrictionProfile": person.restrictionProfile,
            }
            by_id[invite.userId] = found
            items.append(found)
        found["home"] = True
        found["createdAt"] = invite.createdAt


# ---- retired endpoints -------------------------------------------------------------------------

GONE = "This endpoint was deprecated and removed"
ALL_METHODS = ("GET", "POST", "PUT", "DELETE")


@route("/api/invites/requested", *ALL_METHODS, auth=False)
@route("/api/invites/requested/<path:rest>", *ALL_METHODS, auth=False)
@route("/api/invites/requests", *ALL_METHODS, auth=False)
@route("/api/invites/requests/<path:rest>", *ALL_METHODS, auth=False)
@route("/api/friends/<path:rest>", *ALL_METHODS, auth=False)
def gone(ctx: Ctx, rest: str = "") -> Reply:
    raise SimError(410, 410, GONE)
