"""The demo household's year of plays, its players, per-share "last seen" and poster images."""

from __future__ import annotations

import struct
import time
import zlib

from plexsim.pytest_plugin import SimHandle
from plexsim.routes_images import poster_png
from plexsim.seeds import build_state
from tests.plexsim.conftest import CABIN, DEN, PlexClient

DAY = 86_400


def _plays(state: dict, machine: str) -> list[dict]:
    server = next(s for s in state["servers"] if s["machineIdentifier"] == machine)
    return server["history"]


def test_the_demo_has_a_year_of_plays_up_to_now(plexsim: SimHandle) -> None:
    state = plexsim.state()
    plays = _plays(state, DEN) + _plays(state, CABIN)
    now = time.time()
    assert len(plays) > 1500
    assert max(p["viewedAt"] for p in plays) <= now
    assert max(p["viewedAt"] for p in plays) > now - 2 * DAY
    assert min(p["viewedAt"] for p in plays) < now - 360 * DAY
    recent = {p["accountID"] for p in plays if p["viewedAt"] > now - 30 * DAY}
    assert {1001001, 1001002, 1001003} <= recent


def test_some_people_stopped_watching_and_one_never_started(plexsim: SimHandle) -> None:
    state = plexsim.state()
    plays = _plays(state, DEN) + _plays(state, CABIN)
    ruth = [p["viewedAt"] for p in plays if p["accountID"] == 1001014]
    assert ruth
    assert max(ruth) < time.time() - 90 * DAY
    assert not [p for p in plays if p["accountID"] == 1001015]


def test_plays_stay_in_the_libraries_a_person_has(plexsim: SimHandle) -> None:
    plays = _plays(plexsim.state(), DEN)
    ellie = {p["librarySectionID"] for p in plays if p["accountID"] == 1001003}
    assert ellie <= {2, 5}  # her share: TV Shows and Kids Movies


def test_the_same_moment_builds_the_same_plays() -> None:
    first = build_state("demo").servers
    second = build_state("demo").servers
    assert [e.title for e in first[DEN].history] == [e.title for e in second[DEN].history]


def test_a_server_names_the_players_in_its_history(plexsim: SimHandle) -> None:
    den = PlexClient(plexsim.server_url(DEN), "demo-den-server-token")
    players = {d.get("id"): d.get("name") for d in den.xml("/devices").findall("Device")}
    assert players["5001"] == "Living Room TV"
    history = den.xml("/status/sessions/history/all", params={"accountID": "1001003"})
    assert {v.get("deviceID") for v in history} <= set(players)


def test_users_carry_when_each_share_was_last_seen(owner: PlexClient, plexsim: SimHandle) -> None:
    users = {u.get("id"): u for u in owner.xml("/api/users/").findall("User")}
    ruth_seen = int(users["1001014"].find("Server").get("lastSeenAt"))
    assert ruth_seen < time.time() - 90 * DAY
    plexsim.mutate(op="add_history", machineIdentifier=DEN, userId=1001014, title="Low Tide")
    users = {u.get("id"): u for u in owner.xml("/api/users/").findall("User")}
    assert int(users["1001014"].find("Server").get("lastSeenAt")) > time.time() - 60


def test_posters_are_small_pngs_and_unknown_ones_are_missing(plexsim: SimHandle) -> None:
    key = plexsim.state()["catalog"][0]["ratingKey"]
    client = PlexClient(plexsim.url, None)
    poster = client.get(f"/sim/{key}/thumb.jpg")
    assert poster.status_code == 200
    assert poster.headers["Content-Type"] == "image/png"
    assert poster.content.startswith(b"\x89PNG")
    assert len(poster.content) < 20_000
    assert client.get("/sim/unknown/thumb.jpg").status_code == 404


def test_a_poster_is_a_well_formed_png() -> None:
    data = poster_png("some-key", 60, 90)
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (60, 90)
    raw = zlib.decompress(data[data.index(b"IDAT") + 4 :])
    row = 1 + width * 3
    assert len(raw) >= height * row
    assert all(raw[y * row] == 0 for y in range(height))  # each row: filter byte, then RGB
