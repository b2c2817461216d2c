"""Watchlists: the owner's and a Home member's while viewing as them; refresh, filter, sort,
page, and removal as an operation that plex.tv receives."""

from __future__ import annotations

from typing import Any

import pytest

from activity import watchlists
from activity.models import Watchlist, WatchlistEntry
from activity.operations import REMOVE
from sharing.models import AuditEvent, Operation, PlexUser
from sharing.operations import execute

pytestmark = pytest.mark.django_db

OWNER_ID = 1001001
ELLIE_ID = 1001003


def _sim_watchlist(plexsim: Any, account_id: int) -> dict[str, int]:
    account = next(a for a in plexsim.state()["accounts"] if a["id"] == account_id)
    return dict(account["watchlist"])


def _catalog(plexsim: Any) -> dict[str, dict[str, Any]]:
    return {c["title"]: c for c in plexsim.state()["catalog"]}


@pytest.fixture
def owners_list(synced) -> Watchlist:
    watchlist = watchlists.owner_watchlist()
    assert watchlist is not None
    watchlists.refresh(watchlist)
    watchlist.refresh_from_db()
    return watchlist


def key() -> str:
    import uuid

    return uuid.uuid4().hex


def test_the_first_look_queues_a_read_and_says_so(synced, owner, plexsim) -> None:
    response = owner.client.get("/activity/watchlist/")
    assert response.status_code == 200
    assert "has not been read from plex.tv yet" in response.content.decode()
    assert Watchlist.objects.get(account_id=OWNER_ID).state == Watchlist.QUEUED
    assert plexsim.requests() == []


def test_it_shows_the_stored_list_in_plex_tv_order(owners_list, owner, plexsim) -> None:
    plexsim.clear_requests()
    response = owner.client.get("/activity/watchlist/")
    titles = [entry.title for entry in response.context["page"].object_list]
    assert titles == ["Quiet Orbit", "Harbour Street", "The Lighthouse Keeper"]
    assert plexsim.requests() == []


def test_it_filters_by_type_and_sorts(owners_list, owner) -> None:
    movies = owner.client.get("/activity/watchlist/", {"type": "movie", "sort": "title"})
    titles = [e.title for e in movies.context["page"].object_list]
    assert titles == ["Quiet Orbit", "The Lighthouse Keeper"]
    shows = owner.client.get("/activity/watchlist/", {"type": "show"})
    assert [e.title for e in shows.context["page"].object_list] == ["Harbour Street"]
    newest = owner.client.get("/activity/watchlist/", {"sort": "released"})
    assert newest.context["page"].object_list[0].title == "Quiet Orbit"
    odd = owner.client.get("/activity/watchlist/", {"type": "<script>", "sort": "x" * 500})
    assert odd.status_code == 200
    assert len(odd.context["page"].object_list) == 3


def test_it_pages_a_long_list(synced, owner, plexsim, monkeypatch) -> None:
    from accounts.plex import owner_client
    from activity.views import watchlist as view

    client = owner_client()
    for item in plexsim.state()["catalog"]:
        client.add_to_watchlist(item["ratingKey"])
    watchlist = watchlists.owner_watchlist()
    assert watchlist is not None
    watchlists.refresh(watchlist)
    monkeypatch.setattr(view, "ITEMS_PER_PAGE", 10)
    pages = [
        owner.client.get("/activity/watchlist/", {"page": n}).context["page"] for n in (1, 2, 3)
    ]
    assert pages[0].paginator.count == len(plexsim.state()["catalog"]) == 22
    assert [len(p.object_list) for p in pages] == [10, 10, 2]
    seen = [e.pk for p in pages for e in p.object_list]
    assert len(set(seen)) == 22


def test_removing_is_an_operation_that_plex_tv_receives(owners_list, owner, plexsim) -> None:
    orbit = owners_list.entries.get(title="Quiet Orbit")
    response = owner.client.post(
        "/activity/watchlist/remove/", {"rating_key": orbit.rating_key, "key": key()}
    )
    assert response.status_code == 302
    op = Operation.objects.get(kind=REMOVE)
    assert op.target_id == f"{OWNER_ID}:{orbit.rating_key}"
    assert orbit.rating_key in _sim_watchlist(plexsim, OWNER_ID)

    outcome = execute(op.pk)

    assert outcome.state == Operation.SUCCEEDED
    assert orbit.rating_key not in _sim_watchlist(plexsim, OWNER_ID)
    assert not WatchlistEntry.objects.filter(pk=orbit.pk).exists()
    event = AuditEvent.objects.get(action=REMOVE)
    assert event.target_label == "Quiet Orbit"
    assert event.actor == owner.user


def test_a_removal_already_made_elsewhere_succeeds_without_a_second_call(
    owners_list, owner, plexsim
) -> None:
    from accounts.plex import owner_client

    orbit = owners_list.entries.get(title="Quiet Orbit")
    owner.client.post("/activity/watchlist/remove/", {"rating_key": orbit.rating_key, "key": key()})
    owner_client().remove_from_watchlist(orbit.rating_key)
    plexsim.clear_requests()
    assert execute(Operation.objects.get(kind=REMOVE).pk).state == Operation.SUCCEEDED
    assert [r for r in plexsim.requests() if r["method"] == "PUT"] == []


