"""Documents plex.tv returns about accounts and shares, in both their XML and JSON forms."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from plexsim.model import (
    MAX_HOME_SIZE,
    Account,
    Server,
    Share,
    SharingSettings,
    State,
    stable_hex,
)
from plexsim.render import element, iso, utc_words

PASS_FEATURES = [
    "camera_upload",
    "content_filter",
    "dvr",
    "hardware_transcoding",
    "home",
    "livetv",
    "pass",
    "premium_music_metadata",
    "sync",
    "webhooks",
    "companions_sonos",
    "users-and-sharing",
    "watchlist",
    "two-factor-authentication",
]
FREE_FEATURES = ["watchlist", "two-factor-authentication", "users-and-sharing"]
ENTITLEMENTS = ["ios", "all", "roku", "android", "xbox_one", "xbox_360", "windows", "windows_phone"]
MYPLEX = {"friendlyName": "myPlex", "identifier": "com.plexapp.plugins.myplex"}


def container_id(owner_id: int) -> str:
    return stable_hex("container", owner_id, length=40)


def account_user_json(state: State, account: Account, token: str | None = None) -> dict[str, Any]:
    """The `/api/v2/user` (and sign-in) document, in its JSON form.

    `authToken` is the token of the sign-in the document answers (`token`), since an account
    has one per device; it defaults to the account's own token.
    """
    home = state.home_of(account.id)
    subscription = {
        "active": account.plexPass,
        "subscribedAt": iso(account.joinedAt + 86_400) if account.plexPass else None,
        "status": "Active" if account.plexPass else "Inactive",
        "paymentService": "braintree" if account.plexPass else None,
        "plan": "lifetime" if account.plexPass else None,
        "features": PASS_FEATURES if account.plexPass else FREE_FEATURES,
    }
    doc: dict[str, Any] = {
        "id": account.id,
        "uuid": account.uuid,
        "username": account.username or "",
        "title": account.title,
        "email": account.email or "",
        "friendlyName": account.friendlyName,
        "locale": None,
        "confirmed": account.emailVerified,
        "joinedAt": account.joinedAt,
        "emailOnlyAuth": False,
        "hasPassword": account.password is not None,
        "protected": account.homePin is not None,
        "thumb": account.thumb,
        "authToken": token or account.token,
        "mailingListStatus": "unsubscribed",
        "mailingListActive": False,
        "scrobbleTypes": "",
        "country": account.country,
        "subscription": subscription,
        "subscriptionDescription": "Lifetime Plex Pass" if account.plexPass else "",
        "restricted": account.restricted,
        "restrictionProfile": account.restrictionProfile,
        "anonymous": None,
        "home": home is not None,
        "guest": False,
        "homeSize": len(home.memberIds) if home else 1,
        "homeAdmin": home is not None and home.adminId == account.id,
        "maxHomeSize": MAX_HOME_SIZE,
        "rememberExpiresAt": int(state.now()) + 14 * 86_400,
        "profile": {
            "autoSelectAudio": True,
            "defaultAudioLanguage": "en",
            "defaultSubtitleLanguage": "en",
            "autoSelectSubtitle": 0,
            "defaultSubtitleAccessibility": 0,
            "defaultSubtitleForced": 0,
        },
        "entitlements": ENTITLEMENTS if account.plexPass else [],
        "roles": ["plexpass"] if account.plexPass else [],
        "services": [],
        "adsConsent": None,
        "adsConsentSetAt": None,
        "adsConsentReminderAt": None,
        "experimentalFeatures": False,
        "twoFactorEnabled": account.twoFactorCode is not None,
        "backupCodesCreated": account.twoFactorCode is not None,
    }
    if account.hashed_pin is not None:
        doc["pin"] = account.hashed_pin
    return doc


def account_user_xml(
    state: State, account: Account, token: str | None = None, extra: dict[str, Any] | None = None
) -> str:
    """The same document as plex.tv's XML: nested objects become the child elements it emits."""
    doc = account_user_json(state, account, token)
    sub = doc.pop("subscription")
    profile = doc.pop("profile")
    entitlements = doc.pop("entitlements")
    roles = doc.pop("roles")
    doc.pop("services")
    if doc.get("restrictionProfile") is None:
        doc.pop("restrictionProfile")
    doc.update(extra or {})
    features = sub.pop("features")
    if sub["subscribedAt"]:
        sub["subscribedAt"] = utc_words(account.joinedAt + 86_400)
    children = [
        element(
            "subscription",
            sub,
            [element("features", {}, [element("feature", {"id": f}) for f in features])],
        ),
        element("profile", profile),
        element("entitlements", {}, [element("entitlement", {"id": e}) for e in entitlements]),
        element("roles", {}, [element("role", {"id": r}) for r in roles]),
        "<subscriptions>\n</subscriptions>\n",
        "<services>\n</services>\n",
    ]
    return element("user", doc, children)


def person_json(state: State, account: Account, status: str | None = None) -> dict[str, Any]:
    """The short account object v2 sharing documents embed (`invited`, `owner`)."""
    doc: dict[str, Any] = {
        "id": account.id,
        "uuid": account.uuid,
        "title": account.title,
        "username": account.username,
        "restricted": account.restricted,
        "friendlyName": account.friendlyName or None,
        "thumb": account.thumb,
        "email": account.email,
        "home": state.home_of(account.id) is not None,
    }
    if status is not None:
        doc["status"] = status
    return doc


