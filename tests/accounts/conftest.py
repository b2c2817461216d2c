from tests.personas import (  # noqa: F401
    anonymous,
    co_admin,
    household,
    member,
    outsider,
    owner,
    plex_settings,
)
