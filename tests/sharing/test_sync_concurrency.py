"""One sync at a time, and a sync never undoes a later admin change (scenarios 34 and 39)."""

from __future__ import annotations

import threading
import time

from django.db import connection
from django.utils import timezone

from sharing.models import Operation, PlexUser, Share, SyncRun
from sharing.sync import locks
from sharing.sync import runs as services
from tests.sharing.conftest import DEMO_OWNER_ID


def _in_thread(target, results: list) -> threading.Thread:  # type: ignore[no-untyped-def]
    def body() -> None:
        try:
            results.append(target())
        finally:
            connection.close()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def test_it_reports_already_running_while_another_sync_holds_the_lock(
    household, plexsim, django_user_model
) -> None:
    token = locks.acquire(services.lock_name(DEMO_OWNER_ID), 60)
    assert token is not None
    seq = plexsim.requests()[-1]["seq"] if plexsim.requests() else 0

    requested = services.request_sync(SyncRun.ADMIN)
    run = SyncRun.objects.create(owner_plex_id=DEMO_OWNER_ID, triggered_by=SyncRun.ADMIN)
    skipped = services.run_sync(run.pk, SyncRun.ADMIN)

    assert requested.started is False
    assert requested.message == "A sync is already running."
    assert skipped is not None
    assert skipped.outcome == SyncRun.SKIPPED
    assert skipped.error_message == "Another sync is already running."
    assert services.run_sync(None, SyncRun.SCHEDULE) is None
    assert plexsim.requests(since=seq) == []
    assert locks.release(services.lock_name(DEMO_OWNER_ID), token)


def test_it_lets_only_one_of_two_simultaneous_syncs_call_plextv(
    transactional_db, household, plexsim
) -> None:
    plexsim.add_fault(action="delay", path="/api/users/", delay=1.0)
    results: list[SyncRun | None] = []
    first = _in_thread(lambda: services.run_sync(None, SyncRun.ADMIN), results)
    time.sleep(0.3)
    second = _in_thread(lambda: services.run_sync(None, SyncRun.ADMIN), results)
    second.join(10)
    first.join(10)

    finished = [r for r in results if r is not None]
    assert len(results) == 2
    assert len(finished) == 1
    assert finished[0].outcome == SyncRun.SUCCEEDED
    user_reads = [r for r in plexsim.requests() if r["path"] == "/api/users/"]
    assert len(user_reads) == 1
    assert not locks.held(services.lock_name(DEMO_OWNER_ID))


def test_it_keeps_a_friend_removed_while_the_sync_was_reading(
    transactional_db, household, plexsim
) -> None:
    services.run_sync(None, SyncRun.SCHEDULE)
    plexsim.add_fault(action="delay", path="/api/users/", delay=1.5, times=1)
    results: list[SyncRun | None] = []
    thread = _in_thread(lambda: services.run_sync(None, SyncRun.SCHEDULE), results)
    time.sleep(0.5)
    # The admin removes tomasz while the sync's users answer (still listing him) is held:
    # a tombstone here, with the version bumped like every local edit.
    tomasz = PlexUser.objects.get(plex_id=1001012)
    PlexUser.objects.filter(pk=tomasz.pk, version=tomasz.version).update(
        removed_locally_at=timezone.now(), version=tomasz.version + 1
    )
    thread.join(10)

    assert results[0] is not None
    assert results[0].outcome == SyncRun.SUCCEEDED
    assert results[0].skipped >= 1
    tomasz.refresh_from_db()
    assert tomasz.removed_locally_at is not None
    assert tomasz.version == 2
    services.run_sync(None, SyncRun.SCHEDULE)
    tomasz.refresh_from_db()
    assert tomasz.removed_locally_at is not None  # and the next sync does not bring him back


def test_it_leaves_a_share_with_a_pending_operation_alone(household, plexsim) -> None:
    services.run_sync(None, SyncRun.SCHEDULE)
    share = Share.objects.get(shared_server_id=30006)
    Operation.objects.create(
        kind="edit_share",
        target_type=Operation.TARGET_SHARE,
        target_id=str(share.pk),
        idempotency_key="edit-30006",
    )
    plexsim.mutate(op="set_settings", userId=1001010, settings={"allowSync": False})

    run = services.run_sync(None, SyncRun.SCHEDULE)

    share.refresh_from_db()
    assert share.allow_sync is True
    assert share.version == 1
    assert run is not None
    assert run.skipped == 1
    Operation.objects.filter(idempotency_key="edit-30006").update(state=Operation.SUCCEEDED)
    services.run_sync(None, SyncRun.SCHEDULE)
    share.refresh_from_db()
    assert share.allow_sync is False
