"""The access length chosen when inviting, applied to the shares the invite brings.

The invite form's "Access for" puts `access_days` on the invite's operation. A friend's share
exists only once they accept and a sync has seen it; a managed user's once the sync reads the
Home. The tick looks at recent invites with a length and, for each share they brought, sets
the end once: `access_days` after plexadmin first saw the share, to the end of that day.

Only a share that appeared after the invite is given an end: a person who already had access
to that server keeps it as it was (an invite never shortens what someone had).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lifecycle.common import end_of_day, live_shares
from lifecycle.models import AppliedTerm
from sharing.models import AuditEvent, Operation, PlexUser, Share
from sharing.operations.home import CREATE_MANAGED
from sharing.operations.invites import INVITE_FRIEND

ACCESS_DAYS = "access_days"
# An invite not accepted within this long is not waited for any more.
WAIT_AT_MOST = timedelta(days=90)
TERM_APPLIED = "lifecycle.term"


def _people(op: Operation) -> list[PlexUser]:
    if op.kind == CREATE_MANAGED:
        created = op.params.get("created_id")
        return list(PlexUser.objects.filter(plex_id=created)) if created else []
    address = str(op.params.get("address") or "")
    if not address:
        return []
    return list(PlexUser.objects.filter(Q(username__iexact=address) | Q(email__iexact=address)))


def shares_brought(op: Operation) -> list[Share]:
    machines = [entry.get("machine") for entry in op.params.get("servers", [])]
    people = _people(op)
    if not people or not machines:
        return []
    return list(
        live_shares()
        .filter(user__in=people, server__machine_identifier__in=machines)
        .filter(created_at__gte=op.created_at)
        .select_related("user", "server")
    )


def apply_terms(now: datetime | None = None) -> int:
    """Give each new share of a recent invite its end date; returns how many were set."""
    now = now or timezone.now()
    invites = Operation.objects.filter(
        kind__in=[INVITE_FRIEND, CREATE_MANAGED],
        state=Operation.SUCCEEDED,
        params__has_key=ACCESS_DAYS,
        created_at__gte=now - WAIT_AT_MOST,
    ).order_by("created_at")
    applied = 0
    for op in invites:
        days = int(op.params[ACCESS_DAYS])
        done = set(AppliedTerm.objects.filter(operation=op).values_list("share_id", flat=True))
        for share in shares_brought(op):
            if share.pk in done:
                continue
            applied += _apply(op, share, days)
    return applied


def _apply(op: Operation, share: Share, days: int) -> bool:
    end = end_of_day(timezone.localtime(share.created_at).date() + timedelta(days=days))
    try:
        with transaction.atomic():
            AppliedTerm.objects.create(operation=op, share_id=share.pk, expires_at=end)
            # An end already set (by an admin, before this tick) is theirs: kept.
            if share.expires_at is not None:
                return False
            Share.objects.filter(pk=share.pk, expires_at__isnull=True).update(expires_at=end)
            AuditEvent.objects.create(
                actor=op.actor,
                source=AuditEvent.DASHBOARD,
                target_type=Operation.TARGET_SHARE,
                target_id=str(share.pk),
                target_label=f"{share.user.display_name} on {share.server.name}"[:200],
                action=TERM_APPLIED,
                changes=[{"field": "expires_at", "before": None, "after": end.isoformat()}],
            )
    except IntegrityError:
        return False  # another tick applied it a moment ago
    return True
