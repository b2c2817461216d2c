"""Fixtures of the sharing tests: a plextv client of plexsim's demo owner, and a sync runner."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from plextv import ClientConfig, PlexTV
from sharing.models import SyncRun
from sharing.sync.engine import SyncResult, sync_household
from tests.factories import CABIN as CABIN
from tests.factories import DEMO_ACCOUNTS
from tests.factories import DEN as DEN

# plexsim README, "The demo household": morgan owns both servers. Fake, documented test data.
DEMO_OWNER_ID = int(str(DEMO_ACCOUNTS["morgan"]["plex_id"]))
DEMO_OWNER_TOKEN = str(DEMO_ACCOUNTS["morgan"]["token"])


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
