"""`Call`: what a request value decides (retry safety, naming, whose token), over real sockets."""

from __future__ import annotations

import dataclasses

import pytest

from plextv import OutcomeUnknown, PlexTV
from plextv.call import Call
from tests.plextv.conftest import CANARY
from tests.plextv.scripted import ScriptedServer, Step


@pytest.mark.parametrize(
    ("method", "safe"),
    [("GET", True), ("put", True), ("DELETE", True), ("HEAD", True), ("POST", False)],
)
def test_retry_safety_follows_the_method_unless_said(method: str, safe: bool) -> None:
    call = Call(method, "/x")
    assert call.method == method.upper()
    assert call.retry_safe is safe
    assert Call(method, "/x", retry_safe=False).retry_safe is False


def test_a_call_is_frozen_and_named_without_its_token() -> None:
    call = Call("GET", "/devices", server="http://127.0.0.1:1", token="servertok", label="GET s")
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.method = "POST"  # type: ignore[misc]
    assert call.endpoint == "GET s"
    assert "servertok" not in repr(call)
    assert Call("DELETE", "/api/v2/sharings/1").endpoint == "DELETE /api/v2/sharings/1"
    assert Call("DELETE", "/a").is_write
    assert not Call("GET", "/a").is_write
    assert Call("GET", "/a").guarded
    assert not call.guarded


def test_a_server_call_carries_only_the_servers_token(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body="<MediaContainer/>"), Step(body="<MediaContainer/>"))
    client._transport.execute(Call("GET", "/devices", server=scripted.url, token="servertok"))
    client._transport.execute(Call("GET", "/devices", server=scripted.url))
    assert scripted.seen[0].headers["X-Plex-Token"] == "servertok"
    assert "X-Plex-Token" not in scripted.seen[1].headers
    assert all(CANARY not in str(seen.headers) for seen in scripted.seen)


def test_an_anonymous_call_sends_no_token_and_an_authenticated_one_the_clients(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(body="<MediaContainer/>"), Step(body="<MediaContainer/>"))
    client._transport.execute(Call("GET", "/api/v2/ping", authenticated=False))
    client._transport.execute(Call("GET", "/api/v2/ping"))
    assert "X-Plex-Token" not in scripted.seen[0].headers
    assert scripted.seen[1].headers["X-Plex-Token"] == CANARY


def test_a_post_marked_retry_safe_is_retried_and_a_put_marked_unsafe_is_not(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(Step(status=503), Step(body="<MediaContainer/>"))
    client._transport.execute(Call("POST", "/a", retry_safe=True))
    assert len(scripted.seen) == 2
    scripted.script(Step(status=503), Step(body="<MediaContainer/>"))
    with pytest.raises(OutcomeUnknown):
        client._transport.execute(Call("PUT", "/a", retry_safe=False))
    assert len(scripted.seen) == 3


def test_the_form_json_accept_and_headers_of_a_call_are_sent(
    client: PlexTV, scripted: ScriptedServer
) -> None:
    scripted.script(
        Step(body='{"ok": true}', content_type="application/json"),
        Step(body="<MediaContainer/>"),
    )
    answer = client._transport.execute(
        Call("POST", "/j", json_body={"a": 1}, accept="json", headers={"X-Extra": "1"})
    )
    client._transport.execute(Call("PUT", "/f", form={"code": "ABCD"}, params={"q": "1"}))
    assert answer.payload == {"ok": True}
    first, second = scripted.seen
    assert first.headers["Accept"] == "application/json"
    assert first.headers["X-Extra"] == "1"
    assert first.body == b'{"a": 1}'
    assert second.headers["Accept"] == "application/xml"
    assert second.body == b"code=ABCD"
    assert second.path == "/f?q=1"
