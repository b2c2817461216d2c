"""Every sample payload in ../shared/plextv-samples fed to the parser that reads it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET

from plextv import ApiChanged, Filters, ShareSettings
from plextv import parsers as p
from plextv.transport import parse_error_body
from tests.plextv.conftest import SAMPLES


def load(name: str) -> Any:
    text = (SAMPLES / name).read_text()
    if name.endswith(".json"):
        return json.loads(text)
    return SafeET.fromstring(text.encode())


def test_it_reads_the_account_xml_with_plex_pass() -> None:
    account = p.parse_account(load("api-v2-user.xml"))
    assert (account.id, account.username, account.email) == (
        12345,
        "testuser",
        "testuser@example.com",
    )
    assert account.has_plex_pass
    assert account.subscription.plan == "lifetime"
    assert account.subscription.features == ("companions_sonos",)
    assert account.subscription.subscribed_at == datetime(2023, 3, 24, tzinfo=UTC)
    assert account.roles == ("plexpass",)
    assert account.entitlements == ("all",)
    assert account.home_admin
    assert account.max_home_size == 15
    assert account.auth_token == "faketoken"
    assert account.joined_at == datetime.fromtimestamp(946730096, UTC)


def test_it_reads_the_account_json_forms() -> None:
    paid = p.parse_account(load("api-v2-user.json"))
    free = p.parse_account(load("api-v2-user-free.json"))
    assert paid.has_plex_pass
    assert paid.protected
    assert paid.two_factor_enabled
    assert "ios" in paid.entitlements
    assert not free.has_plex_pass
    assert free.subscription.status == "Inactive"
    assert free.subscription.plan is None


def test_it_reads_the_sign_in_answer() -> None:
    account = p.parse_account(load("api-v2-users-signin-alt.xml"))
    assert account.id == 123456789
    assert account.auth_token == "FAKEsigninTOKEN00001"
    assert account.has_plex_pass
    assert "tuner-sharing" in account.subscription.features


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("api-v2-resources.xml", [("Example Server", True, 2)]),
        ("api-v2-resources.json", [("Box", True, 4)]),
        (
            "api-v2-resources-alt.json",
            [
                ("Media Server", True, 2),
                ("A Friend's Server", False, 2),
                ("Living Room TV", True, 0),
            ],
        ),
        (
            "api-resources-v1.xml",
            [
                ("Plex Server 1", True, 1),
                ("Plex Server 2", True, 1),
                ("Chrome", True, 2),
                ("AppleTV", True, 1),
                ("jPhone", True, 1),
                ("SHIELD Android TV", True, 1),
            ],
        ),
    ],
)
def test_it_reads_resources(name: str, expected: list[tuple[str, bool, int]]) -> None:
    resources = p.parse_resources(load(name))
    assert [(r.name, r.owned, len(r.connections)) for r in resources] == expected


def test_it_reads_resource_details_and_connections() -> None:
    (server,) = p.parse_resources(load("api-v2-resources.xml"))
    assert server.client_identifier == "0f1e2d3c4b5a69788796a5b4c3d2e1f001122334"
    assert server.is_server
    assert server.presence
    assert server.owner_id is None
    assert server.access_token == "FAKEresourceTOKEN001"
    assert server.created_at == datetime(2024, 3, 17, 11, 34, 53, tzinfo=UTC)
    local, relay = server.connections
    assert (local.local, local.relay, local.port) == (True, False, 32400)
    assert (relay.local, relay.relay, relay.port) == (False, True, 8443)
    friend = p.parse_resources(load("api-v2-resources-alt.json"))[1]
    assert friend.source_title == "afriend"
    assert not friend.owned


def test_it_reads_devices() -> None:
    devices = p.parse_devices(load("devices.xml"))
    assert len(devices) == 26
    box = next(d for d in devices if d.name == "Box")
    assert box.provides == ("server",)
    assert box.connections == (
        "http://172.1.0.1:32400",
        "https://example.com:443",
        "http://1.0.0.2:443",
    )
    iphone = next(d for d in devices if d.client_identifier == "9")
    assert "sync-target" in iphone.provides
    assert iphone.vendor == "Apple"


def test_it_reads_friends_with_their_shares() -> None:
    users = p.parse_users(load("api-users.xml"))
    assert [(u.id, u.kind, u.email) for u in users] == [
        (1000, "friend", "user_1000@example.com"),
        (1001, "friend", "user_1001@example.com"),
    ]
    (share,) = users[0].shares
    assert (share.id, share.server_id, share.machine_identifier) == (7654321, 1, "unique_id_123")
    assert (share.num_libraries, share.all_libraries, share.pending) == (4, False, False)
    assert share.user_id == 1000


def test_it_classifies_managed_users_without_username_or_email() -> None:
    users = p.parse_users(load("api-users-alt-managed.xml"))
    assert [u.kind for u in users] == ["managed", "managed", "managed"]
    assert users[0].username == ""
    assert users[0].email is None
    assert users[0].settings.filter_movies == Filters(content_ratings=("G",))
    assert users[0].settings.filter_television == Filters(content_ratings=("TV-14",))
    assert users[2].shares == ()


def test_it_classifies_a_mixed_household() -> None:
    users = p.parse_users(load("api-users-alt-mixed.xml"))
    assert [(u.title, u.kind) for u in users] == [
        ("sarah", "friend"),
        ("kid", "managed"),
        ("teen", "managed"),
    ]
    assert users[0].settings.filter_movies == Filters(excluded_labels=("Shortlist_mike",))


def test_it_reads_an_empty_user_list() -> None:
    assert p.parse_users(load("api-users-empty.xml")) == []


def test_it_reads_home_users_with_restriction_profiles() -> None:
    users = p.parse_home_users(load("api-home-users.xml"))
    assert [(u.id, u.admin, u.restriction_profile, u.protected) for u in users] == [
        (555000001, True, None, True),
        (555000200, False, "little_kid", False),
        (555000300, False, None, False),
    ]
    (owner,) = p.parse_home_users(load("api-home-users-alt.xml"))
    assert owner.has_password is True
    assert owner.email == "owner@example.com"


def test_it_reads_the_v2_home_users_json() -> None:
    users = p.parse_home_users(load("api-v2-home-users.json"))
    assert [(u.id, u.restricted, u.restriction_profile) for u in users] == [
        (2737029, False, None),
        (33542084, True, "little_kid"),
    ]
    (only,) = p.parse_home_users(load("api-v2-home-users-alt.json"))
    assert only.admin
    assert only.username == "ownername"


def test_it_reads_a_servers_libraries_with_both_ids() -> None:
    server = p.parse_server_sections(load("api-servers-machineid.xml"), "abc123")
    assert server.name == "justin-server"
    assert [(s.global_id, s.key, s.title, s.type) for s in server.sections] == [
        (123, 2, "Movies", "movie"),
        (456, 3, "Music", "artist"),
        (789, 1, "TV Shows", "show"),
    ]
    v2 = p.parse_server_sections(load("api-v2-servers-machineid.json"), "machine_id")
    assert [(s.global_id, s.key) for s in v2.sections] == [(1001, 1), (1002, 2)]


def test_it_reads_a_servers_shares_with_shared_flags_and_filters() -> None:
    alice, bob = p.parse_shared_servers(load("api-servers-machineid-shared_servers.xml"))
    assert (alice.id, alice.user_id, alice.username) == (30001, 111, "alice")
    assert [s.title for s in alice.shared_sections] == ["Movies", "TV Shows"]
    assert len(alice.sections) == 3
    assert alice.access_token == "FAKEalicesrvTOKEN001"
    assert alice.machine_identifier == "0f1e2d3c4b5a69788796a5b4c3d2e1f001122334"
    assert bob.all_libraries
    assert bob.settings.allow_sync
    assert bob.settings.filter_movies == Filters(content_ratings=("G", "PG"))
    assert bob.settings.filter_movies.to_plex() == "contentRating=G%2CPG"
    assert bob.accepted_at == datetime.fromtimestamp(1700100000, UTC)


def test_it_reads_the_share_creation_answers() -> None:
    (v1,) = p.parse_shared_servers(load("api-servers-machineid-shared_servers-post-response.xml"))
    assert (v1.id, v1.user_id, v1.machine_identifier) == (1234, 1234, "abc123")
    assert [s.global_id for s in v1.shared_sections] == [1234]
    (v2,) = p.parse_shared_servers(load("api-v2-shared_servers-post-response.json"))
    assert (v2.id, v2.user_id, v2.username, v2.accepted) == (1, 3, "username", True)
    assert v2.settings.allow_subtitle_admin
    assert v2.settings.filter_photos is None
    assert [s.global_id for s in v2.sections] == [1001, 1002]
    (accepted,) = p.parse_shared_servers(load("api-v2-shared_servers-owned-accepted.json"))
    assert accepted.email == "example@example.com"


def test_it_reads_pending_invites_sent_including_email_only_ones() -> None:
    named, email_only = p.parse_invites(
        load("api-v2-shared_servers-invites-owned-pending.json"), "sent"
    )
    assert (named.user_id, named.username, named.address) == (4, "friend2", "friend2@example.com")
    assert [s.id for s in named.shared_servers] == [2]
    assert named.shared_servers[0].accepted is False
    assert email_only.user_id is None
    assert email_only.address == "nobody-yet@example.com"
    assert email_only.shared_servers[0].id == 3


def test_it_reads_invites_received() -> None:
    (invite,) = p.parse_invites(
        load("api-v2-shared_servers-invites-received-pending.json"), "received"
    )
    assert invite.direction == "received"
    assert (invite.username, invite.shared_servers[0].id) == ("serverowner", 5)


@pytest.mark.parametrize(
    ("name", "pin_id", "code", "expires_in", "linked"),
    [
        ("api-v2-pins-post.json", 111222333, "CODE", 900, False),
        ("api-v2-pins-id-get-linked.json", 111222333, "CODE", 900, True),
        ("api-v2-pins-post-alt-strong-2019.json", 123456789, "authentication-code", 1799, False),
    ],
)
def test_it_reads_pins(name: str, pin_id: int, code: str, expires_in: int, linked: bool) -> None:
    pin = p.parse_pin(load(name))
    assert (pin.id, pin.code, pin.expires_in, pin.linked) == (pin_id, code, expires_in, linked)
    assert "auth_token" not in repr(pin)


def test_it_reads_the_switch_token() -> None:
    assert p.parse_auth_token(load("api-v2-home-users-switch.json")) == "FAKEswitchTOKEN000001"
    v1 = SafeET.fromstring(b'<user id="1" authenticationToken="v1switchTOKEN"/>')
    assert p.parse_auth_token(v1) == "v1switchTOKEN"


def test_it_reads_a_watchlist_page() -> None:
    items, total = p.parse_watchlist(load("discover-library-sections-watchlist-all.xml"))
    assert total == 32
    (item,) = items
    assert (item.rating_key, item.type, item.year) == ("5d776883ebdf2200209c104e", "movie", 2010)
    assert item.guid == "plex://movie/5d776883ebdf2200209c104e"
    empty, total = p.parse_watchlist(load("discover-library-sections-watchlist-all-empty.json"))
    assert (empty, total) == ([], 0)


@pytest.mark.parametrize(
    "name",
    [
        "api-v2-friends.json",
        "api-v2-friends-alt-restriction-profiles.json",
        "api-v2-friends-pending_received.json",
    ],
)
def test_it_reads_v2_sharing_settings_and_round_trips_their_filters(name: str) -> None:
    for friend in load(name):
        raw = friend["sharingSettings"]
        settings = p.share_settings(raw)
        assert settings.allow_tuners == raw["allowTuners"]
        assert settings.to_v2() == {key: raw[key] for key in settings.to_v2()}


def test_it_reads_the_shared_server_inside_v2_friends() -> None:
    friend = load("api-v2-friends.json")[1]
    (share,) = p.parse_shared_servers(friend["sharedServers"])
    assert (share.id, share.user_id, share.machine_identifier) == (1, 2, "deadb33f")
    assert share.settings.allow_tuners == 2


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("error-400-1000.json", 1000, "X-Plex-Client-Identifier is missing"),
        ("error-401-1001.json", 1001, "User could not be authenticated"),
        ("error-401-1029-alt.json", 1029, "Please enter the verification code"),
        ("error-401-1029.xml", 1029, "Please enter the verification code"),
        ("error-404-1002.json", 1002, "The requested resource or endpoint could not be found"),
        ("error-404-watchlist-metadata-provider.xml", None, "Section 'watchlist' not found!"),
        ("error-410-gone.xml", 410, "This endpoint was deprecated and removed"),
        ("error-429-1003.json", 1003, "API rate limit exceeded"),
        (
            "api-servers-machineid-shared_servers-error-400.xml",
            400,
            "You're already sharing this server with plexFriend. Please edit your existing share.",
        ),
        ("api-servers-machineid-shared_servers-id-error-404.xml", None, "Not found"),
        (
            "api-v2-home-users-switch-error-1041.json",
            1041,
            "A valid PIN is required to perform this action",
        ),
        (
            "api-v2-home-users-switch-error-1041-alt.json",
            1041,
            "A valid PIN is required to perform this action",
        ),
    ],
)
def test_it_reads_every_error_body(name: str, code: int | None, message: str) -> None:
    assert parse_error_body((SAMPLES / name).read_text()) == (code, message)


def test_it_builds_the_v1_share_request_exactly_like_the_samples() -> None:
    for name in [
        "api-servers-machineid-shared_servers-post-request.json",
        "api-servers-machineid-shared_servers-post-request-alt-managed.json",
    ]:
        assert ShareSettings().to_v1() == load(name)["sharing_settings"]


def test_it_builds_the_v2_edit_request_with_the_samples_keys() -> None:
    sample = load("api-v2-shared_servers-id-post-request.json")["settings"]
    built = ShareSettings(allow_sync=True).to_v2()
    assert built == sample


def test_it_reports_a_wrongly_typed_value_as_an_api_change() -> None:
    broken = SafeET.fromstring(b'<MediaContainer><User id="1" home="yes"/></MediaContainer>')
    with pytest.raises(ApiChanged):
        p.parse_users(broken)
    with pytest.raises(ApiChanged):
        p.parse_users({"users": []})


def test_it_tolerates_missing_attributes() -> None:
    root = SafeET.fromstring(
        b'<MediaContainer><User id="7"><Server id="9"/></User></MediaContainer>'
    )
    (user,) = p.parse_users(root)
    assert (user.title, user.email, user.kind, user.shares[0].id) == ("", None, "friend", 9)


# Samples of endpoints plextv deliberately does not call (retired or replaced); kept here so
# adding a sample without a parser test fails below.
NOT_READ = {
    "api-invites-requested-legacy.xml": "retired endpoint (410 since 2024)",
    "api-v2-sharedsources-owned-legacy-xml-2020.xml": "single-item sharing, not used",
    "api-v2-friends-empty.json": "v2 friends list is not used (shares are read from /api/users)",
    "api-v2-friends-invite-post.json": "friend invites go through shared_servers",
    "api-v2-friends-id-accept-post.json": "friend invites go through shared_servers",
    "api-v2-shared_servers-post-request.json": "request body of the v2 create, not used",
    "api-v2-shared_servers-post-request-alt-minimal.json": "request body of the v2 create",
}


def test_it_has_a_parser_test_for_every_sample() -> None:
    source = Path(__file__).read_text()
    for sample in sorted(SAMPLES.iterdir()):
        if sample.name == "README.md" or sample.name in NOT_READ:
            continue
        assert f'"{sample.name}"' in source, f"{sample.name} is not parsed by any test"
