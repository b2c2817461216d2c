"""Scenarios 40 and 45 on the Django side: pages answer within their budget from stored data
when plex.tv stalls, and after repeated failures every process stops calling plex.tv (the
breaker lives in the shared cache), every page says so, and changes wait for the trial call."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.breaker import breaker, plextv_status
from accounts.models import AccountSnapshot, PlexAccount
from accounts.plex import PlexLinkProblem, client_for, owner_client
from accounts.tasks import refresh_account_picture
from plextv import CircuitOpen, DeadlineExceeded, Unavailable
from sharing import operations
from sharing.forms import new_key
from sharing.models import Operation
from tests.personas import Persona

pytestmark = pytest.mark.django_db


def _open_breaker(settings) -> None:  # type: ignore[no-untyped-def]
    failing = breaker()
    for _ in range(settings.PLEXTV_BREAKER_FAILURES):
        failing.record_failure(Unavailable("plex.tv did not answer in time."), trial=False)


def test_the_account_page_answers_from_its_stored_picture_while_plex_tv_stalls(
    owner: Persona, account_read, stalled
) -> None:  # type: ignore[no-untyped-def]
    # Read long enough ago that the page asks the worker for a fresh read.
    AccountSnapshot.objects.update(read_at=timezone.now() - timedelta(minutes=5))
    started = time.monotonic()
    response = owner.client.get("/accounts/account/")
    assert time.monotonic() - started < 5
    body = response.content.decode()
    assert response.status_code == 200
    assert "Living Room TV" in body
    assert "Read from plex.tv <time" in body
    assert "5\xa0minutes ago" in body
    assert "Reading the latest from plex.tv…" in body
    assert stalled.connections == []  # the page itself never called plex.tv


def test_starting_a_sign_in_gives_up_at_the_budget_without_retrying(household, stalled) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    started = time.monotonic()
    response = client.post("/accounts/sign-in/plex/", {"next": "/"}, headers={"HX-Request": "true"})
    assert time.monotonic() - started < 10
    assert response.status_code == 200  # in place, so htmx shows it
    assert "plex.tv did not answer in time" in response.content.decode()
    assert 'id="plex-sign-in"' in response.content.decode()
    assert len(stalled.connections) == 1  # one attempt, no retry
    full = client.post("/accounts/sign-in/plex/", {"next": "/"})
    assert full.status_code == 503


def test_the_first_run_server_list_gives_up_at_the_budget(household, stalled, settings) -> None:  # type: ignore[no-untyped-def]
    from accounts.models import Household

    Household.objects.all().delete()
    settings.PLEXADMIN_OWNER = "morgan"
    client = Client()
    client.force_login(PlexAccount.objects.get(username="morgan").user)
    started = time.monotonic()
    response = client.get("/accounts/setup/")
    assert time.monotonic() - started < 10
    assert "did not answer within 1 s" in response.content.decode()


def test_a_page_client_has_one_attempt_and_the_budget(household, stalled) -> None:  # type: ignore[no-untyped-def]
    client = owner_client(page=True)
    assert client.config.retry_attempts == 1
    with pytest.raises(DeadlineExceeded):
        client.users()
    assert client.requests_sent == len(stalled.connections) == 1


def test_the_breaker_opens_after_repeated_failures_and_is_shared(
    owner: Persona, plexsim, settings
) -> None:  # type: ignore[no-untyped-def]
    plexsim.add_fault(action="status", status=503)
    for _ in range(2):  # 4 attempts each: the fifth failure opens it
        with pytest.raises(Unavailable):
            owner_client().users()
    assert plextv_status().state == "open"
    seq = plexsim.requests()[-1]["seq"]
    # Another client (another process would build its own): refused before sending.
    with pytest.raises(CircuitOpen):
        owner_client().account()
    assert plexsim.requests(since=seq) == []


def test_every_page_says_plex_tv_is_unreachable_with_the_last_error_time(
    owner: Persona, member: Persona, settings
) -> None:  # type: ignore[no-untyped-def]
    _open_breaker(settings)
    for client, path in [
        (owner.client, "/people/"),
        (owner.client, "/accounts/account/"),
        (member.client, "/accounts/me/"),
        (Client(), "/accounts/sign-in/"),
        (Client(), "/"),
    ]:
        body = client.get(path).content.decode()
        assert "plex.tv is not answering" in body, path
        assert "Last error at <time" in body, path
        assert "plex.tv did not answer in time." in body, path


def test_nothing_is_said_while_plex_tv_answers(owner: Persona) -> None:
    assert "plex.tv is not answering" not in owner.client.get("/people/").content.decode()


def test_the_account_page_does_not_ask_the_worker_while_the_breaker_is_open(
    owner: Persona, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    _open_breaker(settings)
    with django_capture_on_commit_callbacks() as published:
        owner.client.get("/accounts/account/")
    assert published == []


def test_a_pending_change_is_deferred_without_spending_attempts(
    owner: Persona, plexsim, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post("/accounts/account/view-state-sync/", {"consent": "on", "key": new_key()})
    op = Operation.objects.get()
    _open_breaker(settings)
    seq = plexsim.requests()[-1]["seq"] if plexsim.requests() else 0
    for _ in range(settings.OPERATION_MAX_ATTEMPTS + 2):
        outcome = operations.execute(op.pk)
        assert outcome.state == Operation.QUEUED
        # Waits for the trial call, not a tight loop.
        assert (
            settings.PLEXTV_BREAKER_RESET - 1
            <= outcome.retry_in
            <= settings.PLEXTV_BREAKER_RESET + 5
        )
    op.refresh_from_db()
    assert op.attempts == 0
    assert "paused its calls" in op.message
    assert plexsim.requests(since=seq) == []

    breaker().reset()
    assert operations.execute(op.pk).state == Operation.SUCCEEDED


def test_one_trial_call_after_the_cool_down_closes_it(owner: Persona, plexsim, settings) -> None:  # type: ignore[no-untyped-def]
    from accounts.breaker import CacheStore
    from plextv.breaker import OPEN

    _open_breaker(settings)
    store = CacheStore()
    opened = store.get(OPEN)
    store.set(OPEN, {**opened, "until": time.time() - 1}, 3600)  # the cool-down is over
    assert plextv_status().state == "half_open"
    assert owner_client().ping() is True
    assert plextv_status().state == "closed"


def test_the_relink_message_is_a_whole_sentence(owner: Persona) -> None:
    owner.account.mark_token(PlexAccount.TokenStatus.NEEDS_RELINK, "401")  # type: ignore[union-attr]
    with pytest.raises(PlexLinkProblem) as caught:
        owner_client()
    assert caught.value.message == (
        "The owner's Plex sign-in needs renewing: the owner should sign in with Plex again."
    )
    with pytest.raises(PlexLinkProblem) as other:
        client_for(owner.account)  # type: ignore[arg-type]
    assert other.value.message == (
        "Morgan's Plex sign-in needs renewing: Morgan should sign in with Plex again."
    )


def test_refreshing_the_account_under_an_open_breaker_records_why(owner: Persona, settings) -> None:  # type: ignore[no-untyped-def]
    _open_breaker(settings)
    assert refresh_account_picture()["status"] == "failed"
    body = owner.client.get("/accounts/account/").content.decode()
    assert "Could not read plex.tv" in body
    assert "paused its calls" in body
