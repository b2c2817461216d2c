"""The words for plex.tv's restriction profiles, used on every screen and message.

The names themselves are `PlexUser.PROFILE_LABELS`, next to the column that stores them.
"""

from __future__ import annotations

from plextv.models import RESTRICTION_PROFILES
from sharing.models import PlexUser

LABELS = PlexUser.PROFILE_LABELS
NO_PROFILE = PlexUser.NO_PROFILE

# A form's choices: none first, then plex.tv's profiles in plex.tv's order.
CHOICES: list[tuple[str, str]] = [("", NO_PROFILE)] + [
    (value, LABELS[value]) for value in RESTRICTION_PROFILES
]


def profile_label(value: str | None) -> str:
    """The name of a restriction profile as plex.tv stores it ("" or None: no profile).

    A name already in words passes through, so audit lines written with the name read the same;
    a value plex.tv may add later reads as its words rather than as a code.
    """
    if not value:
        return NO_PROFILE
    if value in LABELS.values():
        return value
    return LABELS.get(value) or value.replace("_", " ").title()
