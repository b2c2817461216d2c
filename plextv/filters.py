"""Share filters and share settings as typed values.

plex.tv stores a share's content restrictions per media type as a filter string such as
``contentRating=G%2CPG|label!=Horror``: clauses joined by ``|`` (``&`` also appears in
captures), values joined by an encoded comma. Captured strings use ``+`` and ``%20`` for
spaces interchangeably, so a string we did not change is sent back exactly as plex.tv gave it
(`Filters.to_plex` re-checks that the typed values still match the text it was parsed from);
a changed or new filter is written in one canonical form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote_plus

_CLAUSE_SPLIT = re.compile(r"[|&]")
_KEYS = {
    "contentRating": "content_ratings",
    "contentRating!": "excluded_content_ratings",
    "label": "labels",
    "label!": "excluded_labels",
}


@dataclass(frozen=True)
class Filters:
    """The restrictions of one media type of a share.

    `content_ratings` is the allow-list (only these ratings are visible), `labels` the labels
    an item must carry, `excluded_labels` the labels that hide an item. Clauses with keys this
    client does not know are kept verbatim in `other` so they survive an edit.
    """

    content_ratings: tuple[str, ...] = ()
    excluded_content_ratings: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    excluded_labels: tuple[str, ...] = ()
    other: tuple[str, ...] = ()
    raw: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # plex.tv separates values with a comma and has no escape for one inside a value.
        for name in _KEYS.values():
            for item in getattr(self, name):
                if not item or "," in item:
                    raise ValueError(f"A filter value cannot be empty or contain a comma: {item!r}")

    @classmethod
    def parse(cls, text: str | None) -> Filters:
        """Parse plex.tv's filter string; an empty string (or None) means no filter."""
        if cls is Filters:
            # A household repeats a few filter strings thousands of times, and `to_plex`
            # re-parses its text: each distinct string is parsed once (Filters is frozen).
            return _parse_filters(text)
        return cls._parse(text)

    @classmethod
    def _parse(cls, text: str | None) -> Filters:
        if not text:
            return cls(raw=text)
        values: dict[str, list[str]] = {name: [] for name in _KEYS.values()}
        other: list[str] = []
        for clause in _CLAUSE_SPLIT.split(text):
            if not clause:
                continue
            key, sep, encoded = clause.partition("=")
            name = _KEYS.get(key) if sep else None
            if name is None:
                other.append(clause)
                continue
            values[name].extend(
                unquote_plus(part) for part in re.split("%2C|,", encoded, flags=re.I) if part
            )
        return cls(**{k: tuple(v) for k, v in values.items()}, other=tuple(other), raw=text)

    @property
    def is_empty(self) -> bool:
        return not (
            self.content_ratings
            or self.excluded_content_ratings
            or self.labels
            or self.excluded_labels
            or self.other
        )

    def to_plex(self) -> str:
        """plex.tv's filter string; exactly the parsed text when nothing was changed."""
        if self.raw is not None and Filters.parse(self.raw) == self:
            return self.raw
        clauses = []
        for key, name in _KEYS.items():
            items: tuple[str, ...] = getattr(self, name)
            if items:
                clauses.append(key + "=" + "%2C".join(quote(item, safe="") for item in items))
        clauses.extend(self.other)
        return "|".join(clauses)


@lru_cache(maxsize=1024)
def _parse_filters(text: str | None) -> Filters:
    return Filters._parse(text)


@dataclass(frozen=True)
class ShareSettings:
    """What a person may do with a shared server.

    `allow_tuners`: 0 no Live TV, 1 Live TV, 2 Live TV and DVR. A filter of None means
    plex.tv holds no value for it (it sends null), which is kept as null.
    """

    allow_sync: bool = False
    allow_camera_upload: bool = False
    allow_channels: bool = False
    allow_subtitle_admin: bool = False
    allow_tuners: int = 0
    filter_movies: Filters | None = field(default_factory=Filters)
    filter_television: Filters | None = field(default_factory=Filters)
    filter_music: Filters | None = field(default_factory=Filters)
    filter_photos: Filters | None = None
    filter_all: Filters | None = None

    def to_v2(self) -> dict[str, Any]:
        """The `settings` object of the v2 sharing endpoints."""
        return {
            "allowSync": self.allow_sync,
            "allowCameraUpload": self.allow_camera_upload,
            "allowChannels": self.allow_channels,
            "allowSubtitleAdmin": self.allow_subtitle_admin,
            "allowTuners": self.allow_tuners,
            "filterMovies": _filter_out(self.filter_movies),
            "filterTelevision": _filter_out(self.filter_television),
            "filterMusic": _filter_out(self.filter_music),
            "filterPhotos": _filter_out(self.filter_photos),
            "filterAll": _filter_out(self.filter_all),
        }

    def to_v1(self) -> dict[str, str]:
        """The `sharing_settings` object of the v1 share creation endpoint (flags as "0"/"1")."""
        return {
            "allowSync": _flag(self.allow_sync),
            "allowCameraUpload": _flag(self.allow_camera_upload),
            "allowChannels": _flag(self.allow_channels),
            "filterMovies": _filter_out(self.filter_movies) or "",
            "filterTelevision": _filter_out(self.filter_television) or "",
            "filterMusic": _filter_out(self.filter_music) or "",
        }

    @property
    def beyond_v1(self) -> bool:
        """True when a setting cannot be expressed in the v1 `sharing_settings` object."""
        return bool(
            self.allow_subtitle_admin
            or self.allow_tuners
            or (self.filter_photos is not None and not self.filter_photos.is_empty)
            or (self.filter_all is not None and not self.filter_all.is_empty)
        )


def _filter_out(value: Filters | None) -> str | None:
    return None if value is None else value.to_plex()


def _flag(value: bool) -> str:
    return "1" if value else "0"
