from tests.personas import (  # noqa: F401  (fixtures for this folder's tests)
    anonymous,
    co_admin,
    household,
    member,
    outsider,
    owner,
    plex_settings,
)
