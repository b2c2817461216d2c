"""The invite tree (who brought whom in), offered to sharing's screens by an app above it.

Sharing does not know how people join: joins records every use of an invite link, and
registers a source here in its `AppConfig.ready()` (the way access profiles register as invite
presets). The People screen reads a page's inviters in one call, filters by inviter, and the
removal of a person asks what to do with the people they brought in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Inviter:
    """Who made the link a person first joined through."""

    name: str
    plex_id: int | None  # the inviter's plex.tv account, if they signed in with Plex
    person_id: int | None  # the inviter's People page, if they are one of the people


@dataclass(frozen=True)
class Source:
    # person plex id → their inviter, for the plex ids given, in one query.
    inviters: Callable[[Iterable[int]], dict[int, Inviter]]
    # The plex ids of the people whose inviter is this plex id.
    invitees: Callable[[int], list[int]]
    # (plex id, name) of everyone who brought someone in, for the People filter.
    choices: Callable[[], list[tuple[int, str]]]


_sources: list[Source] = []


def register(source: Source) -> None:
    if source not in _sources:
        _sources.append(source)


def inviters(plex_ids: Iterable[int]) -> dict[int, Inviter]:
    ids = list(plex_ids)
    found: dict[int, Inviter] = {}
    for source in _sources if ids else []:
        for plex_id, inviter in source.inviters(ids).items():
            found.setdefault(plex_id, inviter)
    return found


def invitees(plex_id: int) -> list[int]:
    return sorted({i for source in _sources for i in source.invitees(plex_id)})


def choices() -> list[tuple[int, str]]:
    seen: dict[int, str] = {}
    for source in _sources:
        for plex_id, name in source.choices():
            seen.setdefault(plex_id, name)
    return sorted(seen.items(), key=lambda item: item[1].lower())
