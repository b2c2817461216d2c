"""python-plexapi, a client we did not write, against plexsim over real HTTP.

A transport adapter sends plex.tv's hosts to the simulator and keeps the original Host header,
so the simulator sees which host each call was meant for. PMS connections need no rewriting:
plexsim lists 127.0.0.1 URIs for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import plexapi
import pytest
import requests
from plexapi.exceptions import BadRequest, NotFound, TwoFactorRequired, Unauthorized
from plexapi.myplex import MyPlexAccount, MyPlexPinLogin
from requests.adapters import HTTPAdapter

from plexsim.pytest_plugin import SimHandle
from tests.plexsim.conftest import CABIN, DEN, OWNER_TOKEN

PLEX_HOSTS = (
    "plex.tv",
    "clients.plex.tv",
    "discover.provider.plex.tv",
    "metadata.provider.plex.tv",
)


class SimulatorAdapter(HTTPAdapter):
    """Sends https://<plex host>/path to the simulator, keeping the Host header."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(request.url or "")
        if parts.hostname in PLEX_HOSTS:
            request.headers["Host"] = parts.hostname or ""
            query = f"?{parts.query}" if parts.query else ""
            request.url = f"{self.base_url}{parts.path or '/'}{query}"
        return super().send(request, *args, **kwargs)


@pytest.fixture
def session(plexsim: SimHandle) -> Iterator[requests.Session]:
    s = requests.Session()
    adapter = SimulatorAdapter(plexsim.url)
    for host in PLEX_HOSTS:
        s.mount(f"https://{host}", adapter)
    yield s
    s.close()


@pytest.fixture
def account(session: requests.Session) -> MyPlexAccount:
    return MyPlexAccount(token=OWNER_TOKEN, session=session)


def test_it_loads_the_account_from_a_token(account: MyPlexAccount) -> None:
    assert account.username == "morgan"
    assert account.email == "morgan@example.com"
    assert account.authenticationToken == OWNER_TOKEN
    assert account.subscriptionActive is True
    assert account.subscriptionStatus == "Active"
    assert "sync" in account.subscriptionFeatures
    assert account.roles == ["plexpass"]
    assert {"ios", "android", "roku"} <= set(account.entitlements)
    assert account.homeAdmin is True
    assert account.homeSize == 4
    assert account.pin is not None


def test_it_asks_for_the_2fa_code_then_signs_in(session: requests.Session) -> None:
    with pytest.raises(TwoFactorRequired):
        MyPlexAccount("morgan", "owner-pass-1", session=session)
    signed_in = MyPlexAccount("morgan", "owner-pass-1", code="246810", session=session)
    assert signed_in.username == "morgan"
    assert signed_in.authenticationToken not in {"", OWNER_TOKEN}
    with pytest.raises(Unauthorized):
        MyPlexAccount("morgan", "wrong-password", code="246810", session=session)
    partner = MyPlexAccount("jamie@example.com", "partner-pass-2", session=session)
    assert partner.username == "jamie"


def test_it_lists_users_and_finds_them_by_title_or_username(account: MyPlexAccount) -> None:
    users = account.users()
    assert len(users) == 9
    ellie = account.user("Ellie")
    assert ellie.restricted == "1"
    assert ellie.home is True
    assert ellie.protected is True
    chen = account.user("chen.li@example.com")
    assert chen.allowSync is True
    assert chen.filterTelevision == "contentRating=TV-14"
    assert sorted(s.name for s in chen.servers) == ["Cabin NAS", "Morgan's Den"]
    den_share = chen.server("Morgan's Den")
    assert den_share.numLibraries == 2
    assert den_share.pending is False
    assert [(s.title, s.shared) for s in den_share.sections() if s.shared] == [
        ("Movies", True),
        ("Music", True),
    ]
    with pytest.raises(NotFound):
        account.user("nobody-here")


def test_it_lists_resources_and_connects_to_the_simulated_server(
    account: MyPlexAccount,
) -> None:
    names = {r.name for r in account.resources()}
    assert {"Morgan's Den", "Cabin NAS", "Sasha's NAS", "Living Room TV"} <= names
    resource = account.resource("Morgan's Den")
    assert resource.owned is True
    assert resource.clientIdentifier == DEN
    server = resource.connect(timeout=10)
    assert server.machineIdentifier == DEN
    assert server.friendlyName == "Morgan's Den"
    assert [s.title for s in server.library.sections()] == [
        "Movies",
        "TV Shows",
        "Music",
        "Photos",
        "Kids Movies",
    ]


