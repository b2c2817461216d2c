"""The load run's own checks (bench/load/run.py) against plexsim over HTTP: a change is
counted as applied twice only when plexsim applied it twice, and every token plexsim gave an
invitee is found by the search."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import requests

from plexsim.pytest_plugin import SimHandle
from tests.plexsim.conftest import OWNER_TOKEN, PlexClient

RUN = Path(__file__).resolve().parents[2] / "bench" / "load" / "run.py"
EDIT = {"settings": {"allowChannels": True}, "librarySectionIds": [118181364]}
ONE_EDIT = [(1, "share.edit", "succeeded", "share", "7", "")]
SHARE = [(7, 30009)]  # the share's row id and its shared_server_id


@pytest.fixture(scope="module")
def run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("load_run", RUN)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def owner(plexsim: SimHandle) -> PlexClient:
    """morgan, the demo household's owner, calling plexsim as plex.tv."""
    return PlexClient(plexsim.url, OWNER_TOKEN)


def test_it_reports_a_share_written_twice_for_one_edit(
    run: ModuleType, plexsim: SimHandle, owner: PlexClient
) -> None:
    for _ in range(2):
        owner.json("/api/v2/shared_servers/30009", method="POST", json=EDIT)
    [problem] = run.applied_twice(plexsim.url, 0, ONE_EDIT, SHARE)
    assert problem.startswith("2 writes to /api/v2/shared_servers/30009 for 1 edits")


def test_it_counts_a_write_applied_before_a_reset(
    run: ModuleType, plexsim: SimHandle, owner: PlexClient
) -> None:
    owner.json("/api/v2/shared_servers/30009", method="POST", json=EDIT)
    plexsim.add_fault(action="reset", method="POST", path="/api/v2/shared_servers/*", times=1)
    with pytest.raises(requests.ConnectionError):
        owner.call("POST", "/api/v2/shared_servers/30009", json=EDIT)
    assert len(run.applied_twice(plexsim.url, 0, ONE_EDIT, SHARE)) == 1


def test_it_does_not_count_a_reset_write_the_rate_limit_refused(
    run: ModuleType, plexsim: SimHandle, owner: PlexClient
) -> None:
    plexsim.set_rate_limit(1)
    owner.json("/api/v2/shared_servers/30009", method="POST", json=EDIT)
    plexsim.add_fault(action="reset", method="POST", path="/api/v2/shared_servers/*", times=1)
    with pytest.raises(requests.ConnectionError):
        owner.call("POST", "/api/v2/shared_servers/30009", json=EDIT)
    assert plexsim.requests()[-1]["answered"] == 429
    assert run.applied_twice(plexsim.url, 0, ONE_EDIT, SHARE) == []


def test_it_finds_every_token_plexsim_gave_an_invitee(run: ModuleType, plexsim: SimHandle) -> None:
    account = plexsim.mutate(op="add_account", username="load-invitee-w1-1")
    device = requests.post(f"{plexsim.url}/__sim__/pins", json={}, timeout=5).json()
    approved = plexsim.approve_pin(device["code"], "load-invitee-w1-1")
    plexsim.mutate(op="add_account", username="someone-else")
    tokens = run.invitee_tokens(plexsim.url)
    assert tokens == {account["token"], approved}
    text = f"a log line with {approved} in it, and the owner's gen-owner-token-0001"
    assert run.found_tokens(text) & tokens == {approved}
