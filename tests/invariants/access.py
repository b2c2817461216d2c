"""What a share grants, read from plexsim, and the two comparisons of "never more than asked".

A grant is compared field by field: libraries as sets (and "every library", which also covers
libraries added later), flags and the tuner level as numbers, filters by what they let
through. Filters are evaluated here, independently of plextv's parser, over every item of a
small universe (each content rating with each combination of labels); clauses this model does
not know (`year>=1990`) cannot be evaluated, so a filter is only "as strict" as another when
it keeps every such clause of the other, and only "as loose" when it adds none.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote_plus

from sharing.forms import MOVIE_RATINGS, TV_RATINGS

OWNER_ID = 1001001
RATINGS = (*MOVIE_RATINGS, *TV_RATINGS, "Unrated")
LABELS = ("Horror", "Kids", "Family", "4K")
OPAQUE = "year>=1990"
FLAGS = ("allowSync", "allowCameraUpload", "allowChannels", "allowSubtitleAdmin", "allowTuners")
FILTERS = ("filterMovies", "filterTelevision", "filterMusic", "filterPhotos", "filterAll")
# The person form edits the allow-list of ratings and the two label lists of these three.
FORM_FILTERS = {
    "filterMovies": "filter_movies",
    "filterTelevision": "filter_television",
    "filterMusic": "filter_music",
}
FORM_FLAGS = {
    "allowSync": "allow_sync",
    "allowCameraUpload": "allow_camera_upload",
    "allowChannels": "allow_channels",
    "allowTuners": "allow_tuners",
}

Item = tuple[str, frozenset[str]]
UNIVERSE: tuple[Item, ...] = tuple(
    (rating, frozenset(labels))
    for rating in RATINGS
    for size in range(len(LABELS) + 1)
    for labels in itertools.combinations(LABELS, size)
)


# --- filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    key: str  # contentRating | label | anything else (opaque)
    negated: bool
    values: frozenset[str]
    text: str

    def admits(self, item: Item) -> bool:
        rating, labels = item
        if self.key == "contentRating":
            hit = rating in self.values
        elif self.key == "label":
            hit = bool(labels & self.values)
        else:
            raise ValueError("an opaque clause cannot be evaluated")
        return not hit if self.negated else hit


def clauses(text: str | None) -> list[Clause]:
    found = []
    for part in re.split(r"[|&]", text or ""):
        if not part:
            continue
        match = re.fullmatch(r"(contentRating|label)(!?)=(.*)", part)
        if match is None:
            found.append(Clause(part, False, frozenset(), part))
            continue
        values = frozenset(unquote_plus(v) for v in re.split("%2C|,", match[3], flags=re.I) if v)
        found.append(Clause(match[1], bool(match[2]), values, part))
    return found


def _known(text: str | None) -> tuple[frozenset[Item], frozenset[str]]:
    """The items a filter lets through (known clauses only) and its opaque clauses."""
    known = [c for c in clauses(text) if c.key in ("contentRating", "label")]
    opaque = frozenset(c.text for c in clauses(text) if c.key not in ("contentRating", "label"))
    admitted = frozenset(item for item in UNIVERSE if all(c.admits(item) for c in known))
    return admitted, opaque


def looser(text: str | None, limit: str | None) -> list[str]:
    """How `text` lets through more than `limit` (empty when it does not)."""
    admitted, opaque = _known(text)
    allowed, required = _known(limit)
    problems = []
    extra = sorted(admitted - allowed, key=repr)
    if extra:
        rating, labels = extra[0]
        problems.append(f"lets through {rating} items labelled {sorted(labels) or 'nothing'}")
    for clause in sorted(required - opaque):
        problems.append(f"dropped {clause}")
    return problems


def stricter(text: str | None, floor: str | None) -> list[str]:
    """How `text` lets through less than `floor` (empty when it does not)."""
    admitted, opaque = _known(text)
    allowed, kept = _known(floor)
    problems = []
    missing = sorted(allowed - admitted, key=repr)
    if missing:
        rating, labels = missing[0]
        problems.append(f"hides {rating} items labelled {sorted(labels) or 'nothing'}")
    for clause in sorted(opaque - kept):
        problems.append(f"added {clause}")
    return problems


def filter_text(
    allow: Iterable[str] = (),
    deny: Iterable[str] = (),
    need: Iterable[str] = (),
    hide: Iterable[str] = (),
    opaque: bool = False,
) -> str:
    """A filter string in plex.tv's form from its parts (sorted, so equal parts read equal)."""
    parts = []
    for key, values in (
        ("contentRating=", allow),
        ("contentRating!=", deny),
        ("label=", need),
        ("label!=", hide),
    ):
        chosen = sorted(values)
        if chosen:
            parts.append(key + "%2C".join(chosen))
    if opaque:
        parts.append(OPAQUE)
    return "|".join(parts)


def hidden_parts(text: str | None) -> list[str]:
    """The clauses of a filter the person form does not show (so never changes)."""
    return [
        c.text
        for c in clauses(text)
        if c.key not in ("contentRating", "label") or (c.key == "contentRating" and c.negated)
    ]


def form_filter(
    held: str | None, allow: Iterable[str], need: Iterable[str], hide: Iterable[str]
) -> str:
    """What the person form asks for: its three lists, with what it does not show kept."""
    shown = filter_text(allow=allow, need=need, hide=hide)
    return "|".join([p for p in [shown, *hidden_parts(held)] if p])


