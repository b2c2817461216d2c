"""Plex Home: members, managed users, restriction profiles, PINs and profile switching."""

from __future__ import annotations

from plexsim import ops
from plexsim.docs import (
    MYPLEX,
    account_user_json,
    account_user_xml,
    home_user_attrs,
    home_user_json,
)
from plexsim.hosts import NOT_FOUND
from plexsim.model import Account, Home, SimError
from plexsim.render import Reply, container, element, empty_reply, json_reply, xml_reply
from plexsim.routes_account import device_about
from plexsim.routing import Ctx, route


def _members(ctx: Ctx) -> tuple[Home | None, list[Account]]:
    account = ctx.account()
    home = ctx.state.home_of(account.id)
    if home is None:
        return None, [account]
    return home, [ctx.state.accounts[i] for i in home.memberIds if i in ctx.state.accounts]


@route("/api/home/users", "GET", "POST")
def home_users(ctx: Ctx) -> Reply:
    if ctx.request.method == "POST":
        return _add_home_user(ctx)
    home, members = _members(ctx)
    admin_id = home.adminId if home else members[0].id
    head = {
        "friendlyName": home.name if home else "myPlex",
        "identifier": MYPLEX["identifier"],
        "machineIdentifier": "",
        "totalSize": len(members),
        "size": len(members),
        "guestUserID": home.guestUserId if home else 0,
    }
    children = [element("User", home_user_attrs(ctx.state, m, admin_id)) for m in members]
    return xml_reply(container("MediaContainer", head, children))


def _add_home_user(ctx: Ctx) -> Reply:
    admin = ctx.account()
    state = ctx.state
    invited = ctx.param("invitedEmail")
    if invited:
        invite = ops.invite_to_home(state, admin, invited)
        user = state.accounts[invite.userId]
        values = {
            "id": invite.id,
            "createdAt": invite.createdAt,
            "friend": False,
            "home": True,
            "server": False,
            "username": user.username or "",
            "email": user.email or "",
            "thumb": user.thumb,
            "friendlyName": user.friendlyName or user.title,
        }
        return xml_reply(
            container("MediaContainer", {**MYPLEX, "size": 1}, [element("Invite", values)])
        )
    title = ctx.param("title")
    if not title:
        raise SimError(400, 1000, "title or invitedEmail is required")
    user = ops.create_managed_user(state, admin, title)
    home = state.home_of(user.id)
    return xml_reply(element("User", home_user_attrs(state, user, home.adminId if home else 0)))


@route("/api/v2/home/users")
def home_users_v2(ctx: Ctx) -> Reply:
    home, members = _members(ctx)
    admin_id = home.adminId if home else members[0].id
    admin = ctx.state.accounts.get(admin_id)
    doc = {
        "id": admin_id,
        "name": home.name if home else "",
        "guestUserID": home.guestUserId if home else 0,
        "guestUserUUID": "",
        "guestEnabled": False,
        "subscription": bool(admin and admin.plexPass),
        "users": [home_user_json(m, admin_id) for m in members],
    }
    return ctx.v2(doc, "home")


@route("/api/home/users/<int:user_id>", "PUT", "DELETE")
def home_user(ctx: Ctx, user_id: int) -> Reply:
    account = ctx.account()
    if ctx.request.method == "DELETE":
        ops.remove_home_user(ctx.state, account, user_id)
        return empty_reply()
    # setPin / removePin on one's own profile.
    if user_id != account.id:
        raise SimError(403, 1000, "You can only change your own PIN")
    new_pin = ctx.param("pin")
    current = ctx.param("currentPin")
    if account.homePin is not None and current != account.homePin:
        raise SimError(401, 1041, "A valid PIN is required to perform this action")
    if new_pin and not (new_pin.isdigit() and len(new_pin) == 4):
        raise SimError(400, 1000, "A PIN is four digits")
    account.homePin = new_pin or None
    return xml_reply(element("User", home_user_attrs(ctx.state, account, account.id)))


