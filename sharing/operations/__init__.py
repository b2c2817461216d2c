"""Changes to plex.tv as tracked Operations: created with the request, run by a worker.

`submit()` writes the row inside the caller's transaction and publishes the task only when
that transaction commits; `executor.execute()` is what the worker runs.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from accounts.models import User
from sharing.models import Operation
from sharing.operations import account, expiry, home, invites, shares
from sharing.operations.executor import HANDLERS, Outcome, execute, restart

# The params key holding the digest of the request an operation was made from.
REQUEST_DIGEST = "request_digest"

__all__ = [
    "HANDLERS",
    "REQUEST_DIGEST",
    "Outcome",
    "account",
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


def submit(
    kind: str,
    target_type: str,
    target_id: object,
    params: dict[str, Any],
    actor: User | None,
    key: str,
    *,
    content: object = None,
) -> tuple[Operation, bool]:
    """Create the operation for `key` (once) and enqueue it on commit.

    The key comes from the form the admin submitted, so a double click or a browser resending
    the POST finds the first row instead of making the change twice. Returns (row, created).
    `content` is what the admin submitted (the params when not given); its digest is kept on
    the row so that `same_request` tells a resent form from a key reused with other values.
    """
    from sharing.console_tasks import apply_operation

    existing = Operation.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    digest = fingerprint(kind, target_type, target_id, params if content is None else content)
    try:
        with transaction.atomic():
            op = Operation.objects.create(
                kind=kind,
                target_type=target_type,
                target_id=str(target_id),
                params={**params, REQUEST_DIGEST: digest},
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
