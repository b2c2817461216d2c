"""Fixtures of the members' space tests: the persona cast, a synced demo household, helpers."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Household, Member
from sharing.models import Share
from tests import factories
from tests.console.conftest import DEN, run_sync, share_of, sim_settings
from tests.personas import (  # noqa: F401
    Persona,
    _signed_in,
    anonymous,
    co_admin,
    household,
    member,
    outsider,
    owner,
    plex_settings,
)

__all__ = ["DEN", "run_sync", "share_of", "sim_settings"]

ALEX = 1001010
KAI = 1001016


@pytest.fixture
def synced(household: Household, plexsim: Any) -> Household:  # noqa: F811
    """The demo household read into the database, with plexsim's request log emptied."""
    run_sync()
    plexsim.clear_requests()
    return household


@pytest.fixture
def kai(household: Household) -> Persona:  # noqa: F811
    """kai: invited by morgan, has not accepted yet (share 30013, Movies on the Den)."""
    account = factories.plex_account("kai", title="kai", plex_id=KAI)
    return _signed_in("kai", factories.user_for(account, Member.Role.MEMBER))


def alex_share() -> Share:
    return share_of("alex.rivera")


JAMIE = 1001002


@pytest.fixture
def jamie(household: Household) -> Persona:  # noqa: F811
    """jamie as a plain member (Den shared with all libraries, share 30001)."""
    account = factories.plex_account("jamie", title="Jamie", plex_id=JAMIE)
    return _signed_in("jamie", factories.user_for(account, Member.Role.MEMBER))
