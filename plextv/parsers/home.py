"""Parsers for Plex Home: members, pending Home invites, new managed users (`HomeOperations`)."""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree.ElementTree import Element

from plextv.answers import Payload
from plextv.models import HomeInvite, HomeUser
from plextv.parsers.common import json_list, json_object, none_if_empty, required_id
from plextv.values import (
    Source,
    changed,
    child_object,
    child_objects,
    flag,
    opt_bool,
    opt_int,
    opt_str,
    opt_time,
    text,
)


def parse_home_users(payload: Payload) -> list[HomeUser]:
    """`GET /api/home/users` (XML `<User>`s) or the v2 JSON `{users: [...]}`."""
    if isinstance(payload, Element):
        items: Iterable[Source] = payload.findall("User")
    else:
        items = child_objects(json_object(payload, "home users"), "users")
    result = []
    for src in items:
        user_id = required_id(src, "home user")
        result.append(
            HomeUser(
                id=user_id,
                uuid=text(src, "uuid"),
                title=text(src, "title"),
                username=text(src, "username"),
                email=none_if_empty(opt_str(src, "email")),
                thumb=none_if_empty(opt_str(src, "thumb")),
                admin=flag(src, "admin"),
                guest=flag(src, "guest"),
                restricted=flag(src, "restricted"),
                restriction_profile=none_if_empty(opt_str(src, "restrictionProfile")),
                protected=flag(src, "protected"),
                has_password=opt_bool(src, "hasPassword"),
            )
        )
    return result


def parse_home_invites(payload: Payload) -> list[HomeInvite]:
    """Pending Home invitations among `GET /api/v2/friends?status=pending_sent`: the pending
    friends marked `home` (an account invited into the Home, not in it yet)."""
    invites = []
    for obj in json_list(payload, "pending friends"):
        user_id = opt_int(obj, "id")
        if user_id is None or not flag(obj, "home"):
            continue
        invites.append(
            HomeInvite(
                user_id=user_id,
                username=none_if_empty(opt_str(obj, "username")),
                email=none_if_empty(opt_str(obj, "email")),
                title=none_if_empty(opt_str(obj, "title") or opt_str(obj, "friendlyName")),
                thumb=none_if_empty(opt_str(obj, "thumb")),
                invited_at=opt_time(obj, "createdAt") or opt_time(obj, "invitedAt"),
            )
        )
    return invites


def parse_created_user_id(payload: Payload) -> int:
    """The id of a newly created managed user (root attribute, JSON key, or a `<User>`)."""
    if isinstance(payload, Element):
        candidates: list[Source] = [payload, *payload.iter("User"), *payload.iter("user")]
    else:
        data = json_object(payload, "created user")
        candidates = [data, child_object(data, "user") or {}]
    for src in candidates:
        user_id = opt_int(src, "id")
        if user_id is not None:
            return user_id
    raise changed("created user without id")