# --- grants ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """What one share grants: its libraries and the person's flags and filters."""

    libraries: frozenset[int]
    everything: bool = False
    flags: Mapping[str, int] = field(default_factory=dict)
    filters: Mapping[str, str | None] = field(default_factory=dict)

    def with_libraries(self, libraries: Iterable[int]) -> Access:
        """These libraries; "every library" stays only if they are the same ones."""
        chosen = frozenset(libraries)
        return replace(
            self, libraries=chosen, everything=self.everything and chosen == self.libraries
        )

    def with_settings(self, **values: Any) -> Access:
        flags = dict(self.flags)
        filters = dict(self.filters)
        for key, value in values.items():
            if key in FLAGS:
                flags[key] = int(value)
            else:
                filters[key] = value
        return replace(self, flags=flags, filters=filters)


def more_than(after: Access, limit: Access, *, filters: bool = True) -> list[str]:
    """Everything `after` grants beyond `limit`: an extra library, a wider flag, a looser filter
    (filters left out with `filters=False`)."""
    problems = [f"library {gid}" for gid in sorted(after.libraries - limit.libraries)]
    if after.everything and not limit.everything:
        problems.append("every library, also those added later (allLibraries)")
    for name in FLAGS:
        if after.flags.get(name, 0) > limit.flags.get(name, 0):
            problems.append(f"{name} {limit.flags.get(name, 0)} → {after.flags.get(name, 0)}")
    for name in FILTERS if filters else ():
        problems += [
            f"{name}: {p}" for p in looser(after.filters.get(name), limit.filters.get(name))
        ]
    return problems


def less_than(after: Access | None, floor: Access, *, filters: bool = True) -> list[str]:
    """Everything `floor` grants that `after` does not: what was narrowed.

    "Every library" turning into the same libraries listed one by one is not counted: any edit
    through plex.tv's v2 call lists them, and the only way to keep "every library" would be
    the empty list this product never sends.
    """
    if after is None:
        return ["the share is gone"]
    problems = [f"library {gid}" for gid in sorted(floor.libraries - after.libraries)]
    for name in FLAGS:
        if after.flags.get(name, 0) < floor.flags.get(name, 0):
            problems.append(f"{name} {floor.flags.get(name, 0)} → {after.flags.get(name, 0)}")
    for name in FILTERS if filters else ():
        problems += [
            f"{name}: {p}" for p in stricter(after.filters.get(name), floor.filters.get(name))
        ]
    return problems


def join(a: Access, b: Access) -> Access:
    """The least grant that covers both (for filters: the looser where they differ)."""
    flags = {n: max(a.flags.get(n, 0), b.flags.get(n, 0)) for n in FLAGS}
    filters: dict[str, str | None] = {}
    for name in FILTERS:
        if not looser(a.filters.get(name), b.filters.get(name)):
            filters[name] = b.filters.get(name)
        elif not looser(b.filters.get(name), a.filters.get(name)):
            filters[name] = a.filters.get(name)
        else:
            filters[name] = ""  # neither covers the other: only "no filter" covers both
    return Access(a.libraries | b.libraries, a.everything or b.everything, flags, filters)


@dataclass(frozen=True)
class Snapshot:
    """Every share of the owner's servers at plexsim, and every person's settings."""

    shares: Mapping[int, dict[str, Any]]
    settings: Mapping[tuple[int | None, str | None], dict[str, Any]]
    sections: Mapping[str, frozenset[int]]

    @classmethod
    def read(cls, plexsim: Any) -> Snapshot:
        state = plexsim.state()
        sections = {
            server["machineIdentifier"]: frozenset(s["id"] for s in server["sections"])
            for server in state["servers"]
        }
        return cls(
            shares={s["id"]: s for s in state["shares"] if s["ownerId"] == OWNER_ID},
            settings={
                (r.get("userId"), r.get("invitedEmail")): r.get("settings") or {}
                for r in state["relations"]
                if r["ownerId"] == OWNER_ID
            },
            sections=sections,
        )

    def access(self, share_id: int) -> Access | None:
        share = self.shares.get(share_id)
        if share is None:
            return None
        settings = self.settings.get((share["userId"], share["invitedEmail"]), {})
        everything = bool(share["allLibraries"])
        libraries = (
            self.sections[share["machineIdentifier"]]
            if everything
            else frozenset(share["sectionIds"])
        )
        return Access(
            libraries=libraries,
            everything=everything,
            flags={name: int(settings.get(name) or 0) for name in FLAGS},
            filters={name: settings.get(name) for name in FILTERS},
        )

    def share_of(self, user_id: int | None, machine: str, email: str | None = None) -> int | None:
        return next(
            (
                sid
                for sid, s in self.shares.items()
                if s["machineIdentifier"] == machine
                and (s["userId"] == user_id if user_id is not None else s["invitedEmail"] == email)
            ),
            None,
        )


def untouched(
    before: Snapshot,
    after: Snapshot,
    targets: set[int],
    people: frozenset[tuple[int | None, str | None]] = frozenset(),
) -> list[str]:
    """Shares outside `targets`, and the settings of people without a target share (or
    outside `people`), changed."""
    problems = []
    for sid in sorted(set(before.shares) | set(after.shares)):
        if sid in targets:
            continue
        was, now = before.shares.get(sid), after.shares.get(sid)
        if was is None:
            problems.append(f"share {sid} appeared")
        elif now is None:
            problems.append(f"share {sid} vanished")
        elif (was["sectionIds"], was["allLibraries"]) != (now["sectionIds"], now["allLibraries"]):
            problems.append(f"share {sid} libraries changed")
    touched = set(people) | {
        (s["userId"], s["invitedEmail"])
        for snapshot in (before, after)
        for sid, s in snapshot.shares.items()
        if sid in targets
    }
    for person in set(before.settings) | set(after.settings):
        if person in touched:
            continue
        if before.settings.get(person) != after.settings.get(person):
            problems.append(f"settings of {person} changed")
    return problems
