"""Fixtures and helpers of the matrix tests: the persona cast and a synced demo household."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sharing import operations
from sharing.models import Library, Operation, Server, Share
from sharing.sync.runs import run_sync
from tests.factories import DEN as DEN
from tests.factories import KIDS as KIDS
from tests.factories import MOVIES as MOVIES
from tests.factories import MUSIC as MUSIC
from tests.factories import PHOTOS as PHOTOS
from tests.factories import TV as TV
from tests.invariants.sent import sent  # noqa: F401  (what reaches plex.tv, with bodies)

ALEX_SHARE, PRIYA_SHARE, CHEN_SHARE, RUTH_SHARE = 30006, 30007, 30009, 30011


@pytest.fixture
def den(household, plexsim):  # type: ignore[no-untyped-def]
    assert run_sync().outcome == "succeeded"
    return Server.objects.get(machine_identifier=DEN)


def library(global_id: int) -> Library:
    return Library.objects.get(global_id=global_id)


def share(shared_server_id: int) -> Share:
    return Share.objects.select_related("user", "server").get(shared_server_id=shared_server_id)


def sim_share(plexsim: Any, shared_server_id: int) -> dict[str, Any] | None:
    return next((s for s in plexsim.state()["shares"] if s["id"] == shared_server_id), None)


def sim_sections(plexsim: Any, shared_server_id: int) -> list[int]:
    found = sim_share(plexsim, shared_server_id)
    assert found is not None, f"plexsim has no share {shared_server_id}"
    return sorted(found["sectionIds"])


def page_key(content: str) -> str:
    match = re.search(r'<form id="toggle-form"[^>]*>.*?name="key" value="(\w+)"', content)
    assert match is not None
    return match.group(1)


def run_all(ops: Any) -> None:
    for op in ops:
        operations.execute(op.pk)


def operations_now() -> list[Operation]:
    return list(Operation.objects.order_by("pk"))
