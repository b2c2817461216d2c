"""Fixtures of the activity tests: the persona cast, a synced demo household, a collection."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Household
from accounts.plex import owner_client
from activity import collect
from activity.models import Collection
from tests.factories import CABIN as CABIN
from tests.factories import DEN as DEN
from tests.personas import run_sync as run_sync


def run_collection(**kw: Any) -> Collection:
    current = Household.current()
    assert current is not None
    run = Collection.objects.create()
    return collect.collect(owner_client(), run, current.owner.plex_id, **kw)


@pytest.fixture
def synced(household: Household, plexsim: Any) -> Household:
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
