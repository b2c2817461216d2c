"""PIN polling run by a real Celery worker on the configured broker against plexsim.

The view enqueues the polling task after its transaction commits; the worker polls plex.tv's
PIN about once a second and records the outcome on the PinLogin row, which is all the page
reads. plexsim's request log is the independent count of polls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from accounts.models import PinLogin, PlexAccount

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

WAIT = 10.0


def wait_for(condition: Callable[[], bool], seconds: float = WAIT) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def worker(plex_settings, celery_worker_on_broker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    # A still-pending PIN would keep the worker's thread polling past its shutdown timeout.
    PinLogin.objects.filter(status=PinLogin.Status.PENDING).update(status=PinLogin.Status.CANCELLED)


def _start(client: Client) -> PinLogin:
    response = client.post("/accounts/sign-in/plex/", {"next": "/status/"})
    assert response.status_code == 302
    return PinLogin.objects.latest("pk")


def _pin_polls(plexsim, login: PinLogin) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        r
        for r in plexsim.requests()
        if r["method"] == "GET" and r["path"] == f"/api/v2/pins/{login.pin_id}"
    ]


def _status(login: PinLogin) -> str:
    return PinLogin.objects.get(pk=login.pk).status


def test_the_worker_links_the_pin_within_seconds_of_approval(worker, plexsim, settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    # The worker is polling: wait for its first check, then approve as plex.tv's page would.
    assert wait_for(lambda: len(_pin_polls(plexsim, login)) >= 1)
    assert _status(login) == PinLogin.Status.PENDING
    token = plexsim.approve_pin(login.code, "morgan")

    assert wait_for(lambda: _status(login) == PinLogin.Status.LINKED)
    linked = PinLogin.objects.get(pk=login.pk)
    assert linked.plex_account is not None
    assert linked.plex_account.plex_id == 1001001
    assert PlexAccount.objects.get(plex_id=1001001).get_token() == token

    polls = _pin_polls(plexsim, login)
    # About one check a second: the one before approval, perhaps one in flight, the one that
    # saw the token. Every poll is counted on the row too, and all of them carry our identity.
    assert 2 <= len(polls) <= 4
    assert linked.polls == len(polls)
    assert {r["client"] for r in polls} == {settings.PLEX_CLIENT_IDENTIFIER}

    # Once linked, nothing polls that PIN again.
    time.sleep(2.5)
    assert len(_pin_polls(plexsim, login)) == len(polls)

    # The browser that started it signs in through the status partial.
    response = client.get(
        f"/accounts/sign-in/pin/{login.public_id}/status/", headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == "/accounts/setup/"


def test_a_429_widens_the_interval_and_the_worker_still_links(worker, plexsim) -> None:  # type: ignore[no-untyped-def]
    plexsim.add_fault(
        action="status",
        method="GET",
        path="/api/v2/pins/*",
        status=429,
        headers={"Retry-After": "3"},
        body='{"errors":[{"code":1003,"message":"API rate limit exceeded","status":429}]}',
        times=1,
    )
    login = _start(Client())
    assert wait_for(lambda: len(_pin_polls(plexsim, login)) >= 1)
    limited_at = time.monotonic()
    plexsim.approve_pin(login.code, "morgan")
    assert wait_for(lambda: _status(login) == PinLogin.Status.LINKED)
    waited = time.monotonic() - limited_at

    polls = _pin_polls(plexsim, login)
    assert [r["status"] for r in polls] == [429, 200]
    assert polls[0]["fault"] == "status"
    # The second poll honoured Retry-After rather than the usual one-second interval.
    assert waited >= 2.5


def test_cancel_stops_the_worker_polling(worker, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    login = _start(client)
    assert wait_for(lambda: len(_pin_polls(plexsim, login)) >= 1)
    assert client.post(f"/accounts/sign-in/pin/{login.public_id}/cancel/").status_code == 302
    time.sleep(1.5)  # at most one check was already under way
    settled = len(_pin_polls(plexsim, login))
    time.sleep(3)
    assert len(_pin_polls(plexsim, login)) == settled
    assert _status(login) == PinLogin.Status.CANCELLED
    # An approval that arrives after the cancel signs nobody in.
    plexsim.approve_pin(login.code, "morgan")
    time.sleep(1.5)
    assert _status(login) == PinLogin.Status.CANCELLED
    assert not PlexAccount.objects.exists()


def test_an_expired_pin_ends_the_polling(worker, plexsim) -> None:  # type: ignore[no-untyped-def]
    login = _start(Client())
    assert wait_for(lambda: len(_pin_polls(plexsim, login)) >= 1)
    plexsim.advance_clock(1801)
    assert wait_for(lambda: _status(login) == PinLogin.Status.EXPIRED)
    polls = _pin_polls(plexsim, login)
    assert polls[-1]["status"] == 404
    time.sleep(2.5)
    assert len(_pin_polls(plexsim, login)) == len(polls)


def test_sign_ins_nobody_finishes_never_hold_the_worker(worker, plexsim) -> None:  # type: ignore[no-untyped-def]
    # Two attempts left pending (closed tabs) on a worker with as many processes as the demo's:
    # a third sign-in, approved at once, is still linked within seconds, because a pending PIN
    # waits for its next check in the broker, not in a worker process.
    for _ in range(2):
        _start(Client())
    assert wait_for(lambda: len(plexsim.requests()) >= 2)
    client = Client()
    login = _start(client)
    plexsim.approve_pin(login.code, "morgan")
    assert wait_for(lambda: _status(login) == PinLogin.Status.LINKED, seconds=6)
