"""`plextv.downloads`: each download's status, and removing one, against plexsim over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from defusedxml.ElementTree import fromstring

from plextv import ApiChanged, BadRequest, ClientConfig, NotFound, PlexTV
from plextv.downloads import device_downloads, parse_downloads, remove_download

OWNER_TOKEN = "demo-owner-token-0001"
IPHONE = "demo-iphone-01"


@pytest.fixture
def owner(plexsim: Any) -> PlexTV:
    config = ClientConfig.for_base_url(
        plexsim.url, client_identifier="plextv-tests", connect_timeout=1.0, read_timeout=1.0
    )
    return PlexTV(config, token=OWNER_TOKEN)


def _sim_items(plexsim: Any, client_id: str) -> list[int]:
    device = next(d for d in plexsim.state()["devices"] if d["clientIdentifier"] == client_id)
    return [i["id"] for i in device["syncItems"]]


def test_it_reads_each_download_with_its_status(owner: PlexTV) -> None:
    by_id = {d.id: d for d in device_downloads(owner, IPHONE)}
    assert set(by_id) == {6001, 6002}
    film, show = by_id[6001], by_id[6002]
    assert film.title == "The Lighthouse Keeper"
    assert film.complete
    assert not film.failed
    assert film.total_size == 1_800_000_000
    assert show.state == "pending"
    assert (show.items_complete_count, show.items_count) == (2, 3)
    assert not show.complete


def test_removing_a_download_round_trip(owner: PlexTV, plexsim: Any) -> None:
    remove_download(owner, IPHONE, 6002)
    assert [d.id for d in device_downloads(owner, IPHONE)] == [6001]
    assert _sim_items(plexsim, IPHONE) == [6001]
    with pytest.raises(NotFound):
        remove_download(owner, IPHONE, 6002)


def test_another_accounts_device_is_not_found(owner: PlexTV, plexsim: Any) -> None:
    with pytest.raises(NotFound):
        device_downloads(owner, "demo-ipad-02")
    with pytest.raises(NotFound):
        remove_download(owner, "demo-ipad-02", 6001)
    assert _sim_items(plexsim, IPHONE) == [6001, 6002]


@pytest.mark.parametrize(
    ("client_id", "item_id"),
    [("", 6001), ("x" * 201, 6001), ("bad\nid", 6001), (IPHONE, 0), (IPHONE, True)],
)
def test_bad_names_are_refused_before_anything_is_sent(
    owner: PlexTV, plexsim: Any, client_id: str, item_id: Any
) -> None:
    with pytest.raises(BadRequest):
        remove_download(owner, client_id, item_id)
    assert plexsim.requests() == []


def test_a_failed_item_reads_as_failed_with_plex_tvs_reason() -> None:
    payload = fromstring(
        '<SyncList><SyncItems><SyncItem id="7" title="Film" rootTitle="Film">'
        '<Server machineIdentifier="m"/><Status state="pending" itemsCount="1" '
        'itemsCompleteCount="0" failureCode="12" failure="Transcoder failed"/>'
        "</SyncItem></SyncItems></SyncList>"
    )
    (item,) = parse_downloads(payload)
    assert item.failed
    assert not item.complete
    assert item.failure == "Transcoder failed"


def test_an_answer_of_another_shape_is_an_api_change() -> None:
    with pytest.raises(ApiChanged):
        parse_downloads({"SyncList": []})
    with pytest.raises(ApiChanged):
        parse_downloads(fromstring("<SyncList><SyncItems><SyncItem/></SyncItems></SyncList>"))
