"""Linking a device by the 4-character code it shows: the owner's link as an operation, and
`link_device(token, code)` for pages that link with a person's own sign-in token."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from accounts.breaker import breaker
from accounts.models import PlexAccount
from activity import devices
from activity.operations import LINK_DEVICE, MASKED_CODE
from plextv.errors import Unavailable
from sharing.models import AuditEvent, Operation
from sharing.operations import execute

pytestmark = pytest.mark.django_db

OWNER_ID = 1001001
JAMIE_TOKEN = "demo-partner-token-0002"


def key() -> str:
    return uuid.uuid4().hex


def _pin(plexsim: Any, pin_id: int) -> dict[str, Any]:
    return next(p for p in plexsim.state()["pins"] if p["id"] == pin_id)


def _link(persona: Any, code: str, **extra: Any) -> Any:
    return persona.client.post("/activity/devices/link/", {"code": code, "key": key(), **extra})


def _device_of(plexsim: Any, client_id: str) -> dict[str, Any] | None:
    return next((d for d in plexsim.state()["devices"] if d["clientIdentifier"] == client_id), None)


# --- the owner's link, an operation -------------------------------------------------------------


def test_linking_is_an_operation_that_signs_the_device_in(household, owner, plexsim) -> None:
    waiting = plexsim.device_code("Plex for Roku")
    response = _link(owner, waiting["code"].lower())
    assert response.status_code == 302
    op = Operation.objects.get(kind=LINK_DEVICE)
    assert _pin(plexsim, waiting["pinId"])["authToken"] is None

    outcome = execute(op.pk)

    assert outcome.state == Operation.SUCCEEDED
    assert "is now signed in to the Plex account" in outcome.message
    assert _pin(plexsim, waiting["pinId"])["authToken"]
    device = _device_of(plexsim, waiting["clientIdentifier"])
    assert device is not None
    assert device["ownerId"] == OWNER_ID
    op.refresh_from_db()
    assert op.params["code"] == MASKED_CODE
    event = AuditEvent.objects.get(action=LINK_DEVICE)
    assert event.actor == owner.user
    assert waiting["code"] not in str(event.changes) + event.target_label


def test_a_wrong_code_fails_with_the_reason_and_no_retry(household, owner, plexsim) -> None:
    plexsim.device_code()
    _link(owner, "ZZZZ")
    outcome = execute(Operation.objects.get(kind=LINK_DEVICE).pk)
    assert outcome.state == Operation.FAILED
    assert outcome.message.startswith("No device is waiting for the code ZZZZ.")
    assert "15 minutes" in outcome.message
    op = Operation.objects.get(kind=LINK_DEVICE)
    assert not op.retryable
    assert op.params["code"] == MASKED_CODE
    assert AuditEvent.objects.get(action=LINK_DEVICE).result == AuditEvent.FAILED


def test_an_expired_code_fails_with_the_reason(household, owner, plexsim) -> None:
    waiting = plexsim.device_code()
    _link(owner, waiting["code"])
    plexsim.advance_clock(901)
    outcome = execute(Operation.objects.get(kind=LINK_DEVICE).pk)
    assert outcome.state == Operation.FAILED
    assert f"No device is waiting for the code {waiting['code']}" in outcome.message
    assert _device_of(plexsim, waiting["clientIdentifier"]) is None


def test_plex_tv_down_is_retried_with_the_code_kept_until_sent(household, owner, plexsim) -> None:
    waiting = plexsim.device_code()
    plexsim.add_fault(action="status", path="/api/v2/pins/link", status=503, times=50)
    _link(owner, waiting["code"])
    op = Operation.objects.get(kind=LINK_DEVICE)
    first = execute(op.pk)
    assert first.state == Operation.QUEUED
    assert "Trying again" in first.message
    op.refresh_from_db()
    assert op.params["code"] == waiting["code"]
    plexsim.clear_faults()
    assert execute(op.pk).state == Operation.SUCCEEDED
    assert _pin(plexsim, waiting["pinId"])["authToken"]


def test_a_lost_answer_then_a_gone_code_says_the_device_may_be_linked(
    household, owner, plexsim
) -> None:
    waiting = plexsim.device_code()
    # plex.tv links the device but the answer never arrives, then plex.tv stays away for a
    # while; by the next attempt the code is gone.
    plexsim.add_fault(action="reset", path="/api/v2/pins/link", times=1)
    plexsim.add_fault(action="status", path="/api/v2/pins/link", status=503, times=50)
    _link(owner, waiting["code"])
    op = Operation.objects.get(kind=LINK_DEVICE)
    assert execute(op.pk).state == Operation.QUEUED
    assert _pin(plexsim, waiting["pinId"])["authToken"]
    plexsim.clear_faults()
    plexsim.advance_clock(901)
    outcome = execute(op.pk)
    assert outcome.state == Operation.FAILED
    assert "An earlier attempt may have linked the device" in outcome.message


def test_htmx_link_answers_with_a_fresh_form_and_the_live_status(household, owner) -> None:
    response = owner.client.post(
        "/activity/devices/link/", {"code": "ABCD", "key": key()}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'id="device-link"' in body
    assert "/people/operations/" in body
    assert 'name="code"' in body


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ABC", "4 letters or digits"),
        ("ABCDE", "4 letters or digits"),
        ("AB-D", "4 letters or digits"),
        ("ÅBCD", "4 letters or digits"),
        ("", "4 letters or digits"),
        ("<scr", "4 letters or digits"),
    ],
)
def test_a_malformed_code_changes_nothing_and_says_why(
    household, owner, plexsim, code, message
) -> None:
    response = _link(owner, code)
    assert response.status_code == 302
    page = owner.client.get(response.url).content.decode()
    assert message in page
    htmx = owner.client.post(
        "/activity/devices/link/", {"code": code, "key": key()}, HTTP_HX_REQUEST="true"
    )
    fragment = htmx.content.decode()
    assert 'role="alert"' in fragment
    assert message in fragment
    assert 'name="code"' in fragment  # the form comes back, ready for another try
    assert not Operation.objects.exists()
    assert plexsim.requests() == []


def test_a_key_reused_with_another_code_is_refused(household, owner) -> None:
    reused = key()
    owner.client.post("/activity/devices/link/", {"code": "ABCD", "key": reused})
    response = owner.client.post(
        "/activity/devices/link/", {"code": "WXYZ", "key": reused}, follow=True
    )
    assert "sent already with another code" in response.content.decode()
    assert Operation.objects.filter(kind=LINK_DEVICE).count() == 1


def test_only_the_owner_links_a_device_to_their_account(
    household, co_admin, member, outsider, plexsim
) -> None:
    """A co-admin linking a device of theirs would hold the owner's Plex sign-in."""
    waiting = plexsim.device_code()
    for persona in (co_admin, member, outsider):
        assert _link(persona, waiting["code"]).status_code == 403
    assert not Operation.objects.exists()
    page = co_admin.client.get("/activity/devices/").content.decode()
    assert "/activity/devices/link/" not in page


