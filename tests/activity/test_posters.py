"""Posters: only URLs from plex.tv's answers on its image hosts, fetched by the worker within
bounds, cached on disk under a size cap, and served from there (or a placeholder)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.plex import owner_client
from activity import posters, watchlists
from activity.models import Poster

pytestmark = pytest.mark.django_db


def _thumb(plexsim: Any, index: int = 0) -> str:
    key = plexsim.state()["catalog"][index]["ratingKey"]
    return f"https://metadata-static.plex.tv/sim/{key}/thumb.jpg"


@pytest.fixture
def var_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    "url",
    [
        "",
        None,
        "http://metadata-static.plex.tv/a.jpg",
        "https://127.0.0.1:8000/admin",
        "https://169.254.169.254/latest/meta-data",
        "https://metadata-static.plex.tv.evil.example/a.jpg",
        "javascript:alert(1)",
    ],
)
def test_only_plex_tv_image_urls_are_ever_registered(synced, url) -> None:
    assert posters.register(url) is None
    assert not Poster.objects.exists()


def test_the_worker_fetches_and_the_page_serves_the_cached_file(
    synced, owner, plexsim, var_dir
) -> None:
    poster = posters.register(_thumb(plexsim))
    assert poster is not None
    plexsim.clear_requests()
    response = owner.client.get(f"/activity/posters/{poster.url_hash}/")
    assert response["Content-Type"] == "image/svg+xml"  # not fetched yet: the placeholder
    assert plexsim.requests() == []

    result = posters.fetch_due(owner_client())

    assert result["fetched"] == 1
    assert (var_dir / "posters" / poster.url_hash).is_file()
    plexsim.clear_requests()
    response = owner.client.get(f"/activity/posters/{poster.url_hash}/")
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert "max-age" in response["Cache-Control"]
    assert plexsim.requests() == []


def test_a_missing_image_gives_up_and_keeps_the_placeholder(synced, owner, var_dir) -> None:
    poster = posters.register("https://metadata-static.plex.tv/sim/unknown/thumb.jpg")
    assert poster is not None
    assert posters.fetch_due(owner_client())["failed"] == 1
    poster.refresh_from_db()
    assert poster.state == Poster.FAILED
    assert poster.attempts == posters.GIVE_UP_AFTER
    assert posters.fetch_due(owner_client())["failed"] == 0  # never tried again
    response = owner.client.get(f"/activity/posters/{poster.url_hash}/")
    assert response["Content-Type"] == "image/svg+xml"


def test_an_unreachable_host_is_retried_later(synced, plexsim, var_dir) -> None:
    plexsim.add_fault(action="status", path="/sim/*", status=503, times=20)
    poster = posters.register(_thumb(plexsim))
    assert poster is not None
    posters.fetch_due(owner_client())
    poster.refresh_from_db()
    assert poster.state == Poster.FAILED
    assert poster.attempts == 1
    assert posters.fetch_due(owner_client())["failed"] == 0  # not due yet


def test_the_cache_stays_under_its_limit(synced, plexsim, settings, var_dir) -> None:
    for index in range(6):
        posters.register(_thumb(plexsim, index))
    posters.fetch_due(owner_client())
    sizes = sorted(Poster.objects.values_list("size", flat=True))
    settings.ACTIVITY_POSTER_CACHE_BYTES = sum(sizes[:3])
    evicted = posters.trim_cache()
    assert evicted >= 3
    on_disk = sum(f.stat().st_size for f in (var_dir / "posters").iterdir())
    assert on_disk <= settings.ACTIVITY_POSTER_CACHE_BYTES


def test_unknown_and_malformed_poster_addresses(synced, owner, member, anonymous) -> None:
    assert owner.client.get("/activity/posters/" + "0" * 64 + "/")["Content-Type"] == (
        "image/svg+xml"
    )
    assert owner.client.get("/activity/posters/../../etc/passwd/").status_code == 404
    assert owner.client.get("/activity/posters/ABC/").status_code == 404
    assert member.client.get("/activity/posters/" + "0" * 64 + "/").status_code == 200
    assert anonymous.client.get("/activity/posters/" + "0" * 64 + "/").status_code == 302


def test_watchlist_posters_are_registered_from_plex_tvs_answer(synced, plexsim) -> None:
    watchlist = watchlists.owner_watchlist()
    assert watchlist is not None
    watchlists.refresh(watchlist)
    urls = set(Poster.objects.values_list("url", flat=True))
    assert len(urls) == 3
    assert all(u.startswith("https://metadata-static.plex.tv/sim/") for u in urls)


def test_two_workers_storing_the_same_poster_at_once_both_succeed(
    synced, plexsim, var_dir, monkeypatch
) -> None:
    # Regression: both writers used "<hash>.part", so the second rename found its file already
    # moved by the first and the task failed with FileNotFoundError (seen in the demo's log).
    poster = posters.register(_thumb(plexsim))
    assert poster is not None
    real_replace = posters.os.replace
    nested = []

    def replace_after_another_worker(src, dst):  # type: ignore[no-untyped-def]
        if not nested:
            nested.append(dst)
            posters.store(posters.Path(dst), b"the other worker's copy")
        real_replace(src, dst)

    monkeypatch.setattr(posters.os, "replace", replace_after_another_worker)

    assert posters.fetch_due(owner_client())["fetched"] == 1

    cached = var_dir / "posters" / poster.url_hash
    assert cached.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in cached.parent.iterdir()] == [poster.url_hash]  # no partial left
