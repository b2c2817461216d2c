"""The control API under /__sim__/: JSON in, JSON out, never logged or faulted."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from plexsim import ops
from plexsim.faults import FaultRule, FaultRuleError
from plexsim.model import Account, HistoryEntry, SimError, State
from plexsim.render import Reply, json_reply
from plexsim.routes_account import link_pin, new_pin
from plexsim.routing import Ctx, route

SIM = "sim"


def _control(handler: Callable[..., Any]) -> Callable[..., Reply]:
    """Turn a handler's return value into JSON and its failures into {"error": …} bodies."""

    def wrapped(ctx: Ctx, **kwargs: Any) -> Reply:
        try:
            result = handler(ctx, **kwargs)
        except SimError as error:
            return json_reply({"error": error.message, "code": error.code}, error.status)
        except (FaultRuleError, ValueError, KeyError, TypeError) as error:
            return json_reply({"error": str(error)}, 400)
        return result if isinstance(result, Reply) else json_reply(result)

    wrapped.__name__ = handler.__name__
    return wrapped


def _json(ctx: Ctx) -> dict[str, Any]:
    raw = ctx.request.get_data(as_text=True).strip()
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("the body must be a JSON object")
    return value


@route("/__sim__/health", host=SIM, auth=False)
@_control
def health(ctx: Ctx) -> dict[str, Any]:
    return {"ok": True, "url": ctx.sim.base_url}


@route("/__sim__/state", host=SIM, auth=False)
@_control
def state(ctx: Ctx) -> dict[str, Any]:
    return ctx.state.to_doc()


@route("/__sim__/reset", "POST", host=SIM, auth=False)
@_control
def reset(ctx: Ctx) -> dict[str, Any]:
    body = _json(ctx)
    users = body.get("users")
    ctx.sim.reset(body.get("seed", "demo"), int(users) if users is not None else None)
    return {"ok": True}


@route("/__sim__/accounts", host=SIM, auth=False)
@_control
def accounts(ctx: Ctx) -> list[dict[str, Any]]:
    """The accounts a person can sign in as on the OAuth page (managed users have no login)."""
    return [
        {
            "id": a.id,
            "username": a.username,
            "email": a.email,
            "title": a.title,
            "twoFactor": a.twoFactorCode is not None,
        }
        for a in sorted(ctx.state.accounts.values(), key=lambda a: a.id)
        if not a.restricted and a.password is not None
    ][:50]


def _account(state: State, body: dict[str, Any]) -> Account:
    if "userId" in body:
        account = state.accounts.get(int(body["userId"]))
    elif "token" in body:
        account = state.account_by_token(str(body["token"]))
    else:
        account = state.account_by_login(str(body.get("username", "")))
    if account is None:
        raise SimError(404, 1002, "no such account")
    return account


@route("/__sim__/pins", "POST", host=SIM, auth=False)
@_control
def device_code(ctx: Ctx) -> dict[str, Any]:
    """A device (a TV app, say) asks for a 4-character link code, as `POST /api/v2/pins`
    does for it; the code is then entered on plex.tv/link or sent with `PUT /api/v2/pins/link`.
    For tests and the demo, where no real device is at hand to show one."""
    body = _json(ctx)
    product = str(body.get("product") or "Plex for Smart TV")[:100]
    client_id = str(body.get("clientIdentifier") or f"plexsim-device-{secrets.token_hex(6)}")
    pin = new_pin(ctx.state, False, client_id[:100], product)
    ctx.sim.save()
    expires_in = max(0, int(pin.expiresAt - ctx.state.now()))
    return {
        "ok": True,
        "pinId": pin.id,
        "code": pin.code,
        "clientIdentifier": pin.clientIdentifier,
        "expiresIn": expires_in,
    }


@route("/__sim__/pins/<code>/approve", "POST", host=SIM, auth=False)
@_control
def approve_pin(ctx: Ctx, code: str) -> dict[str, Any]:
    state = ctx.state
    account = _account(state, _json(ctx))
    pin = next(
        (
            p
            for p in state.pins.values()
            if p.code.upper() == code.upper() and p.expiresAt > state.now()
        ),
        None,
    )
    if pin is None:
        raise SimError(404, 1020, "Code not found or expired")
    token = link_pin(state, pin, account)
    ctx.sim.save()
    return {"ok": True, "pinId": pin.id, "userId": account.id, "token": token}


