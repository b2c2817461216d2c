"""Sharing writes: v1 and v2 shares, edits, invites, acceptance, friends and retired endpoints."""

from __future__ import annotations

from typing import Any

import requests

from plexsim.pytest_plugin import SimHandle
from tests.plexsim.conftest import CABIN, DEN, PlexClient, client_for


def _share(plexsim: SimHandle, share_id: int) -> dict:
    return next(s for s in plexsim.state()["shares"] if s["id"] == share_id)


def test_it_refuses_a_second_v1_share_with_the_captured_400(owner: PlexClient) -> None:
    body = {
        "server_id": DEN,
        "shared_server": {"library_section_ids": [118181361], "invited_email": "alex.rivera"},
    }
    response = owner.call("POST", f"/api/servers/{DEN}/shared_servers", json=body)
    assert response.status_code == 400
    assert response.text.strip().endswith(
        '<Response code="400" status="You\'re already sharing this server with alex.rivera. '
        'Please edit your existing share."/>'
    )


def test_it_rejects_unknown_section_ids(owner: PlexClient) -> None:
    body = {
        "server_id": DEN,
        "shared_server": {"library_section_ids": [999], "invited_email": "river"},
    }
    assert owner.call("POST", f"/api/servers/{DEN}/shared_servers", json=body).status_code == 400


