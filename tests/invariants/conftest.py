from tests.invariants.sent import sent  # noqa: F401  (what reaches plex.tv, with bodies)
