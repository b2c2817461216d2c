"""Request building of the operations, checked against a scripted server on 127.0.0.1."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from plextv import Filters, OutcomeUnknown, PlexTV, ShareSettings
from tests.plextv.conftest import SAMPLES
from tests.plextv.scripted import ScriptedServer, Step

MACHINE = "0f1e2d3c4b5a69788796a5b4c3d2e1f001122334"
SERVER_XML = (
    f'<MediaContainer><Server name="Example Server" machineIdentifier="{MACHINE}">'
    '<Section id="118181361" key="1" type="movie" title="Movies"/>'
    '<Section id="118251661" key="2" type="show" title="TV Shows"/>'
    '<Section id="118278404" key="4" type="photo" title="Photos"/>'
    "</Server></MediaContainer>"
)


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def query(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


PENDING_FRIENDS = (
    '[{"status": "pending_sent", "id": 4, "username": "friend2", "home": false},'
    ' {"status": "pending_sent", "id": 7, "username": "homebound", "email": "h@example.com",'
    '  "title": "homebound", "home": true, "createdAt": 1700000000}]'
)


def test_read_household_costs_four_plus_two_per_server_requests(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(
        Step(body=sample("api-users-alt-mixed.xml").replace("fixture-machine-1", MACHINE)),
        Step(body=sample("api-home-users.xml")),
        Step(
            body=sample("api-v2-shared_servers-invites-owned-pending.json"),
            content_type="application/json",
        ),
        Step(body=PENDING_FRIENDS, content_type="application/json"),
        Step(body=SERVER_XML),
        Step(
            body=sample("api-servers-machineid-shared_servers.xml").replace('id="30001"', 'id="1"')
        ),
    )
    household = client.read_household([MACHINE])
    assert household.requests_made == 6
    assert [s.path.split("?")[0] for s in scripted.seen] == [
        "/api/users/",
        "/api/home/users",
        "/api/v2/shared_servers/invites/owned/pending",
        "/api/v2/friends",
        f"/api/servers/{MACHINE}",
        f"/api/servers/{MACHINE}/shared_servers",
    ]
    sarah = household.users[0]
    assert [lib.title for lib in sarah.shares[0].libraries] == ["Movies", "TV Shows"]
    assert household.users[1].shares[0].libraries == ()
    assert [h.restriction_profile for h in household.home_users] == [None, "little_kid", None]
    assert household.servers[0].name == "Example Server"
    [home_invite] = household.pending_home_invites
    assert (home_invite.user_id, home_invite.username) == (7, "homebound")
    assert home_invite.invited_at is not None
    assert home_invite.invited_at.year == 2023
    assert len(household.pending_invites) == 2


def test_invite_friend_posts_global_ids_for_titles_and_keys(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(
        Step(body=SERVER_XML),
        Step(body=sample("api-servers-machineid-shared_servers-post-response.xml")),
    )
    settings = ShareSettings(allow_sync=True, filter_movies=Filters(content_ratings=("G", "PG")))
    share = client.invite_friend(MACHINE, "friend@example.com", ["movies", 2], settings)
    assert share.id == 1234
    post = scripted.seen[1]
    assert (post.method, post.path) == ("POST", f"/api/servers/{MACHINE}/shared_servers")
    body = json.loads(post.body)
    expected = json.loads(sample("api-servers-machineid-shared_servers-post-request.json"))
    expected["sharing_settings"]["allowSync"] = "1"
    expected["sharing_settings"]["filterMovies"] = "contentRating=G%2CPG"
    assert body == expected


def test_invite_friend_without_libraries_shares_every_library(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(
        Step(body=SERVER_XML),
        Step(body=sample("api-servers-machineid-shared_servers-post-response.xml")),
    )
    client.invite_friend(MACHINE, "bob")
    body = json.loads(scripted.seen[1].body)
    assert body["shared_server"] == {
        "library_section_ids": [118181361, 118251661, 118278404],
        "invited_email": "bob",
    }


def test_invite_with_tuner_access_follows_up_with_the_v2_edit(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(
        Step(body=SERVER_XML),
        Step(body=sample("api-servers-machineid-shared_servers-post-response.xml")),
        Step(
            body=sample("api-v2-shared_servers-post-response.json"), content_type="application/json"
        ),
    )
    client.invite_friend(MACHINE, "bob", ["Movies"], ShareSettings(allow_tuners=2))
    edit = scripted.seen[2]
    assert (edit.method, edit.path) == ("POST", "/api/v2/shared_servers/1234")
    body = json.loads(edit.body)
    assert body["settings"]["allowTuners"] == 2
    assert body["librarySectionIds"] == [118181361]


def test_update_share_preserves_filters_and_tuners_not_given(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    listing = (
        sample("api-servers-machineid-shared_servers.xml")
        .replace(
            'filterMusic="" filterPhotos="" filterTelevision="">',
            'filterMusic="label!=loud" filterPhotos="" filterTelevision="contentRating=TV-Y">',
            1,
        )
        .replace('allowTuners="0"', 'allowTuners="1"', 1)
    )
    scripted.script(Step(body=listing), Step(status=204))
    result = client.update_share(MACHINE, 30001, libraries=["Photos"], allow_sync=True)
    body = json.loads(scripted.seen[1].body)
    assert body["librarySectionIds"] == [118278404]
    assert body["settings"] == {
        "allowSync": True,
        "allowCameraUpload": False,
        "allowChannels": False,
        "allowSubtitleAdmin": False,
        "allowTuners": 1,
        "filterMovies": "",
        "filterTelevision": "contentRating=TV-Y",
        "filterMusic": "label!=loud",
        "filterPhotos": "",
        "filterAll": "",
    }
    assert [s.title for s in result.shared_sections] == ["Photos"]
    assert result.settings.allow_sync


def test_update_share_keeps_libraries_when_none_are_given(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=sample("api-servers-machineid-shared_servers.xml")), Step(status=204))
    client.update_share(MACHINE, 30002, filter_movies=Filters())
    body = json.loads(scripted.seen[1].body)
    assert body["librarySectionIds"] == [118181361, 118251661, 118278404]
    assert body["settings"]["filterMovies"] == ""
    assert body["settings"]["allowSync"] is True


def test_ensure_shared_updates_the_existing_share_after_an_unknown_outcome(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(
        Step(body=SERVER_XML),
        Step(action="reset"),
        Step(body=sample("api-servers-machineid-shared_servers.xml")),
        Step(status=204),
    )
    share = client.ensure_shared(MACHINE, "alice@example.com", ["Movies"])
    assert share.id == 30001
    methods = [(s.method, s.path.split("?")[0]) for s in scripted.seen]
    assert methods.count(("POST", f"/api/servers/{MACHINE}/shared_servers")) == 1
    assert methods[-1] == ("POST", "/api/v2/shared_servers/30001")
    # The share found in the listing is updated without being read a second time.
    assert methods == [
        ("GET", f"/api/servers/{MACHINE}"),
        ("POST", f"/api/servers/{MACHINE}/shared_servers"),
        ("GET", f"/api/servers/{MACHINE}/shared_servers"),
        ("POST", "/api/v2/shared_servers/30001"),
    ]


def test_ensure_shared_reraises_when_no_share_exists(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(
        Step(body=SERVER_XML),
        Step(action="reset"),
        Step(body="<MediaContainer/>"),
    )
    with pytest.raises(OutcomeUnknown):
        client.ensure_shared(MACHINE, "nobody@example.com")


def test_create_managed_user_then_share_by_id(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(
        Step(body='{"id": 33542084, "friendlyName": "Kid"}', content_type="application/json"),
        Step(body=SERVER_XML),
        Step(body=sample("api-servers-machineid-shared_servers-post-response.xml")),
    )
    created = client.create_managed_user(
        "Kid", restriction_profile="little_kid", machine_identifier=MACHINE, libraries=["Movies"]
    )
    assert created.id == 33542084
    assert created.share is not None
    assert json.loads(scripted.seen[0].body) == {
        "friendlyName": "Kid",
        "sharingSettings": {},
        "restrictionProfile": "little_kid",
    }
    body = json.loads(scripted.seen[2].body)
    assert body == json.loads(
        sample("api-servers-machineid-shared_servers-post-request-alt-managed.json")
    )


def test_switch_home_user_returns_a_client_with_the_new_token(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(
        Step(body=sample("api-v2-home-users-switch.json"), content_type="application/json")
    )
    switched = client.switch_home_user(2737029, pin="1234")
    assert switched.token == "FAKEswitchTOKEN000001"
    assert switched.session is client.session
    assert query(scripted.seen[0].path) == {"pin": ["1234"]}


def test_managed_user_pin_and_profile_calls(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(Step(status=200), Step(status=200), Step(status=200))
    client.set_managed_user_pin(5, "0420")
    client.set_managed_user_pin(5, None)
    client.set_restriction_profile(5, None)
    assert query(scripted.seen[0].path) == {"pin": ["0420"]}
    assert query(scripted.seen[1].path) == {"removePin": ["1"]}
    assert json.loads(scripted.seen[2].body) == {"userId": 5}


def test_watchlist_reads_every_page(client: PlexTV, scripted: ScriptedServer) -> None:
    def page(start: int, count: int) -> Step:
        items = "".join(
            f'<Video guid="plex://movie/{i:04x}" ratingKey="{i:04x}" type="movie" title="M{i}"/>'
            for i in range(start, start + count)
        )
        return Step(body=f'<MediaContainer totalSize="5" size="{count}">{items}</MediaContainer>')

    small = PlexTV(client.config.with_changes(page_size=2), token="t0ken-abcdefgh")
    scripted.script(page(0, 2), page(2, 2), page(4, 1))
    items = small.watchlist(sort="titleSort:asc", libtype="movie")
    assert [i.title for i in items] == ["M0", "M1", "M2", "M3", "M4"]
    starts = [s.headers["X-Plex-Container-Start"] for s in scripted.seen]
    assert starts == ["0", "2", "4"]
    assert query(scripted.seen[0].path)["type"] == ["1"]


def test_oauth_url_carries_client_id_code_and_forward_url(client: PlexTV) -> None:
    from plextv.models import Pin

    url = client.oauth_url(Pin(id=1, code="abcd1234"), forward_url="https://admin.example/cb")
    assert url.startswith(f"{client.config.app}/auth#?clientID=test-client-id&code=abcd1234")
    assert "forwardUrl=https%3A%2F%2Fadmin.example%2Fcb" in url
    assert "context%5Bdevice%5D%5Bproduct%5D=plexadmin" in url


def test_wait_for_pin_widens_the_interval_on_429_and_stops_at_expiry(
    client: PlexTV, scripted: ScriptedServer, sleeps: list[float]
) -> None:
    from plextv.models import Pin

    config = client.config.with_changes(retry_attempts=1)
    poller = PlexTV(config, sleep=sleeps.append)
    scripted.script(
        Step(body=sample("api-v2-pins-post.json"), content_type="application/json"),
        Step(status=429, body=sample("error-429-1003.json"), content_type="application/json"),
        Step(body=sample("api-v2-pins-post.json"), content_type="application/json"),
        Step(status=404, body=sample("error-404-1002.json"), content_type="application/json"),
    )
    assert poller.wait_for_pin(Pin(id=111222333, code="CODE"), interval=1.0) is None
    assert sleeps[0] == 1.0
    assert sleeps[1] >= 2.0
    assert len(scripted.seen) == 4


def test_wait_for_pin_returns_the_linked_pin(
    client: PlexTV, scripted: ScriptedServer, sleeps: list[float]
) -> None:
    from plextv.models import Pin

    scripted.script(
        Step(body=sample("api-v2-pins-post.json"), content_type="application/json"),
        Step(body=sample("api-v2-pins-id-get-linked.json"), content_type="application/json"),
    )
    pin = client.wait_for_pin(Pin(id=111222333, code="CODE"), interval=0.5)
    assert pin is not None
    assert pin.auth_token == "auth_token"
    assert sleeps == [0.5]


def test_users_fetches_the_remaining_pages_when_plex_tv_pages(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    def page(ids: range) -> Step:
        users = "".join(f'<User id="{i}" title="u{i}" username="u{i}"/>' for i in ids)
        return Step(
            body=f'<MediaContainer totalSize="5" size="{len(ids)}">{users}</MediaContainer>'
        )

    scripted.script(page(range(0, 2)), page(range(2, 4)), page(range(4, 5)))
    assert [u.id for u in client.users()] == [0, 1, 2, 3, 4]
    assert [s.headers.get("X-Plex-Container-Start") for s in scripted.seen] == [None, "2", "4"]
