from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plextv import ClientConfig, PlexTV
from tests.plextv.scripted import ScriptedServer

SAMPLES = Path("/work/shared/plextv-samples")
CANARY = "CANARYtok3nZZ9x7Qw2Lm"


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def fast_config(scripted: ScriptedServer) -> ClientConfig:
    return ClientConfig.for_base_url(
        scripted.url,
        client_identifier="test-client-id",
        connect_timeout=1.0,
        read_timeout=0.5,
        retry_backoff_base=0.01,
        retry_backoff_cap=0.05,
    )


@pytest.fixture
def client(fast_config: ClientConfig, sleeps: list[float]) -> PlexTV:
    return PlexTV(fast_config, token=CANARY, sleep=sleeps.append)
