"""Access that ends on a date: expired shares become "stop sharing" operations.

The expiry is stored on the share (set on the person screen). A beat task calls
`submit_expired()`, which turns every share past its `expires_at` into the same operation the
"Stop sharing this server" button creates, run by a worker like any other change. The key of
that operation is derived from the share and its expiry, so two beat ticks, a redelivered task
or two beats racing submit it once; moving the expiry gives a new key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.timesince import timeuntil

from accounts.models import Household
from notify import events
from sharing.models import AuditEvent, Operation, Share
from sharing.operations.invites import STOP_SHARING

log = logging.getLogger(__name__)

EXPIRED = "share.expired"


def expiry_key(share_id: int, expires_at: datetime) -> str:
    stamp = expires_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return f"expire-{share_id}-{stamp}"


def _pending(target_type: str, outer: str) -> Exists:
    return Exists(
        Operation.objects.filter(
            state__in=Operation.PENDING_STATES,
            target_type=target_type,
            target_id=Cast(OuterRef(outer), CharField()),
        )
    )


def expired_shares(now: datetime) -> QuerySet[Share]:
    """Shares of the owner's servers past their expiry, with no change under way on them.

    A pending operation on the share (an edit, a stop) or on the person (a removal) decides
    first; the next tick looks again once it has finished.
    """
    return (
        Share.objects.filter(
            expires_at__lte=now,
            server__owned=True,
            shared_server_id__isnull=False,
            user__removed_locally_at__isnull=True,
        )
        .exclude(_pending(Operation.TARGET_SHARE, "pk"))
        .exclude(_pending(Operation.TARGET_USER, "user_id"))
        .select_related("server", "user")
        .order_by("expires_at", "pk")
    )


def submit_expired(now: datetime | None = None) -> list[Operation]:
    """Submit a stop-sharing operation for each expired share; returns the ones created now."""
    from sharing.operations import submit

    now = now or timezone.now()
    created: list[Operation] = []
    household = Household.current()
    owner = household.owner.display_name if household else "the server's owner"
    for share in expired_shares(now):
        if share.expires_at is None:  # excluded by the query; narrows the type
            continue
        label = f"{share.user.display_name} on {share.server.name}"
        params = {
            "label": label,
            "source": AuditEvent.SYSTEM,
            "reason": "expired",
            "expires_at": share.expires_at.isoformat(),
        }
        with transaction.atomic():
            op, is_new = submit(
                STOP_SHARING, share, params, None, expiry_key(share.pk, share.expires_at)
            )
            if is_new:
                AuditEvent.record(
                    EXPIRED,
                    (Operation.TARGET_SHARE, share.pk),
                    label,
                    [{"field": "expires_at", "before": params["expires_at"], "after": None}],
                    source=AuditEvent.SYSTEM,
                )
                events.emit(
                    events.ACCESS_EXPIRED,
                    key=expiry_key(share.pk, share.expires_at),
                    person=share.user_id,
                    context={
                        "person": share.user.display_name,
                        "server": share.server.name,
                        "expires_at": f"{share.expires_at:%Y-%m-%d %H:%M} UTC",
                        "path": f"/people/operations/{op.pk}/",
                        "owner": owner,  # the member's message says whom to ask
                    },
                )
        if is_new:
            log.info("share %s expired at %s: stop sharing submitted", share.pk, share.expires_at)
            created.append(op)
    return created


@dataclass(frozen=True)
class ExpiryNote:
    """How a share's expiry reads on screen."""

    text: str
    expired: bool


def describe(expires_at: datetime | None, now: datetime | None = None) -> ExpiryNote | None:
    if expires_at is None:
        return None
    now = now or timezone.now()
    if expires_at <= now:
        return ExpiryNote(text="expired, removing…", expired=True)
    # timeuntil joins number and unit with a no-break space; plain text reads the same.
    left = timeuntil(expires_at, now, depth=1).replace("\xa0", " ")
    return ExpiryNote(text=f"expires in {left}", expired=False)
