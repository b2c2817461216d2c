"""What sharing does when accounts announces something: a first picture of the household as
soon as it exists or an admin signs in (not at the next tick of the schedule), and every role
change in the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts import roles
from accounts.models import Member
from accounts.signals import household_created, role_changed
from sharing.models import AuditEvent, SyncRun


@receiver(user_logged_in, dispatch_uid="sharing-sync-on-admin-sign-in")
def sync_after_admin_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from sharing.sync.runs import request_sync

    if (
        roles.is_admin(user)
        and not SyncRun.objects.filter(outcome__in=[SyncRun.SUCCEEDED, SyncRun.WARNING]).exists()
    ):
        request_sync(SyncRun.ADMIN, actor=user)


@receiver(household_created, dispatch_uid="sharing-sync-on-household-created")
def sync_new_household(sender: Any, household: Any, user: Any, **kwargs: Any) -> None:
    from sharing.sync.runs import request_sync

    # Published when the household's transaction commits, like every task.
    request_sync(SyncRun.ADMIN, actor=user)


@receiver(role_changed, dispatch_uid="sharing-audit-role-changes")
def audit_role_change(
    sender: Any, account: Any, before: str | None, after: str | None, actor: Any, **kwargs: Any
) -> None:
    """Every role change goes into the audit trail, in the transaction that made it."""
    if after == Member.Role.CO_ADMIN:
        action = "role.granted"
    elif after is None:
        action = "role.ended"
    elif before == Member.Role.CO_ADMIN:
        action = "role.revoked"
    else:
        action = f"role.{after}"
    AuditEvent.record(
        action,
        ("member", account.plex_id),
        account.display_name,
        [{"field": "role", "before": before, "after": after}],
        source=AuditEvent.DASHBOARD if actor is not None else AuditEvent.SYSTEM,
        actor=actor,
    )
