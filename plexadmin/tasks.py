from __future__ import annotations

import socket

from celery import shared_task

from plexadmin.models import Heartbeat


@shared_task(ignore_result=True)
def heartbeat() -> dict[str, str]:
    """Run by beat every minute; the status page shows how long ago it last ran."""
    beat = Heartbeat.record(Heartbeat.BEAT, detail=f"run by {socket.gethostname()}")
    return {"seen_at": beat.seen_at.isoformat()}
