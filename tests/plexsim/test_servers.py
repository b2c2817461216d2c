"""The simulated Plex Media Servers: one loopback port each, and one for each relay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plexsim.pytest_plugin import SimHandle
from plexsim.server import SimServer
from tests.plexsim.conftest import CABIN, DEN, OWNER_TOKEN, PlexClient


def test_it_serves_each_server_and_relay_on_its_own_port(plexsim: SimHandle) -> None:
    urls = set()
    for machine in (DEN, CABIN):
        for relay in (False, True):
            url = plexsim.server_url(machine, relay=relay)
            identity = PlexClient(url, None).xml("/identity")
            assert identity.get("machineIdentifier") == machine
            urls.add(url)
    assert len(urls) == 4
    assert plexsim.url not in urls


def test_the_plex_tv_port_is_no_server(plexsim: SimHandle, owner: PlexClient) -> None:
    assert owner.get(f"/pms/{DEN}/identity").status_code == 404
    assert owner.get("/identity").status_code == 404


def test_a_server_answers_its_own_tokens_only(plexsim: SimHandle) -> None:
    den = PlexClient(plexsim.server_url(DEN), OWNER_TOKEN)
    assert den.get("/library/sections").status_code == 200
    stranger = PlexClient(plexsim.server_url(DEN), "demo-sasha-token-0020")
    missing = stranger.get("/library/sections")
    assert (missing.status_code, missing.headers["Content-Type"]) == (401, "text/html")
    unknown = den.get("/no/such/path")
    assert (unknown.status_code, unknown.headers["Content-Type"]) == (404, "text/html")


def test_it_keeps_server_ports_across_resets(plexsim: SimHandle) -> None:
    before = {
        s["machineIdentifier"]: (s["port"], s["relayPort"]) for s in plexsim.state()["servers"]
    }
    plexsim.reset("users:10")
    assert plexsim.state()["servers"][0]["machineIdentifier"] not in before
    plexsim.reset("demo")
    after = {
        s["machineIdentifier"]: (s["port"], s["relayPort"]) for s in plexsim.state()["servers"]
    }
    assert after == before


def test_it_stops_answering_for_a_server_that_is_gone(plexsim: SimHandle) -> None:
    url = plexsim.server_url(DEN)
    plexsim.reset("users:10")
    try:
        PlexClient(url, None).get("/identity", timeout=2)
    except OSError:
        return
    raise AssertionError("the server's port still answers")


def test_it_binds_the_same_ports_after_a_restart_with_a_state_file(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    first = SimServer(state_file=state_file).start()
    try:
        ports = {
            s.machineIdentifier: (s.port, s.relayPort) for s in first.sim.state.servers.values()
        }
    finally:
        first.stop()
    saved = {s["machineIdentifier"]: (s["port"], s["relayPort"]) for s in _doc(state_file)}
    assert saved == ports
    second = SimServer(state_file=state_file).start()
    try:
        again = {
            s.machineIdentifier: (s.port, s.relayPort) for s in second.sim.state.servers.values()
        }
        assert again == ports
        identity = PlexClient(f"http://127.0.0.1:{ports[DEN][0]}", None).xml("/identity")
        assert identity.get("machineIdentifier") == DEN
    finally:
        second.stop()


def _doc(state_file: Path) -> list[dict[str, Any]]:
    servers: list[dict[str, Any]] = json.loads(state_file.read_text())["servers"]
    return servers


def test_resources_and_the_server_document_name_the_same_port(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    server = owner.xml(f"/api/servers/{DEN}").find("Server")
    assert f"http://{server.get('address')}:{server.get('port')}" == plexsim.server_url(DEN)
