"""Fixtures of the activity tests: the persona cast, a synced demo household, a collection."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Household
from accounts.plex import owner_client
from activity import collect
from activity.models import Collection
from sharing.models import SyncRun
from sharing.sync.engine import sync_household
from tests.personas import (  # noqa: F401
    anonymous,
    co_admin,
    household,
    member,
    outsider,
    owner,
    plex_settings,
)

DEN = "07b33a43085dc2635f0bb026696069991fae76dc"
CABIN = "15757bbee2bb63fc0da1142e5b3f54a9ad225744"


def run_sync() -> None:
    current = Household.current()
    assert current is not None
    run = SyncRun.objects.create(owner_plex_id=current.owner.plex_id)
    sync_household(owner_client(), current.owner.plex_id, run, discover=True)


def run_collection(**kw: Any) -> Collection:
    current = Household.current()
    assert current is not None
    run = Collection.objects.create()
    return collect.collect(owner_client(), run, current.owner.plex_id, **kw)


@pytest.fixture
def synced(household: Household, plexsim: Any) -> Household:  # noqa: F811
    """The demo household read into the database, with plexsim's request log emptied."""
    run_sync()
    plexsim.clear_requests()
    return household


@pytest.fixture
def collected(synced: Household, plexsim: Any) -> Household:
    """The demo household's year of plays collected, with plexsim's request log emptied."""
    run = run_collection()
    assert run.outcome == Collection.SUCCEEDED, run.message
    plexsim.clear_requests()
    return synced
