"""The control API: mutate, reset with seed documents, PIN approval, the OAuth page, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from plexsim.pytest_plugin import SimHandle
from plexsim.seeds import generated_state
from plexsim.server import SimServer, run_in_thread
from tests.plexsim.conftest import CABIN, DEN, PlexClient, client_for


def _user(owner: PlexClient, user_id: int):  # type: ignore[no-untyped-def]
    return next(u for u in owner.xml("/api/users/").findall("User") if u.get("id") == str(user_id))


def test_it_adds_a_friend_behind_the_dashboards_back(plexsim: SimHandle, owner: PlexClient) -> None:
    result = plexsim.mutate(
        op="add_friend",
        username="quinn",
        servers=[{"machineIdentifier": CABIN, "sectionIds": [118290002]}],
        settings={"allowSync": True},
    )
    quinn = _user(owner, result["userId"])
    assert (quinn.get("username"), quinn.get("allowSync")) == ("quinn", "1")
    assert [s.get("id") for s in quinn.findall("Server")] == [str(result["shareIds"][0])]
    assert client_for(plexsim, result["token"]).get("/api/v2/user").status_code == 200


def test_it_edits_libraries_and_settings_behind_the_dashboards_back(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    libraries = plexsim.mutate(op="set_share_libraries", shareId=30006, sectionIds=[118181364])
    assert libraries == {"ok": True, "sectionIds": [118181364]}
    plexsim.mutate(op="set_settings", userId=1001010, settings={"filterMovies": "label=x"})
    alex = _user(owner, 1001010)
    assert alex.get("filterMovies") == "label=x"
    assert alex.find("Server").get("numLibraries") == "1"


def test_it_removes_friends_shares_and_home_users(plexsim: SimHandle, owner: PlexClient) -> None:
    plexsim.mutate(op="remove_friend", userId=1001011)
    plexsim.mutate(op="remove_share", shareId=30012)
    plexsim.mutate(op="remove_home_user", userId=1001003)
    ids = {u.get("id") for u in owner.xml("/api/users/").findall("User")}
    assert "1001011" not in ids
    assert "1001003" not in ids
    assert _user(owner, 1001015).find("Server") is None


def test_it_adds_managed_home_users_and_history(plexsim: SimHandle, owner: PlexClient) -> None:
    kid = plexsim.mutate(
        op="add_home_user", title="Pip", restrictionProfile="little_kid", pin="9999"
    )
    home = {u.get("title"): u for u in owner.xml("/api/home/users").findall("User")}
    assert home["Pip"].get("protected") == "1"
    assert home["Pip"].get("restrictionProfile") == "little_kid"
    plexsim.mutate(
        op="add_history",
        machineIdentifier=DEN,
        userId=kid["userId"],
        title="Snack Detectives",
        type="episode",
        viewedAt=1_770_000_000,
    )
    den = PlexClient(plexsim.server_url(DEN))
    history = den.xml("/status/sessions/history/all", params={"accountID": kid["userId"]})
    assert [v.get("title") for v in history.findall("Video")] == ["Snack Detectives"]


def test_it_changes_account_facts(plexsim: SimHandle) -> None:
    plexsim.mutate(op="set_account", username="river", emailVerified=True)
    river = next(a for a in plexsim.state()["accounts"] if a["username"] == "river")
    assert river["emailVerified"] is True


def test_it_rejects_an_unknown_mutation(plexsim: SimHandle) -> None:
    with pytest.raises(AssertionError, match="op must be one of"):
        plexsim.mutate(op="teleport")


def test_it_resets_to_a_seed_document_round_trip(plexsim: SimHandle, owner: PlexClient) -> None:
    plexsim.mutate(op="remove_friend", userId=1001010)
    saved = plexsim.state()
    plexsim.reset()
    assert "1001010" in {u.get("id") for u in owner.xml("/api/users/").findall("User")}
    plexsim.reset(saved)
    assert plexsim.state() == saved


def test_it_accepts_a_minimal_hand_written_seed(plexsim: SimHandle) -> None:
    seed = {
        "accounts": [{"id": 1, "username": "solo", "token": "solo-token"}],
        "servers": [
            {
                "machineIdentifier": "m1",
                "name": "Solo",
                "ownerId": 1,
                "serverId": 9,
                "sections": [{"id": 500, "key": 1, "title": "Films", "type": "movie"}],
            }
        ],
    }
    plexsim.reset(seed)
    solo = client_for(plexsim, "solo-token")
    sections = solo.xml("/api/servers/m1").find("Server").findall("Section")
    assert [(s.get("id"), s.get("key")) for s in sections] == [("500", "1")]
    assert solo.xml("/api/users/").get("size") == "0"


def test_it_approves_a_pin_by_username_and_rejects_unknown_codes(plexsim: SimHandle) -> None:
    app = client_for(plexsim, None)
    pin = app.json("/api/v2/pins", method="POST", params={"strong": "true"})
    token = plexsim.approve_pin(pin["code"], "priya")
    assert token != "demo-priya-token-0011"
    assert app.json(f"/api/v2/pins/{pin['id']}")["authToken"] == token
    assert client_for(plexsim, token).xml("/api/v2/user").get("username") == "priya"
    with pytest.raises(AssertionError, match="404"):
        plexsim.approve_pin("NOPE", "priya")


def test_it_serves_the_oauth_page_without_inline_code(plexsim: SimHandle) -> None:
    page = requests.get(f"{plexsim.url}/auth", timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<script src="/auth/auth.js" defer></script>' in page.text
    assert "<script>" not in page.text
    assert "style=" not in page.text
    script = requests.get(f"{plexsim.url}/auth/auth.js", timeout=5)
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "/__sim__/pins/" in script.text
    assert requests.get(f"{plexsim.url}/auth/", timeout=5).status_code == 200
    accounts = requests.get(f"{plexsim.url}/__sim__/accounts", timeout=5).json()
    assert {"username": "morgan", "twoFactor": True}.items() <= accounts[0].items()
    assert all(a["username"] for a in accounts)
    assert plexsim.requests() == []


def test_it_generates_the_same_household_every_time() -> None:
    first = generated_state(300).to_doc()
    second = generated_state(300).to_doc()
    assert first == second
    assert len(first["accounts"]) == 301
    assert all(len(s["sections"]) == 10 for s in first["servers"])


def test_it_persists_changes_to_the_state_file(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    first = SimServer(state_file=state_file).start()
    try:
        PlexClient(first.url).call("DELETE", "/api/v2/sharings/1001010")
    finally:
        first.stop()
    saved = json.loads(state_file.read_text())
    assert not any(r["userId"] == 1001010 for r in saved["relations"])
    second = SimServer(state_file=state_file).start()
    try:
        ids = {u.get("id") for u in PlexClient(second.url).xml("/api/users/").findall("User")}
        assert "1001010" not in ids
    finally:
        second.stop()


def test_it_runs_generated_households_in_a_thread() -> None:
    sim = run_in_thread(users=50)
    try:
        users = PlexClient(sim.url, "gen-owner-token-0001").xml("/api/users/")
        assert users.get("totalSize") == "50"
    finally:
        sim.stop()


def test_the_cli_prints_the_url_it_serves(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "plexsim", "--port", "0", "--users", "20"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("plexsim serving http://127.0.0.1:")
        url = line.split()[-1]
        assert requests.get(f"{url}/__sim__/health", timeout=5).json() == {"ok": True, "url": url}
    finally:
        process.terminate()
        process.wait(timeout=10)
