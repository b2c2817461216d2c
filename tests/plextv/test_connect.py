from __future__ import annotations

import pytest

from plextv import BadRequest
from plextv.base import resolve_libraries
from plextv.connect import candidates
from plextv.models import Connection, Resource, Section


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
