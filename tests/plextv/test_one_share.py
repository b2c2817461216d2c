"""Reading and changing one share without reading the server's whole share list.

First against a scripted server (exact requests), then against plexsim (state, lost answers)
and with python-plexapi, which reads the same single-share endpoint for a share's libraries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from plexapi.myplex import MyPlexAccount

from plextv import ApiChanged, NotFound, OutcomeUnknown, PlexTV
from plextv.masking import mask_tokens
from tests.plexsim.test_fidelity_plexapi import PLEX_HOSTS, SimulatorAdapter
from tests.plextv.conftest import SAMPLES
from tests.plextv.scripted import ScriptedServer, Step
from tests.plextv.test_against_plexsim import DEN, OWNER_TOKEN, config

MACHINE = "0f1e2d3c4b5a69788796a5b4c3d2e1f001122334"
LISTING = (SAMPLES / "api-servers-machineid-shared_servers.xml").read_text()
ONE = f"/api/servers/{MACHINE}/shared_servers/30001"
ALEX = 30006  # Den → alex.rivera: Movies, TV Shows, allowSync (demo seed)


def one_share(share_id: int) -> str:
    """The answer for one share: the listing's container with only that `<SharedServer>`."""
    head, _, rest = LISTING.partition("<SharedServer ")
    blocks = ["<SharedServer " + b for b in rest.split("<SharedServer ")]
    mine = next(b for b in blocks if f'id="{share_id}"' in b.split(">", 1)[0])
    return head + mine.split("</MediaContainer>")[0] + "</MediaContainer>"


def paths(scripted: ScriptedServer) -> list[tuple[str, str]]:
    return [(s.method, s.path.split("?")[0]) for s in scripted.seen]


# --- exact requests ---------------------------------------------------------------------------


def test_server_share_reads_the_one_share_with_its_settings_and_libraries(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=one_share(30002)))
    share = client.server_share(MACHINE, 30002)
    assert paths(scripted) == [("GET", f"/api/servers/{MACHINE}/shared_servers/30002")]
    assert (share.id, share.username, share.machine_identifier) == (30002, "bob", MACHINE)
    assert share.settings.allow_sync
    assert share.settings.filter_movies is not None
    assert share.settings.filter_movies.content_ratings == ("G", "PG")
    assert [s.title for s in share.shared_sections] == ["Movies", "TV Shows", "Photos"]
    assert "FAKEbobsrvTOKEN00002" not in mask_tokens("token FAKEbobsrvTOKEN00002")


def test_a_share_plex_tv_does_not_have_is_not_found(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    gone = (SAMPLES / "api-servers-machineid-shared_servers-id-error-404.xml").read_text()
    scripted.script(Step(status=404, body=gone), Step(body="<MediaContainer size='0'/>"))
    with pytest.raises(NotFound) as caught:
        client.server_share(MACHINE, 30001)
    assert caught.value.human_message == "That share no longer exists on plex.tv."
    assert caught.value.status == 404
    with pytest.raises(NotFound):
        client.server_share(MACHINE, 30001)  # an answer without that share
    assert len(scripted.seen) == 2  # a 404 is an answer: not retried


def test_a_share_answered_without_its_settings_is_an_api_change_and_nothing_is_written(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    bare = (
        f'<MediaContainer machineIdentifier="{MACHINE}"><SharedServer id="30001" userID="111">'
        '<Section id="118181361" key="1" title="Movies" type="movie" shared="1"/>'
        "</SharedServer></MediaContainer>"
    )
    scripted.script(Step(body=bare), Step(status=204))
    with pytest.raises(ApiChanged):
        client.update_share(MACHINE, 30001, allow_sync=True)
    assert paths(scripted) == [("GET", ONE)]


def test_update_share_reads_the_one_share_then_writes_it(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=one_share(30001)), Step(status=204))
    written = client.update_share(MACHINE, 30001, libraries=["Photos"], allow_sync=True)
    assert paths(scripted) == [("GET", ONE), ("POST", "/api/v2/shared_servers/30001")]
    body = json.loads(scripted.seen[1].body)
    assert body["librarySectionIds"] == [118278404]
    assert body["settings"]["allowSync"] is True
    assert body["settings"]["allowChannels"] is False
    assert [s.title for s in written.shared_sections] == ["Photos"]
    assert client.requests_sent == 2


def test_update_share_with_the_share_just_read_sends_only_the_write(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=LISTING), Step(status=204), Step(status=204))
    shares = {s.id: s for s in client.server_shares(MACHINE)}  # once for a whole batch
    client.update_share(MACHINE, 30001, allow_sync=True, current=shares[30001])
    client.update_share(MACHINE, 30002, libraries=["Movies"], current=shares[30002])
    assert paths(scripted) == [
        ("GET", f"/api/servers/{MACHINE}/shared_servers"),
        ("POST", "/api/v2/shared_servers/30001"),
        ("POST", "/api/v2/shared_servers/30002"),
    ]
    second = json.loads(scripted.seen[2].body)
    assert second["librarySectionIds"] == [118181361]
    assert second["settings"]["allowSync"] is True  # bob's own, kept
    assert second["settings"]["filterMovies"] == "contentRating=G%2CPG"


def test_update_share_refuses_a_current_share_of_another_id_before_sending(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=one_share(30002)))
    bob = client.server_share(MACHINE, 30002)
    with pytest.raises(ValueError, match="30002"):
        client.update_share(MACHINE, 30001, allow_sync=True, current=bob)
    assert len(scripted.seen) == 1


