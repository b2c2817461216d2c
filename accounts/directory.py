"""Who is in the household and what they can see, as last read from plex.tv by the sync.

accounts needs these answers (sign-in decides a person's role; "Your access" shows a member
what is shared with them), and so does notify (a member's e-mail, a run of failed syncs), but
the synced picture belongs to the sharing app, which neither imports. So accounts states the
questions here, sharing registers the object that answers them from its tables when it starts
(`register`), and until then every answer is "unknown": sign-in then asks plex.tv itself, and
"Your access" says nothing has been read yet.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from plextv.filters import Filters


class Standing(enum.StrEnum):
    IN = "in"  # plex.tv listed them at the last sync
    GONE = "gone"  # removed here, or confirmed gone from plex.tv
    UNKNOWN = "unknown"  # never seen, or missing from plex.tv's last answers but not confirmed


@dataclass(frozen=True)
class ServerAccess:
    """One server shared with a person, as the sync last stored it."""

    server_name: str
    pending: bool = False
    all_libraries: bool = False
    libraries: tuple[str, ...] = ()
    allow_sync: bool = False
    allow_camera_upload: bool = False
    allow_tuners: int = 0
    # plex.tv's filter strings per media type: movies, television, music, photos, all.
    filters: dict[str, str | None] = field(default_factory=dict)
    expires_at: datetime | None = None

    @property
    def restrictions(self) -> list[str]:
        """The content filters in words, one sentence per media type that has any."""
        sentences = []
        for media, label in MEDIA_WORDS:
            words = describe_filter(self.filters.get(media))
            if words:
                sentences.append(f"{label}: {words}.")
        return sentences


@dataclass(frozen=True)
class MemberAccess:
    standing: Standing
    servers: tuple[ServerAccess, ...] = ()
    restriction_profile: str = ""
    read_at: datetime | None = None  # when the sync last read the household

    @property
    def restriction_profile_words(self) -> str:
        return PROFILE_WORDS.get(self.restriction_profile, self.restriction_profile)


class Directory(Protocol):
    def standing(self, plex_id: int) -> Standing: ...

    def access(self, plex_id: int) -> MemberAccess: ...

    def email(self, person_id: int) -> str:
        """The e-mail plex.tv gives for a synced person (by the id events carry), or ""."""
        ...

    def failed_syncs_in_a_row(self, at_most: int) -> int:
        """How many of the latest finished syncs failed one after another (up to at_most)."""
        ...


class _NothingRead:
    def standing(self, plex_id: int) -> Standing:
        return Standing.UNKNOWN

    def access(self, plex_id: int) -> MemberAccess:
        return MemberAccess(Standing.UNKNOWN)

    def email(self, person_id: int) -> str:
        return ""

    def failed_syncs_in_a_row(self, at_most: int) -> int:
        return 0


_directory: Directory = _NothingRead()


def register(directory: Directory) -> None:
    global _directory
    _directory = directory


def current() -> Directory:
    return _directory


MEDIA_WORDS = (
    ("movies", "Movies"),
    ("television", "TV shows"),
    ("music", "Music"),
    ("photos", "Photos"),
    ("all", "Everything"),
)
PROFILE_WORDS = {"little_kid": "Younger Kid", "older_kid": "Older Kid", "teen": "Teen"}


def describe_filter(text: str | None) -> str:
    """plex.tv's filter string in words ("only rated G or PG; nothing labelled Horror")."""
    try:
        parsed = Filters.parse(text)
    except ValueError:
        return "restricted in a way Plex sets (see Plex)"
    parts = []
    if parsed.content_ratings:
        parts.append(f"only rated {_either(parsed.content_ratings)}")
    if parsed.excluded_content_ratings:
        parts.append(f"nothing rated {_either(parsed.excluded_content_ratings)}")
    if parsed.labels:
        parts.append(f"only items labelled {_either(parsed.labels)}")
    if parsed.excluded_labels:
        parts.append(f"nothing labelled {_either(parsed.excluded_labels)}")
    if parsed.other:
        parts.append("further restrictions set in Plex")
    return "; ".join(parts)


def _either(values: tuple[str, ...]) -> str:
    if len(values) == 1:
        return values[0]
    return ", ".join(values[:-1]) + " or " + values[-1]
