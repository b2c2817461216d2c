"""Fixtures of the sharing console tests: the persona cast, a synced demo household, helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Household
from accounts.plex import owner_client
from sharing.models import Operation, PlexUser, Share, SyncRun
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


@pytest.fixture
def synced(household: Household, plexsim: Any) -> Household:  # noqa: F811
    """The demo household read into the database, with plexsim's request log emptied."""
    run_sync()
    plexsim.clear_requests()
    return household


def person(username: str = "", title: str = "") -> PlexUser:
    if username:
        return PlexUser.objects.get(username=username)
    return PlexUser.objects.get(title=title)


def share_of(username: str, machine: str = DEN) -> Share:
    return Share.objects.select_related("server", "user").get(
        user__username=username, server__machine_identifier=machine
    )


def sim_settings(plexsim: Any, user_id: int) -> dict[str, Any]:
    """plexsim's per-person sharing settings of the demo owner (morgan) for `user_id`."""
    for relation in plexsim.state()["relations"]:
        if relation.get("ownerId") == 1001001 and relation.get("userId") == user_id:
            return dict(relation.get("settings") or {})
    raise AssertionError(f"plexsim has no relation with {user_id}")


def sim_share(plexsim: Any, share_id: int) -> dict[str, Any] | None:
    return next((s for s in plexsim.state()["shares"] if s["id"] == share_id), None)


def plex_writes(plexsim: Any) -> list[dict[str, Any]]:
    return [r for r in plexsim.requests() if r["method"] != "GET"]


@pytest.fixture
def edit_form() -> Callable[..., dict[str, Any]]:
    """The POST body of a share's edit form as the page renders it, with `overrides` applied."""
    from sharing.forms import ShareEditForm

    def build(share: Share, **overrides: Any) -> dict[str, Any]:
        ids = sorted(share.libraries.values_list("global_id", flat=True))
        initial = ShareEditForm.initial_for(share, ids)
        body: dict[str, Any] = {}
        for name, value in initial.items():
            if value is None or value is False:
                continue
            body[name] = "on" if value is True else value
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    return build


def operations_for(share: Share) -> list[Operation]:
    return list(
        Operation.objects.filter(target_type=Operation.TARGET_SHARE, target_id=str(share.pk))
    )
