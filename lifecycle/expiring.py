"""Warnings before access ends, sent by the beat tick.

Each share whose expiry is within the largest of LIFECYCLE_WARN_DAYS gets the warning of the
smallest threshold it has crossed (7 days, then 1 day by default). The notify Event's key names
the share, its expiry and the threshold, so a warning is sent once per share and threshold
however often beat runs; a share first seen with 12 hours left gets only the 1-day warning;
renewing moves the expiry, which gives new keys, so the next end is warned about again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lifecycle.common import live_shares, owner_name, stamp, until
from notify import events
from sharing.models import Share
from sharing.operations.expiry import expiry_key


def thresholds() -> list[int]:
    return sorted(int(day) for day in settings.LIFECYCLE_WARN_DAYS)


def due_threshold(left: timedelta, days: list[int]) -> int | None:
    crossed = [day for day in days if left <= timedelta(days=day)]
    return min(crossed) if crossed else None


def warning_key(share: Share, day: int) -> str:
    assert share.expires_at is not None  # noqa: S101 - callers select shares with an expiry
    return f"{expiry_key(share.pk, share.expires_at)}-{day}d"


def send_expiry_warnings(now: datetime | None = None) -> int:
    """Emit the warnings now due; returns how many were new."""
    now = now or timezone.now()
    days = thresholds()
    if not days:
        return 0
    shares = (
        live_shares()
        .filter(expires_at__gt=now, expires_at__lte=now + timedelta(days=max(days)))
        .select_related("user", "server")
        .order_by("expires_at", "pk")
    )
    owner = owner_name()
    sent = 0
    for share in shares:
        if share.expires_at is None:  # excluded by the query; narrows the type
            continue
        day = due_threshold(share.expires_at - now, days)
        if day is None:
            continue
        with transaction.atomic():
            event = events.emit(
                events.ACCESS_EXPIRING,
                key=warning_key(share, day),
                person=share.user_id,
                context={
                    "person": share.user.display_name,
                    "server": share.server.name,
                    "when": until(share.expires_at, now),
                    "expires_at": stamp(share.expires_at),
                    "owner": owner,
                    "path": f"/people/{share.user_id}/",
                },
            )
        sent += event is not None
    return sent