def test_it_connects_to_a_shared_server_with_the_friends_token(
    session: requests.Session,
) -> None:
    alex = MyPlexAccount(token="demo-alex-rivera-token-0010", session=session)
    server = alex.resource("Morgan's Den").connect(timeout=10)
    assert [s.title for s in server.library.sections()] == ["Movies", "TV Shows"]


def test_it_lists_devices_and_finds_one(plexsim: SimHandle, account: MyPlexAccount) -> None:
    assert {d.name for d in account.devices()} >= {"Living Room TV", "Morgan's iPhone", "Chrome"}
    iphone = account.device("Morgan's iPhone")
    assert iphone.clientIdentifier == "demo-iphone-01"
    assert "sync-target" in iphone.provides
    den = account.device(clientId=DEN)
    assert den.connections == [plexsim.server_url(DEN)]


def test_it_invites_a_friend_and_refuses_a_second_share(
    plexsim: SimHandle, account: MyPlexAccount
) -> None:
    account.inviteFriend(
        "tomasz",
        DEN,
        sections=["Movies", "tv shows"],
        allowSync=True,
        filterMovies={"contentRating": ["G", "PG"]},
    )
    state = plexsim.state()
    share = next(
        s for s in state["shares"] if s["userId"] == 1001012 and s["machineIdentifier"] == DEN
    )
    assert share["sectionIds"] == [118181361, 118181362]
    assert share["accepted"] is False
    relation = next(
        r for r in state["relations"] if r["userId"] == 1001012 and r["ownerId"] == 1001001
    )
    assert relation["settings"]["filterMovies"] == "contentRating=G%2CPG"
    with pytest.raises(BadRequest, match="already sharing"):
        account.inviteFriend("tomasz", DEN, sections=["Movies"])


def test_it_creates_and_removes_a_managed_home_user(account: MyPlexAccount) -> None:
    created, shared = account.createHomeUser("Nora", CABIN, sections=["Anime"])
    new_id = int(created.attrib["id"])
    nora = account.user("Nora")
    assert nora.id == new_id
    assert (nora.home, nora.restricted) == (True, "1")
    assert [s.name for s in nora.servers] == ["Cabin NAS"]
    assert nora.servers[0].pending is False
    assert shared.find("SharedServer").get("userID") == str(new_id)
    account.removeHomeUser("Nora")
    with pytest.raises(NotFound):
        account.user("Nora")


def test_it_updates_a_friends_libraries_and_settings(account: MyPlexAccount) -> None:
    account.updateFriend(
        "alex.rivera",
        DEN,
        sections=["Movies", "Music"],
        allowSync=False,
        filterMovies={"contentRating": ["PG", "PG-13"]},
    )
    alex = account.user("alex.rivera")
    assert alex.allowSync is False
    assert alex.filterMovies == "contentRating=PG%2CPG-13"
    shared = [s.title for s in alex.server("Morgan's Den").sections() if s.shared]
    assert shared == ["Movies", "Music"]


def test_it_removes_a_friend(account: MyPlexAccount) -> None:
    account.removeFriend("priya")
    assert "priya" not in {u.username for u in account.users()}


def test_it_switches_to_a_home_user_with_the_right_pin_only(account: MyPlexAccount) -> None:
    with pytest.raises(BadRequest, match="1041"):
        account.switchHomeUser("Ellie", pin="0000")
    ellie = account.switchHomeUser("Ellie", pin="1111")
    assert ellie.title == "Ellie"
    assert ellie.restricted is True
    sam = account.switchHomeUser("Sam")
    assert sam.title == "Sam"
    tokens = {OWNER_TOKEN, ellie.authenticationToken, sam.authenticationToken}
    assert len(tokens) == 3


def test_it_completes_a_pin_login_through_the_control_api(
    plexsim: SimHandle, session: requests.Session
) -> None:
    login = MyPlexPinLogin(session=session)
    code = login.pin
    assert len(code) == 4
    assert login.checkLogin() is False
    token = plexsim.approve_pin(code, "jamie")
    assert login.checkLogin() is True
    assert login.token == token
    assert MyPlexAccount(token=login.token, session=session).username == "jamie"


