"""Fixtures of the invite-link tests: the synced demo household and a joining browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from joins import services
from joins.models import InviteLink, JoinAttempt
from sharing.models import Server
from tests.console.conftest import CABIN, DEN, synced  # noqa: F401
from tests.personas import (  # noqa: F401
    anonymous,
    co_admin,
    household,
    member,
    outsider,
    owner,
    plex_settings,
)

MOVIES, TV, MUSIC = 118181361, 118181362, 118181363
OWNER_ID = 1001001


def den() -> Server:
    return Server.objects.get(machine_identifier=DEN)


def link_body(**overrides: Any) -> dict[str, Any]:
    p = f"s{den().pk}"
    data: dict[str, Any] = {
        "label": "Film club",
        "max_uses": "2",
        f"{p}_libraries": [str(MOVIES), str(TV)],
        f"{p}_allow_tuners": "0",
    }
    cabin = Server.objects.filter(machine_identifier=CABIN).first()
    if cabin is not None:
        data[f"s{cabin.pk}_allow_tuners"] = "0"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_link(**overrides: Any) -> tuple[InviteLink, str]:
    """A link straight from the service (what the form's cleaned data would be)."""
    data: dict[str, Any] = {
        "label": "Film club",
        "grants": {
            "servers": [
                {
                    "machine": DEN,
                    "libraries": [MOVIES, TV],
                    "access": {"allow_sync": True, "allow_tuners": 0},
                }
            ]
        },
        "max_uses": 2,
    }
    data.update(overrides)
    return services.create_link(data, None)


def code_in(html: str) -> str:
    match = re.search(r"/join/([A-Za-z0-9_-]{20,})", html)
    assert match, "no invite URL on the page"
    return match.group(1)


def new_account(plexsim: Any, username: str) -> int:
    return int(
        plexsim.mutate(op="add_account", username=username, password="pw-" + username)["userId"]
    )


def start_join(code: str, capture: Any, kind: str = "link") -> tuple[Client, JoinAttempt]:
    """A fresh browser opens the link and starts signing in (the poll task not run)."""
    browser = Client()
    response = browser.get(f"/join/{code}")
    assert response.status_code == 303, response.status_code
    with capture(execute=False):
        response = browser.post("/join/sign-in/", {"kind": kind})
    assert response.status_code == 303
    attempt = JoinAttempt.objects.get(pk=browser.session["join_attempt"])
    return browser, attempt


@pytest.fixture
def no_sleep() -> Any:
    return lambda _seconds: None
