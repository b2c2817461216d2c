"""Events announced by accounts (which must not import notify), turned into notifications."""

from __future__ import annotations

import hashlib
from typing import Any

from django.dispatch import receiver

from accounts.models import Household, PlexAccount
from accounts.signals import token_needs_relink
from notify import events


@receiver(token_needs_relink, dispatch_uid="notify-owner-token-needs-relink")
def owner_token_needs_relink(sender: Any, account: PlexAccount, **_: Any) -> None:
    household = Household.current()
    if household is None or household.owner_id != account.pk:
        return  # a co-admin's own sign-in: it does not stop the dashboard
    # One notice per dead token: every failing call marks it again until the owner signs in,
    # and a new sign-in stores a new ciphertext.
    episode = hashlib.sha256(account.token_ciphertext.encode()).hexdigest()[:16]
    events.emit(
        events.TOKEN_RELINK,
        key=f"{account.pk}:{episode}",
        context={
            "account": account.display_name,
            "detail": account.token_status_detail or "401 from plex.tv",
            "path": "/accounts/sign-in/",
        },
    )
