"""The executor against plexsim: retries, rate limits, sign-in failures, redelivery, give-up."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import PlexAccount
from sharing import operations
from sharing.models import AuditEvent, Operation, Share
from tests.console.conftest import operations_for, plex_writes, share_of, sim_share

pytestmark = pytest.mark.django_db

MOVIES, TV, MUSIC = 118181361, 118181362, 118181363


@pytest.fixture
def queued_edit(owner, synced, edit_form, django_capture_on_commit_callbacks) -> Operation:
    """alex.rivera's Den share: Movies + TV Shows → Movies + Music, queued, not yet run."""
    share = share_of("alex.rivera")
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(
            f"/people/shares/{share.pk}/edit/", edit_form(share, libraries=[MOVIES, MUSIC])
        )
    [op] = operations_for(share)
    return op


def sections_at_sim(plexsim: Any, op: Operation) -> list[int]:
    share = Share.objects.get(pk=op.target_id)
    return sorted(sim_share(plexsim, share.shared_server_id)["sectionIds"])


def test_it_retries_with_backoff_when_plex_tv_keeps_failing(queued_edit, plexsim) -> None:
    plexsim.add_fault(action="status", status=503, method="GET", path="/api/servers/*")

    outcome = operations.execute(queued_edit.pk)

    queued_edit.refresh_from_db()
    assert outcome.state == Operation.QUEUED
    assert outcome.retry_in is not None
    assert 2.5 <= outcome.retry_in <= 5
    assert queued_edit.state == Operation.QUEUED
    assert queued_edit.attempts == 1
    assert "Trying again" in queued_edit.message
    assert plex_writes(plexsim) == []

    plexsim.clear_faults()
    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    assert sections_at_sim(plexsim, queued_edit) == [MOVIES, MUSIC]


def test_it_succeeds_after_two_server_errors_inside_one_attempt(queued_edit, plexsim) -> None:
    plexsim.add_fault(action="status", status=503, method="GET", path="/api/servers/*", times=2)
    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    queued_edit.refresh_from_db()
    assert queued_edit.attempts == 1
    assert sections_at_sim(plexsim, queued_edit) == [MOVIES, MUSIC]


def test_it_reschedules_with_a_capped_retry_after_on_429(queued_edit, plexsim) -> None:
    plexsim.add_fault(
        action="status", status=429, headers={"Retry-After": "86400"}, path="/api/servers/*"
    )
    outcome = operations.execute(queued_edit.pk)
    assert outcome.state == Operation.QUEUED
    assert outcome.retry_in == 300
    queued_edit.refresh_from_db()
    assert "slow down" in queued_edit.message


def test_it_stops_and_flags_a_relink_on_401(queued_edit, plexsim, household) -> None:
    plexsim.add_fault(action="status", status=401, path="/api/servers/*")
    outcome = operations.execute(queued_edit.pk)
    assert outcome.state == Operation.FAILED
    assert outcome.retry_in is None
    owner = PlexAccount.objects.get(pk=household.owner_id)
    assert owner.token_status == PlexAccount.TokenStatus.NEEDS_RELINK
    queued_edit.refresh_from_db()
    assert "sign in with Plex again" in queued_edit.message
    event = AuditEvent.objects.get(action="share.edit")
    assert event.result == AuditEvent.FAILED

    # Nothing more goes to plex.tv until the owner signs in again, even on a manual retry.
    seen = len(plexsim.requests())
    assert operations.restart(queued_edit)
    assert operations.execute(queued_edit.pk).state == Operation.FAILED
    assert len(plexsim.requests()) == seen


def test_it_does_nothing_for_a_redelivered_finished_operation(queued_edit, plexsim) -> None:
    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    seen = len(plexsim.requests())
    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    assert len(plexsim.requests()) == seen
    assert AuditEvent.objects.filter(action="share.edit").count() == 1


def test_it_runs_again_after_a_worker_died_mid_operation(queued_edit, plexsim) -> None:
    # A worker claimed the row and was killed: the redelivered message finds it running.
    Operation.objects.filter(pk=queued_edit.pk).update(state=Operation.RUNNING, attempts=1)
    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    queued_edit.refresh_from_db()
    assert queued_edit.attempts == 2
    assert sections_at_sim(plexsim, queued_edit) == [MOVIES, MUSIC]


def test_it_gives_up_after_the_maximum_number_of_deliveries(queued_edit, plexsim, settings) -> None:
    settings.OPERATION_MAX_ATTEMPTS = 3
    Operation.objects.filter(pk=queued_edit.pk).update(state=Operation.RUNNING, attempts=3)
    assert operations.execute(queued_edit.pk).state == Operation.FAILED
    queued_edit.refresh_from_db()
    assert queued_edit.message.startswith("Gave up after 3 attempts")
    assert plexsim.requests() == []


def test_it_fails_with_a_human_message_when_the_share_is_gone_at_plex_tv(
    queued_edit, plexsim
) -> None:
    share = Share.objects.get(pk=queued_edit.target_id)
    plexsim.mutate(op="remove_share", shareId=share.shared_server_id)
    assert operations.execute(queued_edit.pk).state == Operation.FAILED
    queued_edit.refresh_from_db()
    assert "no longer has Morgan's Den shared with alex.rivera" in queued_edit.message
    assert plex_writes(plexsim) == []


def test_it_repeats_an_edit_whose_answer_was_lost_without_harm(queued_edit, plexsim) -> None:
    plexsim.add_fault(action="reset", method="POST", path="/api/v2/shared_servers/*", times=1)
    first = operations.execute(queued_edit.pk)
    assert first.state == Operation.QUEUED
    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    assert sections_at_sim(plexsim, queued_edit) == [MOVIES, MUSIC]
