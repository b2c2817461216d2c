"""How the sync reads plex.tv quickly without reading it differently.

read_household sends its next request while the previous answer is parsed, XML without
declarations goes through the C parser, and repeated libraries, settings and filter strings
are parsed once. None of that may change the requests, their order, where a failure stops
them, or what the answer says.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from defusedxml.common import EntitiesForbidden

from plextv import Filters, PlexTV, Unavailable
from plextv.prefetch import Prefetch
from plextv.transport import parse_xml
from tests.sharing.conftest import CABIN, DEN

HOUSEHOLD_ORDER = [
    "/api/users/",
    "/api/home/users",
    "/api/v2/shared_servers/invites/owned/pending",
    "/api/v2/friends",
    f"/api/servers/{DEN}",
    f"/api/servers/{DEN}/shared_servers",
    f"/api/servers/{CABIN}",
    f"/api/servers/{CABIN}/shared_servers",
]


def paths_since(plexsim, seq: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [r["path"].split("?")[0] for r in plexsim.requests(since=seq)]


def last_seq(plexsim) -> int:  # type: ignore[no-untyped-def]
    seen = plexsim.requests()
    return seen[-1]["seq"] if seen else 0


def test_it_reads_the_household_in_the_documented_order(owner_client: PlexTV, plexsim) -> None:
    seq = last_seq(plexsim)

    household = owner_client.read_household([DEN, CABIN])

    assert paths_since(plexsim, seq) == HOUSEHOLD_ORDER
    assert household.requests_made == 8
    assert len(household.users) == 9
    assert [s.machine_identifier for s in household.servers] == [DEN, CABIN]
    shared = [share for user in household.users for share in user.shares]
    assert len(shared) == 12
    assert all(share.libraries for share in shared)


def test_it_stops_at_the_first_failing_request_as_a_plain_loop_would(
    owner_client: PlexTV, plexsim
) -> None:
    plexsim.add_fault(action="status", status=503, path=f"/api/servers/{DEN}/shared_servers")
    seq = last_seq(plexsim)

    with pytest.raises(Unavailable):
        owner_client.read_household([DEN, CABIN])
    time.sleep(0.2)  # anything sent late by a leftover thread would show up by now

    # The failing request is retried (retry_attempts=2 in the fixture), nothing after it is sent.
    assert paths_since(plexsim, seq) == [*HOUSEHOLD_ORDER[:6], HOUSEHOLD_ORDER[5]]


def test_prefetch_hands_items_over_in_order_then_raises_where_the_source_failed() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("third item broken")

    seen: list[int] = []
    with pytest.raises(ValueError, match="third item broken"), Prefetch(source()) as items:
        seen.extend(items)
    assert seen == [1, 2]


def _give_up_at(items: Prefetch[int], number: int) -> None:
    for item in items:
        if item == number:
            raise RuntimeError("consumer gave up")


def test_prefetch_stops_its_thread_when_the_consumer_leaves_early() -> None:
    produced: list[int] = []

    def source() -> Iterator[int]:
        for number in range(1_000):
            produced.append(number)
            yield number
            time.sleep(0.01)

    with pytest.raises(RuntimeError), Prefetch(source()) as items:
        _give_up_at(items, 2)
    count = len(produced)
    time.sleep(0.1)

    assert 3 <= count < 1_000
    assert len(produced) == count  # nothing produced once the block was left
    assert not any(t.name == "plextv-prefetch" for t in threading.enumerate())


def test_xml_without_declarations_parses_like_the_hardened_parser() -> None:
    text = (
        '<MediaContainer size="2"><User id="1" title="A &amp; B"/><User id="2"/></MediaContainer>'
    )

    root = parse_xml(text)

    assert root.tag == "MediaContainer"
    assert [(u.get("id"), u.get("title")) for u in root] == [("1", "A & B"), ("2", None)]


def test_xml_declaring_entities_is_still_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><MediaContainer title="&lol2;"/>'
    )
    with pytest.raises(EntitiesForbidden):
        parse_xml(laughs)


def test_repeated_filter_strings_are_parsed_once_and_keep_their_text() -> None:
    text = "contentRating=G%2CPG|label!=Horror"

    first, second = Filters.parse(text), Filters.parse(text)

    assert first is second
    assert first.content_ratings == ("G", "PG")
    assert first.excluded_labels == ("Horror",)
    assert first.to_plex() == text
    assert Filters.parse("") == Filters()
    assert Filters.parse(None).raw is None
