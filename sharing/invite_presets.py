"""Starting points for the invite form ("start from a profile"), offered by apps above sharing.

Sharing does not know where a starting point comes from: an app that has presets (joins, with
its access profiles) registers a source in its `AppConfig.ready()`, the way handlers register
with `@handler`. A starting point only fills the form's *initial* values; what is sent is the
form the admin submits, validated exactly as a form filled by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Preset:
    """The invite form's initial values (its own field names) and notes for the admin."""

    initial: dict[str, Any]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    # (value, label) pairs for the "start from" select.
    choices: Callable[[], list[tuple[str, str]]]
    # The preset of one value, None when there is no such preset (any more).
    preset: Callable[[str], Preset | None]


_sources: list[Source] = []


def register(source: Source) -> None:
    if source not in _sources:
        _sources.append(source)


def choices() -> list[tuple[str, str]]:
    return [choice for source in _sources for choice in source.choices()]


def preset(value: str) -> Preset | None:
    for source in _sources:
        found = source.preset(value)
        if found is not None:
            return found
    return None
