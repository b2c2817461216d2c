"""Discover search through the worker, type filters, "on your watchlist", and adding."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from accounts.plex import owner_client
from activity import discover, watchlists
from activity.models import DiscoverSearch, Watchlist
from activity.operations import ADD
from sharing.models import Operation
from sharing.operations import execute

pytestmark = pytest.mark.django_db

OWNER_ID = 1001001


def _search(owner: Any, q: str, kind: str = "") -> DiscoverSearch:
    """Search as the page does, then run the worker's part."""
    response = owner.client.get("/activity/discover/", {"q": q, "type": kind})
    assert response.status_code == 200
    search = response.context["search"]
    if search.pending:
        discover.run(search, owner_client())
    search.refresh_from_db()
    return search


def _sim_watchlist(plexsim: Any) -> dict[str, int]:
    account = next(a for a in plexsim.state()["accounts"] if a["id"] == OWNER_ID)
    return dict(account["watchlist"])


def test_the_page_queues_the_search_and_polls_without_calling_plex_tv(
    synced, owner, plexsim
) -> None:
    response = owner.client.get("/activity/discover/", {"q": "the"})
    body = response.content.decode()
    assert "Searching plex.tv" in body
    assert 'hx-trigger="every 1s"' in body
    assert plexsim.requests() == []


@pytest.mark.parametrize(
    ("kind", "types"),
    [("movie", {"movie"}), ("show", {"show"}), ("", {"movie", "show"})],
)
def test_type_filters_reach_plex_tv_and_the_results(synced, owner, plexsim, kind, types) -> None:
    search = _search(owner, "the", kind)
    assert search.state == DiscoverSearch.DONE
    assert {r["type"] for r in search.results} == types
    sent = [r for r in plexsim.requests() if r["path"] == "/library/search"]
    expected = {"movie": "movies", "show": "tv", "": "movies%2Ctv"}[kind]
    assert f"searchTypes={expected}" in sent[-1]["query"]


def test_results_render_with_posters_from_our_server_only(synced, owner) -> None:
    search = _search(owner, "quiet")
    response = owner.client.get(f"/activity/discover/searches/{search.pk}/")
    body = response.content.decode()
    assert "Quiet Orbit" in body
    assert "metadata-static" not in body
    assert "/activity/posters/" in body or "poster-placeholder.svg" in body


def test_a_recent_identical_search_is_reused(synced, owner, plexsim) -> None:
    first = _search(owner, "Paper")
    plexsim.clear_requests()
    again = owner.client.get("/activity/discover/", {"q": "  paper "}).context["search"]
    assert again.pk == first.pk
    assert plexsim.requests() == []


def test_a_search_with_no_hits_says_so(synced, owner) -> None:
    search = _search(owner, "no such title")
    page = owner.client.get(f"/activity/discover/searches/{search.pk}/").content.decode()
    assert "Nothing on plex.tv matches" in page


def test_a_failed_search_shows_why_and_is_not_reused(synced, owner, plexsim) -> None:
    plexsim.add_fault(action="status", path="/library/search", status=503, times=9)
    search = owner.client.get("/activity/discover/", {"q": "quiet"}).context["search"]
    from activity.tasks import run_search

    run_search(search.pk)
    page = owner.client.get(f"/activity/discover/searches/{search.pk}/").content.decode()
    assert "The search failed" in page
    plexsim.clear_faults()
    assert owner.client.get("/activity/discover/", {"q": "quiet"}).context["search"].pk != (
        search.pk
    )


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "This field is required"),
        ("a", "at least 2 characters"),
        ("x" * 101, "at most 100 characters"),
        ("tab\tquery", "cannot be searched"),
    ],
)
def test_bad_searches_get_a_clear_message_and_search_nothing(synced, owner, q, message) -> None:
    response = owner.client.get("/activity/discover/", {"q": q})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DiscoverSearch.objects.exists()


def test_an_unknown_type_is_refused(synced, owner) -> None:
    response = owner.client.get("/activity/discover/", {"q": "the", "type": "artist"})
    assert "Select a valid choice" in response.content.decode()
    assert not DiscoverSearch.objects.exists()


