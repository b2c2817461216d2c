"""Scenario 19: a canary token driven through every failure path never reaches an output.

The owner's plex.tv token is a canary (plexsim accepts it as morgan's). Every log handler of
every logger is captured (its stream swapped for a buffer), plus the process's stdout and
stderr, admin e-mail and the HTTP answers; none may hold the canary or any 8-character piece
of it. The masked form (stars and the last two characters) is allowed.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from accounts import services
from accounts.models import AccountSnapshot, Household, PinLogin, PlexAccount
from accounts.plex import owner_client
from accounts.tasks import ping_owner_token, poll_pin, refresh_account_picture
from plextv.errors import PlexTVError

pytestmark = pytest.mark.django_db

CANARY = "cAn4ry7QxZ9vLm2PwT8k"
ERROR_BODY_422 = '{"errors":[{"code":1001,"message":"Invalid token","status":422}]}'


def canary_pieces(text: str) -> list[str]:
    return sorted({CANARY[i : i + 8] for i in range(len(CANARY) - 7) if CANARY[i : i + 8] in text})


@dataclass
class Outputs:
    """Everything the process wrote while a test drove its failure paths."""

    buffers: list[io.StringIO] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def text(self, capfd: pytest.CaptureFixture[str]) -> str:
        out, err = capfd.readouterr()
        emails = [
            f"{m.subject}\n{m.body}\n" + "\n".join(str(a[0]) for a in m.alternatives)
            for m in mail.outbox
        ]
        return "\n".join([*(b.getvalue() for b in self.buffers), out, err, *emails, *self.extra])


def _every_handler() -> list[logging.Handler]:
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    found: list[logging.Handler] = []
    for lg in loggers:
        found.extend(h for h in lg.handlers if h not in found)
    return found


@pytest.fixture
def outputs(capfd) -> Iterator[Outputs]:  # type: ignore[no-untyped-def]
    captured = Outputs()
    swapped: list[tuple[logging.StreamHandler, object]] = []
    for handler in _every_handler():
        # pytest's own capture handlers keep raw records for its report; they are not outputs.
        if type(handler).__module__.startswith("_pytest"):
            continue
        if isinstance(handler, logging.StreamHandler):
            buffer = io.StringIO()
            swapped.append((handler, handler.setStream(buffer)))
            captured.buffers.append(buffer)
    try:
        yield captured
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)  # type: ignore[arg-type]


@pytest.fixture
def canary_owner(household: Household, plexsim) -> PlexAccount:  # type: ignore[no-untyped-def]
    plexsim.mutate(op="set_account", userId=1001001, token=CANARY)
    owner = household.owner
    owner.set_token(CANARY)
    owner.save()
    return owner


def _no_canary(text: str) -> None:
    assert canary_pieces(text) == []


def _restore_ok(owner: PlexAccount) -> None:
    owner.refresh_from_db()
    owner.mark_token(PlexAccount.TokenStatus.OK)


FAULTS: dict[str, dict[str, object]] = {
    "401": {"action": "status", "status": 401},
    "422 invalid token": {"action": "status", "status": 422, "body": ERROR_BODY_422},
    "429": {"action": "status", "status": 429, "headers": {"Retry-After": "1"}},
    "500": {"action": "status", "status": 500, "body": "<html>oops</html>"},
    "html on 200": {"action": "wrong_content_type"},
    "timeout": {"action": "delay", "delay": 1.5},
    "reset": {"action": "reset"},
}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_no_failure_of_plex_tv_puts_the_token_in_any_output(
    fault: str, canary_owner: PlexAccount, owner, plexsim, settings, outputs, capfd
) -> None:  # type: ignore[no-untyped-def]
    settings.PLEXTV_READ_TIMEOUT = 1
    plexsim.add_fault(path="/api/v2/user", **FAULTS[fault])
    log = logging.getLogger("accounts.canary")
    read = refresh_account_picture.apply()
    page = owner.client.get("/accounts/account/")
    _restore_ok(canary_owner)
    with pytest.raises(PlexTVError) as failure:
        owner_client().account()
    assert page.status_code == 200
    assert AccountSnapshot.objects.get().last_read_failed
    assert "Could not read plex.tv" in page.content.decode()
    # Careless logging of the failure, the way real code does it.
    exc = failure.value
    log.exception("plex.tv failed")
    log.error(f"plex.tv failed: {exc!r} {exc} {vars(exc)}")
    log.warning("failure %s while using %s", exc, CANARY)
    log.error(f"the token was {CANARY}")
    text = outputs.text(capfd)
    assert "plex.tv failed" in text
    assert "********" + CANARY[-2:] in text
    _no_canary(text + page.content.decode() + str(page.headers) + repr(read.result))
    assert [r for r in plexsim.requests() if r["path"] == "/api/v2/user"]


def test_the_ping_task_leaves_no_trace_of_the_token(
    canary_owner: PlexAccount, plexsim, outputs, capfd
) -> None:  # type: ignore[no-untyped-def]
    plexsim.add_fault(path="/api/v2/ping", action="status", status=401)
    result = ping_owner_token.apply()
    assert result.result == {"status": "needs_relink", "pinged": True}
    _no_canary(outputs.text(capfd) + repr(result.result))


def test_a_failing_task_logs_its_error_masked(
    canary_owner: PlexAccount, plex_settings, outputs, capfd
) -> None:  # type: ignore[no-untyped-def]
    login = PinLogin.objects.create(
        kind=PinLogin.Kind.OAUTH,
        pin_id=1,
        code="x" * 25,
        client_identifier="c",
        browser_key_hash="h",
        expires_at=canary_owner.updated_at,
    )
    # A library error that echoes the request URL with the token in it (as urllib3's
    # MaxRetryError does) escaping from the task.
    leak = ConnectionError(f"GET https://plex.tv/api/v2/pins/1?X-Plex-Token={CANARY} failed")
    with mock.patch.object(services, "poll_pin_login", side_effect=leak):
        result = poll_pin.apply(args=(login.pk,))
    assert result.failed()
    text = outputs.text(capfd)
    assert "ConnectionError" in text
    _no_canary(text)


def test_a_500_with_debug_off_mails_the_admins_without_the_token(
    canary_owner: PlexAccount, owner, settings, outputs, capfd
) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    settings.ADMINS = ["ops@example.com"]
    owner.client.raise_request_exception = False
    leak = RuntimeError(f"resources failed for X-Plex-Token={CANARY} (token {CANARY})")
    with mock.patch("plextv.PlexTV.resources", side_effect=leak):
        page = owner.client.post("/accounts/account/servers/check/")
    assert page.status_code == 500
    assert len(mail.outbox) == 1
    assert "/accounts/account/servers/check/" in mail.outbox[0].subject
    text = outputs.text(capfd)
    assert "Internal Server Error: /accounts/account/servers/check/" in text
    _no_canary(text + page.content.decode())


def test_signing_in_with_the_canary_as_the_pin_token_leaves_no_trace(
    plex_settings, plexsim, outputs, capfd
) -> None:  # type: ignore[no-untyped-def]
    plexsim.mutate(op="set_account", userId=1001001, token=CANARY)
    client = Client()
    client.post("/accounts/sign-in/plex/", {"next": "/"})
    login = PinLogin.objects.get()
    plexsim.approve_pin(login.code, "morgan")
    result = poll_pin.apply(args=(login.pk,))
    assert result.result["status"] == "linked"
    status = client.get(
        f"/accounts/sign-in/pin/{login.public_id}/status/", headers={"HX-Request": "true"}
    )
    setup = client.get("/accounts/setup/")
    assert setup.status_code == 200
    assert "Enter the set-up code" in setup.content.decode()
    _no_canary(
        outputs.text(capfd)
        + repr(result.result)
        + status.content.decode()
        + str(status.headers)
        + setup.content.decode()
    )
