"""Scenario 19 as far as the client goes: a canary token never reaches error text or logs."""

from __future__ import annotations

import logging

import pytest

from plextv import PlexTV, PlexTVError
from plextv.logging import TokenMaskingFilter
from plextv.masking import mask_tokens, register_token
from tests.plextv.conftest import CANARY, SAMPLES
from tests.plextv.scripted import ScriptedServer, Step


def _substrings(token: str, size: int = 8) -> list[str]:
    return [token[i : i + size] for i in range(len(token) - size + 1)]


def assert_clean(text: str) -> None:
    for part in _substrings(CANARY):
        assert part not in text, f"token fragment {part!r} leaked"


FAILURES = [
    Step(
        status=401,
        body='{"errors":[{"code":1001,"message":"User could not be authenticated"}]}',
        content_type="application/json",
    ),
    Step(status=422, body=f"Invalid token {CANARY}", content_type="text/plain"),
    Step(status=429, headers={"Retry-After": "86400"}),
    Step(status=500, body=f"<Response code='500' status='boom X-Plex-Token={CANARY}'/>"),
    Step(body=f"<html><body>login {CANARY}</body></html>", content_type="text/html"),
    Step(action="reset"),
    Step(delay=1.0),
]


@pytest.mark.parametrize("failure", FAILURES, ids=lambda s: f"{s.status}-{s.action}")
def test_it_keeps_the_token_out_of_every_error_and_log_line(
    client: PlexTV,
    scripted: ScriptedServer,
    failure: Step,
    caplog: pytest.LogCaptureFixture,
) -> None:
    scripted.script(*[failure] * 10)
    logger = logging.getLogger("plextv.test")
    caplog.handler.addFilter(TokenMaskingFilter())
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PlexTVError) as caught:
        client.users()
    error = caught.value
    assert_clean(str(error))
    assert_clean(repr(error))
    assert_clean(error.human_message)
    try:
        raise error
    except PlexTVError:
        logger.exception("sync failed for token %s", CANARY)
    logger.error(f"f-string with X-Plex-Token={CANARY} inside")
    rendered = "\n".join(caplog.handler.format(r) for r in caplog.records)
    assert "sync failed" in rendered
    assert "********" in rendered
    assert_clean(rendered)


def test_it_masks_query_string_tokens_it_has_never_seen() -> None:
    text = "GET https://plex.tv/api/users?X-Plex-Token=abcdEFGH12345678&x=1"
    masked = mask_tokens(text)
    assert "abcdEFGH1234" not in masked
    assert masked.endswith("********78&x=1")


def test_it_masks_tokens_inside_exception_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    secret = "SeCrEtTokenForTraceback01"
    register_token(secret)
    caplog.handler.addFilter(TokenMaskingFilter())
    try:
        raise ValueError(f"connection to host failed, headers had {secret}")
    except ValueError:
        logging.getLogger("elsewhere").exception("boom")
    rendered = caplog.handler.format(caplog.records[-1])
    assert "ValueError" in rendered
    assert secret not in rendered
    assert "********01" in rendered


def test_it_registers_tokens_given_to_the_filter() -> None:
    TokenMaskingFilter(tokens=["FilterGivenToken9876"])
    assert mask_tokens("x FilterGivenToken9876 y") == "x ********76 y"


def test_it_masks_a_signed_in_token_once_seen(client: PlexTV, scripted: ScriptedServer) -> None:
    body = (SAMPLES / "api-v2-users-signin-alt.xml").read_text()
    scripted.script(Step(body=body))
    account = client.sign_in("exampleuser", "pw")
    assert account.auth_token == "FAKEsigninTOKEN00001"
    assert "FAKEsigninTOKEN00001" not in repr(account)
    assert mask_tokens("token FAKEsigninTOKEN00001") == "token ********01"