def test_it_completes_an_oauth_login_through_the_control_api(
    plexsim: SimHandle, session: requests.Session
) -> None:
    login = MyPlexPinLogin(session=session, oauth=True)
    url = login.oauthUrl(forwardUrl="http://127.0.0.1:8000/done")
    fragment = parse_qs(urlsplit(url).fragment.removeprefix("!?"))
    code = fragment["code"][0]
    assert len(code) == 25
    assert fragment["forwardUrl"] == ["http://127.0.0.1:8000/done"]
    token = plexsim.approve_pin(code, "morgan")
    assert login.checkLogin() is True
    assert login.token == token != OWNER_TOKEN
    assert MyPlexAccount(token=login.token, session=session).username == "morgan"


def test_it_hands_out_claim_tokens_and_answers_ping(account: MyPlexAccount) -> None:
    assert account.claimToken().startswith("claim-")
    assert account.ping() is True


def test_it_manages_the_watchlist(account: MyPlexAccount) -> None:
    titles = [item.title for item in account.watchlist()]
    assert titles == ["Quiet Orbit", "Harbour Street", "The Lighthouse Keeper"]
    movies = account.watchlist(libtype="movie", sort="titleSort:asc")
    assert [m.title for m in movies] == ["Quiet Orbit", "The Lighthouse Keeper"]
    found = account.searchDiscover("paper moons", libtype="movie")
    assert [m.title for m in found] == ["Paper Moons"]
    paper = found[0]
    assert account.onWatchlist(paper) is False
    account.addToWatchlist(paper)
    assert account.onWatchlist(paper) is True
    with pytest.raises(BadRequest):
        account.addToWatchlist(paper)
    account.removeFromWatchlist(paper)
    assert account.onWatchlist(paper) is False


def test_it_searches_discover_by_type(account: MyPlexAccount) -> None:
    shows = account.searchDiscover("harbour", libtype="show")
    assert [(s.title, s.TYPE) for s in shows] == [("Harbour Street", "show")]
    assert account.searchDiscover("no such title") == []


def test_it_lists_sync_items(account: MyPlexAccount) -> None:
    sync_list = account.syncItems(clientId="demo-iphone-01")
    assert [i.title for i in sync_list.items] == ["The Lighthouse Keeper", "Harbour Street"]
    assert sync_list.items[1].status.itemsCount == 3


def test_it_toggles_view_state_sync(account: MyPlexAccount) -> None:
    assert account.viewStateSync is True
    account.disableViewStateSync()
    assert account.viewStateSync is False
    account.enableViewStateSync()
    assert account.viewStateSync is True


def test_it_reads_play_history_from_every_owned_server(account: MyPlexAccount) -> None:
    history = account.history(maxresults=300)
    assert 300 <= len(history) <= 600  # plexapi caps each server at maxresults
    assert {h.accountID for h in history} == {1}
    assert {h.type for h in history} >= {"movie", "episode"}
    episode = next(h for h in history if h.type == "episode")
    assert episode.grandparentTitle
    assert episode.index
    assert episode.parentIndex


def test_it_reads_a_friends_history_on_a_share(account: MyPlexAccount) -> None:
    history = account.user("tomasz").server("Cabin NAS").history()
    # tomasz watches films on the Cabin most weeks of the year, and stopped twelve days ago.
    assert len(history) > 50
    assert {h.accountID for h in history} == {1001012}
    assert all(h.librarySectionID in (1, 2) for h in history)


def test_it_fails_pending_invites_like_todays_plex_tv(account: MyPlexAccount) -> None:
    with pytest.raises(BadRequest, match="410"):
        account.pendingInvites()


def test_it_records_the_host_each_call_was_meant_for(
    plexsim: SimHandle, account: MyPlexAccount
) -> None:
    seen = plexsim.requests()
    account.watchlist()
    hosts = {(e["host"], e["path"]) for e in plexsim.requests(since=seen[-1]["seq"])}
    assert ("discover.provider.plex.tv", "/library/sections/watchlist/all") in hosts
    assert ("metadata.provider.plex.tv", "/") in hosts
    assert seen[0]["host"] == "plex.tv"
    assert seen[0]["path"] == "/api/v2/user"


