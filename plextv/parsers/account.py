"""Parsers for the account, sign-in, PINs and Home switching (`PlexTV` itself)."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from plextv.answers import Payload
from plextv.models import Account, Pin, Subscription
from plextv.parsers.common import json_object, none_if_empty, required_id
from plextv.values import (
    Source,
    changed,
    child_object,
    flag,
    opt_int,
    opt_str,
    opt_time,
    text,
)


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
                plan=none_if_empty(opt_str(sub_el, "plan")),
                subscribed_at=opt_time(sub_el, "subscribedAt"),
                features=tuple(text(f, "id") for f in sub_el.iter("feature")),
            )
        roles = tuple(text(r, "id") for r in payload.iter("role"))
        entitlements = tuple(text(e, "id") for e in payload.iter("entitlement"))
    else:
        data = json_object(payload, "account")
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
    account_id = required_id(src, "account")
    return Account(
        id=account_id,
        uuid=text(src, "uuid"),
        username=text(src, "username"),
        title=text(src, "title"),
        email=none_if_empty(opt_str(src, "email")),
        friendly_name=none_if_empty(opt_str(src, "friendlyName")),
        thumb=none_if_empty(opt_str(src, "thumb")),
        auth_token=none_if_empty(opt_str(src, "authToken") or opt_str(src, "authentication_token")),
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


def parse_pin(payload: Payload) -> Pin:
    """`POST /api/v2/pins` and `GET /api/v2/pins/{id}`, JSON or XML `<pin>`."""
    src: Source = payload if isinstance(payload, Element) else json_object(payload, "pin")
    pin_id = required_id(src, "pin")
    return Pin(
        id=pin_id,
        code=text(src, "code"),
        client_identifier=opt_str(src, "clientIdentifier"),
        expires_in=opt_int(src, "expiresIn"),
        created_at=opt_time(src, "createdAt"),
        expires_at=opt_time(src, "expiresAt"),
        trusted=flag(src, "trusted"),
        auth_token=none_if_empty(opt_str(src, "authToken")),
    )


def parse_auth_token(payload: Payload) -> str:
    """The token in a Home switch answer (`authenticationToken` in v1 XML, `authToken` v2)."""
    src: Source = payload if isinstance(payload, Element) else json_object(payload, "switch")
    token = opt_str(src, "authenticationToken") or opt_str(src, "authToken")
    if not token:
        raise changed("no token in the answer")
    return token
