"""The lease of a running operation (scenario 42): who holds it, when it is taken over, and
that plex.tv sees each change once whatever happens to the worker running it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from sharing import leases, operations
from sharing.models import AuditEvent, Operation, Share
from sharing.operations import executor
from sharing.tasks import apply_operation, sweep_operations
from tests.console.conftest import operations_for, plex_writes, share_of, sim_share
from tests.services import require_postgres

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


def share_writes(plexsim: Any) -> list[dict[str, Any]]:
    return [w for w in plex_writes(plexsim) if "/shared_servers/" in w["path"]]


def sections_at_sim(plexsim: Any, op: Operation) -> list[int]:
    share = Share.objects.get(pk=op.target_id)
    return sorted(sim_share(plexsim, share.shared_server_id)["sectionIds"])


def expire_lease(op: Operation) -> None:
    Operation.objects.filter(pk=op.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_claim_takes_a_lease_that_outlives_the_hard_time_limit(queued_edit) -> None:
    before = timezone.now()
    op = executor.claim(queued_edit.pk)
    assert op is not None
    assert op.state == Operation.RUNNING
    assert op.lease_holder == {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "ns": leases.process_namespace(),
    }
    assert len(op.lease_token) == 32
    assert op.lease_expires_at is not None
    one_write = settings.PLEXTV_CONNECT_TIMEOUT + settings.PLEXTV_READ_TIMEOUT
    assert op.lease_expires_at >= before + timedelta(seconds=apply_operation.time_limit + one_write)


def test_the_task_limits_are_the_ones_the_lease_is_built_from() -> None:
    assert apply_operation.time_limit == executor.time_limit()
    assert apply_operation.soft_time_limit < apply_operation.time_limit
    assert executor.lease_length().total_seconds() > apply_operation.time_limit


def test_a_second_delivery_leaves_a_row_under_a_live_lease_alone(queued_edit, plexsim) -> None:
    held = executor.claim(queued_edit.pk)
    assert held is not None

    outcome = operations.execute(queued_edit.pk)

    assert outcome.state == Operation.RUNNING
    queued_edit.refresh_from_db()
    assert (queued_edit.attempts, queued_edit.lease_token) == (1, held.lease_token)
    assert plexsim.requests() == []


def test_a_row_held_by_a_dead_process_of_this_machine_is_taken_over_at_once(
    queued_edit, plexsim
) -> None:
    # A killed pool child: the message comes back at once (reject on worker lost), and the
    # process that held the lease is gone. No need to wait for the lease to run out.
    executor.claim(queued_edit.pk)
    Operation.objects.filter(pk=queued_edit.pk).update(
        lease_holder={**leases.this_process(), "pid": a_dead_pid()}
    )

    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    queued_edit.refresh_from_db()
    assert queued_edit.attempts == 2
    assert len(share_writes(plexsim)) == 1


def test_the_sweep_takes_back_at_once_a_row_whose_worker_on_this_machine_died(
    queued_edit, plexsim, django_capture_on_commit_callbacks
) -> None:
    # The worker's main process was killed (its pool processes die with it) and a worker was
    # started again: its first sweep finds the holder gone, the lease still running.
    executor.claim(queued_edit.pk)
    Operation.objects.filter(pk=queued_edit.pk).update(
        lease_holder={**leases.this_process(), "pid": a_dead_pid()}
    )
    with django_capture_on_commit_callbacks(execute=False):
        assert sweep_operations() == {"reclaimed": 1, "requeued": 0}
    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    assert len(share_writes(plexsim)) == 1


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"ns": "another-boot/4026531836"},  # another machine (or this one after a reboot)
        {"ns": leases.process_namespace().split("/")[0] + "/1"},  # another container
        {"ns": ""},  # a machine where it cannot be told
    ],
)
def test_a_holder_elsewhere_is_never_presumed_dead(queued_edit, plexsim, elsewhere) -> None:
    executor.claim(queued_edit.pk)
    Operation.objects.filter(pk=queued_edit.pk).update(
        lease_holder={**leases.this_process(), "pid": a_dead_pid(), **elsewhere}
    )
    assert operations.execute(queued_edit.pk).state == Operation.RUNNING
    assert executor.reclaim_abandoned() == []
    assert plexsim.requests() == []


def test_the_sweep_takes_back_a_row_whose_worker_died_after_its_write_landed(
    queued_edit, plexsim, django_capture_on_commit_callbacks
) -> None:
    # The first run sent its write (plex.tv applied it) and its worker died before recording.
    dead_run = executor.claim(queued_edit.pk)
    assert dead_run is not None
    share = Share.objects.select_related("server").get(pk=queued_edit.target_id)
    from accounts.plex import owner_client

    owner_client().update_share(
        share.server.machine_identifier, share.shared_server_id, libraries=[MOVIES, MUSIC]
    )
    assert len(share_writes(plexsim)) == 1

    # While the lease runs, the sweep leaves the row to its holder.
    assert sweep_operations() == {"reclaimed": 0, "requeued": 0}

    expire_lease(queued_edit)
    with django_capture_on_commit_callbacks(execute=False):
        assert sweep_operations() == {"reclaimed": 1, "requeued": 0}
    queued_edit.refresh_from_db()
    assert queued_edit.state == Operation.QUEUED
    assert "stopped before it finished" in queued_edit.message

    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    # plex.tv was read first: the change was there already, so it was not written again.
    assert len(share_writes(plexsim)) == 1
    assert sections_at_sim(plexsim, queued_edit) == [MOVIES, MUSIC]
    assert AuditEvent.objects.filter(action="share.edit", result=AuditEvent.OK).count() == 1


def test_a_redelivered_message_takes_an_expired_lease_without_the_sweep(
    queued_edit, plexsim
) -> None:
    executor.claim(queued_edit.pk)
    expire_lease(queued_edit)
    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    # The sweep that comes afterwards finds nothing to take back.
    assert executor.reclaim_abandoned() == []
    assert len(share_writes(plexsim)) == 1


def test_a_worker_frozen_past_its_lease_does_not_write_when_it_wakes_up(
    queued_edit, plexsim, monkeypatch
) -> None:
    """Worker A reads plex.tv, then freezes (SIGSTOP, a suspended VM) just before its write.
    Its lease runs out, the sweep hands the row to worker B, which finishes the change. When
    A wakes up, its write is refused and it records nothing."""
    real_guard = executor.guard_writes

    def guard_of_a_worker_that_freezes(client, op) -> None:  # type: ignore[no-untyped-def]
        real_guard(client, op)
        check = client._transport.before_write

        def freeze_then_check(endpoint: str) -> None:
            monkeypatch.setattr(executor, "guard_writes", real_guard)  # worker B is healthy
            expire_lease(op)
            assert executor.reclaim_abandoned() == [op.pk]
            assert operations.execute(op.pk).state == Operation.SUCCEEDED
            check(endpoint)

        client.guard_writes(freeze_then_check)

    monkeypatch.setattr(executor, "guard_writes", guard_of_a_worker_that_freezes)

    outcome = operations.execute(queued_edit.pk)

    assert outcome.state == executor.LOST
    assert outcome.retry_in is None
    assert len(share_writes(plexsim)) == 1
    queued_edit.refresh_from_db()
    assert (queued_edit.state, queued_edit.attempts) == (Operation.SUCCEEDED, 2)
    assert AuditEvent.objects.filter(action="share.edit").count() == 1


def test_a_run_that_lost_its_lease_records_no_outcome(queued_edit) -> None:
    stale = executor.claim(queued_edit.pk)
    assert stale is not None
    expire_lease(queued_edit)
    fresh = executor.claim(queued_edit.pk)
    assert fresh is not None

    assert executor.fail(stale, "late news").state == Operation.FAILED
    assert executor.requeue(stale, "late news", 5).retry_in is None

    queued_edit.refresh_from_db()
    assert (queued_edit.state, queued_edit.lease_token) == (Operation.RUNNING, fresh.lease_token)
    assert not AuditEvent.objects.filter(action="share.edit").exists()


def test_the_soft_time_limit_fails_the_row_with_a_message(
    queued_edit, plexsim, monkeypatch
) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    def too_slow(client, op):  # type: ignore[no-untyped-def]
        raise SoftTimeLimitExceeded

    monkeypatch.setitem(executor.HANDLERS, "share.edit", too_slow)
    assert operations.execute(queued_edit.pk).state == Operation.FAILED
    queued_edit.refresh_from_db()
    assert "took too long" in queued_edit.message
    assert "Retry checks plex.tv first" in queued_edit.message
    assert (queued_edit.lease_token, queued_edit.lease_expires_at) == ("", None)


def test_the_sweep_after_a_redelivered_message_took_the_row_finds_nothing(
    queued_edit, plexsim, django_capture_on_commit_callbacks
) -> None:
    executor.claim(queued_edit.pk)
    expire_lease(queued_edit)
    redelivered = executor.claim(queued_edit.pk)
    assert redelivered is not None
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert sweep_operations() == {"reclaimed": 0, "requeued": 0}
    assert sent == []


def test_a_redelivered_message_after_the_sweep_took_the_row_runs_it_once(
    queued_edit, plexsim
) -> None:
    executor.claim(queued_edit.pk)
    expire_lease(queued_edit)
    assert executor.reclaim_abandoned() == [queued_edit.pk]
    # Two messages now: the redelivered one and the sweep's. The first runs the change.
    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    assert operations.execute(queued_edit.pk).state == Operation.SUCCEEDED
    assert len(share_writes(plexsim)) == 1
    assert AuditEvent.objects.filter(action="share.edit", result=AuditEvent.OK).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_redelivered_message_racing_the_sweep_runs_the_change_once(
    owner, synced, plexsim
) -> None:
    """Truly at once, on PostgreSQL's row locks. (SQLite serialises every writer, so there the
    race is one of the two orders above; its in-memory test database cannot run it.)"""
    require_postgres()
    share = share_of("alex.rivera")
    op = Operation.objects.create(
        kind="share.edit",
        target_type=Operation.TARGET_SHARE,
        target_id=str(share.pk),
        params={"label": "race", "changes": {"libraries": [MUSIC]}, "before": {}},
        idempotency_key="race-0001",
    )
    # A worker claimed it and died; its message comes back just as the sweep runs.
    executor.claim(op.pk)
    expire_lease(op)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def redelivered() -> None:
        try:
            start.wait(5)
            outcomes.append(operations.execute(op.pk).state)
        finally:
            connection.close()

    def sweep_then_its_message() -> None:
        try:
            start.wait(5)
            executor.reclaim_abandoned()
            outcomes.append(operations.execute(op.pk).state)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=redelivered),
        threading.Thread(target=sweep_then_its_message),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(outcomes) == 2
    assert outcomes.count(Operation.SUCCEEDED) >= 1
    assert len(share_writes(plexsim)) == 1
    assert AuditEvent.objects.filter(action="share.edit", result=AuditEvent.OK).count() == 1
    assert sections_at_sim(plexsim, op) == [MUSIC]


def test_retry_is_offered_for_a_stuck_row_and_queues_it_again(
    owner, queued_edit, django_capture_on_commit_callbacks
) -> None:
    executor.claim(queued_edit.pk)
    page = owner.client.get(f"/people/operations/{queued_edit.pk}/", HTTP_HX_REQUEST="true")
    assert "/retry/" not in page.content.decode()  # its worker is alive as far as we know

    expire_lease(queued_edit)
    page = owner.client.get(f"/people/operations/{queued_edit.pk}/", HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert f'action="/people/operations/{queued_edit.pk}/retry/"' in html
    assert "stopped before it finished" in html
    assert f"process {os.getpid()} on {socket.gethostname()}" in html

    with django_capture_on_commit_callbacks() as callbacks:
        response = owner.client.post(f"/people/operations/{queued_edit.pk}/retry/")
    assert response.status_code == 302
    assert len(callbacks) == 1
    queued_edit.refresh_from_db()
    assert (queued_edit.state, queued_edit.attempts, queued_edit.lease_token) == (
        Operation.QUEUED,
        0,
        "",
    )


def test_retry_refuses_a_running_row_whose_worker_is_alive(
    owner, queued_edit, django_capture_on_commit_callbacks
) -> None:
    held = executor.claim(queued_edit.pk)
    assert held is not None
    with django_capture_on_commit_callbacks() as callbacks:
        owner.client.post(f"/people/operations/{queued_edit.pk}/retry/")
    assert callbacks == []
    queued_edit.refresh_from_db()
    assert (queued_edit.state, queued_edit.lease_token) == (Operation.RUNNING, held.lease_token)


def test_a_row_running_from_before_leases_existed_counts_as_stuck(queued_edit, plexsim) -> None:
    Operation.objects.filter(pk=queued_edit.pk).update(state=Operation.RUNNING, attempts=1)
    queued_edit.refresh_from_db()
    assert queued_edit.stuck
    assert executor.reclaim_abandoned() == [queued_edit.pk]


def test_retry_is_offered_at_once_when_the_holding_process_is_gone(
    owner, queued_edit, django_capture_on_commit_callbacks
) -> None:
    executor.claim(queued_edit.pk)
    Operation.objects.filter(pk=queued_edit.pk).update(
        lease_holder={**leases.this_process(), "pid": a_dead_pid()}
    )
    page = owner.client.get(f"/people/operations/{queued_edit.pk}/", HTTP_HX_REQUEST="true")
    assert f'action="/people/operations/{queued_edit.pk}/retry/"' in page.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        owner.client.post(f"/people/operations/{queued_edit.pk}/retry/")
    assert len(callbacks) == 1
    queued_edit.refresh_from_db()
    assert queued_edit.state == Operation.QUEUED
