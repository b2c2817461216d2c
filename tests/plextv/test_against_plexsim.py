"""Every operation against plexsim running as a real HTTP server (state reset per test)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from plextv import (
    AlreadySharing,
    ApiChanged,
    BadRequest,
    ClientConfig,
    Filters,
    InvalidPin,
    NotFound,
    OutcomeUnknown,
    PlexPassRequired,
    PlexTV,
    RateLimited,
    ShareSettings,
    TwoFactorRequired,
    Unauthorized,
    Unavailable,
)

OWNER_TOKEN = "demo-owner-token-0001"
DEN = "07b33a43085dc2635f0bb026696069991fae76dc"
CABIN = "15757bbee2bb63fc0da1142e5b3f54a9ad225744"


def config(sim: Any, **kw: Any) -> ClientConfig:
    return ClientConfig.for_base_url(
        sim.url,
        client_identifier="plextv-tests",
        connect_timeout=1.0,
        read_timeout=1.0,
        retry_backoff_base=0.01,
        retry_backoff_cap=0.05,
        **kw,
    )


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def owner(plexsim: Any, slept: list[float]) -> PlexTV:
    return PlexTV(config(plexsim), token=OWNER_TOKEN, sleep=slept.append)


@pytest.fixture
def anonymous(plexsim: Any, slept: list[float]) -> PlexTV:
    return PlexTV(config(plexsim), sleep=slept.append)


def plex_requests(sim: Any, path_prefix: str = "") -> list[dict[str, Any]]:
    return [r for r in sim.requests() if r["path"].startswith(path_prefix)]


# --- account and sign-in -----------------------------------------------------------------------


def test_it_signs_in_with_password_and_two_factor_code(anonymous: PlexTV) -> None:
    with pytest.raises(TwoFactorRequired):
        anonymous.sign_in("morgan", "owner-pass-1")
    account = anonymous.sign_in("morgan", "owner-pass-1", code="246810")
    # plex.tv gives this device a token of its own, not the one another device holds.
    assert account.auth_token not in {"", OWNER_TOKEN}
    assert anonymous.with_token(account.auth_token).account().username == "morgan"
    assert (account.id, account.username, account.has_plex_pass) == (1001001, "morgan", True)


def test_it_refuses_a_wrong_password(anonymous: PlexTV) -> None:
    with pytest.raises(Unauthorized) as caught:
        anonymous.sign_in("jamie", "wrong")
    assert not isinstance(caught.value, TwoFactorRequired)


def test_it_reads_the_account_pings_and_claims(owner: PlexTV) -> None:
    account = owner.account()
    assert account.email == "morgan@example.com"
    assert account.home_admin
    assert owner.ping() is True
    assert owner.claim_token().startswith("claim-")


def test_sign_out_invalidates_the_token(owner: PlexTV) -> None:
    owner.sign_out()
    assert owner.ping() is False
    with pytest.raises(Unauthorized):
        owner.account()


# --- PINs ---------------------------------------------------------------------------------------


def test_a_strong_pin_is_linked_after_approval(anonymous: PlexTV, plexsim: Any) -> None:
    pin = anonymous.create_pin(strong=True)
    assert len(pin.code) > 4
    assert not anonymous.check_pin(pin.id).linked
    url = anonymous.oauth_url(pin, forward_url="http://127.0.0.1/done")
    assert f"code={pin.code}" in url
    assert "clientID=plextv-tests" in url
    token = plexsim.approve_pin(pin.code, "morgan")
    linked = anonymous.check_pin(pin.id)
    assert linked.auth_token == token
    assert anonymous.with_token(token).account().username == "morgan"


def test_a_four_character_code_is_linked_by_a_signed_in_account(
    anonymous: PlexTV, owner: PlexTV
) -> None:
    pin = anonymous.create_pin()
    assert len(pin.code) == 4
    owner.link_pin(pin.code)
    assert anonymous.wait_for_pin(pin, interval=0.01) is not None


def test_an_expired_pin_is_not_found(anonymous: PlexTV, plexsim: Any) -> None:
    pin = anonymous.create_pin()
    plexsim.advance_clock(901)
    with pytest.raises(NotFound):
        anonymous.check_pin(pin.id)
    assert anonymous.wait_for_pin(pin, interval=0.01) is None


# --- resources, devices, history ------------------------------------------------------------------


def test_it_lists_resources_and_connects_to_an_owned_server(owner: PlexTV, plexsim: Any) -> None:
    resources = owner.resources()
    den = owner.resource("morgan's den")
    assert den.client_identifier == DEN
    assert den.owned
    assert {r.name for r in resources if r.is_server} >= {"Morgan's Den", "Cabin NAS"}
    chosen = owner.connect(den, timeout=2.0)
    assert chosen.local
    assert chosen.uri == plexsim.server_url(DEN)


def test_it_never_picks_a_local_address_of_a_shared_server(owner: PlexTV) -> None:
    sasha = owner.resource("Sasha's NAS")
    assert not sasha.owned
    assert not owner.connect(sasha, timeout=2.0).local


def test_it_lists_and_removes_devices(owner: PlexTV) -> None:
    devices = owner.devices()
    assert {"Living Room TV", "Morgan's iPhone", "Chrome"} <= {d.name for d in devices}
    owner.remove_device("5003")
    assert "Chrome" not in {d.name for d in owner.devices()}
    with pytest.raises(NotFound):
        owner.remove_device("5003")


def test_it_reads_sync_items_of_a_device(owner: PlexTV) -> None:
    items = owner.sync_items("demo-iphone-01")
    assert sorted(i.id for i in items) == [6001, 6002]


def test_it_reads_history_across_owned_servers(owner: PlexTV, plexsim: Any) -> None:
    entries = owner.history(max_results=500)
    assert {e.machine_identifier for e in entries} == {DEN, CABIN}
    assert entries == sorted(entries, key=lambda e: e.viewed_at, reverse=True)
    newest = entries[0].viewed_at
    recent = owner.history(min_date=newest)
    assert recent
    assert all(e.viewed_at >= newest for e in recent)


# --- users, Home, shares -------------------------------------------------------------------------


def test_it_classifies_users_and_finds_one(owner: PlexTV) -> None:
    kinds = {u.title: u.kind for u in owner.users()}
    assert kinds["jamie"] == "home"
    assert kinds["Ellie"] == "managed"
    assert kinds["alex.rivera"] == "friend"
    assert "kai" not in kinds
    assert owner.user("PRIYA@example.com").id == 1001011
    assert owner.user("Ellie").kind == "managed"
    with pytest.raises(NotFound):
        owner.user("nobody")


def test_it_reads_home_users_with_profiles(owner: PlexTV) -> None:
    profiles = {u.title: (u.restriction_profile, u.protected) for u in owner.home_users()}
    assert profiles["Ellie"] == ("little_kid", True)
    assert profiles["Sam"] == ("teen", False)


def test_read_household_reads_everything_in_four_plus_two_per_server(
    owner: PlexTV, plexsim: Any
) -> None:
    plexsim.clear_requests()
    household = owner.read_household([DEN, CABIN])
    assert household.requests_made == 8
    assert len(plexsim.requests()) == 8
    by_title = {u.title: u for u in household.users}
    chen = by_title["chen.li"]
    den_share = chen.share_for(DEN)
    assert den_share is not None
    assert {lib.title for lib in den_share.libraries} == {"Movies", "Music"}
    assert chen.settings.filter_television == Filters(content_ratings=("TV-14",))
    assert by_title["priya"].settings.filter_movies == Filters(excluded_labels=("Horror",))
    assert {s.name for s in household.servers} == {"Morgan's Den", "Cabin NAS"}
    assert {i.address for i in household.pending_invites} == {"kai@example.com", "nina@example.com"}


def test_invite_then_accept_then_edit_then_stop(owner: PlexTV, plexsim: Any) -> None:
    settings = ShareSettings(allow_sync=True, filter_movies=Filters(content_ratings=("G", "PG")))
    share = owner.invite_friend(DEN, "river@example.com", ["Movies", 2], settings)
    assert [s.title for s in share.shared_sections] == ["Movies", "TV Shows"]
    with pytest.raises(AlreadySharing):
        owner.invite_friend(DEN, "river@example.com")
    pending = {i.address: i for i in owner.pending_invites_sent()}
    assert share.id in [s.id for s in pending["river@example.com"].shared_servers]

    updated = owner.update_share(DEN, share.id, libraries=["Kids Movies"], allow_channels=True)
    assert [s.title for s in updated.shared_sections] == ["Kids Movies"]
    again = next(s for s in owner.server_shares(DEN) if s.id == share.id)
    assert [s.title for s in again.shared_sections] == ["Kids Movies"]
    assert again.settings.allow_channels
    assert again.settings.allow_sync
    assert again.settings.filter_movies == Filters(content_ratings=("G", "PG"))

    owner.cancel_invite(share.id)
    assert share.id not in [s.id for s in owner.server_shares(DEN)]


def test_update_share_preserves_tuners_and_filters(owner: PlexTV) -> None:
    owner.update_share(CABIN, 30008, libraries=["Anime"])
    tomasz = owner.user("tomasz")
    assert tomasz.settings.allow_tuners == 1
    assert tomasz.settings.allow_channels
    grandma_before = owner.user("grandma.ruth").settings
    owner.update_share(DEN, 30011, allow_sync=True)
    grandma = owner.user("grandma.ruth").settings
    assert grandma.allow_sync
    assert grandma.filter_movies == grandma_before.filter_movies
    assert grandma.filter_movies.to_plex() == "contentRating=G%2CPG"
    assert grandma.filter_television == Filters(content_ratings=("TV-G", "TV-PG"))


def test_the_invitee_sees_and_accepts_the_invite(owner: PlexTV) -> None:
    kai = owner.with_token("demo-kai-token-0016")
    (invite,) = kai.pending_invites_received()
    assert invite.username == "morgan"
    kai.accept_invite(invite.shared_servers[0].id)
    assert owner.user("kai").share_for(DEN) is not None


def test_an_unverified_invitee_cannot_accept(owner: PlexTV) -> None:
    share = owner.invite_friend(DEN, "river", ["Movies"])
    river = owner.with_token("demo-river-token-0017")
    with pytest.raises(BadRequest) as caught:
        river.accept_invite(share.id)
    assert caught.value.status == 403
    assert not isinstance(caught.value, Unauthorized)


def test_stop_sharing_and_remove_friend(owner: PlexTV) -> None:
    owner.stop_sharing(CABIN, 30010)
    assert owner.user("chen.li").share_for(CABIN) is None
    owner.remove_friend(1001013)
    with pytest.raises(NotFound):
        owner.user("chen.li")


def test_managed_user_lifecycle(owner: PlexTV) -> None:
    created = owner.create_managed_user(
        "Robin", restriction_profile="older_kid", machine_identifier=DEN, libraries=["Kids Movies"]
    )
    assert created.share is not None
    home = {u.id: u for u in owner.home_users()}
    assert home[created.id].restriction_profile == "older_kid"
    owner.set_restriction_profile(created.id, None)
    owner.set_managed_user_pin(created.id, "4321")
    home = {u.id: u for u in owner.home_users()}
    assert home[created.id].restriction_profile is None
    assert home[created.id].protected
    robin = owner.switch_home_user(created.id, pin="4321")
    assert robin.account().id == created.id
    with pytest.raises(InvalidPin):
        owner.switch_home_user(created.id, pin="0000")
    owner.remove_home_user(created.id)
    assert created.id not in {u.id for u in owner.home_users()}


def test_inviting_into_home_needs_plex_pass(owner: PlexTV, plexsim: Any) -> None:
    plexsim.mutate(op="set_account", username="morgan", plexPass=False)
    assert not owner.account().has_plex_pass
    with pytest.raises(PlexPassRequired) as caught:
        owner.invite_to_home("priya")
    assert caught.value.status == 400


def test_inviting_into_home_with_plex_pass_succeeds(owner: PlexTV) -> None:
    owner.invite_to_home("priya")
    with pytest.raises(NotFound):
        owner.invite_to_home("nobody-at-all")


# --- watchlist, discover, view state -------------------------------------------------------------


def test_watchlist_add_remove_and_state(owner: PlexTV) -> None:
    titles = {i.title for i in owner.watchlist()}
    assert {"The Lighthouse Keeper", "Harbour Street", "Quiet Orbit"} <= titles
    found = owner.discover("a", limit=20)
    candidate = next(r for r in found if r.title not in titles)
    assert not owner.on_watchlist(candidate.rating_key)
    owner.add_to_watchlist(candidate.rating_key)
    assert owner.on_watchlist(candidate.rating_key)
    owner.remove_from_watchlist(candidate.rating_key)
    assert not owner.on_watchlist(candidate.rating_key)


def test_watchlist_pages_sorts_and_filters_by_type(owner: PlexTV, plexsim: Any) -> None:
    small = PlexTV(config(plexsim, page_size=1), token=OWNER_TOKEN)
    plexsim.clear_requests()
    items = small.watchlist(sort="titleSort:asc")
    assert [i.title for i in items] == sorted(i.title for i in items)
    assert len(plex_requests(plexsim, "/library/sections/watchlist")) == len(items)
    movies = owner.watchlist(libtype="movie")
    assert movies
    assert all(i.type == "movie" for i in movies)


def test_discover_search_respects_libtype(owner: PlexTV) -> None:
    shows = owner.discover("e", libtype="show")
    assert shows
    assert all(r.type == "show" for r in shows)


def test_view_state_sync_round_trip(owner: PlexTV) -> None:
    owner.set_view_state_sync(True)
    assert owner.view_state_sync() is True
    owner.set_view_state_sync(False)
    assert owner.view_state_sync() is False


# --- faults (scenarios 35, 36, 38) -----------------------------------------------------------


def test_503_twice_then_success(owner: PlexTV, plexsim: Any, slept: list[float]) -> None:
    plexsim.add_fault(action="status", method="GET", path="/api/users*", status=503, times=2)
    assert owner.users()
    assert [r["status"] for r in plex_requests(plexsim, "/api/users")] == [503, 503, 200]
    assert len(slept) == 2


def test_429_with_retry_after_is_waited_out(
    owner: PlexTV, plexsim: Any, slept: list[float]
) -> None:
    plexsim.add_fault(
        action="status", path="/api/users*", status=429, headers={"Retry-After": "7"}, times=1
    )
    assert owner.users()
    assert slept[0] >= 7


def test_429_with_a_day_long_retry_after_is_handed_back(owner: PlexTV, plexsim: Any) -> None:
    plexsim.add_fault(
        action="status", path="/api/users*", status=429, headers={"Retry-After": "86400"}
    )
    with pytest.raises(RateLimited) as caught:
        owner.users()
    assert caught.value.retry_after == 300
    assert len(plex_requests(plexsim, "/api/users")) == 1


def test_401_is_not_retried(owner: PlexTV, plexsim: Any) -> None:
    plexsim.add_fault(
        action="status",
        path="/api/users*",
        status=401,
        body='{"errors":[{"code":1001,"message":"User could not be authenticated"}]}',
    )
    with pytest.raises(Unauthorized):
        owner.users()
    assert len(plex_requests(plexsim, "/api/users")) == 1


@pytest.mark.parametrize(
    "rule",
    [
        {"action": "delay", "delay": 1.5},
        {"action": "reset"},
        {"action": "reset", "partial": True},
        {"action": "truncate"},
        {"action": "wrong_content_type"},
        {
            "action": "status",
            "status": 200,
            "body": "<html><body>Sign in</body></html>",
            "headers": {"Content-Type": "text/html"},
        },
    ],
    ids=["timeout", "reset", "reset-mid-body", "truncated", "html-content-type", "html-200"],
)
def test_transport_faults_are_retried_then_reported(
    owner: PlexTV, plexsim: Any, rule: dict[str, Any]
) -> None:
    plexsim.add_fault(method="GET", path="/api/users*", **rule)
    with pytest.raises(Unavailable) as caught:
        owner.users()
    assert not isinstance(caught.value, OutcomeUnknown)
    # plexsim logs a delayed request when its answer is finished, after the client gave up.
    deadline = time.monotonic() + 3
    while len(plex_requests(plexsim, "/api/users")) < owner.config.retry_attempts:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(plex_requests(plexsim, "/api/users")) == owner.config.retry_attempts


def test_a_transient_fault_heals_on_retry(owner: PlexTV, plexsim: Any) -> None:
    plexsim.add_fault(method="GET", path="/api/users*", action="truncate", times=1)
    assert len(owner.users()) > 5


def test_410_on_a_listing_is_an_api_change(owner: PlexTV, plexsim: Any) -> None:
    plexsim.add_fault(
        action="status",
        path="/api/users*",
        status=410,
        body='<Response code="410" status="This endpoint was deprecated and removed"/>',
    )
    with pytest.raises(ApiChanged):
        owner.users()


def test_404_code_1002_on_shared_servers_is_an_api_change(owner: PlexTV, plexsim: Any) -> None:
    plexsim.add_fault(
        action="status",
        path="/api/servers/*/shared_servers",
        status=404,
        body='{"errors":[{"code":1002,"message":"The requested resource or '
        'endpoint could not be found","status":404}]}',
    )
    with pytest.raises(ApiChanged) as caught:
        owner.read_household([DEN])
    assert caught.value.code == 1002


def test_an_applied_invite_whose_answer_is_lost_is_not_posted_again(
    owner: PlexTV, plexsim: Any
) -> None:
    plexsim.add_fault(
        action="reset", method="POST", path=f"/api/servers/{DEN}/shared_servers", times=1
    )
    with pytest.raises(OutcomeUnknown):
        owner.invite_friend(DEN, "river@example.com", ["Movies"])
    posts = [r for r in plexsim.requests() if r["method"] == "POST"]
    assert len(posts) == 1
    share = owner.ensure_shared(DEN, "river@example.com", ["Movies", "TV Shows"])
    river = [s for s in owner.server_shares(DEN) if s.email == "river@example.com"]
    assert [s.id for s in river] == [share.id]
    assert {s.title for s in river[0].shared_sections} == {"Movies", "TV Shows"}


def test_inviting_someone_already_shared_with_updates_instead(owner: PlexTV) -> None:
    share = owner.ensure_shared(DEN, "alex.rivera@example.com", ["Movies", "Photos"])
    assert share.id == 30006
    alex = owner.user("alex.rivera").share_for(DEN)
    assert alex is not None
    assert len([s for s in owner.server_shares(DEN) if s.user_id == 1001010]) == 1
