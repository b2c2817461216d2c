"""Retry policy and error mapping, against a scripted server on a real loopback socket."""

from __future__ import annotations

import pytest

from plextv import (
    AlreadySharing,
    ApiChanged,
    InvalidPin,
    NotFound,
    OutcomeUnknown,
    PlexTV,
    RateLimited,
    TwoFactorRequired,
    Unauthorized,
    Unavailable,
)
from tests.plextv.conftest import CANARY, SAMPLES
from tests.plextv.scripted import ScriptedServer, Step

# The sample says totalSize="3" but holds 2 users (as in its source); 2 keeps it one page.
USERS_XML = (SAMPLES / "api-users.xml").read_text().replace('totalSize="3"', 'totalSize="2"')


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_it_sends_identification_headers_and_the_token_only_as_a_header(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body=USERS_XML))
    client.users()
    seen = scripted.seen[0]
    assert seen.headers["X-Plex-Token"] == CANARY
    assert seen.headers["X-Plex-Client-Identifier"] == "test-client-id"
    assert seen.headers["X-Plex-Product"] == "plexadmin"
    assert CANARY not in seen.path


def test_it_retries_two_503s_then_succeeds_with_jittered_backoff(
    client: PlexTV, scripted: ScriptedServer, sleeps: list[float]
) -> None:
    scripted.script(Step(status=503), Step(status=503), Step(body=USERS_XML))
    users = client.users()
    assert [u.id for u in users] == [1000, 1001]
    assert len(scripted.seen) == 3
    assert client.requests_sent == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.01
    assert 0 <= sleeps[1] <= 0.02


