"""A first picture of the household as soon as an admin signs in, rather than at the next tick."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts import roles
from sharing.models import SyncRun


@receiver(user_logged_in, dispatch_uid="sharing-sync-on-admin-sign-in")
def sync_after_admin_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from sharing.services import request_sync

    if (
        roles.is_admin(user)
        and not SyncRun.objects.filter(outcome__in=[SyncRun.SUCCEEDED, SyncRun.WARNING]).exists()
    ):
        request_sync(SyncRun.ADMIN, actor=user)