@pytest.mark.parametrize("ssl", [None, True, False])
def test_it_connects_to_the_right_server_with_or_without_ssl(
    plexsim: SimHandle, account: MyPlexAccount, ssl: bool | None
) -> None:
    # plexapi builds its plain-http candidates from address:port and the others from uri, so
    # both must name the same server.
    for name, machine in [("Morgan's Den", DEN), ("Cabin NAS", CABIN)]:
        server = account.resource(name).connect(ssl=ssl, timeout=10)
        assert server.machineIdentifier == machine
        assert server._baseurl == plexsim.server_url(machine)


def test_it_connects_through_the_relay_alone(plexsim: SimHandle, account: MyPlexAccount) -> None:
    resource = account.resource("Cabin NAS")
    relay = [c for c in resource.connections if c.relay]
    assert [(c.uri, c.httpuri) for c in relay] == [(plexsim.server_url(CABIN, relay=True),) * 2]
    server = resource.connect(locations=["relay"], timeout=10)
    assert server.machineIdentifier == CABIN
    assert server._baseurl == plexsim.server_url(CABIN, relay=True)
    assert {e["host"] for e in plexsim.requests() if e["server"] == CABIN} == {"relay"}


def test_it_connects_to_a_server_listed_in_devices(
    plexsim: SimHandle, account: MyPlexAccount
) -> None:
    server = account.device(clientId=CABIN).connect(timeout=10)
    assert server.machineIdentifier == CABIN


def test_one_devices_sign_out_leaves_the_others_signed_in(
    session: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sign_in(client_id: str) -> MyPlexAccount:
        monkeypatch.setitem(plexapi.BASE_HEADERS, "X-Plex-Client-Identifier", client_id)
        return MyPlexAccount("jamie", "partner-pass-2", session=session)

    tablet, laptop = sign_in("jamie-tablet"), sign_in("jamie-laptop")
    assert tablet.authenticationToken != laptop.authenticationToken
    assert sign_in("jamie-tablet").authenticationToken == tablet.authenticationToken
    tablet.signout()
    with pytest.raises(Unauthorized):
        MyPlexAccount(token=tablet.authenticationToken, session=session)
    assert MyPlexAccount(token=laptop.authenticationToken, session=session).username == "jamie"
    assert MyPlexAccount(token="demo-partner-token-0002", session=session).username == "jamie"
    again = sign_in("jamie-tablet")
    assert again.authenticationToken not in {tablet.authenticationToken, laptop.authenticationToken}


def test_it_keeps_privacy_opt_outs(account: MyPlexAccount) -> None:
    privacy = "https://plex.tv/api/v2/user/privacy"
    assert account.query(privacy).attrib == {"optOutPlayback": "0", "optOutLibraryStats": "0"}
    account.optOut(playback=True, library=False)
    assert account.query(privacy).attrib == {"optOutPlayback": "1", "optOutLibraryStats": "0"}
    account.optOut(library=True)
    assert account.query(privacy).attrib == {"optOutPlayback": "1", "optOutLibraryStats": "1"}
    with pytest.raises(BadRequest):
        account.query(privacy, method=account._session.put, data={"optOutPlayback": "maybe"})
    assert account.query(privacy).attrib["optOutPlayback"] == "1"


def test_it_fails_a_client_aimed_at_the_old_watchlist_host(account: MyPlexAccount) -> None:
    with pytest.raises(NotFound, match="Section 'watchlist' not found!"):
        account.query("https://metadata.provider.plex.tv/library/sections/watchlist/all")
    with pytest.raises(NotFound, match="1002"):
        account.query("https://plex.tv/library/sections/watchlist/all")


def test_it_removes_a_sync_item_as_plexapi_does(account: MyPlexAccount) -> None:
    sync_list = account.syncItems(clientId="demo-iphone-01")
    harbour = next(i for i in sync_list.items if i.title == "Harbour Street")
    harbour.delete()
    left = account.syncItems(clientId="demo-iphone-01").items
    assert [i.title for i in left] == ["The Lighthouse Keeper"]


def test_it_links_a_device_by_its_code_as_plexapi_does(
    plexsim: SimHandle, account: MyPlexAccount
) -> None:
    waiting = plexsim.device_code("Plex for Roku")
    account.link(waiting["code"])
    pin = next(p for p in plexsim.state()["pins"] if p["id"] == waiting["pinId"])
    assert pin["authToken"]
    with pytest.raises(NotFound):
        account.link("ZZZZ")