def test_htmx_removal_answers_with_the_live_status(owners_list, owner) -> None:
    orbit = owners_list.entries.get(title="Quiet Orbit")
    response = owner.client.post(
        "/activity/watchlist/remove/",
        {"rating_key": orbit.rating_key, "key": key()},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert 'class="poster-action"' in body
    assert "/people/operations/" in body
    assert "Queued" in body


def test_the_same_form_sent_twice_queues_once(owners_list, owner) -> None:
    orbit = owners_list.entries.get(title="Quiet Orbit")
    body = {"rating_key": orbit.rating_key, "key": key()}
    owner.client.post("/activity/watchlist/remove/", body)
    owner.client.post("/activity/watchlist/remove/", body)
    assert Operation.objects.filter(kind=REMOVE).count() == 1


def test_a_second_change_to_an_item_waits_for_the_first(owners_list, owner) -> None:
    orbit = owners_list.entries.get(title="Quiet Orbit")
    owner.client.post("/activity/watchlist/remove/", {"rating_key": orbit.rating_key, "key": key()})
    response = owner.client.post(
        "/activity/watchlist/remove/", {"rating_key": orbit.rating_key, "key": key()}, follow=True
    )
    assert "still being sent to plex.tv" in response.content.decode()
    assert Operation.objects.filter(kind=REMOVE).count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"rating_key": "nope", "key": "0" * 32}, "not on this watchlist"),
        ({"rating_key": "../../etc", "key": "0" * 32}, "out of date"),
        ({"rating_key": "abc", "key": "short"}, "out of date"),
        ({}, "out of date"),
    ],
)
def test_bad_removals_change_nothing_and_say_why(owners_list, owner, plexsim, body, message):
    plexsim.clear_requests()
    response = owner.client.post("/activity/watchlist/remove/", body, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Operation.objects.exists()
    htmx = owner.client.post("/activity/watchlist/remove/", body, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert 'role="alert"' in htmx.content.decode()
    assert plexsim.requests() == []


def test_removal_is_post_only_and_admins_only(owners_list, owner, member, outsider) -> None:
    orbit = owners_list.entries.get(title="Quiet Orbit")
    body = {"rating_key": orbit.rating_key, "key": key()}
    assert owner.client.get("/activity/watchlist/remove/").status_code == 405
    assert member.client.post("/activity/watchlist/remove/", body).status_code == 403
    assert outsider.client.post("/activity/watchlist/remove/", body).status_code == 403
    assert member.client.get("/activity/watchlist/").status_code == 403
    assert not Operation.objects.exists()


def test_refresh_queues_one_read(owners_list, owner) -> None:
    assert owner.client.get("/activity/watchlist/refresh/").status_code == 405
    owner.client.post("/activity/watchlist/refresh/")
    owner.client.post("/activity/watchlist/refresh/")
    owners_list.refresh_from_db()
    assert owners_list.state == Watchlist.QUEUED
    status = owner.client.get("/activity/watchlist/refresh/status/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in status.content.decode()


def test_a_failed_read_is_shown_with_plex_tvs_reason(owners_list, owner, plexsim) -> None:
    plexsim.add_fault(action="status", path="/library/sections/watchlist/all", status=503, times=9)
    with pytest.raises(Exception, match="not answering"):
        watchlists.refresh(owners_list)
    page = owner.client.get("/activity/watchlist/").content.decode()
    assert "The last read failed" in page
    assert owners_list.entries.count() == 3  # the stored copy stays


# --- a Home member's list while viewing as them ----------------------------------------------


@pytest.fixture
def viewing_ellie(synced, owner) -> PlexUser:
    ellie = PlexUser.objects.get(title="Ellie")
    response = owner.client.post(f"/switch/{ellie.pk}/", {"pin": "1111"})
    assert response.status_code == 302, response.content
    return ellie


def test_the_member_list_needs_a_live_switch(synced, owner) -> None:
    response = owner.client.get("/activity/watchlist/member/")
    assert response.status_code == 302
    assert response["Location"] == "/switch/"


def test_viewing_as_a_member_reads_and_changes_their_list(viewing_ellie, owner, plexsim) -> None:
    response = owner.client.get("/activity/watchlist/member/")
    assert response.status_code == 200
    watchlist = Watchlist.objects.get(account_id=ELLIE_ID)
    assert watchlist.state == Watchlist.QUEUED
    assert watchlist.switch_ref
    watchlists.refresh(watchlist)
    page = owner.client.get("/activity/watchlist/member/")
    titles = {e.title for e in page.context["page"].object_list}
    assert titles == {"Snack Detectives", "Garden of Clocks"}
    assert "Viewing as Ellie" in page.content.decode()

    snack = watchlist.entries.get(title="Snack Detectives")
    owner.client.post(
        "/activity/watchlist/member/remove/", {"rating_key": snack.rating_key, "key": key()}
    )
    op = Operation.objects.get(kind=REMOVE)
    assert execute(op.pk).state == Operation.SUCCEEDED
    assert snack.rating_key not in _sim_watchlist(plexsim, ELLIE_ID)
    assert len(_sim_watchlist(plexsim, OWNER_ID)) == 3  # the owner's own list is untouched
    assert "Ellie" in op.params["label"]
    assert "switch_ref" not in op.params  # the reference stays on the watchlist row


def test_a_change_after_the_switch_ended_fails_with_a_clear_message(
    viewing_ellie, owner, plexsim
) -> None:
    owner.client.get("/activity/watchlist/member/")
    watchlist = Watchlist.objects.get(account_id=ELLIE_ID)
    watchlists.refresh(watchlist)
    snack = watchlist.entries.get(title="Snack Detectives")
    owner.client.post(
        "/activity/watchlist/member/remove/", {"rating_key": snack.rating_key, "key": key()}
    )
    owner.client.post("/switch/exit/")
    outcome = execute(Operation.objects.get(kind=REMOVE).pk)
    assert outcome.state == Operation.FAILED
    assert "view as Ellie has ended" in outcome.message
    assert snack.rating_key in _sim_watchlist(plexsim, ELLIE_ID)
