"""Fixtures of the lifecycle tests: the synced demo household, the persona cast, the SMTP sink."""

from __future__ import annotations

from datetime import datetime

from activity.models import LastActivity
from sharing.models import Share
from tests.console.conftest import synced  # noqa: F401
from tests.notify.conftest import _no_digest_wait, smtp_sink  # noqa: F401
from tests.personas import (  # noqa: F401
    anonymous,
    co_admin,
    household,
    member,
    outsider,
    owner,
    plex_settings,
)


def last_active(share: Share, at: datetime | None, *, known_since: datetime) -> LastActivity:
    row, _ = LastActivity.objects.update_or_create(
        user=share.user,
        server=share.server,
        defaults={"last_active_at": at, "last_played_at": at, "created_at": known_since},
    )
    return row
