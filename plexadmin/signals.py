from __future__ import annotations

import logging
import socket
import time
from typing import Any

from celery.signals import worker_ready
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

logger = logging.getLogger(__name__)


@worker_ready.connect
def record_worker_start(**_: Any) -> None:
    from plexadmin.models import Heartbeat

    try:
        Heartbeat.record(Heartbeat.WORKER, detail=f"started on {socket.gethostname()}")
    except Exception:
        # A worker whose database is not migrated yet must still start and report why later.
        logger.exception("Could not record the worker start")


@receiver(user_logged_in, dispatch_uid="plexadmin-idle-clock-starts-at-sign-in")
def start_idle_clock(sender: Any, request: Any, **_: Any) -> None:
    """The idle clock starts at sign-in, so the first page after it writes no session row."""
    from plexadmin.middleware import LAST_SEEN

    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())
