"""Reading the account, users, Home, servers, shares, resources and devices."""

from __future__ import annotations

from plexsim.pytest_plugin import SimHandle
from tests.plexsim.conftest import CABIN, DEN, OWNER_TOKEN, PlexClient, client_for


def test_it_returns_the_account_document_in_xml_by_default(owner: PlexClient) -> None:
    user = owner.xml("/api/v2/user")
    assert user.tag == "user"
    assert user.get("id") == "1001001"
    assert user.get("username") == "morgan"
    assert user.get("authToken") == OWNER_TOKEN
    assert user.get("homeAdmin") == "1"
    assert user.get("homeSize") == "4"
    assert user.get("twoFactorEnabled") == "1"
    assert user.get("scrobbleTypes") == ""
    assert user.find("subscription").get("active") == "1"
    assert user.find("subscription").get("subscribedAt").endswith(" UTC")
    assert "sync" in {f.get("id") for f in user.iter("feature")}
    assert user.find("profile") is not None
    assert [r.get("id") for r in user.iter("role")] == ["plexpass"]


def test_it_returns_the_account_document_in_json_with_accept_json(owner: PlexClient) -> None:
    doc = owner.json("/api/v2/user")
    assert doc["id"] == 1001001
    assert doc["subscription"]["active"] is True
    assert doc["homeAdmin"] is True
    assert isinstance(doc["pin"], str)


def test_it_leaves_out_pin_when_the_account_has_no_home_pin(plexsim: SimHandle) -> None:
    partner = client_for(plexsim, "demo-partner-token-0002")
    assert partner.xml("/api/v2/user").get("pin") is None
    assert partner.xml("/api/v2/user").get("protected") == "0"


def test_it_answers_401_code_1001_for_a_bad_token(plexsim: SimHandle) -> None:
    stranger = client_for(plexsim, "not-a-token")
    response = stranger.get("/api/v2/user")
    assert response.status_code == 401
    assert '<error code="1001" message="User could not be authenticated" status="401"/>' in (
        response.text
    )
    response = stranger.get("/api/v2/user", headers={"Accept": "application/json"})
    assert response.json() == {
        "errors": [{"code": 1001, "message": "User could not be authenticated", "status": 401}]
    }


def test_it_accepts_the_token_as_a_query_parameter(plexsim: SimHandle) -> None:
    anonymous = client_for(plexsim, None)
    response = anonymous.get("/api/v2/user", params={"X-Plex-Token": OWNER_TOKEN})
    assert response.status_code == 200
    assert anonymous.get("/api/v2/user").status_code == 401