def test_update_share_with_nothing_to_change_sends_only_the_read(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=one_share(30001)))
    share = client.update_share(MACHINE, 30001, libraries=["Movies", "TV Shows"])
    assert share.id == 30001
    assert paths(scripted) == [("GET", ONE)]


# --- against plexsim --------------------------------------------------------------------------


@pytest.fixture
def owner(plexsim: Any) -> PlexTV:
    return PlexTV(config(plexsim), token=OWNER_TOKEN, sleep=lambda _: None)


def sim_paths(plexsim: Any) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in plexsim.requests() if r["host"] != "pms"]


def test_plexsim_answers_one_share_as_its_entry_in_the_listing(owner: PlexTV) -> None:
    listed = {s.id: s for s in owner.server_shares(DEN)}
    for share_id in listed:
        assert owner.server_share(DEN, share_id) == listed[share_id]


def test_plexsim_answers_404_for_a_share_of_another_server_or_none(owner: PlexTV) -> None:
    with pytest.raises(NotFound):
        owner.server_share(DEN, 30008)  # a share of the Cabin
    with pytest.raises(NotFound):
        owner.server_share(DEN, 999999)


def test_an_edit_costs_one_read_and_one_write_of_that_share(owner: PlexTV, plexsim: Any) -> None:
    plexsim.clear_requests()
    owner.update_share(DEN, ALEX, libraries=["Movies"], allow_channels=True)
    assert sim_paths(plexsim) == [
        ("GET", f"/api/servers/{DEN}/shared_servers/{ALEX}"),
        ("POST", f"/api/v2/shared_servers/{ALEX}"),
    ]
    alex = owner.server_share(DEN, ALEX)
    assert [s.title for s in alex.shared_sections] == ["Movies"]
    assert alex.settings.allow_channels
    assert alex.settings.allow_sync  # not asked about: kept


def test_an_edit_whose_answer_is_lost_is_safe_to_repeat_and_not_written_twice(
    owner: PlexTV, plexsim: Any
) -> None:
    plexsim.add_fault(action="reset", method="POST", path=f"/api/v2/shared_servers/{ALEX}", times=1)
    with pytest.raises(OutcomeUnknown):
        owner.update_share(DEN, ALEX, libraries=["Movies", "Kids Movies"])
    again = owner.update_share(DEN, ALEX, libraries=["Movies", "Kids Movies"])
    assert [s.title for s in again.shared_sections] == ["Movies", "Kids Movies"]
    posts = [p for p in sim_paths(plexsim) if p[0] == "POST"]
    assert posts == [("POST", f"/api/v2/shared_servers/{ALEX}")]  # plexsim applied it once
    assert all(not path.endswith("/shared_servers") for _, path in sim_paths(plexsim))


def test_stop_sharing_after_a_lost_answer_finds_the_share_gone(owner: PlexTV, plexsim: Any) -> None:
    plexsim.add_fault(
        action="reset", method="DELETE", path=f"/api/servers/{DEN}/shared_servers/{ALEX}", times=1
    )
    with pytest.raises(NotFound):  # the retried DELETE: already removed, the outcome wanted
        owner.stop_sharing(DEN, ALEX)
    with pytest.raises(NotFound):
        owner.server_share(DEN, ALEX)
    deletes = [p for p in sim_paths(plexsim) if p[0] == "DELETE"]
    assert len(deletes) == 2


def test_the_one_share_answer_does_not_grow_with_the_household(plexsim: Any) -> None:
    """What an edit reads stays the same size from 40 to 2,000 people; the listing it read
    before grows with every person."""
    single: list[int] = []
    listing: list[int] = []
    for people in (40, 2000):
        plexsim.reset(f"users:{people}")
        client = PlexTV(config(plexsim), token="gen-owner-token-0001", sleep=lambda _: None)
        machine = client.owned_servers()[0].client_identifier
        share = client.server_shares(machine)[0]
        assert client.server_share(machine, share.id) == share
        url = f"{plexsim.url}/api/servers/{machine}/shared_servers"
        headers = {"X-Plex-Token": "gen-owner-token-0001"}
        single.append(len(requests.get(f"{url}/{share.id}", headers=headers, timeout=30).content))
        listing.append(len(requests.get(url, headers=headers, timeout=30).content))
    assert max(single) < 1.2 * min(single)
    assert listing[1] > 10 * listing[0]


# --- python-plexapi ---------------------------------------------------------------------------


@pytest.fixture
def plexapi_account(plexsim: Any) -> Iterator[MyPlexAccount]:
    session = requests.Session()
    adapter = SimulatorAdapter(plexsim.url)
    for host in PLEX_HOSTS:
        session.mount(f"https://{host}", adapter)
    yield MyPlexAccount(token=OWNER_TOKEN, session=session)
    session.close()


def test_plexapi_reads_from_the_same_endpoint_what_plextv_wrote(
    owner: PlexTV, plexapi_account: MyPlexAccount, plexsim: Any
) -> None:
    owner.update_share(DEN, ALEX, libraries=["Movies", "Photos"])
    plexsim.clear_requests()
    alex = plexapi_account.user("alex.rivera").server("Morgan's Den")
    assert alex.id == ALEX
    shared = [s.title for s in alex.sections() if s.shared]
    assert shared == ["Movies", "Photos"]
    read = [r["path"] for r in plexsim.requests() if "/shared_servers/" in r["path"]]
    assert read == [f"/api/servers/{DEN}/shared_servers/{ALEX}"]
    settings = owner.server_share(DEN, ALEX).settings
    assert settings.allow_sync  # alex's own, kept by the library edit
    assert not settings.allow_channels
