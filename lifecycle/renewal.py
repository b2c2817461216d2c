"""Renewing access: +30 days, +90 days, until a date, or forever, for one share or many.

The expiry is ours (plex.tv has none), so a renewal changes nothing at plex.tv; it still goes
through the share's "edit" operation, like the expiry field of the person page, so it is
audited the same way, shows its progress, and the expiry sweep leaves the share alone while it
is pending (a renewal racing the end of access wins or loses cleanly, never half-applies).

A renewal only ever lengthens access: a share with no end is left as it is by "+30 days", and
a date earlier than the current end is refused for that share (the edit form shortens access).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from lifecycle.common import end_of_day
from sharing.models import Operation, OperationBatch, Share
from sharing.operations import submit
from sharing.operations.shares import EDIT_SHARE

FOREVER = "forever"
EXTENSIONS = {"30": 30, "90": 90}


@dataclass(frozen=True)
class Renewal:
    """What the admin chose: a number of days to add, a date, or no end."""

    days: int | None = None
    until: date | None = None
    forever: bool = False

    @property
    def words(self) -> str:
        if self.forever:
            return "with no end"
        if self.until is not None:
            return f"until {self.until:%Y-%m-%d}"
        return f"by {self.days} days"

    def new_end(self, current: datetime | None, now: datetime) -> datetime | None:
        """The share's new expiry; raises `Unchanged` when this renewal would not lengthen it."""
        if current is None:
            raise Unchanged("has no end already")
        if self.forever:
            return None
        if self.until is not None:
            end = end_of_day(self.until)
        else:
            assert self.days is not None  # noqa: S101 - one of the three is always set
            end = end_of_day(timezone.localtime(max(current, now)).date() + timedelta(self.days))
        if end <= current:
            raise Unchanged("already has access until later")
        return end


class Unchanged(Exception):
    """This share would not be lengthened by the renewal."""


@dataclass
class Plan:
    batch: OperationBatch | None = None
    submitted: list[Operation] = field(default_factory=list)
    unchanged: list[tuple[Share, str]] = field(default_factory=list)
    busy: list[Share] = field(default_factory=list)


def _busy(share: Share) -> bool:
    return Operation.objects.filter(
        state__in=Operation.PENDING_STATES,
        target_type=Operation.TARGET_SHARE,
        target_id=str(share.pk),
    ).exists()


def renew_share(
    share: Share, renewal: Renewal, actor: User | None, key: str, *, batch: OperationBatch | None
) -> Operation:
    """Submit the edit that moves `share`'s expiry; `Unchanged` if it would not lengthen it."""
    now = timezone.now()
    end = renewal.new_end(share.expires_at, now)
    before = share.expires_at.isoformat() if share.expires_at else None
    params: dict[str, Any] = {
        "label": f"{share.user.display_name} on {share.server.name}",
        "changes": {"expires_at": end.isoformat() if end else None},
        "before": {"expires_at": before},
        "reason": "renewed",
    }
    op, created = submit(EDIT_SHARE, Operation.TARGET_SHARE, share.pk, params, actor, key)
    if created and batch is not None:
        op.batch = batch
        op.save(update_fields=["batch"])
    return op


def renew_many(shares: list[Share], renewal: Renewal, actor: User | None, key: str) -> Plan:
    """One batch of renewals; shares it would not lengthen, or busy with a change, are listed."""
    resent = Operation.objects.filter(idempotency_key__startswith=f"renew-{key}-").first()
    if resent is not None:  # the same form sent twice: the batch it started already runs
        return Plan(batch=resent.batch)
    plan = Plan()
    with transaction.atomic():
        plan.batch = OperationBatch.objects.create(
            title=f"Renew access {renewal.words} for {len(shares)} share(s)", actor=actor
        )
        for share in shares:
            if _busy(share):
                plan.busy.append(share)
                continue
            try:
                op = renew_share(share, renewal, actor, f"renew-{key}-{share.pk}", batch=plan.batch)
            except Unchanged as why:
                plan.unchanged.append((share, str(why)))
                continue
            plan.submitted.append(op)
    return plan