def _switch_target(ctx: Ctx, user_ref: str) -> Account:
    account = ctx.account()
    home = ctx.state.home_of(account.id)
    target = None
    if home is not None:
        for member_id in home.memberIds:
            member = ctx.state.accounts.get(member_id)
            if member is not None and user_ref in {str(member.id), member.uuid}:
                target = member
    if target is None:
        raise SimError(404, 1002, NOT_FOUND)
    if target.homePin is not None and ctx.param("pin") != target.homePin:
        raise SimError(403, 1041, "A valid PIN is required to perform this action")
    return target


def _switch_token(ctx: Ctx, target: Account) -> str:
    """Switching signs the target in on the calling device, with a token of its own."""
    return ops.device_token(ctx.state, target, ctx.client_id, device_about(ctx))


@route("/api/home/users/<user_ref>/switch", "POST")
def switch_v1(ctx: Ctx, user_ref: str) -> Reply:
    target = _switch_target(ctx, user_ref)
    token = _switch_token(ctx, target)
    extra = {"authenticationToken": token}
    return xml_reply(account_user_xml(ctx.state, target, token, extra), 201)


@route("/api/v2/home/users/<user_ref>/switch", "POST")
def switch_v2(ctx: Ctx, user_ref: str) -> Reply:
    target = _switch_target(ctx, user_ref)
    token = _switch_token(ctx, target)
    if ctx.wants_json:
        return json_reply(account_user_json(ctx.state, target, token), 201)
    return xml_reply(account_user_xml(ctx.state, target, token), 201)


@route("/api/v2/home/users/restricted", "POST")
def create_restricted(ctx: Ctx) -> Reply:
    body = ctx.body()
    name = str(body.get("friendlyName") or ctx.param("friendlyName"))
    profile = body.get("restrictionProfile")
    user = ops.create_managed_user(ctx.state, ctx.account(), name, profile)
    relation = ctx.state.relation(ctx.account().id, user.id)
    settings = body.get("sharingSettings") or {
        k.removeprefix("sharingSettings[").removesuffix("]"): v
        for k, v in ctx.request.args.items()
        if k.startswith("sharingSettings[")
    }
    if relation is not None and settings:
        ops.apply_settings(ctx.state, relation, settings, replace=False)
    home = ctx.state.home_of(user.id)
    return ctx.v2(home_user_json(user, home.adminId if home else 0), "user", 201)


def _managed(ctx: Ctx, user_id: int) -> tuple[Account, Home]:
    home = ops.admin_home(ctx.state, ctx.account())
    user = ctx.state.accounts.get(user_id)
    if user is None or user.id not in home.memberIds or not user.restricted:
        raise SimError(404, 1002, NOT_FOUND)
    return user, home


@route("/api/v2/home/users/restricted/profile", "POST")
def restricted_profile(ctx: Ctx) -> Reply:
    body = ctx.body()
    try:
        user_id = int(body.get("userId") or ctx.param("userId"))
    except ValueError:
        raise SimError(400, 1000, "userId is required") from None
    user, home = _managed(ctx, user_id)
    # Leaving restrictionProfile out clears the preset.
    user.restrictionProfile = ops.check_profile(body.get("restrictionProfile"))
    return ctx.v2(home_user_json(user, home.adminId), "user")


@route("/api/v2/home/users/restricted/<int:user_id>", "POST")
def restricted_user(ctx: Ctx, user_id: int) -> Reply:
    user, home = _managed(ctx, user_id)
    body = ctx.body()
    pin = ctx.param("pin")
    if pin:
        if not (pin.isdigit() and len(pin) == 4):
            raise SimError(400, 1000, "A PIN is four digits")
        user.homePin = pin
    if ctx.param("removePin") in {"1", "true", "True"}:
        user.homePin = None
    name = body.get("friendlyName")
    if name:
        user.title = str(name).strip()
    return ctx.v2(home_user_json(user, home.adminId), "user")
