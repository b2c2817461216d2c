"""Changes to plex.tv as tracked Operations: created with the request, run by a worker.

`submit()` writes the row inside the caller's transaction and publishes the task only when
that transaction commits; `executor.execute()` is what the worker runs.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from sharing.models import Operation
from sharing.operations import account, expiry, home, invites, shares
from sharing.operations.executor import HANDLERS, Outcome, execute, restart

__all__ = [
    "HANDLERS",
    "Outcome",
    "account",
    "execute",
    "expiry",
    "home",
    "invites",
    "restart",
    "shares",
    "submit",
]


def submit(
    kind: str,
    target_type: str,
    target_id: object,
    params: dict[str, Any],
    actor: User | None,
    key: str,
) -> tuple[Operation, bool]:
    """Create the operation for `key` (once) and enqueue it on commit.

    The key comes from the form the admin submitted, so a double click or a browser resending
    the POST finds the first row instead of making the change twice. Returns (row, created).
    """
    from sharing.console_tasks import apply_operation

    existing = Operation.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            op = Operation.objects.create(
                kind=kind,
                target_type=target_type,
                target_id=str(target_id),
                params=params,
                actor=actor,
                idempotency_key=key,
            )
    except IntegrityError:
        return Operation.objects.get(idempotency_key=key), False
    apply_operation.delay_on_commit(op.pk)  # type: ignore[attr-defined]
    return op, True


def enqueue(op: Operation) -> None:
    from sharing.console_tasks import apply_operation

    apply_operation.delay_on_commit(op.pk)  # type: ignore[attr-defined]
