"""Who stopped using their access, and the clean-up an admin starts for them.

A share is inactive for N days when its person has neither played anything on that server nor
been seen by plex.tv there for N days (activity's `LastActivity`), or, with nothing recorded at
all, when plexadmin has known the share for that long: a share seen for the first time today is
never called idle.

The clean-up, in order:

1. An admin picks inactive shares and an end date (`start`). Each person is warned at once
   ("your access ends on … unless you watch something"); nothing else happens without them.
2. Beat's tick finds clean-ups whose end has passed and for which the play history has been
   read completely since (a play in the last minutes before the end must count), and claims
   each with a conditional UPDATE (`decide_due`), so two beats never decide one twice. A
   share used since the clean-up began is kept; the rest are stopped, as one batch of the
   usual "stop sharing" operations, audited under the admin who started it.
3. The tick then tells about each stop that succeeded (`report_removed`), once per share.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from activity.models import Collection, LastActivity
from lifecycle.common import live_shares, owner_name, since, stamp
from lifecycle.models import CleanUp, CleanUpEntry
from notify import events
from sharing.models import Operation, OperationBatch, Share
from sharing.operations import submit
from sharing.operations.invites import STOP_SHARING


def _activity(outer_user: str = "user", outer_server: str = "server") -> QuerySet[LastActivity]:
    return LastActivity.objects.filter(user=OuterRef(outer_user), server=OuterRef(outer_server))


def inactive_shares(days: int, now: datetime | None = None) -> QuerySet[Share]:
    cutoff = (now or timezone.now()) - timedelta(days=days)
    idle_row = _activity().filter(
        Q(last_active_at__lt=cutoff) | Q(last_active_at__isnull=True, created_at__lt=cutoff)
    )
    return live_shares().filter(
        Exists(idle_row) | (Q(created_at__lt=cutoff) & ~Exists(_activity()))
    )


def last_active(shares: list[Share]) -> dict[tuple[int, int], LastActivity]:
    """Each share's activity row by (user id, server id), in one query."""
    users = {share.user_id for share in shares}
    rows = LastActivity.objects.filter(user_id__in=users)
    return {(row.user_id, row.server_id): row for row in rows}


def in_cleanup(shares: list[Share]) -> dict[int, CleanUpEntry]:
    """Shares already picked by a clean-up still waiting, by share id."""
    entries = CleanUpEntry.objects.filter(
        share__in=shares, cleanup__decided_at__isnull=True
    ).select_related("cleanup")
    return {entry.share_id: entry for entry in entries if entry.share_id is not None}


def start(
    shares: list[Share], ends_at: datetime, idle_days: int, actor: User | None
) -> tuple[CleanUp | None, list[Share]]:
    """Warn the people of `shares` and create the clean-up; returns it (None when every share
    is in one already: a resent form) and the shares left out because a clean-up waits for
    them."""
    now = timezone.now()
    waiting = in_cleanup(shares)
    picked = [share for share in shares if share.pk not in waiting]
    if not picked:
        return None, shares
    activity = last_active(picked)
    owner = owner_name()
    with transaction.atomic():
        cleanup = CleanUp.objects.create(
            actor=actor, idle_days=idle_days, created_at=now, ends_at=ends_at
        )
        for share in picked:
            row = activity.get((share.user_id, share.server_id))
            seen = row.last_active_at if row else None
            entry = CleanUpEntry.objects.create(
                cleanup=cleanup,
                user=share.user,
                server=share.server,
                share=share,
                last_active_at=seen,
            )
            events.emit(
                events.INACTIVITY_WARNED,
                key=f"cleanup-entry-{entry.pk}",
                person=share.user_id,
                context={
                    "person": share.user.display_name,
                    "server": share.server.name,
                    "idle": since(seen, now) if seen else f"more than {idle_days} days",
                    "when": f"on {stamp(ends_at)}",
                    "owner": owner,
                    "path": "/lifecycle/",
                },
            )
    return cleanup, [share for share in shares if share.pk in waiting]


def _used_since(entry: CleanUpEntry, moment: datetime) -> bool:
    return LastActivity.objects.filter(
        user_id=entry.user_id, server_id=entry.server_id, last_active_at__gt=moment
    ).exists()


def decide(cleanup: CleanUp, now: datetime) -> OperationBatch | None:
    """Keep the shares used since the warning, stop the others; None if decided already."""
    with transaction.atomic():
        claimed = CleanUp.objects.filter(pk=cleanup.pk, decided_at__isnull=True).update(
            decided_at=now
        )
        if not claimed:
            return None
        batch = OperationBatch.objects.create(
            title=f"Inactivity clean-up started {cleanup.created_at:%Y-%m-%d}", actor=cleanup.actor
        )
        entries = cleanup.entries.filter(state=CleanUpEntry.WARNED).select_related(
            "user", "server", "share"
        )
        for entry in entries:
            share = entry.share
            if share is None or share.shared_server_id is None:
                entry.state = CleanUpEntry.GONE
            elif _used_since(entry, cleanup.created_at):
                entry.state = CleanUpEntry.KEPT
            else:
                label = f"{entry.user.display_name} on {entry.server.name}"
                op, _ = submit(
                    STOP_SHARING,
                    Operation.TARGET_SHARE,
                    share.pk,
                    {"label": label, "reason": "inactive", "cleanup": cleanup.pk},
                    cleanup.actor,
                    f"cleanup-{entry.pk}",
                )
                op.batch = batch
                op.save(update_fields=["batch"])
                entry.state = CleanUpEntry.REMOVING
                entry.operation = op
            entry.save(update_fields=["state", "operation"])
        cleanup.batch = batch
        cleanup.decided_at = now
        cleanup.save(update_fields=["batch"])
    return batch


def history_read_up_to() -> datetime | None:
    """When the latest complete read of the play history started: plays before it are known."""
    latest = (
        Collection.objects.filter(outcome=Collection.SUCCEEDED)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return latest


def decide_due(now: datetime | None = None) -> int:
    now = now or timezone.now()
    read_up_to = history_read_up_to()
    if read_up_to is None:
        return 0
    due = CleanUp.objects.filter(
        decided_at__isnull=True, ends_at__lte=min(now, read_up_to)
    ).order_by("ends_at")
    return sum(decide(cleanup, now) is not None for cleanup in due)


def report_removed(now: datetime | None = None) -> int:
    """Mark the stops that succeeded and tell about each, once."""
    now = now or timezone.now()
    owner = owner_name()
    done = CleanUpEntry.objects.filter(
        state=CleanUpEntry.REMOVING, operation__state=Operation.SUCCEEDED
    ).select_related("user", "server", "operation")
    told = 0
    for entry in done:
        with transaction.atomic():
            changed = CleanUpEntry.objects.filter(pk=entry.pk, state=CleanUpEntry.REMOVING).update(
                state=CleanUpEntry.REMOVED, told_at=now
            )
            if not changed:
                continue
            events.emit(
                events.PERSON_REMOVED,
                key=f"cleanup-entry-{entry.pk}",
                person=entry.user_id,
                context={
                    "person": entry.user.display_name,
                    "where": f"{entry.server.name} (inactive)",
                    "their": f"the server {entry.server.name}",
                    "owner": owner,
                    "path": f"/people/operations/{entry.operation_id}/",
                },
            )
        told += 1
    return told
