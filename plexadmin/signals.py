from __future__ import annotations

import logging
import socket
from typing import Any

from celery.signals import worker_ready

logger = logging.getLogger(__name__)


@worker_ready.connect
def record_worker_start(**_: Any) -> None:
    from plexadmin.models import Heartbeat

    try:
        Heartbeat.record(Heartbeat.WORKER, detail=f"started on {socket.gethostname()}")
    except Exception:
        # A worker whose database is not migrated yet must still start and report why later.
        logger.exception("Could not record the worker start")
