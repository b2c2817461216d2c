"""Words for the audit trail: action codes, target kinds and each recorded change.

The trail stores changes as the code wrote them (`{"field", "before", "after"}` with plex.tv's
values: library ids, booleans, filter strings or the editor's filter parts). They are put into
words here, when shown or exported, so every line reads the same whoever wrote it and whenever.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from plextv.filters import Filters
from sharing.models import Library, PlexUser
from sharing.restriction_profiles import profile_label

register = template.Library()

ACTION_LABELS = {
    "account.remove_device": "Removed a device",
    "account.view_state_sync": "Changed view-state sync",
    "drift.adopt": "Kept plex.tv's value",
    "drift.reapply": "Re-applied the dashboard's value",
    "friend.invite": "Invited a friend",
    "friend.remove": "Removed a friend",
    "home.create_managed": "Created a managed user",
    "home.invite": "Invited into Home",
    "home.invite_cancel": "Cancelled a Home invite",
    "home.remove": "Removed from Home",
    "home.set_pin": "Changed a Home PIN",
    "home.set_profile": "Changed a restriction profile",
    "home.switch": "Switched to a Home member",
    "home_invite.found": "Home invite found on plex.tv",
    "home_invite.gone": "Home invite gone from plex.tv",
    "invite.cancel": "Cancelled an invite",
    "invite.found": "Invite found on plex.tv",
    "invite.gone": "Invite gone from plex.tv",
    "invite.resend": "Resent an invite",
    "person.back": "Back on plex.tv",
    "person.changed": "Changed on plex.tv",
    "person.found": "New on plex.tv",
    "person.missing": "Missing from plex.tv",
    "person.pruned": "Removed after confirmation",
    "person.removed": "Removed",
    "role.ended": "Role ended: left the household",
    "role.granted": "Made co-admin",
    "role.member": "Signed in as a member",
    "role.owner": "Became the owner",
    "role.revoked": "Co-admin role taken back",
    "server.found": "Server found",
    "share.drift": "Share changed on plex.tv",
    "share.edit": "Edited a share",
    "share.expired": "Access expired",
    "share.found": "Share found on plex.tv",
    "share.removed": "Share gone from plex.tv",
    "share.stop": "Stopped sharing a server",
}

TARGET_LABELS = {
    "account": "Plex account",
    "device": "Device",
    "home": "Plex Home",
    "invite": "Invite",
    "plexuser": "Person",
    "server": "Server",
    "share": "Share",
}

FIELD_LABELS = {
    "all_libraries": "All libraries",
    "allow_camera_upload": "Camera upload",
    "allow_channels": "Channels",
    "allow_subtitle_admin": "Subtitle admin",
    "allow_sync": "Downloads",
    "allow_tuners": "Live TV tuners",
    "detail": "Detail",
    "device": "Device",
    "email": "E-mail",
    "expires_at": "Access until",
    "filter_all": "Filter for all",
    "filter_movies": "Movie filter",
    "filter_music": "Music filter",
    "filter_photos": "Photo filter",
    "filter_television": "TV filter",
    "home": "Plex Home",
    "kind": "Kind",
    "libraries": "Libraries",
    "missing_since": "Missing from plex.tv since",
    "pin": "PIN",
    "protected": "PIN",
    "restriction_profile": "Restriction profile",
    "servers": "Servers",
    "title": "Name",
    "username": "Username",
    "view_state_sync": "View-state sync",
}

NOTHING = "—"
TUNERS = {0: "No Live TV", 1: "Live TV", 2: "Live TV and DVR"}
KINDS = dict(PlexUser.KINDS)


@register.filter
def action_label(code: str) -> str:
    """The sentence for an action code; an unknown code reads as its words."""
    return ACTION_LABELS.get(code) or _words(code)


@register.filter
def target_label(code: str) -> str:
    return TARGET_LABELS.get(code) or _words(code)


def _words(code: str) -> str:
    return code.replace(".", " ").replace("_", " ").capitalize()


@dataclass(frozen=True)
class ChangeInWords:
    field: str  # the stored field name, for the title of the line
    label: str
    before: str
    after: str


def library_titles() -> dict[int, str]:
    """plex.tv's global library id → the library's title (one query for a whole page)."""
    return dict(Library.objects.values_list("global_id", "title"))


def change_in_words(change: Mapping[str, Any], titles: Mapping[int, str]) -> ChangeInWords:
    name = str(change.get("field") or "")
    shown = _SHOWN.get(name) or (_filter if name.startswith("filter_") else _plain)
    return ChangeInWords(
        field=name,
        label=FIELD_LABELS.get(name) or _words(name) or "Change",
        before=shown(change.get("before"), titles),
        after=shown(change.get("after"), titles),
    )


def changes_in_words(changes: object, titles: Mapping[int, str]) -> list[ChangeInWords]:
    if not isinstance(changes, list):
        return []
    return [change_in_words(c, titles) for c in changes if isinstance(c, Mapping)]


def _plain(value: Any, titles: Mapping[int, str] | None = None) -> str:
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value) if value else "none"
    if isinstance(value, Mapping):
        return "; ".join(f"{_words(str(k))}: {_plain(v)}" for k, v in value.items()) or "none"
    return str(value)


def _libraries(value: Any, titles: Mapping[int, str]) -> str:
    if value is None:
        return NOTHING
    if not isinstance(value, list | tuple):
        return _plain(value)
    names = []
    for item in value:
        try:
            names.append(titles.get(int(item)) or f"library {item} (no longer on the server)")
        except (TypeError, ValueError):
            names.append(str(item))
    return ", ".join(sorted(names, key=str.casefold)) if names else "none"


def _allowed(value: Any, titles: Mapping[int, str]) -> str:
    if isinstance(value, bool):
        return "allowed" if value else "not allowed"
    return _plain(value)


def _tuners(value: Any, titles: Mapping[int, str]) -> str:
    try:
        return TUNERS[int(value)]
    except (KeyError, TypeError, ValueError):
        return _plain(value)


def _filter(value: Any, titles: Mapping[int, str]) -> str:
    """A filter as plex.tv's string ("label!=Horror") or as the editor's parts, in words."""
    if value is None:
        return "no filter"
    if isinstance(value, Mapping):
        parts: dict[str, Any] = dict(value)
    elif isinstance(value, str):
        try:
            parsed = Filters.parse(value)
        except ValueError:
            return value
        parts = {
            "content_ratings": parsed.content_ratings,
            "excluded_content_ratings": parsed.excluded_content_ratings,
            "labels": parsed.labels,
            "excluded_labels": parsed.excluded_labels,
            "other": parsed.other,
        }
    else:
        return _plain(value)
    said = []
    if parts.get("content_ratings"):
        said.append("only rated " + " or ".join(map(str, parts["content_ratings"])))
    if parts.get("excluded_content_ratings"):
        said.append("not rated " + " or ".join(map(str, parts["excluded_content_ratings"])))
    if parts.get("labels"):
        said.append("only labelled " + " or ".join(map(str, parts["labels"])))
    if parts.get("excluded_labels"):
        said.append("not labelled " + " or ".join(map(str, parts["excluded_labels"])))
    if parts.get("other"):
        said.append("other rules: " + ", ".join(map(str, parts["other"])))
    return "; ".join(said) if said else "no filter"


def _home(value: Any, titles: Mapping[int, str]) -> str:
    if isinstance(value, bool):
        return "in the Home" if value else "not in the Home"
    if value == "invited":
        return "invited into the Home"
    if value is None:
        return "no Home invitation"
    return _plain(value)


def _pin(value: Any, titles: Mapping[int, str]) -> str:
    if isinstance(value, bool):
        value = "set" if value else "none"
    return {"set": "PIN set", "none": "no PIN"}.get(str(value), _plain(value))


def _moment(value: Any, titles: Mapping[int, str]) -> str:
    moment: datetime | date | None = value if isinstance(value, date) else None
    if isinstance(value, str):
        try:
            moment = parse_datetime(value) or parse_date(value)
        except ValueError:
            moment = None
    if moment is None:
        return _plain(value)
    if not isinstance(moment, datetime):
        return moment.isoformat()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def _kind(value: Any, titles: Mapping[int, str]) -> str:
    return KINDS.get(value, _plain(value)) if isinstance(value, str) else _plain(value)


def _profile(value: Any, titles: Mapping[int, str]) -> str:
    return profile_label(value) if isinstance(value, str) else _plain(value)


def _on_off(value: Any, titles: Mapping[int, str]) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return _plain(value)


_SHOWN: dict[str, Callable[[Any, Mapping[int, str]], str]] = {
    "libraries": _libraries,
    "allow_sync": _allowed,
    "allow_camera_upload": _allowed,
    "allow_channels": _allowed,
    "allow_subtitle_admin": _allowed,
    "allow_tuners": _tuners,
    "home": _home,
    "pin": _pin,
    "protected": _pin,
    "expires_at": _moment,
    "missing_since": _moment,
    "kind": _kind,
    "restriction_profile": _profile,
    "view_state_sync": _on_off,
}
