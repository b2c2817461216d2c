"""One token per device sign-in: password, PIN and Home switch; sign-out ends only that one."""

from __future__ import annotations

from plexsim.pytest_plugin import SimHandle
from tests.plexsim.conftest import OWNER_TOKEN, PlexClient, client_for


def _sign_in(plexsim: SimHandle, client_id: str, login: str, password: str) -> str:
    device = client_for(plexsim, None)
    device.session.headers["X-Plex-Client-Identifier"] = client_id
    device.session.headers["X-Plex-Device-Name"] = f"{client_id} name"
    doc = device.json(
        "/api/v2/users/signin", method="POST", data={"login": login, "password": password}
    )
    return str(doc["authToken"])


def test_it_registers_the_signing_in_device_with_its_own_token(plexsim: SimHandle) -> None:
    token = _sign_in(plexsim, "kitchen-tablet", "priya", "friend-pass-11")
    assert token != "demo-priya-token-0011"
    devices = client_for(plexsim, token).xml("/devices.xml").findall("Device")
    tablet = next(d for d in devices if d.get("clientIdentifier") == "kitchen-tablet")
    assert (tablet.get("token"), tablet.get("name")) == (token, "kitchen-tablet name")
    assert client_for(plexsim, token).xml("/api/v2/user").get("authToken") == token


def test_it_signs_out_one_device_only(plexsim: SimHandle) -> None:
    first = _sign_in(plexsim, "phone", "priya", "friend-pass-11")
    second = _sign_in(plexsim, "laptop", "priya", "friend-pass-11")
    assert client_for(plexsim, first).call("DELETE", "/api/v2/users/signout").status_code == 204
    assert client_for(plexsim, first).get("/api/v2/user").status_code == 401
    assert client_for(plexsim, second).get("/api/v2/user").status_code == 200
    assert client_for(plexsim, "demo-priya-token-0011").get("/api/v2/user").status_code == 200
    clients = {d["clientIdentifier"] for d in plexsim.state()["devices"] if d["ownerId"] == 1001011}
    assert "phone" not in clients
    assert "laptop" in clients


def test_a_home_switch_gives_the_member_a_token_of_their_own(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    root = owner.xml("/api/home/users/1001004/switch", method="POST")
    sam_token = root.get("authenticationToken")
    assert root.get("authToken") == sam_token
    assert sam_token not in {OWNER_TOKEN, "demo-sam-token-0004"}
    assert client_for(plexsim, sam_token).xml("/api/v2/user").get("title") == "Sam"
    # The owner's token still belongs to the owner.
    assert owner.xml("/api/v2/user").get("username") == "morgan"
    client_for(plexsim, sam_token).call("DELETE", "/api/v2/users/signout")
    assert owner.get("/api/v2/user").status_code == 200


def test_removing_a_device_ends_its_sign_in(plexsim: SimHandle, owner: PlexClient) -> None:
    token = _sign_in(plexsim, "old-tv", "jamie", "partner-pass-2")
    jamie = client_for(plexsim, token)
    device_id = next(
        d.get("id")
        for d in jamie.xml("/devices.xml").findall("Device")
        if d.get("clientIdentifier") == "old-tv"
    )
    assert (
        client_for(plexsim, "demo-partner-token-0002")
        .call("DELETE", f"/devices/{device_id}.xml")
        .status_code
        == 200
    )
    assert jamie.get("/api/v2/user").status_code == 401
