import pytest

from tests.personas import (  # noqa: F401
    anonymous,
    co_admin,
    household,
    member,
    outsider,
    owner,
    plex_settings,
)


@pytest.fixture
def account_read(household):  # type: ignore[no-untyped-def]  # noqa: F811
    """The account page's picture of morgan's account, read from plexsim the way the worker
    reads it (the page itself never calls plex.tv)."""
    from accounts.tasks import refresh_account_picture

    return refresh_account_picture()


@pytest.fixture
def synced(household):  # type: ignore[no-untyped-def]  # noqa: F811
    """The household as the sync stores it (what members' pages and sign-in read)."""
    from sharing.services import run_sync

    return run_sync()
