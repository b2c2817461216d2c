"""Changes to plex.tv as tracked Operations: created with the request, run by a worker.

`submit()` is the one way to create an operation: it writes the row inside the caller's
transaction and publishes the task only when that transaction commits; `executor.execute()`
is what the worker runs.

The task is looked up by its name in the Celery app rather than imported: `sharing.tasks`
imports this package (to run operations), so importing it back would tie the two in a circle,
and operations stay usable (and testable) without the task module. The lookup returns the
registered task object itself, so publishing keeps `delay_on_commit` and the task's options.
"""

from __future__ import annotations

import json
import time
from typing import Any, overload

from celery import current_app
from django.db import IntegrityError, models, transaction
from django.utils.crypto import salted_hmac

from accounts.models import User
from sharing.models import Operation, OperationBatch
from sharing.operations import account, expiry, home, invites, shares
from sharing.operations.executor import HANDLERS, KIND_LABELS, Outcome, execute

# The params key holding the digest of the request an operation was made from.
REQUEST_DIGEST = "request_digest"
# The worker's task, by its registered name (see the module's docstring).
APPLY_OPERATION = "sharing.console_tasks.apply_operation"

Target = models.Model | tuple[str, object]
"""What an operation is about: a row (its model names the type), or (type, id)."""
Params = dict[str, Any]
Actor = User | None

__all__ = [
    "APPLY_OPERATION",
    "HANDLERS",
    "KIND_LABELS",
    "REQUEST_DIGEST",
    "Outcome",
    "account",
    "enqueue",
    "execute",
    "expiry",
    "fingerprint",
    "home",
    "invites",
    "restart",
    "same_request",
    "shares",
    "submit",
]


def fingerprint(kind: str, target_type: str, target_id: object, content: object) -> str:
    """A digest of what was asked, to tell a resent form from a reused key with new values.

    Keyed with the secret key: a request may hold a PIN, and a plain hash of four digits
    would give it away to anyone who can read the row.
    """
    text = json.dumps([kind, target_type, str(target_id), content], sort_keys=True, default=str)
    return salted_hmac("operation-request", text, algorithm="sha256").hexdigest()


def same_request(
    op: Operation, kind: str, target_type: str, target_id: object, content: object
) -> bool:
    """Whether `op` was made from the same request (see `submit`'s `content`)."""
    return op.params.get(REQUEST_DIGEST) == fingerprint(kind, target_type, target_id, content)


def target_of(target: Target) -> tuple[str, str]:
    """(target_type, target_id) of a row or a pair; a row's type is its model's name, which
    is what `Operation.TARGET_*` spell (plexuser, share, invite, homeinvite)."""
    if isinstance(target, models.Model):
        return target._meta.model_name or "", str(target.pk)
    target_type, target_id = target
    return target_type, str(target_id)


Submitted = tuple[Operation, bool]


# The two ways to call it (see the docstring), kept compact: they differ in the target only.
@overload
def submit(
    kind: str, target: Target, params: Params, actor: Actor, key: str,
    batch: OperationBatch | None = None, countdown: float | None = None, *, content: object = None,
) -> Submitted: ...  # fmt: skip
@overload
def submit(
    kind: str, target: str, target_id: object, params: Params, actor: Actor, key: str, *,
    batch: OperationBatch | None = None, countdown: float | None = None, content: object = None,
) -> Submitted: ...  # fmt: skip


def submit(kind: str, target: Target | str, *args: Any, **options: Any) -> Submitted:
    """Create the operation for `key` (once) and enqueue it on commit.

    Called as `submit(kind, target, params, actor, key, batch=None, countdown=None)`, the
    target a row or (type, id); `submit(kind, target_type, target_id, params, actor, key)`
    reads the same. The key comes from the form the admin submitted, so a double click or a
    browser resending the POST finds the first row instead of making the change twice.
    Returns (row, created). `content` is what the admin submitted (the params when not given);
    its digest is kept on the row so that `same_request` tells a resent form from a key
    reused with other values. `batch` groups the row with a bulk change; `countdown` delays
    its task (a bulk change is paced under plex.tv's rate limit).
    """
    if isinstance(target, str):
        target, args = (target, args[0]), args[1:]
    target_type, target_id = target_of(target)
    params, actor, key, *rest = args
    batch: OperationBatch | None = options.get("batch", rest[0] if rest else None)
    countdown: float | None = options.get("countdown", rest[1] if len(rest) > 1 else None)
    content = options.get("content")
    existing = Operation.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    digest = fingerprint(kind, target_type, target_id, params if content is None else content)
    try:
        with transaction.atomic():
            op = Operation.objects.create(
                kind=kind,
                target_type=target_type,
                target_id=target_id,
                params={**params, REQUEST_DIGEST: digest},
                actor=actor,
                idempotency_key=key,
                batch=batch,
            )
    except IntegrityError:
        return Operation.objects.get(idempotency_key=key), False
    enqueue(op, countdown)
    return op, True


# When each recent batch's first operation was published (monotonic seconds). A batch's
# countdowns count from there: publishing a hundred messages takes a while, and counting each
# countdown from its own message would stretch the whole batch by that while.
_first_published: dict[int, float] = {}


def _due_in(batch_id: int | None, countdown: float) -> float:
    if batch_id is None:
        return countdown
    now = time.monotonic()
    for old in [key for key, at in _first_published.items() if now - at > 3600]:
        del _first_published[old]
    anchor = _first_published.setdefault(batch_id, now)
    return max(0.0, countdown - (now - anchor))


def enqueue(op: Operation, countdown: float | None = None) -> None:
    """Send the worker the operation's id once the caller's transaction commits."""
    task = current_app.tasks[APPLY_OPERATION]
    if countdown is None:
        task.delay_on_commit(op.pk)  # type: ignore[attr-defined]  # DjangoTask: not in celery-types
        return
    paced = countdown
    transaction.on_commit(lambda: task.apply_async((op.pk,), countdown=_due_in(op.batch_id, paced)))


def restart(op: Operation) -> bool:
    """An admin's Retry (see `Operation.restart`)."""
    return op.restart()
