"""Plex Home management, profile switching, PINs and sign-in."""

from __future__ import annotations

from plexsim.pytest_plugin import SimHandle
from tests.plexsim.conftest import PlexClient, client_for


def test_it_creates_a_managed_user_with_a_restriction_profile(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    body = {"friendlyName": "Robin", "sharingSettings": {}, "restrictionProfile": "older_kid"}
    doc = owner.json("/api/v2/home/users/restricted", method="POST", json=body)
    assert (doc["title"], doc["restricted"], doc["restrictionProfile"]) == (
        "Robin",
        True,
        "older_kid",
    )
    robin = next(
        u for u in owner.xml("/api/home/users").findall("User") if u.get("title") == "Robin"
    )
    assert robin.get("restrictionProfile") == "older_kid"


def test_it_clears_a_profile_when_the_key_is_left_out(owner: PlexClient) -> None:
    doc = owner.json(
        "/api/v2/home/users/restricted/profile", method="POST", json={"userId": 1001003}
    )
    assert doc["restrictionProfile"] is None
    bad = owner.call(
        "POST",
        "/api/v2/home/users/restricted/profile",
        json={"userId": 1001003, "restrictionProfile": "toddler"},
    )
    assert bad.status_code == 400


def test_it_refuses_rating_filters_for_a_user_with_a_profile(owner: PlexClient) -> None:
    response = owner.call(
        "PUT", "/api/v2/sharings/1001004", params={"filterMovies": "contentRating=R"}
    )
    assert response.status_code == 422


def test_it_sets_and_removes_a_managed_users_pin(plexsim: SimHandle, owner: PlexClient) -> None:
    owner.json("/api/v2/home/users/restricted/1001004", method="POST", params={"pin": "4321"})
    sam = next(a for a in plexsim.state()["accounts"] if a["id"] == 1001004)
    assert sam["homePin"] == "4321"
    owner.json("/api/v2/home/users/restricted/1001004", method="POST", params={"removePin": "1"})
    sam = next(a for a in plexsim.state()["accounts"] if a["id"] == 1001004)
    assert sam["homePin"] is None


def test_it_needs_the_current_pin_to_change_ones_own(owner: PlexClient) -> None:
    assert owner.call("PUT", "/api/home/users/1001001", params={"pin": "1357"}).status_code == 401
    changed = owner.call(
        "PUT", "/api/home/users/1001001", params={"pin": "1357", "currentPin": "2468"}
    )
    assert changed.status_code == 200


def test_it_switches_with_v2_and_answers_1041_without_the_pin(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    refused = owner.call(
        "POST", "/api/v2/home/users/1001003/switch", headers={"Accept": "application/json"}
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == 1041
    doc = owner.json("/api/v2/home/users/1001003/switch", method="POST", params={"pin": "1111"})
    assert doc["authToken"] not in {"demo-ellie-token-0003", "demo-owner-token-0001"}
    assert client_for(plexsim, doc["authToken"]).xml("/api/v2/user").get("title") == "Ellie"


def test_it_needs_plex_pass_to_invite_an_account_into_home(plexsim: SimHandle) -> None:
    sasha = client_for(plexsim, "demo-sasha-token-0020")
    invite = sasha.xml("/api/home/users", method="POST", params={"invitedEmail": "kai"})
    invite_id = invite.find("Invite").get("id")
    plexsim.accept_invite(invite_id)
    titles = [u.get("title") for u in sasha.xml("/api/home/users").findall("User")]
    assert titles == ["sasha", "kai"]
    river = client_for(plexsim, "demo-river-token-0017")
    refused = river.call("POST", "/api/home/users", params={"invitedEmail": "priya"})
    assert refused.status_code == 400
    assert "Plex Pass" in refused.text


def test_it_caps_a_home_at_fifteen_members(owner: PlexClient) -> None:
    statuses = [
        owner.call("POST", "/api/home/users", params={"title": f"Kid {n}"}).status_code
        for n in range(12)
    ]
    assert statuses == [200] * 11 + [400]


def test_it_lets_only_the_admin_remove_home_users(plexsim: SimHandle, owner: PlexClient) -> None:
    jamie = client_for(plexsim, "demo-partner-token-0002")
    assert jamie.call("DELETE", "/api/home/users/1001004").status_code == 403
    assert owner.call("DELETE", "/api/home/users/1001004").status_code == 204
    assert not any(a["id"] == 1001004 for a in plexsim.state()["accounts"])


def test_it_signs_in_with_the_code_appended_to_the_password(plexsim: SimHandle) -> None:
    anonymous = client_for(plexsim, None)
    response = anonymous.call(
        "POST", "/api/v2/users/signin", data={"login": "morgan", "password": "owner-pass-1246810"}
    )
    assert response.status_code == 201
    missing = anonymous.call(
        "POST", "/api/v2/users/signin", data={"login": "morgan", "password": "owner-pass-1"}
    )
    assert missing.status_code == 401
    assert '<error code="1029" message="Please enter the verification code"' in missing.text


def test_it_expires_pins_and_counts_down(plexsim: SimHandle) -> None:
    app = client_for(plexsim, None)
    pin = app.json("/api/v2/pins", method="POST")
    assert (pin["expiresIn"], len(pin["code"]), pin["authToken"]) == (900, 4, None)
    strong = app.json("/api/v2/pins", method="POST", params={"strong": "true"})
    assert strong["expiresIn"] == 1800
    plexsim.advance_clock(300)
    assert app.json(f"/api/v2/pins/{pin['id']}")["expiresIn"] == 600
    plexsim.advance_clock(601)
    assert app.get(f"/api/v2/pins/{pin['id']}").status_code == 404
    assert app.json(f"/api/v2/pins/{strong['id']}")["expiresIn"] == 899


def test_it_links_a_pin_for_the_same_client_only(plexsim: SimHandle, owner: PlexClient) -> None:
    app = client_for(plexsim, None)
    app.session.headers["X-Plex-Product"] = "Living Room App"
    pin = app.xml("/api/v2/pins", method="POST")
    assert pin.tag == "pin"
    assert owner.call("PUT", "/api/v2/pins/link", data={"code": pin.get("code")}).status_code == 204
    linked = app.xml(f"/api/v2/pins/{pin.get('id')}")
    assert linked.get("authToken") not in {"", "demo-owner-token-0001"}
    other = app.get(
        f"/api/v2/pins/{pin.get('id')}", headers={"X-Plex-Client-Identifier": "someone-else"}
    )
    assert other.status_code == 404
    devices = {d.get("clientIdentifier"): d for d in owner.xml("/devices.xml").findall("Device")}
    assert devices["plexsim-tests"].get("product") == "Living Room App"


def test_it_rotates_the_token_on_sign_out(plexsim: SimHandle) -> None:
    jamie = client_for(plexsim, "demo-partner-token-0002")
    assert jamie.call("DELETE", "/api/v2/users/signout").status_code == 204
    assert jamie.get("/api/v2/user").status_code == 401
    plexsim.reset()
    assert jamie.get("/api/v2/user").status_code == 200
