"""Account routes: sign-in, the account document, PINs, claim tokens, view-state sync."""

from __future__ import annotations

import math
import secrets
import string

from plexsim import ops
from plexsim.docs import account_user_json, account_user_xml
from plexsim.model import (
    PIN_LIFETIME,
    STRONG_PIN_LIFETIME,
    Account,
    Pin,
    SimError,
    State,
)
from plexsim.render import Reply, empty_reply, iso, json_reply, xml_reply
from plexsim.routing import Ctx, flag, route

# The 4-character link codes avoid characters people confuse (0/O, 1/I).
LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
STRONG_ALPHABET = string.ascii_lowercase + string.digits


def user_reply(ctx: Ctx, account: Account, token: str, status: int = 200) -> Reply:
    if ctx.wants_json:
        return json_reply(account_user_json(ctx.state, account, token), status)
    return xml_reply(account_user_xml(ctx.state, account, token), status)


def device_about(ctx: Ctx) -> dict[str, str]:
    """What the calling device says about itself in its X-Plex-* values."""
    names = {
        "product": "X-Plex-Product",
        "version": "X-Plex-Version",
        "name": "X-Plex-Device-Name",
        "platform": "X-Plex-Platform",
        "platformVersion": "X-Plex-Platform-Version",
        "device": "X-Plex-Device",
        "model": "X-Plex-Model",
        "provides": "X-Plex-Provides",
    }
    return {key: ctx.plex_value(header) for key, header in names.items()}


def check_credentials(state: State, login: str, password: str, code: str) -> Account:
    """The account a login, password and 2FA code sign in to, or plex.tv's refusal."""
    account = state.account_by_login(login) if login else None
    if account is None or account.password is None:
        raise SimError(401, 1001, "User could not be authenticated")
    if account.twoFactorCode is not None:
        # plex.tv also accepts the code appended to the password.
        if not code and password == account.password + account.twoFactorCode:
            password, code = account.password, account.twoFactorCode
        if password != account.password:
            raise SimError(401, 1001, "User could not be authenticated")
        if code != account.twoFactorCode:
            raise SimError(401, 1029, "Please enter the verification code")
    elif password != account.password:
        raise SimError(401, 1001, "User could not be authenticated")
    return account


@route("/api/v2/users/signin", "POST", auth=False)
def signin(ctx: Ctx) -> Reply:
    fields = ctx.body()
    account = check_credentials(
        ctx.state,
        str(fields.get("login") or fields.get("user[login]") or ""),
        str(fields.get("password") or fields.get("user[password]") or ""),
        str(fields.get("verificationCode") or ""),
    )
    token = ops.device_token(ctx.state, account, ctx.client_id, device_about(ctx))
    return user_reply(ctx, account, token, 201)


@route("/api/v2/user")
def user(ctx: Ctx) -> Reply:
    return user_reply(ctx, ctx.account(), ctx.token)


@route("/api/v2/users/signout", "DELETE")
def signout(ctx: Ctx) -> Reply:
    ops.sign_out(ctx.state, ctx.account(), ctx.token)
    return empty_reply()


@route("/api/v2/ping")
def ping(ctx: Ctx) -> Reply:
    ctx.account()
    if ctx.wants_json:
        return json_reply({"pong": True})
    return xml_reply("<pong>true</pong>\n")


@route("/api/claim/token.json")
def claim_token(ctx: Ctx) -> Reply:
    ctx.account()
    return json_reply({"token": "claim-" + secrets.token_urlsafe(15)[:20]})


@route("/:/ip", auth=False)
def public_ip(ctx: Ctx) -> Reply:
    return Reply(body=b"127.0.0.1\n", content_type="text/plain; charset=utf-8")


def pin_doc(state: State, pin: Pin) -> dict[str, object]:
    return {
        "id": pin.id,
        "code": pin.code,
        "product": pin.product or "0",
        "trusted": False,
        "qr": f"https://plex.tv/api/v2/pins/qr/{pin.code}",
        "clientIdentifier": pin.clientIdentifier,
        "location": {
            "code": "US",
            "european_union_member": False,
            "continent_code": "NA",
            "country": "United States",
            "city": "Springfield",
            "time_zone": "America/Chicago",
            "postal_code": "62701",
            "in_privacy_restricted_country": False,
            "in_privacy_restricted_region": False,
            "subdivisions": "Illinois",
            "coordinates": "39.8, -89.6",
        },
        "expiresIn": max(0, math.ceil(pin.expiresAt - state.now())),
        "createdAt": iso(pin.createdAt),
        "expiresAt": iso(pin.expiresAt),
        "authToken": pin.authToken,
        "newRegistration": None,
    }


