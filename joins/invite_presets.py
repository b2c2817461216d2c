"""Access profiles as starting points of the invite form (see `sharing.invite_presets`).

A profile holds permissions per server; the invite form has one set for every server it
shares. When a profile's servers differ, the form starts from the strictest of them (fewer
permissions, tighter filters) and says so: a starting point never hands out more than the
profile gives on any server. The admin can change anything before sending.
"""

from __future__ import annotations

from typing import Any

from joins import grants
from joins.models import AccessProfile
from sharing.invite_presets import Preset, Source, register

FLAGS = ("allow_sync", "allow_camera_upload", "allow_channels")


def _choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in AccessProfile.objects.values_list("pk", "name")]


def _ratings(lists: list[list[str]]) -> list[str]:
    """The strictest "only these ratings": what every restricting server allows."""
    restricting = [set(ratings) for ratings in lists if ratings]
    if not restricting:
        return []
    allowed = set.intersection(*restricting)
    return [r for r in dict.fromkeys(r for ratings in lists for r in ratings) if r in allowed]


def initial_of(profile: AccessProfile) -> Preset:
    """The invite form's initial values for `profile`."""
    entries = grants.entries(profile.grants)
    accesses = [entry.get("access") or {} for entry in entries]
    initial: dict[str, Any] = {
        "libraries": sorted(grants.library_ids(profile.grants)),
        "allow_tuners": str(min((int(a.get("allow_tuners") or 0) for a in accesses), default=0)),
    }
    for flag in FLAGS:
        initial[flag] = bool(accesses) and all(bool(a.get(flag)) for a in accesses)
    for key in grants.FILTER_KEYS:
        parts = [a.get(key) or {} for a in accesses]
        initial[f"{key}__content_ratings"] = _ratings(
            [list(p.get("content_ratings") or []) for p in parts]
        )
        hidden = dict.fromkeys(label for p in parts for label in p.get("excluded_labels") or [])
        initial[f"{key}__excluded_labels"] = ", ".join(hidden)
    if profile.default_access_days:
        initial["access_days"] = str(profile.default_access_days)
    notes = [f"Started from the profile “{profile.name}”: check everything before sending."]
    if len({repr(sorted(a.items())) for a in accesses}) > 1:
        notes.append(
            "This profile gives different permissions or filters per server; an invite gives "
            "one set for all, so the form starts from the strictest of them."
        )
    return Preset(initial=initial, notes=notes)


def _preset(value: str) -> Preset | None:
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        return None
    profile = AccessProfile.objects.filter(pk=int(value)).first()
    return None if profile is None else initial_of(profile)


SOURCE = Source(choices=_choices, preset=_preset)


def connect() -> None:
    register(SOURCE)
