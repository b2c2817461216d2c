"""plexsim's sign-up: a brand-new account that can then sign in and accept a share."""

from __future__ import annotations

from typing import Any

import requests

HEADERS = {"Accept": "application/json", "X-Plex-Client-Identifier": "test-signup"}


def sign_up(plexsim: Any, **fields: str) -> requests.Response:
    return requests.post(f"{plexsim.url}/api/v2/users", data=fields, headers=HEADERS, timeout=5)


def test_a_new_account_signs_up_signs_in_and_accepts_a_share(plexsim) -> None:
    answer = sign_up(
        plexsim, email="New.Person@example.com", username="newperson", password="longenough"
    )
    assert answer.status_code == 201
    body = answer.json()
    token = body["authToken"]
    assert body["username"] == "newperson"
    me = requests.get(
        f"{plexsim.url}/api/v2/user", headers={**HEADERS, "X-Plex-Token": token}, timeout=5
    )
    assert me.json()["email"] == "new.person@example.com"
    share = plexsim.mutate(
        op="add_friend",
        username="newperson",
        servers=[
            {
                "machineIdentifier": "07b33a43085dc2635f0bb026696069991fae76dc",
                "sectionIds": [118181361],
            }
        ],
        accepted=False,
    )
    [share_id] = share["shareIds"]
    pending = requests.get(
        f"{plexsim.url}/api/v2/shared_servers/invites/received/pending",
        headers={**HEADERS, "X-Plex-Token": token, "Host": "clients.plex.tv"},
        timeout=5,
    )
    assert [s["id"] for i in pending.json() for s in i["sharedServers"]] == [share_id]


def test_taken_or_bad_values_are_refused(plexsim) -> None:
    assert (
        sign_up(plexsim, email="x@example.com", username="newone", password="short").status_code
        == 422
    )
    assert (
        sign_up(plexsim, email="not-an-email", username="newone", password="longenough").status_code
        == 422
    )
    assert (
        sign_up(
            plexsim, email="a@example.com", username="morgan", password="longenough"
        ).status_code
        == 422
    )
