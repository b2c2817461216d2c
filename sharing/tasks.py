"""Background work of the sharing app: run an operation, sweep up forgotten ones, expire
shares, sync the household. Arguments are ids; results are small summaries.

The task names are kept from when the operation tasks lived in `sharing.console_tasks`:
messages already queued, beat's schedule and the logs name them so.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings

from sharing import operations
from sharing.models import SyncRun
from sharing.operations import executor
from sharing.sync import runs

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name=operations.APPLY_OPERATION,
    ignore_result=True,
    soft_time_limit=executor.soft_time_limit(),
    time_limit=executor.time_limit(),
)
def apply_operation(self, op_id: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Run one operation; transient failures come back here after the countdown it asks for.

    The countdown is never longer than plextv's `max_retry_after` (300 s), well under the
    Redis visibility timeout, so a waiting retry is never redelivered early. The operation's
    lease is derived from `time_limit`, so this process is gone before anyone may take over.
    """
    outcome = operations.execute(op_id)
    if outcome.resync:
        resync()
    if outcome.retry_in is not None:
        try:
            self.apply_async((op_id,), countdown=outcome.retry_in)
        except Exception:
            # The broker is away: the row stays queued and the sweep enqueues it again.
            log.warning("operation %s: could not schedule its retry", op_id)
    return {"operation": op_id, "state": outcome.state, "retry_in": outcome.retry_in}


def resync() -> None:
    """People and invites changed at plex.tv: let the sync bring in what plex.tv made of it.

    The change itself is done by now, so a broker that cannot take the message (an outage)
    must not turn it into a failure: the next scheduled sync brings the same picture.
    """
    try:
        runs.request_sync(SyncRun.OPERATION)
    except Exception:
        log.warning("could not queue a sync after an operation; the schedule will catch up")


def sweep_after() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "OPERATION_SWEEP_AFTER", 600)))


def beat_task(name: str) -> Any:
    """A task beat sends. It names both limits: one that set only `time_limit` below the
    global soft limit could not be sent at all (plexadmin.checks refuses that at start-up)."""
    return shared_task(name=name, ignore_result=True, soft_time_limit=45, time_limit=60)


@beat_task("sharing.console_tasks.sweep_operations")
def sweep_operations() -> dict[str, object]:
    """Run again what was lost: operations whose worker died mid-run (the lease ran out) and
    operations left queued (an enqueue lost to a broker outage, a dropped retry).

    "Left queued" is longer than any retry countdown, so a row waiting out a rate limit is
    not doubled.
    """
    reclaimed = executor.reclaim_abandoned()
    stale = executor.stale_queued(sweep_after())
    executor.touch(stale)
    for op_id in [*reclaimed, *stale]:
        try:
            apply_operation.delay(op_id)
        except Exception:
            # The row stays queued; a later sweep sends it once OPERATION_SWEEP_AFTER passed.
            log.warning("operation %s: could not enqueue it again", op_id)
    return {"reclaimed": len(reclaimed), "requeued": len(stale)}


@beat_task("sharing.console_tasks.expire_shares")
def expire_shares() -> dict[str, object]:
    """Stop sharing every share past its expiry (each as an operation, submitted once)."""
    created = operations.expiry.submit_expired()
    return {"submitted": [op.pk for op in created]}


@shared_task(
    name="sharing.tasks.sync_household", ignore_result=True, soft_time_limit=120, time_limit=150
)
def sync_household_task(run_id: int | None = None) -> dict[str, object]:
    """Beat (no id), "Sync now" and dashboard changes (the id of their queued SyncRun)."""
    triggered_by = SyncRun.SCHEDULE if run_id is None else SyncRun.ADMIN
    if run_id is not None:
        triggered_by = (
            SyncRun.objects.filter(pk=run_id).values_list("triggered_by", flat=True).first()
            or triggered_by
        )
    run = runs.run_sync(run_id, triggered_by)
    if run is None:
        return {"run": None, "outcome": "already running or no household"}
    return {
        "run": run.pk,
        "outcome": run.outcome,
        "created": run.created,
        "updated": run.updated,
        "flagged": run.flagged,
        "requests": run.plextv_requests,
    }