def test_the_page_offers_the_owner_the_link_form(household, owner) -> None:
    html = owner.client.get("/activity/devices/").content.decode()
    assert 'action="/activity/devices/link/"' in html


# --- link_device(token, code): a short call with a person's own token ---------------------------


def test_link_device_links_to_the_account_of_the_token(household, plexsim) -> None:
    waiting = plexsim.device_code()
    devices.link_device(JAMIE_TOKEN, f" {waiting['code'].lower()} ")
    device = _device_of(plexsim, waiting["clientIdentifier"])
    assert device is not None
    assert device["ownerId"] != OWNER_ID


def test_link_device_refuses_a_wrong_or_expired_code(household, plexsim) -> None:
    waiting = plexsim.device_code()
    with pytest.raises(devices.LinkRefused, match="No device is waiting for the code QQQQ"):
        devices.link_device(JAMIE_TOKEN, "QQQQ")
    plexsim.advance_clock(901)
    with pytest.raises(devices.LinkRefused) as refused:
        devices.link_device(JAMIE_TOKEN, waiting["code"])
    assert refused.value.permanent
    assert _device_of(plexsim, waiting["clientIdentifier"]) is None


def test_link_device_refuses_a_malformed_code_without_a_request(household, plexsim) -> None:
    with pytest.raises(devices.LinkRefused, match="4 letters or digits"):
        devices.link_device(JAMIE_TOKEN, "A1")
    assert plexsim.requests() == []


def test_link_device_says_when_the_sign_in_has_expired(household, plexsim) -> None:
    waiting = plexsim.device_code()
    with pytest.raises(devices.LinkRefused, match="sign in with Plex again"):
        devices.link_device("not-a-token-at-all", waiting["code"])
    # The owner's token is not the one refused: nothing is marked on the household.
    assert PlexAccount.objects.get(plex_id=OWNER_ID).token_status == "ok"


def test_link_device_gives_up_quickly_when_plex_tv_is_down(household, plexsim) -> None:
    waiting = plexsim.device_code()
    plexsim.add_fault(action="status", path="/api/v2/pins/link", status=503, times=5)
    with pytest.raises(devices.LinkRefused) as refused:
        devices.link_device(JAMIE_TOKEN, waiting["code"])
    assert not refused.value.permanent
    assert "try the code again" in refused.value.message
    sent = [r for r in plexsim.requests() if r["path"] == "/api/v2/pins/link"]
    assert len(sent) == 1


@pytest.fixture
def open_breaker(settings) -> Iterator[None]:
    circuit = breaker()
    for _ in range(settings.PLEXTV_BREAKER_FAILURES):
        circuit.record_failure(Unavailable("plex.tv did not answer in time."), trial=False)
    yield
    circuit.reset()


def test_link_device_sends_nothing_while_the_breaker_is_open(
    household, plexsim, open_breaker
) -> None:
    waiting = plexsim.device_code()
    plexsim.clear_requests()
    with pytest.raises(devices.LinkRefused) as refused:
        devices.link_device(JAMIE_TOKEN, waiting["code"])
    assert not refused.value.permanent
    assert plexsim.requests() == []
