"""The sync task on a real Celery worker: queued by "Sync now", then by the beat schedule."""

from __future__ import annotations

import time

import pytest

from sharing.models import Invite, Library, PlexUser, Server, Share, SyncRun
from sharing.sync import runs as services
from sharing.tasks import sync_household_task
from tests.sharing.conftest import DEMO_OWNER_ID

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

# The demo household (plexsim README): 2 servers, 8 libraries, 9 people, 12 shares, 2 invites.
DEMO_ROWS = 2 + 8 + 9 + 12 + 2


def finished(run_id: int | None = None, *, after: int = 0, seconds: float = 30.0) -> SyncRun:
    """The run `run_id` (or the first run newer than `after`) once the worker has finished it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if run_id is not None:
            run = SyncRun.objects.filter(pk=run_id).first()
        else:
            run = SyncRun.objects.filter(pk__gt=after).order_by("id").first()
        if run is not None and not run.active:
            return run
        time.sleep(0.1)
    raise AssertionError(f"sync {run_id or f'after {after}'} did not finish in {seconds} s")


def test_it_runs_sync_now_on_the_worker_and_records_the_run(
    household, plexsim, celery_worker_on_broker
) -> None:
    requested = services.request_sync(SyncRun.ADMIN)
    assert requested.started is True
    assert requested.run is not None

    run = finished(requested.run.pk)

    assert run.outcome == SyncRun.SUCCEEDED
    assert run.triggered_by == SyncRun.ADMIN
    assert run.owner_plex_id == DEMO_OWNER_ID
    assert (run.created, run.updated, run.flagged, run.removed, run.skipped) == (
        DEMO_ROWS,
        0,
        0,
        0,
        0,
    )
    # "Sync now" asks plex.tv for the owner's servers, then reads 3 lists + 2 per server.
    assert run.discovered_servers is True
    assert run.plextv_requests == 1 + 4 + 2 * 2
    assert run.started_at is not None
    assert run.finished_at is not None
    assert run.finished_at >= run.started_at
    assert run.duration is not None
    assert run.duration > 0
    assert (run.error_message, run.warning) == ("", "")

    state = plexsim.state()
    owned = {s["machineIdentifier"] for s in state["servers"] if s["ownerId"] == DEMO_OWNER_ID}
    assert set(Server.objects.values_list("machine_identifier", flat=True)) == owned
    assert Library.objects.count() == 8
    people = set(PlexUser.objects.values_list("plex_id", flat=True))
    assert len(people) == 9
    assert DEMO_OWNER_ID not in people
    accepted = {
        s["id"]
        for s in state["shares"]
        if s["ownerId"] == DEMO_OWNER_ID and s.get("userId") and s["accepted"]
    }
    assert set(Share.objects.values_list("shared_server_id", flat=True)) == accepted
    assert set(Invite.objects.values_list("shared_server_id", flat=True)) == {30013, 30014}


def test_it_runs_the_scheduled_sync_on_the_worker_without_changing_anything(
    household, plexsim, celery_worker_on_broker
) -> None:
    first = finished(services.request_sync(SyncRun.ADMIN).run.pk)  # type: ignore[union-attr]
    assert first.outcome == SyncRun.SUCCEEDED
    versions = dict(PlexUser.objects.values_list("plex_id", "version"))

    sync_household_task.delay()  # what beat sends: no run id, the task makes its own row
    scheduled = finished(after=first.pk)

    assert scheduled.triggered_by == SyncRun.SCHEDULE
    assert scheduled.outcome == SyncRun.SUCCEEDED
    assert (scheduled.created, scheduled.updated, scheduled.removed) == (0, 0, 0)
    assert scheduled.unchanged == 9 + 12 + 2  # people, shares and invites compared
    # The servers were discovered minutes ago, so the schedule reuses them: no extra request.
    assert scheduled.discovered_servers is False
    assert scheduled.plextv_requests == 4 + 2 * 2
    assert dict(PlexUser.objects.values_list("plex_id", "version")) == versions
