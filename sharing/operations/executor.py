"""Running one Operation: claim the row, call plex.tv, record the outcome.

The database row is the truth. A task message only says "look at operation N": the worker
claims the row, runs the handler for its kind and writes the result, so a redelivered or
duplicated message finds a finished row and does nothing. Handlers read plex.tv's current state
wherever a blind repeat could apply a change twice, which makes a retry after a crash (or after
an answer that never came back) safe.

A claimed row carries a lease: which process runs it, a token for this run, and an expiry
that outlives the task's hard time limit plus one plex.tv request. A worker that is alive,
however slow, has therefore finished or been stopped by Celery before its lease runs out;
only a dead or frozen worker lets it expire. The sweep then queues the row again, and the next
run reads plex.tv before writing. A frozen worker that wakes up later no longer holds the
lease: every write it would send to plex.tv checks the lease first (`LeaseLost`), and only the
holder may record an outcome. A message delivered while the lease is held by a live process
leaves the row alone; a lease whose holder is certainly gone (a process of this machine that
no longer exists: a killed pool child, a worker killed and started again) is taken over at
once, see `sharing.leases`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Household
from accounts.plex import PlexLinkProblem, owner_client, report_failure
from notify import events
from plextv import PlexTV
from plextv.errors import (
    ApiChanged,
    CircuitOpen,
    PlexTVError,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from sharing.leases import holder_is_gone, this_process
from sharing.models import AuditEvent, Operation

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """This run no longer holds its operation: another run took it over, so it must stop."""


class OperationFailed(Exception):
    """A handler's verdict that the change cannot be made; `message` is shown on the row.

    `retryable=False` when trying again cannot help (the row then offers no Retry).
    """

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass
class Applied:
    """What a handler did, for the audit trail and the row's message."""

    label: str
    message: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    # People or invites changed at plex.tv: the task queues a sync to bring in what plex.tv
    # made of it (a handler never queues tasks itself).
    resync: bool = False


Handler = Callable[[PlexTV, Operation], Applied]
# The one registry of operation kinds: what runs each, and what it is called on screen.
HANDLERS: dict[str, Handler] = {}
KIND_LABELS: dict[str, str] = {}


