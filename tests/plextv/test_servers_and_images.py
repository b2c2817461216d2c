"""Server history pages, server players and poster fetching, against plexsim over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from plextv import BadRequest, ClientConfig, NotFound, PlexTV
from plextv.images import check_image_url, sniff_image

OWNER_TOKEN = "demo-owner-token-0001"
DEN = "07b33a43085dc2635f0bb026696069991fae76dc"


@pytest.fixture
def owner(plexsim: Any) -> PlexTV:
    config = ClientConfig.for_base_url(plexsim.url, client_identifier="plextv-tests")
    return PlexTV(config, token=OWNER_TOKEN)


@pytest.fixture
def den(owner: PlexTV) -> tuple[Any, Any]:
    resource = next(r for r in owner.owned_servers() if r.client_identifier == DEN)
    return resource, owner.connect(resource)


def test_it_lists_only_owned_servers(owner: PlexTV) -> None:
    names = {r.name for r in owner.owned_servers()}
    assert names == {"Morgan's Den", "Cabin NAS"}


def test_it_pages_history_oldest_first_without_gaps_or_repeats(owner: PlexTV, den: Any) -> None:
    resource, connection = den
    first = owner.server_history_page(resource, connection, size=50, oldest_first=True)
    second = owner.server_history_page(resource, connection, start=50, size=50, oldest_first=True)
    assert len(first.entries) == len(second.entries) == 50
    assert first.total is not None
    assert first.total > 1000
    keys = [e.history_key for e in first.entries + second.entries]
    assert len(set(keys)) == 100
    times = [e.viewed_at for e in first.entries + second.entries]
    assert times == sorted(times)  # type: ignore[type-var]


def test_it_reads_only_plays_since_a_moment(owner: PlexTV, den: Any) -> None:
    resource, connection = den
    since = datetime.now(UTC) - timedelta(days=7)
    page = owner.server_history_page(resource, connection, since=since, size=1000)
    assert page.entries
    assert all(e.viewed_at is not None and e.viewed_at >= since for e in page.entries)
    everything = owner.server_history_page(resource, connection, size=1)
    assert everything.total is not None
    assert page.total is not None
    assert page.total < everything.total


def test_it_reads_history_fields_a_screen_needs(owner: PlexTV, den: Any) -> None:
    resource, connection = den
    page = owner.server_history_page(resource, connection, size=500)
    episode = next(e for e in page.entries if e.type == "episode")
    assert episode.grandparent_title
    assert episode.parent_index
    assert episode.index
    assert episode.device_id
    assert episode.history_key
    assert episode.library_section_id == 2
    assert {e.account_id for e in page.entries} >= {1, 1001003}  # the owner is 1 on their server


def test_it_names_the_players_of_a_server(owner: PlexTV, den: Any) -> None:
    resource, connection = den
    players = {d.id: d.name for d in owner.server_devices(resource, connection)}
    assert players[5001] == "Living Room TV"
    assert players[5101] == "Kids Tablet"


def test_it_fetches_a_poster_from_an_allowed_host(owner: PlexTV, plexsim: Any) -> None:
    key = next(iter(plexsim.state()["catalog"]))["ratingKey"]
    image = owner.fetch_image(
        f"https://metadata-static.plex.tv/sim/{key}/thumb.jpg", max_bytes=100_000
    )
    assert image.content_type == "image/png"
    assert image.data.startswith(b"\x89PNG")
    sent = [r for r in plexsim.requests() if r["path"].endswith("/thumb.jpg")]
    assert len(sent) == 1
    assert sent[0]["host"] == "metadata-static.plex.tv"


@pytest.mark.parametrize(
    "url",
    [
        "http://metadata-static.plex.tv/sim/x/thumb.jpg",
        "https://evil.example/thumb.jpg",
        "https://metadata-static.plex.tv.evil.example/x.jpg",
        "https://user:pw@metadata-static.plex.tv/x.jpg",
        "https://metadata-static.plex.tv:8443/x.jpg",
        "https://127.0.0.1/x.jpg",
        "file:///etc/passwd",
    ],
)
def test_it_refuses_image_urls_off_the_allow_list_without_sending(
    owner: PlexTV, plexsim: Any, url: str
) -> None:
    with pytest.raises(BadRequest):
        owner.fetch_image(url, max_bytes=100_000)
    assert plexsim.requests() == []


def test_it_refuses_an_image_larger_than_the_limit(owner: PlexTV, plexsim: Any) -> None:
    key = next(iter(plexsim.state()["catalog"]))["ratingKey"]
    with pytest.raises(BadRequest, match="larger than"):
        owner.fetch_image(f"https://metadata-static.plex.tv/sim/{key}/art.jpg", max_bytes=100)


def test_it_reports_a_missing_image(owner: PlexTV) -> None:
    with pytest.raises(NotFound):
        owner.fetch_image("https://metadata-static.plex.tv/sim/nope/thumb.jpg", max_bytes=10_000)


def test_it_accepts_only_raster_image_bytes() -> None:
    assert sniff_image(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff_image(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_image(b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>") is None
    assert sniff_image(b"<html>") is None
    assert check_image_url("https://image.tmdb.org/t/p/w300/a.jpg")
