from __future__ import annotations

import pytest

from plextv import BadRequest, NotFound, PlexTV
from plextv.base import resolve_libraries
from plextv.connect import candidates
from plextv.models import Connection, Resource, Section
from tests.plextv.scripted import ScriptedServer, Step


def conn(uri: str, *, local: bool = False, relay: bool = False) -> Connection:
    return Connection(uri=uri, local=local, relay=relay)


CONNECTIONS = (
    conn("https://relay.example:8443", relay=True),
    conn("http://remote.example:32400"),
    conn("https://remote.example:32400"),
    conn("http://lan.example:32400", local=True),
    conn("https://lan.example:32400", local=True),
)


def test_it_prefers_local_then_remote_then_relay_and_https_first() -> None:
    owned = Resource(name="mine", client_identifier="m", owned=True, connections=CONNECTIONS)
    assert [c.uri for c in candidates(owned)] == [
        "https://lan.example:32400",
        "http://lan.example:32400",
        "https://remote.example:32400",
        "http://remote.example:32400",
        "https://relay.example:8443",
    ]


def test_it_never_offers_a_local_address_of_a_server_we_do_not_own() -> None:
    shared = Resource(name="theirs", client_identifier="t", owned=False, connections=CONNECTIONS)
    assert [c.uri for c in candidates(shared)] == [
        "https://remote.example:32400",
        "http://remote.example:32400",
        "https://relay.example:8443",
    ]


SECTIONS = [
    Section(global_id=118181361, key=1, title="Movies", type="movie"),
    Section(global_id=118251661, key=2, title="TV Shows", type="show"),
    Section(global_id=2, key=4, title="Photos", type="photo"),
]


def test_it_resolves_libraries_by_global_id_key_title_or_section() -> None:
    assert resolve_libraries([118181361, 1, "tv shows", SECTIONS[2]], SECTIONS) == [
        118181361,
        118251661,
        2,
    ]


def test_it_refuses_an_ambiguous_number_and_an_unknown_library() -> None:
    with pytest.raises(BadRequest, match="ambiguous"):
        resolve_libraries([2], SECTIONS)
    with pytest.raises(BadRequest, match="no library 'Music'"):
        resolve_libraries(["Music"], SECTIONS)


def test_it_picks_the_best_address_that_answers_with_the_right_identity(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.default = Step(body='<MediaContainer machineIdentifier="srv-1"/>')
    dead = "http://127.0.0.1:9"  # discard port: nothing listens there
    resource = Resource(
        name="Example Server",
        client_identifier="srv-1",
        owned=True,
        access_token="SERVERtoken-123456",
        connections=(
            conn(dead, local=True),
            conn(scripted.url, relay=True),
            conn(scripted.url.replace("127.0.0.1", "localhost")),
        ),
    )
    chosen = client.connect(resource, timeout=1.0)
    assert chosen.uri == scripted.url.replace("127.0.0.1", "localhost")
    assert {s.path for s in scripted.seen} == {"/identity"}
    assert all(s.headers["X-Plex-Token"] == "SERVERtoken-123456" for s in scripted.seen)


def test_it_rejects_an_address_that_answers_for_another_server(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.default = Step(body='<MediaContainer machineIdentifier="someone-else"/>')
    resource = Resource(
        name="Example Server",
        client_identifier="srv-1",
        owned=True,
        connections=(conn(scripted.url),),
    )
    with pytest.raises(NotFound, match="answered"):
        client.connect(resource, timeout=1.0)