def test_it_requires_a_client_identifier_on_v2_calls(owner: PlexClient) -> None:
    del owner.session.headers["X-Plex-Client-Identifier"]
    response = owner.get("/api/v2/user", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 1000
    assert owner.get("/api/users/").status_code == 200


def test_it_lists_friends_and_home_users_with_their_shares(owner: PlexClient) -> None:
    root = owner.xml("/api/users/")
    assert root.get("identifier") == "com.plexapp.plugins.myplex"
    users = {u.get("id"): u for u in root.findall("User")}
    assert len(users) == 9
    assert root.get("totalSize") == "9"
    assert "1001001" not in users
    assert "1001016" not in users
    jamie = users["1001002"]
    assert (jamie.get("home"), jamie.get("restricted"), jamie.get("allowTuners")) == ("1", "0", "2")
    assert [s.get("id") for s in jamie.findall("Server")] == ["30001", "30002"]
    ellie = users["1001003"]
    assert ellie.get("username") is None
    assert ellie.get("email") is None
    assert (ellie.get("restricted"), ellie.get("protected")) == ("1", "1")
    chen = users["1001013"]
    den_share = chen.find("Server")
    assert den_share.get("machineIdentifier") == DEN
    assert den_share.get("numLibraries") == "2"
    assert den_share.get("allLibraries") == "0"
    assert den_share.get("pending") == "0"
    assert chen.get("filterTelevision") == "contentRating=TV-14"
    assert users["1001014"].get("filterMovies") == "contentRating=G%2CPG"


def test_it_answers_users_in_xml_even_when_json_is_asked_for(owner: PlexClient) -> None:
    response = owner.get("/api/users/", headers={"Accept": "application/json"})
    assert response.headers["Content-Type"].startswith("application/xml")
    assert response.text.startswith("<?xml")


def test_it_pages_users_with_container_headers(owner: PlexClient) -> None:
    first = owner.xml(
        "/api/users/", headers={"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "4"}
    )
    rest = owner.xml(
        "/api/users/", headers={"X-Plex-Container-Start": "4", "X-Plex-Container-Size": "10"}
    )
    assert (first.get("size"), first.get("totalSize")) == ("4", "9")
    assert rest.get("size") == "5"
    ids = [u.get("id") for u in first.findall("User") + rest.findall("User")]
    assert len(set(ids)) == 9


def test_it_lists_home_users_with_profiles_only_where_set(owner: PlexClient) -> None:
    root = owner.xml("/api/home/users")
    users = {u.get("title"): u for u in root.findall("User")}
    assert list(users) == ["morgan", "jamie", "Ellie", "Sam"]
    assert users["morgan"].get("admin") == "1"
    assert users["Ellie"].get("restrictionProfile") == "little_kid"
    assert users["Sam"].get("restrictionProfile") == "teen"
    assert "restrictionProfile" not in users["jamie"].attrib
    assert users["jamie"].get("hasPassword") == "true"


def test_it_maps_global_section_ids_to_local_keys(owner: PlexClient) -> None:
    server = owner.xml(f"/api/servers/{CABIN}").find("Server")
    assert server.get("machineIdentifier") == CABIN
    sections = [(s.get("id"), s.get("key"), s.get("title")) for s in server.findall("Section")]
    assert sections == [
        ("118290001", "1", "Movies 4K"),
        ("118290002", "2", "Documentaries"),
        ("118290003", "3", "Anime"),
    ]


def test_it_lists_every_share_of_a_server_with_shared_flags(owner: PlexClient) -> None:
    root = owner.xml(f"/api/servers/{DEN}/shared_servers")
    shares = {s.get("id"): s for s in root.findall("SharedServer")}
    assert set(shares) == {
        "30001",
        "30003",
        "30004",
        "30006",
        "30007",
        "30009",
        "30011",
        "30013",
        "30014",
    }
    alex = shares["30006"]
    assert (alex.get("userID"), alex.get("username"), alex.get("allowSync")) == (
        "1001010",
        "alex.rivera",
        "1",
    )
    flags = {s.get("title"): s.get("shared") for s in alex.findall("Section")}
    assert flags == {
        "Movies": "1",
        "TV Shows": "1",
        "Music": "0",
        "Photos": "0",
        "Kids Movies": "0",
    }
    assert shares["30014"].get("email") == "nina@example.com"
    assert shares["30014"].get("acceptedAt") == ""


def test_it_hides_other_owners_servers(plexsim: SimHandle) -> None:
    friend = client_for(plexsim, "demo-alex-rivera-token-0010")
    response = friend.get(f"/api/servers/{DEN}/shared_servers")
    assert response.status_code == 404
    assert "<error>Not found</error>" in response.text


def test_it_lists_resources_with_loopback_connections(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    root = owner.xml("/api/v2/resources", params={"includeHttps": 1, "includeRelay": 1})
    assert root.tag == "resources"
    resources = {r.get("name"): r for r in root.findall("resource")}
    den = resources["Morgan's Den"]
    assert (den.get("owned"), den.get("accessToken"), den.get("ownerId")) == (
        "1",
        "demo-den-server-token",
        "",
    )
    connections = {
        (c.get("local"), c.get("relay")): (c.get("uri"), c.get("address"), c.get("port"))
        for c in den.iter("connection")
    }
    direct, relay = plexsim.server_url(DEN), plexsim.server_url(DEN, relay=True)
    assert connections == {
        ("1", "0"): (direct, "127.0.0.1", direct.rsplit(":", 1)[1]),
        ("0", "0"): (direct, "127.0.0.1", direct.rsplit(":", 1)[1]),
        ("0", "1"): (relay, "127.0.0.1", relay.rsplit(":", 1)[1]),
    }
    assert direct != relay
    nas = resources["Sasha's NAS"]
    assert (nas.get("owned"), nas.get("sourceTitle"), nas.get("ownerId")) == (
        "0",
        "sasha",
        "1001020",
    )
    assert resources["Living Room TV"].get("provides") == "client,player,pubsub-player"


def test_it_lists_resources_as_a_json_array(owner: PlexClient) -> None:
    items = owner.json("/api/v2/resources")
    assert isinstance(items, list)
    den = next(r for r in items if r["clientIdentifier"] == DEN)
    assert den["owned"] is True
    assert den["connections"][0]["local"] is True
    assert den["createdAt"].endswith("Z")


def test_it_lists_devices_with_connections_for_servers(
    plexsim: SimHandle, owner: PlexClient
) -> None:
    root = owner.xml("/devices.xml")
    devices = {d.get("name"): d for d in root.findall("Device")}
    assert set(devices) == {
        "Morgan's Den",
        "Cabin NAS",
        "Living Room TV",
        "Morgan's iPhone",
        "Chrome",
    }
    assert devices["Morgan's Den"].find("Connection").get("uri") == plexsim.server_url(DEN)
    assert devices["Morgan's iPhone"].find("SyncList") is not None
    assert devices["Chrome"].get("id") == "5003"


def test_it_keeps_ids_identical_across_resets(plexsim: SimHandle) -> None:
    first = plexsim.state()
    plexsim.reset("demo")
    second = plexsim.state()
    assert first["shares"] == second["shares"]
    assert [a["token"] for a in first["accounts"]] == [a["token"] for a in second["accounts"]]
