"""What a share grants, in one place: the field names, and every conversion between shapes.

A share's access travels in a few shapes: plex.tv's `ShareSettings`, the model's columns, the
JSON kept as `Share.desired`, an operation's params and the edit form's data. The conversions
between them live here, so a new field or a new screen changes one module.

Two shapes matter:

* the *state* (`AccessState`): every setting as plex.tv holds it (filters as plex.tv's strings,
  byte for byte) plus the libraries. `Share.desired`, drift and the sync compare states.
* the *access* (a plain dict): what an admin edits, the flags and the typed filter editor's
  three lists per media type. Forms produce it, operation params carry it, handlers merge it
  into plex.tv's current settings (`merge_into`), so what the editor does not show is kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plextv.filters import Filters, ShareSettings

if TYPE_CHECKING:
    from sharing.models import Share

# Every setting plex.tv keeps per share, as the model stores them.
SETTING_FIELDS = (
    "allow_sync",
    "allow_camera_upload",
    "allow_channels",
    "allow_subtitle_admin",
    "allow_tuners",
    "filter_movies",
    "filter_television",
    "filter_music",
    "filter_photos",
    "filter_all",
)
# What `desired` and drift compare: the settings plus the set of libraries.
STATE_FIELDS = ("all_libraries", "libraries", *SETTING_FIELDS)

# The flags an admin edits.
FLAG_FIELDS = ("allow_sync", "allow_camera_upload", "allow_channels", "allow_tuners")
# The typed filter editor covers these three media types; photo and "all" filters, excluded
# ratings and clauses plexadmin does not understand are never shown, so never touched.
FILTER_FIELDS = ("filter_movies", "filter_television", "filter_music")
FILTER_PARTS = ("content_ratings", "labels", "excluded_labels")


def filter_parts(text: str | None) -> dict[str, list[str]]:
    """The editor's three lists of plex.tv's filter string."""
    parsed = Filters.parse(text)
    return {part: list(getattr(parsed, part)) for part in FILTER_PARTS}


def merge_filter(current: Filters | None, parts: Mapping[str, list[str]]) -> Filters | None:
    """The editor's three lists written into plex.tv's filter, keeping everything else in it."""
    if current is None and not any(parts.values()):
        return None
    base = current or Filters()
    return dataclasses.replace(
        base,
        content_ratings=tuple(parts.get("content_ratings", ())),
        labels=tuple(parts.get("labels", ())),
        excluded_labels=tuple(parts.get("excluded_labels", ())),
    )


def settings_values(settings: ShareSettings) -> dict[str, Any]:
    """plex.tv's settings as the model's columns (filters as plex.tv's strings)."""
    return {
        "allow_sync": settings.allow_sync,
        "allow_camera_upload": settings.allow_camera_upload,
        "allow_channels": settings.allow_channels,
        "allow_subtitle_admin": settings.allow_subtitle_admin,
        "allow_tuners": settings.allow_tuners,
        "filter_movies": _filter_text(settings.filter_movies),
        "filter_television": _filter_text(settings.filter_television),
        "filter_music": _filter_text(settings.filter_music),
        "filter_photos": _filter_text(settings.filter_photos),
        "filter_all": _filter_text(settings.filter_all),
    }


def _filter_text(value: Filters | None) -> str | None:
    return None if value is None else value.to_plex()


# --- the access an admin edits -------------------------------------------------------------


def access_from_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """The access of a form's cleaned data: the flags and each filter's three lists."""
    access: dict[str, Any] = {name: data[name] for name in FLAG_FIELDS}
    for name in FILTER_FIELDS:
        access[name] = {part: list(data.get(f"{name}__{part}") or []) for part in FILTER_PARTS}
    return access


def access_of_share(share: Share) -> dict[str, Any]:
    """The access the edit form shows for `share`, in the shape `access_from_form` returns."""
    access: dict[str, Any] = {name: getattr(share, name) for name in FLAG_FIELDS}
    for name in FILTER_FIELDS:
        access[name] = filter_parts(getattr(share, name))
    return access


def settings_from_access(access: Mapping[str, Any]) -> ShareSettings:
    """The settings of a new share from an operation's access params (as `access_from_form`
    made them, or as `access_of_settings` read them from plex.tv)."""
    return ShareSettings(
        allow_sync=bool(access.get("allow_sync")),
        allow_camera_upload=bool(access.get("allow_camera_upload")),
        allow_channels=bool(access.get("allow_channels")),
        allow_tuners=int(access.get("allow_tuners") or 0),
        filter_movies=merge_filter(Filters(), access.get("filter_movies", {})),
        filter_television=merge_filter(Filters(), access.get("filter_television", {})),
        filter_music=merge_filter(Filters(), access.get("filter_music", {})),
    )


def access_of_settings(settings: ShareSettings) -> tuple[dict[str, Any], dict[str, str | None]]:
    """plex.tv's settings as params to send again: the flags, and each edited filter whole
    (every clause of it, so sending it again keeps what the editor does not show)."""
    access = {name: getattr(settings, name) for name in FLAG_FIELDS}
    filters = {name: _filter_text(getattr(settings, name)) for name in FILTER_FIELDS}
    return access, filters


def merge_into(current: ShareSettings, changes: Mapping[str, Any]) -> ShareSettings:
    """plex.tv's current settings with only the fields the admin changed replaced.

    A filter change is either the editor's three lists (merged into plex.tv's filter, keeping
    the clauses the editor does not show) or a whole filter string, written as it is: "re-apply
    ours" after drift restores the filter the dashboard asked for, every clause of it.
    """
    values: dict[str, Any] = {name: changes[name] for name in FLAG_FIELDS if name in changes}
    for name in FILTER_FIELDS:
        if name not in changes:
            continue
        change = changes[name]
        if isinstance(change, dict):
            values[name] = merge_filter(getattr(current, name), change)
        else:
            values[name] = None if change is None else Filters.parse(change)
    return dataclasses.replace(current, **values)


# --- the state desired and drift compare ----------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """One field where plex.tv's value differs from what the dashboard last asked for."""

    field: str
    desired: Any
    observed: Any


@dataclass(frozen=True)
class AccessState:
    """Everything a share grants, comparable: its settings as columns, and its libraries
    (plex.tv's global section ids)."""

    settings: Mapping[str, Any]
    all_libraries: bool
    libraries: tuple[int, ...]

    @classmethod
    def from_share(cls, share: Share, library_ids: list[int] | None = None) -> AccessState:
        """`library_ids` (global ids) saves a query when already known."""
        if library_ids is None:
            library_ids = list(share.libraries.values_list("global_id", flat=True))
        columns = {name: getattr(share, name) for name in SETTING_FIELDS}
        return cls.from_row(columns, share.all_libraries, library_ids)

    @classmethod
    def from_row(
        cls, columns: Mapping[str, Any], all_libraries: bool, library_ids: Iterable[int]
    ) -> AccessState:
        """A state from the model's columns (a row of `QuerySet.values()` will do)."""
        settings = {name: columns[name] for name in SETTING_FIELDS}
        return cls(settings, bool(all_libraries), tuple(sorted(library_ids)))

    def to_params(self) -> dict[str, Any]:
        """The JSON shape `Share.desired` stores."""
        return {
            **self.settings,
            "all_libraries": self.all_libraries,
            "libraries": list(self.libraries),
        }

    def diff(self, other: Mapping[str, Any] | AccessState) -> dict[str, tuple[Any, Any]]:
        """Field → (this value, the other's) where they differ, for the fields `other` has
        (a `desired` saved before a field existed says nothing about it)."""
        mine = self.to_params()
        theirs = other.to_params() if isinstance(other, AccessState) else other
        return {
            name: (value, theirs[name])
            for name, value in mine.items()
            if name in theirs and theirs[name] != value
        }

    def drift(self, desired: Mapping[str, Any] | None) -> list[Drift]:
        """Where this (observed) state differs from `desired`, in `STATE_FIELDS` order."""
        if not desired:
            return []
        differences = self.diff(desired)
        return [
            Drift(field=name, desired=desired[name], observed=differences[name][0])
            for name in STATE_FIELDS
            if name in differences
        ]