@route("/__sim__/invites/<int:invite_id>/accept", "POST", host=SIM, auth=False)
@_control
def accept_invite(ctx: Ctx, invite_id: int) -> dict[str, Any]:
    state = ctx.state
    if invite_id in state.homeInvites:
        ops.accept_home_invite(state, state.homeInvites[invite_id])
    else:
        share = state.shares.get(invite_id)
        if share is None or share.accepted:
            raise SimError(404, 1002, "no pending invite with that id")
        if share.userId is None:
            raise SimError(409, 1000, "the invited e-mail has no Plex account yet")
        ops.accept_share(state, state.accounts[share.userId], share)
    ctx.sim.save()
    return {"ok": True}


@route("/__sim__/faults", "GET", "POST", "DELETE", host=SIM, auth=False)
@_control
def faults(ctx: Ctx) -> Any:
    book = ctx.sim.faults
    if ctx.request.method == "DELETE":
        book.clear()
        return {"ok": True}
    if ctx.request.method == "POST":
        body = _json(ctx)
        docs = body.get("rules", [body])
        rules = [FaultRule.from_doc(d) for d in docs]
        return {"ok": True, "ids": [book.add(r).id for r in rules]}
    return book.list()


@route("/__sim__/requests", "GET", "DELETE", host=SIM, auth=False)
@_control
def requests_log(ctx: Ctx) -> Any:
    if ctx.request.method == "DELETE":
        ctx.sim.log.clear()
        return {"ok": True}
    return ctx.sim.log.since(int(ctx.request.args.get("since", "0") or 0))


@route("/__sim__/clock", "POST", host=SIM, auth=False)
@_control
def clock(ctx: Ctx) -> dict[str, Any]:
    body = _json(ctx)
    ctx.state.clockOffset += float(body.get("advance", 0))
    return {"ok": True, "offset": ctx.state.clockOffset}


@route("/__sim__/rate_limit", "POST", host=SIM, auth=False)
@_control
def rate_limit(ctx: Ctx) -> dict[str, Any]:
    body = _json(ctx)
    rate = body.get("rate")
    retry_after = body.get("retryAfter", False)
    if not isinstance(retry_after, bool):
        raise ValueError("retryAfter must be true or false")
    ctx.sim.limiter.set_rate(float(rate) if rate else None, retry_after)
    return {"ok": True, "rate": ctx.sim.limiter.rate, "retryAfter": ctx.sim.limiter.retry_after}


@route("/__sim__/share_limit", "POST", host=SIM, auth=False)
@_control
def share_limit(ctx: Ctx) -> dict[str, Any]:
    """How many people an owner may share with (plex.tv's ~100 by default, again after a
    reset): a load run raises it to hold a larger household and still take new people."""
    limit = _json(ctx).get("limit")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError("limit must be a whole number of people, at least 1")
    ctx.state.shareLimit = limit
    return {"ok": True, "limit": limit}


# ---- mutate ----------------------------------------------------------------------------------


def _owner(state: State, body: dict[str, Any]) -> Account:
    if "ownerId" in body:
        return state.accounts[int(body["ownerId"])]
    owners = sorted({s.ownerId for s in state.servers.values()})
    if not owners:
        raise SimError(400, 1000, "the state has no server owner")
    return state.accounts[owners[0]]


def _add_friend(state: State, body: dict[str, Any]) -> dict[str, Any]:
    owner = _owner(state, body)
    username = str(body["username"])
    account = state.account_by_login(username)
    if account is None:
        account = Account(
            id=state.new_id(),
            username=username,
            email=body.get("email") or f"{username}@example.com",
            password=body.get("password"),
            joinedAt=int(state.now()),
        )
        state.accounts[account.id] = account
        state.reindex()
    accepted = bool(body.get("accepted", True))
    share_ids = []
    for wanted in body.get("servers", []):
        server = ops.owned_server(state, owner, wanted["machineIdentifier"])
        share = ops.create_share(
            state,
            owner,
            server,
            account.id,
            wanted.get("sectionIds"),
            body.get("settings"),
            v2=True,
        )
        share.accepted = accepted
        share.acceptedAt = int(state.now()) if accepted else None
        share_ids.append(share.id)
    relation = ops.ensure_relation(state, owner, account, None, accepted)
    relation.accepted = accepted
    if body.get("settings"):
        ops.apply_settings(state, relation, body["settings"], replace=False)
    return {"userId": account.id, "token": account.token, "shareIds": share_ids}


def _set_settings(state: State, body: dict[str, Any]) -> dict[str, Any]:
    owner = _owner(state, body)
    relation = state.relation(owner.id, int(body["userId"]))
    if relation is None:
        raise SimError(404, 1002, "no sharing relation with that user")
    ops.apply_settings(state, relation, body.get("settings", {}), replace=False)
    return {}