def test_adding_a_result_round_trips_to_plex_tv_and_shows_the_badge(synced, owner, plexsim) -> None:
    search = _search(owner, "paper moons", "movie")
    paper = search.results[0]
    assert paper["title"] == "Paper Moons"
    response = owner.client.post(
        "/activity/discover/add/",
        {"search": search.pk, "rating_key": paper["rating_key"], "key": uuid.uuid4().hex},
    )
    assert response.status_code == 302
    assert response["Location"] == "/activity/discover/?q=paper+moons&type=movie"
    op = Operation.objects.get(kind=ADD)
    assert execute(op.pk).state == Operation.SUCCEEDED
    assert paper["rating_key"] in _sim_watchlist(plexsim)
    page = owner.client.get(f"/activity/discover/searches/{search.pk}/").content.decode()
    assert "On your watchlist" in page
    watchlist = Watchlist.objects.get(account_id=OWNER_ID)
    assert watchlist.entries.order_by("position").first().title == "Paper Moons"  # type: ignore[union-attr]
    # Then removing it again: the round trip.
    owner.client.post(
        "/activity/watchlist/remove/",
        {"rating_key": paper["rating_key"], "key": uuid.uuid4().hex},
    )
    remove = Operation.objects.exclude(kind=ADD).get()
    assert execute(remove.pk).state == Operation.SUCCEEDED
    assert paper["rating_key"] not in _sim_watchlist(plexsim)


def test_an_item_already_on_the_list_is_not_added_twice(synced, owner, plexsim) -> None:
    watchlist = watchlists.owner_watchlist()
    assert watchlist is not None
    watchlists.refresh(watchlist)
    search = _search(owner, "quiet orbit")
    orbit = search.results[0]
    response = owner.client.post(
        "/activity/discover/add/",
        {"search": search.pk, "rating_key": orbit["rating_key"], "key": uuid.uuid4().hex},
        follow=True,
    )
    assert "is already on" in response.content.decode()
    assert not Operation.objects.exists()


def test_only_titles_plex_tv_returned_can_be_added(synced, owner, plexsim) -> None:
    search = _search(owner, "quiet")
    catalog = {c["title"]: c["ratingKey"] for c in plexsim.state()["catalog"]}
    other = catalog["Cartographers"]
    plexsim.clear_requests()
    for body in (
        {"search": search.pk, "rating_key": other, "key": uuid.uuid4().hex},
        {"search": 999999, "rating_key": other, "key": uuid.uuid4().hex},
        {"search": "x", "rating_key": other, "key": uuid.uuid4().hex},
        {"search": search.pk, "rating_key": "<b>", "key": uuid.uuid4().hex},
    ):
        response = owner.client.post("/activity/discover/add/", body, follow=True)
        assert response.status_code == 200
        assert 'role="alert"' in response.content.decode() or "message-error" in (
            response.content.decode()
        )
    assert not Operation.objects.exists()
    assert plexsim.requests() == []


def test_members_cannot_search_or_add(synced, member) -> None:
    assert member.client.get("/activity/discover/", {"q": "the"}).status_code == 403
    assert member.client.post("/activity/discover/add/", {}).status_code == 403
    assert not DiscoverSearch.objects.exists()


def test_while_viewing_as_a_member_additions_go_to_their_list(synced, owner, plexsim) -> None:
    from sharing.models import PlexUser

    ellie = PlexUser.objects.get(title="Ellie")
    owner.client.post(f"/switch/{ellie.pk}/", {"pin": "1111"})
    search = _search(owner, "lantern fox")
    page = owner.client.get(f"/activity/discover/searches/{search.pk}/").content.decode()
    assert "Add to watchlist" in page
    owner.client.post(
        "/activity/discover/add/",
        {"search": search.pk, "rating_key": search.results[0]["rating_key"], "key": "a" * 32},
    )
    op = Operation.objects.get(kind=ADD)
    assert op.target_id.startswith("1001003:")
    assert execute(op.pk).state == Operation.SUCCEEDED
    ellie_list = next(a for a in plexsim.state()["accounts"] if a["id"] == 1001003)["watchlist"]
    assert search.results[0]["rating_key"] in ellie_list
    assert search.results[0]["rating_key"] not in _sim_watchlist(plexsim)


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/activity/discover/", {"q": "bad\x00query"}),
        ("get", "/activity/", {"month": "2026-02\x00"}),
        ("get", "/activity/people/1/", {"until": "2026-01-01\x00"}),
        ("post", "/activity/watchlist/remove/", {"rating_key": "abc\x00", "key": "0" * 32}),
    ],
)
def test_a_nul_byte_is_refused_before_any_view_runs(synced, owner, plexsim, method, path, data):
    plexsim.clear_requests()
    response = getattr(owner.client, method)(path, data)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert not DiscoverSearch.objects.exists()
    assert not Operation.objects.exists()
    assert plexsim.requests() == []