def handler(kind: str, *, label: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        KIND_LABELS[kind] = label
        return function

    return register


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@dataclass(frozen=True)
class Outcome:
    state: str
    retry_in: float | None = None
    message: str = ""
    resync: bool = False


# The outcome of a run that lost its lease: nothing recorded, nothing to retry.
LOST = "lost"


def max_attempts() -> int:
    return int(getattr(settings, "OPERATION_MAX_ATTEMPTS", 5))


def time_limit() -> int:
    """apply_operation's hard time limit: Celery kills the process running it after this."""
    return int(getattr(settings, "OPERATION_TIME_LIMIT", 90))


def soft_time_limit() -> int:
    """Raised inside the run before the hard limit, so the row is failed with a message."""
    return max(1, time_limit() * 2 // 3)


# How far apart the clocks of two machines (the worker's and the sweep's) may be.
CLOCK_SKEW = 10.0


def write_window() -> float:
    """Seconds one write to plex.tv may take: connecting, waiting for the answer, clock skew."""
    return float(settings.PLEXTV_CONNECT_TIMEOUT + settings.PLEXTV_READ_TIMEOUT) + CLOCK_SKEW


def lease_length() -> timedelta:
    """Longer than a run can last in a live worker, and than a write it started can take."""
    return timedelta(seconds=time_limit() + write_window())


def backoff(attempt: int) -> float:
    """Full jitter over a doubling window: 5 s, 10 s, 20 s … capped at 5 minutes."""
    window = min(300.0, 5.0 * 2 ** max(0, attempt - 1))
    return round(random.uniform(window / 2, window), 1)  # noqa: S311 - spreading retries, not secrets


def claim(op_id: int) -> Operation | None:
    """Take the row's lease, mark it running and count the attempt; None when there is
    nothing to do (finished, or running under a live lease).

    A row found running with its lease expired, or held by a process that is certainly gone, is
    a run that died midway: it is run again (handlers check plex.tv before writing), but only
    `max_attempts()` times in all, so a job that kills its worker every time ends as failed
    instead of looping.
    """
    with transaction.atomic():
        op = Operation.objects.select_for_update().filter(pk=op_id).first()
        if op is None or not op.pending:
            return None
        if op.state == Operation.RUNNING and not op.stuck:
            log.info(
                "operation %s is being run by %s (lease until %s); leaving it to them",
                op.pk,
                op.holder_label,
                op.lease_expires_at,
            )
            return None
        if op.attempts >= max_attempts():
            op.give_up(
                f"Gave up after {op.attempts} attempts: the worker stopped each time before "
                "plex.tv answered. Check the worker's logs, then retry."
            )
            audit(op, Applied(label=op_label(op), message=op.message), AuditEvent.FAILED)
            return None
        op.take_lease(this_process(), lease_length())
        return op


def guard_writes(client: PlexTV, op: Operation) -> None:
    """Before each write to plex.tv, make sure this run still holds the operation's lease
    for long enough to finish the write, so a worker that froze and woke up after its lease
    ran out never repeats what the run that took over has done."""

    def check(endpoint: str) -> None:
        must_last_until = timezone.now() + timedelta(seconds=write_window())
        held = Operation.objects.filter(
            pk=op.pk,
            state=Operation.RUNNING,
            lease_token=op.lease_token,
            lease_expires_at__gt=must_last_until,
        ).exists()
        if not held:
            raise LeaseLost(f"operation {op.pk}: the lease ran out before {endpoint}")

    client.guard_writes(check)


def op_label(op: Operation) -> str:
    return str(op.params.get("label") or f"{op.target_type} {op.target_id}")[:200]


def audit(op: Operation, applied: Applied, result: str) -> None:
    # Operations the system starts on its own (an expired share) say so in the trail.
    system = op.params.get("source") == AuditEvent.SYSTEM
    AuditEvent.record(
        op.kind,
        (op.target_type, op.target_id),
        applied.label,
        applied.changes,
        actor_id=op.actor_id,
        source=AuditEvent.SYSTEM if system else AuditEvent.DASHBOARD,
        result=result,
    )
    if result == AuditEvent.FAILED:
        events.emit(
            events.OPERATION_FAILED,
            key=f"op-{op.pk}-{op.finished_at:%Y%m%dT%H%M%S%f}",
            context={
                "what": applied.label,
                "kind": kind_label(op.kind),
                "message": op.message,
                "path": f"/people/operations/{op.pk}/",
            },
        )


def fail(op: Operation, message: str, *, retryable: bool = True) -> Outcome:
    if op.finish(Operation.FAILED, message, retryable=retryable):
        audit(op, Applied(label=op_label(op), message=message), AuditEvent.FAILED)
    return Outcome(Operation.FAILED, message=message)


def refuse(op: Operation, message: str) -> Outcome:
    """A failure that sending the same change again cannot mend: no Retry is offered."""
    return fail(op, message, retryable=False)


def requeue(op: Operation, message: str, delay: float) -> Outcome:
    if not op.finish(Operation.QUEUED, message):
        return Outcome(LOST)
    return Outcome(Operation.QUEUED, retry_in=delay, message=message)


def execute(op_id: int) -> Outcome:
    """Run operation `op_id` once. `retry_in` on the outcome asks the caller to come back."""
    op = claim(op_id)
    if op is None:
        state = Operation.objects.filter(pk=op_id).values_list("state", flat=True).first()
        return Outcome(state or "missing")
    run = HANDLERS.get(op.kind)
    if run is None:
        return fail(op, f"This kind of change ({op.kind}) is not known to this version.")
    try:
        client = owner_client()
    except PlexLinkProblem as exc:
        return fail(op, exc.message)
    guard_writes(client, op)
    # No transaction around the handler: with SQLite an open write transaction would hold the
    # database lock for as long as plex.tv takes to answer. Handlers write in short atomic
    # blocks after the calls.
    try:
        applied = run(client, op)
    except LeaseLost as exc:
        log.warning("%s; the run that took it over records the outcome", exc)
        return Outcome(LOST)
    except SoftTimeLimitExceeded:
        log.warning("operation %s (%s) ran out of time", op.pk, op.kind)
        return fail(
            op,
            f"plex.tv took too long to answer (over {soft_time_limit()} s), so plexadmin stopped "
            "waiting; the change may or may not have been made. Retry checks plex.tv first.",
        )
    except OperationFailed as exc:
        return fail(op, exc.message) if exc.retryable else refuse(op, exc.message)
    except RateLimited as exc:
        wait = max(1.0, float(exc.retry_after))
        return requeue(op, f"plex.tv asked to slow down; trying again in {wait:.0f} s.", wait)
    except CircuitOpen as exc:
        # Nothing was sent: wait for the breaker's next trial without spending an attempt.
        Operation.objects.filter(pk=op.pk).update(attempts=F("attempts") - 1)
        wait = exc.retry_after + random.uniform(1.0, 5.0)  # noqa: S311 - spreading retries
        return requeue(op, f"{exc.human_message} Trying again in {wait:.0f} s.", wait)
    except (Unauthorized, ApiChanged) as exc:
        household = Household.current()
        if household is not None:
            report_failure(household.owner, exc)
        return fail(op, exc.human_message)
    except Unavailable as exc:
        if op.attempts >= max_attempts():
            return fail(op, f"{exc.human_message} Gave up after {op.attempts} attempts.")
        wait = backoff(op.attempts)
        return requeue(op, f"{exc.human_message} Trying again in {wait:.0f} s.", wait)
    except PlexTVError as exc:
        return refuse(op, exc.human_message) if exc.permanent else fail(op, exc.human_message)
    except Exception:
        log.exception("operation %s (%s) failed", op.pk, op.kind)
        fail(op, "The change failed unexpectedly; nothing more will be tried until you retry.")
        raise
    with transaction.atomic():
        if not op.finish(Operation.SUCCEEDED, applied.message):
            return Outcome(LOST)
        audit(op, applied, AuditEvent.OK)
    return Outcome(Operation.SUCCEEDED, message=op.message, resync=applied.resync)


def stale_queued(older_than: timedelta) -> list[int]:
    """Queued rows nobody has touched for a while: their message was lost or never sent."""
    cutoff = timezone.now() - older_than
    return list(
        Operation.objects.filter(state=Operation.QUEUED, updated_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


def touch(op_ids: list[int]) -> None:
    Operation.objects.filter(pk__in=op_ids, state=Operation.QUEUED).update(
        updated_at=timezone.now()
    )


def reclaim_abandoned() -> list[int]:
    """Running rows whose worker is gone, queued again for another worker; their ids.

    Gone means the lease ran out, or the holder is a process of this machine that no longer
    exists (a worker killed and started again need not wait for its lease). Each row is taken
    back with its own conditional UPDATE, so a run that claimed it a moment ago (a redelivered
    message) keeps it, and two sweeps never both take the same row.
    """
    now = timezone.now()
    running = Operation.objects.filter(state=Operation.RUNNING)
    rows = running.values_list("pk", "lease_token", "lease_expires_at", "lease_holder")
    reclaimed: list[int] = []
    for op_id, token, expires, holder in rows:
        if expires is not None and expires > now and not holder_is_gone(holder):
            continue
        taken = running.filter(pk=op_id, lease_token=token).update(
            state=Operation.QUEUED,
            message=(
                "The worker running this change stopped before it finished; running it again "
                "(plex.tv is checked first, so nothing is applied twice)."
            ),
            lease_token="",
            lease_expires_at=None,
            updated_at=now,
        )
        if taken:
            log.warning(
                "operation %s: its worker (process %s on %s) stopped mid-run; queued again",
                op_id,
                holder.get("pid", "?"),
                holder.get("host", "?"),
            )
            reclaimed.append(op_id)
    return reclaimed