def settings_json(settings: SharingSettings) -> dict[str, Any]:
    return asdict(settings)


def share_json(state: State, share: Share, *, with_invited: bool = True) -> dict[str, Any]:
    """One shared_server object as the v2 endpoints return it."""
    server = state.servers[share.machineIdentifier]
    relation = state.relation_for_share(share)
    settings = relation.settings if relation else SharingSettings()
    section_ids = set(state.share_section_ids(share))
    doc: dict[str, Any] = {
        "id": share.id,
        "name": server.name,
        "ownerId": share.ownerId,
        "invitedId": share.userId,
        "invitedEmail": share.invitedEmail if share.userId is None else None,
        "serverId": server.serverId,
        "accepted": share.accepted,
        "acceptedAt": iso(share.acceptedAt) if share.accepted else None,
        "deletedAt": None,
        "leftAt": None,
        "owned": True,
        "inviteToken": share.inviteToken,
        "machineIdentifier": server.machineIdentifier,
        "lastSeenAt": iso(share.lastSeenAt or server.lastSeenAt) if share.accepted else None,
        "numLibraries": len(section_ids),
    }
    invitee = state.accounts.get(share.userId) if share.userId is not None else None
    if with_invited and invitee is not None:
        invited = person_json(state, invitee, "accepted" if share.accepted else "pending")
        invited["sharingSettings"] = settings_json(settings)
        doc["invited"] = invited
    doc["sharingSettings"] = settings_json(settings)
    doc["libraries"] = [
        {"id": s.id, "key": s.key, "title": s.title, "type": s.type}
        for s in server.sections
        if s.id in section_ids
    ]
    doc["allLibraries"] = share.allLibraries
    return doc


def settings_attrs(settings: SharingSettings) -> dict[str, Any]:
    return {
        "allowSync": settings.allowSync,
        "allowCameraUpload": settings.allowCameraUpload,
        "allowChannels": settings.allowChannels,
        "allowTuners": settings.allowTuners,
        "allowSubtitleAdmin": settings.allowSubtitleAdmin,
    }


def filter_attrs(settings: SharingSettings) -> dict[str, Any]:
    return {
        "filterAll": settings.filterAll or "",
        "filterMovies": settings.filterMovies or "",
        "filterMusic": settings.filterMusic or "",
        "filterPhotos": settings.filterPhotos or "",
        "filterTelevision": settings.filterTelevision or "",
    }


def shared_server_xml(
    state: State, share: Share, server: Server, settings: SharingSettings | None = None
) -> str:
    """A `<SharedServer>` with every section of the server marked shared="1|0".

    Bulk callers pass the person's `settings` so they need not search the relations per share.
    """
    invitee = state.accounts.get(share.userId) if share.userId is not None else None
    if settings is None:
        relation = state.relation_for_share(share)
        settings = relation.settings if relation else SharingSettings()
    shared = set(state.share_section_ids(share))
    values: dict[str, Any] = {
        "id": share.id,
        "username": (invitee.username or "") if invitee else "",
        "email": (invitee.email or "") if invitee else (share.invitedEmail or ""),
        "userID": share.userId if share.userId is not None else "",
        "accessToken": share.accessToken if share.accepted else "",
        "name": server.name,
        "acceptedAt": share.acceptedAt if share.accepted else "",
        "invitedAt": share.invitedAt,
        **settings_attrs(settings),
        "owned": False,
        "allLibraries": share.allLibraries,
        **filter_attrs(settings),
    }
    sections = [
        element(
            "Section",
            {"id": s.id, "key": s.key, "title": s.title, "type": s.type, "shared": s.id in shared},
        )
        for s in server.sections
    ]
    return element("SharedServer", values, sections)


def home_user_attrs(state: State, account: Account, admin_id: int) -> dict[str, Any]:
    """A `<User>` of `/api/home/users`: no preset means no `restrictionProfile` attribute."""
    values: dict[str, Any] = {
        "id": account.id,
        "uuid": account.uuid,
        "admin": account.id == admin_id,
        "guest": False,
        "restricted": account.restricted,
    }
    if account.restrictionProfile:
        values["restrictionProfile"] = account.restrictionProfile
    values.update(
        {
            # The captures show this one attribute as true/false rather than 1/0.
            "hasPassword": "true" if account.password is not None else "false",
            "protected": account.homePin is not None,
            "title": account.title,
            "username": account.username or "",
            "email": account.email or "",
            "thumb": account.thumb,
        }
    )
    return values


def home_user_json(account: Account, admin_id: int) -> dict[str, Any]:
    return {
        "id": account.id,
        "uuid": account.uuid,
        "title": account.title,
        "username": account.username,
        "email": account.email,
        "friendlyName": account.friendlyName or None,
        "thumb": account.thumb,
        "hasPassword": account.password is not None,
        "restricted": account.restricted,
        "restrictionProfile": account.restrictionProfile,
        "admin": account.id == admin_id,
        "guest": False,
        "protected": account.homePin is not None,
    }