def test_it_creates_a_v2_share_then_answers_422_for_a_duplicate(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    body = {
        "machineIdentifier": CABIN,
        "invitedEmail": "friend@example.org",
        "librarySectionIds": [],
        "settings": {},
    }
    created = owner.json("/api/v2/shared_servers", method="POST", json=body)
    assert created["allLibraries"] is True
    assert created["numLibraries"] == 3
    assert created["accepted"] is False
    assert created["invitedEmail"] == "friend@example.org"
    again = owner.call(
        "POST", "/api/v2/shared_servers", json=body, headers={"Accept": "application/json"}
    )
    assert again.status_code == 422
    assert "already sharing" in again.json()["errors"][0]["message"]


def test_it_edits_a_share_replacing_settings_left_out(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    body = {"settings": {"allowChannels": True}, "librarySectionIds": [118181364]}
    doc = owner.json("/api/v2/shared_servers/30009", method="POST", json=body)
    assert [lib["title"] for lib in doc["libraries"]] == ["Photos"]
    assert doc["sharingSettings"]["allowChannels"] is True
    # allowSync and filterTelevision were not sent back, so they return to their defaults.
    assert doc["sharingSettings"]["allowSync"] is False
    assert doc["sharingSettings"]["filterTelevision"] == ""


def test_it_updates_only_the_given_settings_through_sharings(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    response = owner.call(
        "PUT",
        "/api/v2/sharings/1001013",
        params={"allowCameraUpload": "1", "filterMovies": "label=Kids"},
    )
    assert response.status_code == 204
    relation = next(r for r in plexsim.state()["relations"] if r["userId"] == 1001013)
    assert relation["settings"]["allowCameraUpload"] is True
    assert relation["settings"]["allowSync"] is True
    assert relation["settings"]["filterMovies"] == "label=Kids"


def test_it_lists_pending_invites_sent_grouped_by_invitee(owner: PlexClient) -> None:
    invites = owner.json("/api/v2/shared_servers/invites/owned/pending")
    assert len(invites) == 2
    kai, nina = invites
    assert kai["invited"]["username"] == "kai"
    assert [s["id"] for s in kai["sharedServers"]] == [30013]
    assert "invited" not in nina
    assert nina["sharedServers"][0]["invitedEmail"] == "nina@example.com"
    assert nina["sharedServers"][0]["accepted"] is False


def test_it_lets_the_invitee_accept_a_received_invite(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    jamie = client_for(plexsim, "demo-partner-token-0002")
    received = jamie.json("/api/v2/shared_servers/invites/received/pending")
    assert received[0]["owner"]["username"] == "sasha"
    share_id = received[0]["sharedServers"][0]["id"]
    accepted = jamie.json(f"/api/v2/shared_servers/{share_id}/accept", method="POST")
    assert accepted["accepted"] is True
    assert jamie.json("/api/v2/shared_servers/invites/received/pending") == []
    names = {r["name"] for r in jamie.json("/api/v2/resources")}
    assert "Sasha's NAS" in names


def test_it_refuses_acceptance_from_an_unverified_email(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    body = {
        "server_id": DEN,
        "shared_server": {"library_section_ids": [], "invited_email": "river@example.com"},
    }
    root = owner.xml(f"/api/servers/{DEN}/shared_servers", method="POST", json=body)
    share_id = root.find("SharedServer").get("id")
    river = client_for(plexsim, "demo-river-token-0017")
    response = river.call("POST", f"/api/v2/shared_servers/{share_id}/accept")
    assert response.status_code == 403
    assert _share(plexsim, int(share_id))["accepted"] is False


def test_it_shows_a_new_server_share_as_pending_until_accepted(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    body = {
        "server_id": CABIN,
        "shared_server": {"library_section_ids": [118290003], "invited_id": 1001010},
    }
    root = owner.xml(f"/api/servers/{CABIN}/shared_servers", method="POST", json=body)
    share_id = int(root.find("SharedServer").get("id"))
    alex = next(u for u in owner.xml("/api/users/").findall("User") if u.get("id") == "1001010")
    assert {s.get("id"): s.get("pending") for s in alex.findall("Server")}[str(share_id)] == "1"
    plexsim.accept_invite(share_id)
    alex = next(u for u in owner.xml("/api/users/").findall("User") if u.get("id") == "1001010")
    assert {s.get("id"): s.get("pending") for s in alex.findall("Server")}[str(share_id)] == "0"


def test_it_cancels_a_pending_invite(plexsim: SimHandle, owner: PlexClient) -> None:
    assert owner.call("DELETE", "/api/v2/shared_servers/30014").status_code == 204
    assert not any(s["id"] == 30014 for s in plexsim.state()["shares"])
    assert not any(r["invitedEmail"] == "nina@example.com" for r in plexsim.state()["relations"])
    assert owner.call("DELETE", "/api/v2/shared_servers/30014").status_code == 404


def test_it_replaces_and_deletes_v1_share_libraries(plexsim: SimHandle, owner: PlexClient) -> None:
    body = {"server_id": DEN, "shared_server": {"library_section_ids": [118181363]}}
    root = owner.xml(f"/api/servers/{DEN}/shared_servers/30006", method="PUT", json=body)
    shared = [s.get("title") for s in root.iter("Section") if s.get("shared") == "1"]
    assert shared == ["Music"]
    assert owner.call("DELETE", f"/api/servers/{DEN}/shared_servers/30006").status_code == 200
    assert owner.get(f"/api/servers/{DEN}/shared_servers/30006").status_code == 404


def test_one_share_read_on_its_own_is_its_entry_in_the_listing(owner: PlexClient) -> None:
    for machine in (DEN, CABIN):
        listing = owner.xml(f"/api/servers/{machine}/shared_servers").findall("SharedServer")
        assert listing
        for entry in listing:
            root = owner.xml(f"/api/servers/{machine}/shared_servers/{entry.get('id')}")
            assert root.get("machineIdentifier") == machine
            (alone,) = root.findall("SharedServer")
            assert alone.attrib == entry.attrib
            assert [s.attrib for s in alone] == [s.attrib for s in entry]
    # Another server's share, by its own id, is not found through this server.
    assert owner.get(f"/api/servers/{DEN}/shared_servers/30008").status_code == 404


def test_it_removes_a_friend_with_every_share(plexsim: SimHandle, owner: PlexClient) -> None:
    assert owner.call("DELETE", "/api/v2/sharings/1001013").status_code == 204
    assert not [s for s in plexsim.state()["shares"] if s["userId"] == 1001013]
    assert "1001013" not in {u.get("id") for u in owner.xml("/api/users/").findall("User")}
    assert owner.call("DELETE", "/api/v2/sharings/1001013").status_code == 404


def test_it_answers_410_on_retired_endpoints(owner: PlexClient) -> None:
    for method, path in [
        ("GET", "/api/invites/requested"),
        ("GET", "/api/invites/requests"),
        ("PUT", "/api/friends/1001010"),
        ("DELETE", "/api/invites/requested/5"),
    ]:
        response = owner.call(method, path)
        assert response.status_code == 410
        assert '<Response code="410" status="This endpoint was deprecated and removed"/>' in (
            response.text
        )


def test_it_limits_the_number_of_people_shared_with(plexsim: SimHandle) -> None:
    plexsim.reset("users:100")
    generated = client_for(plexsim, "gen-owner-token-0001")
    machine = plexsim.state()["servers"][0]["machineIdentifier"]
    body = {
        "machineIdentifier": machine,
        "invitedEmail": "one-too-many@example.com",
        "librarySectionIds": [],
    }
    response = generated.call(
        "POST", "/api/v2/shared_servers", json=body, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert "at most 100" in response.json()["errors"][0]["message"]


def test_the_share_limit_can_be_raised_and_a_reset_restores_it(plexsim: SimHandle) -> None:
    plexsim.reset("users:100")
    plexsim.set_share_limit(101)
    generated = client_for(plexsim, "gen-owner-token-0001")
    machine = plexsim.state()["servers"][0]["machineIdentifier"]

    def invite(email: str) -> Any:
        body = {"machineIdentifier": machine, "invitedEmail": email, "librarySectionIds": []}
        return generated.call(
            "POST", "/api/v2/shared_servers", json=body, headers={"Accept": "application/json"}
        )

    assert invite("one-more@example.com").status_code == 201
    refused = invite("two-more@example.com")
    assert refused.status_code == 400
    assert "at most 101" in refused.json()["errors"][0]["message"]
    plexsim.reset("users:100")
    assert "at most 100" in invite("again@example.com").json()["errors"][0]["message"]


def test_the_share_limit_refuses_a_limit_that_is_not_a_count(plexsim: SimHandle) -> None:
    for bad in (0, "200", 1.5, True, None):
        answer = requests.post(f"{plexsim.url}/__sim__/share_limit", json={"limit": bad}, timeout=5)
        assert answer.status_code == 400, bad


V2_SHARING_READS = [
    ("/api/v2/shared_servers/30006", "sharedServer"),
    ("/api/v2/shared_servers/owned/accepted", "sharedServers"),
    ("/api/v2/shared_servers/invites/owned/pending", "invites"),
    ("/api/v2/friends", "friends"),
]


def test_v2_sharing_reads_answer_xml_unless_json_is_asked_for(owner: PlexClient) -> None:
    for path, tag in V2_SHARING_READS:
        root = owner.xml(path)
        assert root.tag == tag, path
        assert isinstance(owner.json(path), dict if tag == "sharedServer" else list), path
    share = owner.xml("/api/v2/shared_servers/30006")
    assert (share.get("id"), share.get("accepted"), share.get("invitedEmail")) == ("30006", "1", "")
    assert share.find("sharingSettings").get("allowSync") == "1"
    assert [lib.get("title") for lib in share.find("libraries")] == ["Movies", "TV Shows"]
    invite = owner.xml("/api/v2/shared_servers/invites/owned/pending").find("invite")
    assert invite.find("invited").get("username") == "kai"
    assert invite.find("sharedServers/sharedServer").get("id") == "30013"


def test_v2_sharing_writes_answer_xml_unless_json_is_asked_for(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    body = {"machineIdentifier": CABIN, "invitedEmail": "x@example.org", "librarySectionIds": []}
    created = owner.xml("/api/v2/shared_servers", method="POST", json=body)
    assert (created.tag, created.get("allLibraries")) == ("sharedServer", "1")
    edited = owner.xml(
        f"/api/v2/shared_servers/{created.get('id')}",
        method="POST",
        json={"settings": {"allowSync": True}, "librarySectionIds": [118290001]},
    )
    assert edited.find("sharingSettings").get("allowSync") == "1"
    jamie = client_for(plexsim, "demo-partner-token-0002")
    received = jamie.xml("/api/v2/shared_servers/invites/received/pending")
    assert received.find("invite/owner").get("username") == "sasha"
    accepted = jamie.xml("/api/v2/shared_servers/30016/accept", method="POST")
    assert (accepted.tag, accepted.get("accepted")) == ("sharedServer", "1")
    refused = owner.call("POST", "/api/v2/shared_servers", json=body)
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/xml")
    assert '<error code="1000"' in refused.text


def test_friends_lists_what_each_status_names(plexsim: SimHandle, owner: PlexClient) -> None:
    jamie = client_for(plexsim, "demo-partner-token-0002")
    received = jamie.json("/api/v2/friends", params={"status": "pending_received"})
    assert [(f["username"], f["status"]) for f in received] == [("sasha", "pending_received")]
    with_servers = jamie.json(
        "/api/v2/friends", params={"status": "pending_received", "includeSharedServers": "1"}
    )
    assert [s["id"] for s in with_servers[0]["sharedServers"]] == [30016]
    assert jamie.json("/api/v2/friends", params={"status": "pending_sent"}) == []
    sent = owner.json("/api/v2/friends", params={"status": "pending_sent"})
    assert [(f["username"], f["status"]) for f in sent] == [("kai", "pending_sent")]
    assert owner.json("/api/v2/friends", params={"status": "pending_received"}) == []
    pending = jamie.json("/api/v2/friends", params={"status": "pending"})
    assert [f["username"] for f in pending] == ["sasha"]
    accepted = {f["username"] for f in owner.json("/api/v2/friends")}
    assert {"alex.rivera", "jamie", "sasha"} <= accepted
    assert "kai" not in accepted


def test_friends_refuses_an_unknown_status(owner: PlexClient) -> None:
    response = owner.get(
        "/api/v2/friends", params={"status": "blocked"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 1000


# plextv-samples/api-servers-machineid-shared_servers-id-error-404.xml, a capture of
# GET plex.tv/api/servers/None/shared_servers/None.
CAPTURED_V1_404 = (
    '<?xml version="1.0" encoding="UTF-8"?> <errors>   <error>Not found</error> </errors>'
)


def test_v1_paths_answer_the_captured_v1_error_forms(plexsim: SimHandle, owner: PlexClient) -> None:
    for accept in ("*/*", "application/json"):
        missing = owner.get("/api/servers/None/shared_servers/None", headers={"Accept": accept})
        assert missing.status_code == 404
        assert missing.headers["Content-Type"].startswith("application/xml")
        assert missing.text.split() == CAPTURED_V1_404.split()
    assert owner.get(f"/api/servers/{DEN}/shared_servers/99").text.split() == (
        CAPTURED_V1_404.split()
    )
    body = {
        "server_id": DEN,
        "shared_server": {"library_section_ids": [7], "invited_email": "river"},
    }
    refused = owner.call("POST", f"/api/servers/{DEN}/shared_servers", json=body)
    assert refused.status_code == 400
    assert refused.text.strip().endswith(
        '<Response code="400" status="Library section 7 is not on this server"/>'
    )
    jamie = client_for(plexsim, "demo-partner-token-0002")
    not_admin = jamie.call(
        "DELETE", "/api/home/users/1001004", headers={"Accept": "application/json"}
    )
    assert not_admin.status_code == 403
    assert '<Response code="403"' in not_admin.text


def test_v1_paths_keep_coded_errors_in_xml(plexsim: SimHandle) -> None:
    stranger = client_for(plexsim, "not-a-token")
    response = stranger.get("/api/users/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert '<error code="1001" message="User could not be authenticated"' in response.text


def test_v2_paths_never_answer_v1_error_forms(owner: PlexClient) -> None:
    body = {"machineIdentifier": DEN, "invitedEmail": "no-such-login", "librarySectionIds": []}
    xml = owner.call("POST", "/api/v2/shared_servers", json=body)
    assert xml.status_code == 400
    assert '<error code="1000" message="User not found" status="400"/>' in xml.text
    json = owner.call(
        "POST", "/api/v2/shared_servers", json=body, headers={"Accept": "application/json"}
    )
    assert json.json() == {"errors": [{"code": 1000, "message": "User not found", "status": 400}]}
