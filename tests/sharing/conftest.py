"""Fixtures of the sharing tests: a plextv client of plexsim's demo owner, and a sync runner."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from plextv import ClientConfig, PlexTV
from sharing.models import SyncRun
from sharing.sync.engine import SyncResult, sync_household
from tests.personas import (  # noqa: F401  (shared personas for the view tests)
    anonymous,
    co_admin,
    household,
    member,
    outsider,
    owner,
    plex_settings,
)

# plexsim README, "The demo household": morgan owns both servers. Fake, documented test data.
DEMO_OWNER_ID = 1001001
DEMO_OWNER_TOKEN = "demo-owner-token-0001"
DEN = "07b33a43085dc2635f0bb026696069991fae76dc"
CABIN = "15757bbee2bb63fc0da1142e5b3f54a9ad225744"


@pytest.fixture
def owner_client(plexsim) -> PlexTV:
    config = ClientConfig.for_base_url(
        plexsim.url,
        client_identifier="sharing-tests",
        connect_timeout=2.0,
        read_timeout=3.0,
        retry_attempts=2,
        retry_backoff_base=0.01,
        retry_backoff_cap=0.02,
    )
    return PlexTV(config, token=DEMO_OWNER_TOKEN)


@pytest.fixture
def sync(owner_client: PlexTV) -> Callable[..., SyncResult]:
    """Runs one sync of the demo household with its own SyncRun row."""

    def run(discover: bool = False) -> SyncResult:
        record = SyncRun.objects.create(owner_plex_id=DEMO_OWNER_ID)
        return sync_household(owner_client, DEMO_OWNER_ID, record, discover=discover)

    return run