def test_it_gives_up_after_the_configured_attempts(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(*[Step(status=500)] * 10)
    with pytest.raises(Unavailable) as caught:
        client.users()
    assert caught.value.status == 500
    assert len(scripted.seen) == client.config.retry_attempts


def test_it_waits_for_retry_after_before_the_next_try(
    client: PlexTV, scripted: ScriptedServer, sleeps: list[float]
) -> None:
    scripted.script(
        Step(
            status=429,
            body=sample("error-429-1003.json"),
            content_type="application/json",
            headers={"Retry-After": "7"},
        ),
        Step(body=USERS_XML),
    )
    assert len(client.users()) == 2
    assert sleeps
    assert sleeps[0] >= 7
    assert len(scripted.seen) == 2


def test_it_raises_rate_limited_instead_of_sleeping_for_a_day(
    client: PlexTV, scripted: ScriptedServer, sleeps: list[float]
) -> None:
    scripted.script(
        Step(
            status=429,
            body=sample("error-429-1003.json"),
            content_type="application/json",
            headers={"Retry-After": "86400"},
        ),
    )
    with pytest.raises(RateLimited) as caught:
        client.users()
    assert caught.value.retry_after == 300
    assert caught.value.requested_retry_after == 86400
    assert caught.value.code == 1003
    assert sleeps == []
    assert len(scripted.seen) == 1


def test_it_never_retries_a_401(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(
        Step(status=401, body=sample("error-401-1001.json"), content_type="application/json")
    )
    with pytest.raises(Unauthorized) as caught:
        client.users()
    assert caught.value.code == 1001
    assert len(scripted.seen) == 1


def test_it_treats_422_invalid_token_as_unauthorized(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(status=422, body="Invalid token", content_type="text/plain"))
    with pytest.raises(Unauthorized):
        client.account()
    assert len(scripted.seen) == 1


def test_it_maps_code_1029_to_two_factor_required(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(Step(status=401, body=sample("error-401-1029.xml")))
    with pytest.raises(TwoFactorRequired) as caught:
        client.sign_in("owner", "secret")
    assert caught.value.code == 1029


def test_it_maps_a_wrong_home_pin_to_invalid_pin(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(
        Step(
            status=403,
            body=sample("api-v2-home-users-switch-error-1041.json"),
            content_type="application/json",
        )
    )
    with pytest.raises(InvalidPin) as caught:
        client.switch_home_user(555000200, pin="1234")
    assert caught.value.code == 1041
    assert not isinstance(caught.value, Unauthorized)


def test_it_reports_410_gone_as_api_changed(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(Step(status=410, body=sample("error-410-gone.xml")))
    with pytest.raises(ApiChanged) as caught:
        client.users()
    assert caught.value.status == 410
    assert "changed" in caught.value.human_message


def test_it_reports_404_1002_on_a_listing_as_api_changed(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(
        Step(status=404, body=sample("error-404-1002.json"), content_type="application/json")
    )
    with pytest.raises(ApiChanged) as caught:
        client.server_shares("abc")
    assert caught.value.code == 1002
    assert len(scripted.seen) == 1


def test_it_reports_404_on_an_item_as_not_found(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(
        Step(status=404, body=sample("error-404-1002.json"), content_type="application/json")
    )
    with pytest.raises(NotFound):
        client.check_pin(42)


def test_it_retries_a_get_after_a_read_timeout(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(Step(delay=1.0, body=USERS_XML), Step(body=USERS_XML))
    assert len(client.users()) == 2
    assert len(scripted.seen) == 2


def test_it_does_not_repeat_a_post_that_timed_out(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(Step(delay=1.0, body=sample("api-v2-pins-post.json")))
    with pytest.raises(OutcomeUnknown):
        client.create_pin()
    assert [s.method for s in scripted.seen] == ["POST"]


def test_it_does_not_repeat_a_post_after_a_reset(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(Step(action="reset"))
    with pytest.raises(OutcomeUnknown) as caught:
        client.invite_to_home("friend@example.com")
    assert "may or may not" in caught.value.human_message
    assert len(scripted.seen) == 1


def test_it_retries_a_get_after_a_connection_reset(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(action="reset"), Step(body=USERS_XML))
    assert len(client.users()) == 2
    assert len(scripted.seen) == 2


def test_it_retries_a_truncated_answer_then_reports_unavailable(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(*[Step(body=USERS_XML[:300], action="truncate")] * 10)
    with pytest.raises(Unavailable) as caught:
        client.users()
    assert not isinstance(caught.value, OutcomeUnknown)
    assert len(scripted.seen) == client.config.retry_attempts


def test_it_treats_malformed_xml_as_unavailable(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(*[Step(body=USERS_XML[:300])] * 10)
    with pytest.raises(Unavailable) as caught:
        client.users()
    assert "cut off" in caught.value.human_message


def test_it_treats_an_html_page_on_200_as_unavailable(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    page = "<!DOCTYPE html><html><body>Please sign in</body></html>"
    scripted.script(*[Step(body=page, content_type="text/html")] * 10)
    with pytest.raises(Unavailable) as caught:
        client.users()
    assert "web page" in caught.value.human_message


def test_it_maps_already_sharing_to_its_own_error(client: PlexTV, scripted: ScriptedServer) -> None:
    scripted.script(
        Step(body=sample("api-servers-machineid.xml")),
        Step(status=400, body=sample("api-servers-machineid-shared_servers-error-400.xml")),
    )
    with pytest.raises(AlreadySharing):
        client.invite_friend("abc123", "plexFriend")
    assert len(scripted.seen) == 2


def test_it_retries_a_post_rejected_with_429_because_nothing_was_applied(
    client: PlexTV, scripted: ScriptedServer, sleeps: list[float]
) -> None:
    scripted.script(
        Step(status=429, headers={"Retry-After": "1"}),
        Step(body=sample("api-v2-pins-post.json"), content_type="application/json"),
    )
    assert client.create_pin().code == "CODE"
    assert sleeps[0] >= 1


def test_it_stops_retrying_when_the_budget_is_spent(
    scripted: ScriptedServer, fast_config, sleeps: list[float]
) -> None:
    config = fast_config.with_changes(retry_budget=5.0, retry_attempts=10)
    client = PlexTV(config, token=CANARY, sleep=sleeps.append)
    scripted.script(
        Step(status=429, headers={"Retry-After": "3"}),
        Step(status=429, headers={"Retry-After": "3"}),
    )
    with pytest.raises(RateLimited) as caught:
        client.users()
    assert caught.value.retry_after == 3
    assert sum(sleeps) <= 5.0
    assert len(scripted.seen) == 2
