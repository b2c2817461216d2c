from tests.invariants.sent import sent  # noqa: F401  (what reaches plex.tv, with bodies)
from tests.personas import (  # noqa: F401  (fixtures for this folder's tests)
    household,
    owner,
    plex_settings,
)
