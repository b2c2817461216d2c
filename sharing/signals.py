"""A first picture of the household as soon as it exists or an admin signs in, not at the next
tick of the schedule."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts import roles
from accounts.signals import household_created
from sharing.models import SyncRun


@receiver(user_logged_in, dispatch_uid="sharing-sync-on-admin-sign-in")
def sync_after_admin_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from sharing.services import request_sync

    if (
        roles.is_admin(user)
        and not SyncRun.objects.filter(outcome__in=[SyncRun.SUCCEEDED, SyncRun.WARNING]).exists()
    ):
        request_sync(SyncRun.ADMIN, actor=user)


@receiver(household_created, dispatch_uid="sharing-sync-on-household-created")
def sync_new_household(sender: Any, household: Any, user: Any, **kwargs: Any) -> None:
    from sharing.services import request_sync

    # Published when the household's transaction commits, like every task.
    request_sync(SyncRun.ADMIN, actor=user)