@route("/api/v2/pins", "POST", auth=False)
@route("/api/v2/pins.json", "POST", auth=False)
def create_pin(ctx: Ctx) -> Reply:
    strong = flag(ctx.param("strong", "false"))
    pin = new_pin(ctx.state, strong, ctx.client_id, ctx.plex_value("X-Plex-Product"))
    return ctx.v2(pin_doc(ctx.state, pin), "pin", 201)


def new_pin(state: State, strong: bool, client_id: str, product: str) -> Pin:
    """A PIN as a device asks for one: a code no live PIN has, for `client_id` to poll."""
    alphabet, size = (STRONG_ALPHABET, 25) if strong else (LINK_ALPHABET, 4)
    live = {p.code for p in state.pins.values() if p.expiresAt > state.now()}
    code = "".join(secrets.choice(alphabet) for _ in range(size))
    while code in live:
        code = "".join(secrets.choice(alphabet) for _ in range(size))
    now = state.now()
    pin = Pin(
        id=state.new_id(),
        code=code,
        strong=strong,
        clientIdentifier=client_id,
        product=product,
        createdAt=now,
        expiresAt=now + (STRONG_PIN_LIFETIME if strong else PIN_LIFETIME),
    )
    state.pins[pin.id] = pin
    _forget_expired(state)
    return pin


def _forget_expired(state: State) -> None:
    cutoff = state.now() - 3_600
    for pin_id in [p.id for p in state.pins.values() if p.expiresAt < cutoff]:
        del state.pins[pin_id]


def live_pin(state: State, pin_id: int, client_id: str | None = None) -> Pin:
    pin = state.pins.get(pin_id)
    if pin is None or pin.expiresAt <= state.now():
        raise SimError(404, 1020, "Code not found or expired")
    if client_id is not None and pin.clientIdentifier != client_id:
        raise SimError(404, 1020, "Code not found or expired")
    return pin


@route("/api/v2/pins/<int:pin_id>", auth=False)
def check_pin(ctx: Ctx, pin_id: int) -> Reply:
    pin = live_pin(ctx.state, pin_id, ctx.client_id)
    return ctx.v2(pin_doc(ctx.state, pin), "pin")


def link_pin(state: State, pin: Pin, account: Account) -> str:
    """Authorise a PIN for an account: the polling app becomes one of its devices.

    Returns the token the PIN now carries (that device's token).
    """
    about = {"product": pin.product, "model": "Plex OAuth"}
    pin.authToken = ops.device_token(state, account, pin.clientIdentifier, about)
    pin.accountId = account.id
    return pin.authToken


def linkable_pin(state: State, code: str) -> Pin:
    """The live 4-character PIN a person typed (in any case), as plex.tv/link looks it up."""
    wanted = code.strip().upper()
    for pin in state.pins.values():
        if not pin.strong and pin.code == wanted and pin.expiresAt > state.now():
            return pin
    raise SimError(404, 1020, "Code not found or expired")


@route("/api/v2/pins/link", "PUT")
def link(ctx: Ctx) -> Reply:
    link_pin(ctx.state, linkable_pin(ctx.state, ctx.param("code")), ctx.account())
    return empty_reply()


@route("/api/v2/user/view_state_sync", "GET", "PUT")
def view_state_sync(ctx: Ctx) -> Reply:
    account = ctx.account()
    if ctx.request.method == "PUT":
        consent = ctx.param("consent")
        if consent == "":
            raise SimError(400, 1000, "consent is required")
        account.viewStateSync = flag(consent)
        return empty_reply()
    return ctx.v2({"consent": account.viewStateSync}, "viewStateSync")


PRIVACY_KEYS = ("optOutPlayback", "optOutLibraryStats")


@route("/api/v2/user/privacy", "GET", "PUT")
def privacy(ctx: Ctx) -> Reply:
    """The account's opt-outs; a PUT changes only the keys it sends (form or query, 0 or 1).

    A bad value changes nothing, not even the keys sent alongside it.
    """
    account = ctx.account()
    if ctx.request.method == "PUT":
        changes: dict[str, bool] = {}
        for key in PRIVACY_KEYS:
            value = ctx.param(key, "")
            if value == "":
                continue
            if value.lower() not in {"0", "1", "true", "false"}:
                raise SimError(400, 1000, f"{key} must be 0 or 1")
            changes[key] = flag(value)
        for key, opted_out in changes.items():
            setattr(account, key, opted_out)
        return empty_reply()
    return ctx.v2({key: getattr(account, key) for key in PRIVACY_KEYS}, "privacy")