def _set_share_libraries(state: State, body: dict[str, Any]) -> dict[str, Any]:
    share = state.shares.get(int(body["shareId"]))
    if share is None:
        raise SimError(404, 1002, "no such share")
    ops.set_share_sections(state, share, body.get("sectionIds"))
    return {"sectionIds": state.share_section_ids(share)}


def _remove_share(state: State, body: dict[str, Any]) -> dict[str, Any]:
    share = state.shares.get(int(body["shareId"]))
    if share is None:
        raise SimError(404, 1002, "no such share")
    ops.delete_share(state, share)
    return {}


def _remove_friend(state: State, body: dict[str, Any]) -> dict[str, Any]:
    ops.remove_friend(state, _owner(state, body), int(body["userId"]))
    return {}


def _add_home_user(state: State, body: dict[str, Any]) -> dict[str, Any]:
    admin = _owner(state, body)
    if body.get("username"):
        invite = ops.invite_to_home(state, admin, str(body["username"]))
        ops.accept_home_invite(state, invite)
        return {"userId": invite.userId}
    account = ops.create_managed_user(
        state, admin, str(body.get("title", "")), body.get("restrictionProfile"), body.get("pin")
    )
    return {"userId": account.id, "token": account.token}


def _remove_home_user(state: State, body: dict[str, Any]) -> dict[str, Any]:
    ops.remove_home_user(state, _owner(state, body), int(body["userId"]))
    return {}


ACCOUNT_FIELDS = {
    "plexPass",
    "emailVerified",
    "twoFactorCode",
    "password",
    "homePin",
    "token",
    "email",
    "title",
    "restrictionProfile",
}


def _set_account(state: State, body: dict[str, Any]) -> dict[str, Any]:
    account = _account(state, body)
    for key, value in body.items():
        if key in ACCOUNT_FIELDS:
            if key == "restrictionProfile":
                value = ops.check_profile(value)
            setattr(account, key, value)
    state.reindex()
    return {"userId": account.id}


def _add_history(state: State, body: dict[str, Any]) -> dict[str, Any]:
    server = state.servers[str(body["machineIdentifier"])]
    entry = HistoryEntry(
        historyKey=max((e.historyKey for e in server.history), default=0) + 1,
        ratingKey=int(body.get("ratingKey", 900)),
        title=str(body.get("title", "Untitled")),
        type=str(body.get("type", "movie")),
        viewedAt=int(body.get("viewedAt", state.now())),
        accountID=int(body["userId"]),
        librarySectionID=int(body.get("librarySectionKey", 1)),
        grandparentTitle=str(body.get("grandparentTitle", "")),
        deviceID=int(body.get("deviceId", 1)),
    )
    server.history.append(entry)
    for share in state.shares_of_server(server.machineIdentifier):
        if share.userId == entry.accountID:
            share.lastSeenAt = max(share.lastSeenAt or 0, entry.viewedAt)
    return {"historyKey": entry.historyKey}


def _add_account(state: State, body: dict[str, Any]) -> dict[str, Any]:
    """A plain account that shares nothing with anyone (an invitee before they join)."""
    username = str(body["username"])
    if state.account_by_login(username) is not None:
        raise SimError(422, 1003, "Email or username has already been taken")
    account = Account(
        id=state.new_id(),
        username=username,
        email=body.get("email") or f"{username}@example.com",
        password=body.get("password"),
        joinedAt=int(state.now()),
    )
    state.accounts[account.id] = account
    state.reindex()
    return {"userId": account.id, "token": account.token}


MUTATIONS: dict[str, Callable[[State, dict[str, Any]], dict[str, Any]]] = {
    "add_friend": _add_friend,
    "add_account": _add_account,
    "remove_friend": _remove_friend,
    "set_settings": _set_settings,
    "set_share_libraries": _set_share_libraries,
    "remove_share": _remove_share,
    "add_home_user": _add_home_user,
    "remove_home_user": _remove_home_user,
    "set_account": _set_account,
    "add_history": _add_history,
}


@route("/__sim__/mutate", "POST", host=SIM, auth=False)
@_control
def mutate(ctx: Ctx) -> dict[str, Any]:
    body = _json(ctx)
    op = body.pop("op", None)
    if op not in MUTATIONS:
        raise ValueError(f"op must be one of {sorted(MUTATIONS)}")
    result = MUTATIONS[op](ctx.state, body)
    ctx.sim.save()
    return {"ok": True, **result}
