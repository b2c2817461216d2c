"""Running one Operation: claim the row, call plex.tv, record the outcome.

The database row is the truth. A task message only says "look at operation N": the worker
claims the row, runs the handler for its kind and writes the result, so a redelivered or
duplicated message finds a finished row and does nothing. Handlers read plex.tv's current state
wherever a blind repeat could apply a change twice, which makes a retry after a crash (or after
an answer that never came back) safe.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

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
from sharing.models import AuditEvent, Operation
from sharing.operations.labels import KIND_LABELS

log = logging.getLogger(__name__)


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


Handler = Callable[[PlexTV, Operation], Applied]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


@dataclass(frozen=True)
class Outcome:
    state: str
    retry_in: float | None = None
    message: str = ""


def max_attempts() -> int:
    return int(getattr(settings, "OPERATION_MAX_ATTEMPTS", 5))


def backoff(attempt: int) -> float:
    """Full jitter over a doubling window: 5 s, 10 s, 20 s … capped at 5 minutes."""
    window = min(300.0, 5.0 * 2 ** max(0, attempt - 1))
    return round(random.uniform(window / 2, window), 1)  # noqa: S311 - spreading retries, not secrets


def claim(op_id: int) -> Operation | None:
    """Mark the row running and count the attempt, or None when there is nothing to do.

    A row found "running" is a redelivery after a worker died mid-operation: it is run again
    (handlers check plex.tv before writing), but only `max_attempts()` times in all, so a job
    that kills its worker every time ends as failed instead of looping.
    """
    with transaction.atomic():
        op = Operation.objects.select_for_update().filter(pk=op_id).first()
        if op is None or not op.pending:
            return None
        now = timezone.now()
        if op.attempts >= max_attempts():
            op.state = Operation.FAILED
            op.message = (
                f"Gave up after {op.attempts} attempts: the worker stopped each time before "
                "plex.tv answered. Check the worker's logs, then retry."
            )
            op.finished_at = now
            op.updated_at = now
            op.save(update_fields=["state", "message", "finished_at", "updated_at"])
            audit(op, Applied(label=op_label(op), message=op.message), AuditEvent.FAILED)
            return None
        op.state = Operation.RUNNING
        op.attempts += 1
        op.started_at = now
        op.updated_at = now
        op.save(update_fields=["state", "attempts", "started_at", "updated_at"])
        return op


def finish(op: Operation, state: str, message: str) -> None:
    now = timezone.now()
    op.state = state
    op.message = message
    op.finished_at = now if state in (Operation.SUCCEEDED, Operation.FAILED) else None
    op.updated_at = now
    op.save(update_fields=["state", "message", "finished_at", "updated_at"])


def op_label(op: Operation) -> str:
    return str(op.params.get("label") or f"{op.target_type} {op.target_id}")[:200]


def audit(op: Operation, applied: Applied, result: str) -> None:
    # Operations the system starts on its own (an expired share) say so in the trail.
    system = op.params.get("source") == AuditEvent.SYSTEM
    AuditEvent.objects.create(
        actor_id=op.actor_id,
        source=AuditEvent.SYSTEM if system else AuditEvent.DASHBOARD,
        target_type=op.target_type,
        target_id=op.target_id,
        target_label=applied.label[:200],
        action=op.kind,
        changes=applied.changes,
        result=result,
    )
    if result == AuditEvent.FAILED:
        events.emit(
            events.OPERATION_FAILED,
            key=f"op-{op.pk}-{op.finished_at:%Y%m%dT%H%M%S%f}",
            context={
                "what": applied.label,
                "kind": KIND_LABELS.get(op.kind, op.kind),
                "message": op.message,
                "path": f"/people/operations/{op.pk}/",
            },
        )


def fail(op: Operation, message: str) -> Outcome:
    finish(op, Operation.FAILED, message)
    audit(op, Applied(label=op_label(op), message=message), AuditEvent.FAILED)
    return Outcome(Operation.FAILED, message=message)


def refuse(op: Operation, message: str) -> Outcome:
    """A failure that sending the same change again cannot mend: no Retry is offered."""
    op.retryable = False
    op.save(update_fields=["retryable"])
    return fail(op, message)


def requeue(op: Operation, message: str, delay: float) -> Outcome:
    finish(op, Operation.QUEUED, message)
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
    # No transaction around the handler: with SQLite an open write transaction would hold the
    # database lock for as long as plex.tv takes to answer. Handlers write in short atomic
    # blocks after the calls.
    try:
        applied = run(client, op)
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
        finish(op, Operation.SUCCEEDED, applied.message)
        audit(op, applied, AuditEvent.OK)
    return Outcome(Operation.SUCCEEDED, message=op.message)


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


def restart(op: Operation) -> bool:
    """A failed row queued again by an admin (the attempt count starts over)."""
    now = timezone.now()
    changed = Operation.objects.filter(pk=op.pk, state=Operation.FAILED, retryable=True).update(
        state=Operation.QUEUED, attempts=0, message="", finished_at=None, updated_at=now
    )
    return bool(changed)
