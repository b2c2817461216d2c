from __future__ import annotations

import os

from celery import shared_task

from plexadmin.models import Heartbeat


@shared_task(bind=True, ignore_result=True, soft_time_limit=20, time_limit=30)
def heartbeat(self) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Sent by beat every minute: proof that a worker takes tasks from the broker and runs them."""
    seen = Heartbeat.record(
        Heartbeat.WORKER, detail=f"{self.request.hostname or 'a worker'} (process {os.getpid()})"
    )
    return {"seen_at": seen.seen_at.isoformat()}
