from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from celery.signals import after_task_publish, beat_init, worker_process_init, worker_ready
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

logger = logging.getLogger(__name__)

# Set in the beat process only, where every task published is one beat sent on schedule.
_in_beat = False


def _record(name: str, detail: str) -> None:
    from plexadmin.models import Heartbeat

    try:
        Heartbeat.record(name, detail=detail)
    except Exception:
        # A process whose database is not migrated (or briefly locked) keeps running; the
        # status page shows the heartbeat missing instead.
        logger.warning("Could not record the %s heartbeat", name, exc_info=True)


@worker_ready.connect
def record_worker_start(sender: Any = None, **_: Any) -> None:
    """Record the start, and sweep at once: changes a worker killed on this machine left
    running are taken over now rather than at beat's next tick."""
    from plexadmin import worker_guard
    from plexadmin.models import Heartbeat
    from sharing.tasks import sweep_operations

    node = getattr(sender, "hostname", None) or socket.gethostname()
    _record(Heartbeat.WORKER_START, f"{node} started")
    worker_guard.watch(sender)
    try:
        sweep_operations.delay()
    except Exception:
        logger.warning("Could not send the start-up sweep; beat's next one will do", exc_info=True)


@worker_process_init.connect
def leave_the_worker_process_group(**_: Any) -> None:
    """A pool process gets a process group of its own, so a signal sent to the worker's whole
    group (honcho's SIGTERM on Ctrl-C) reaches only the main process, which shuts down warm and
    lets the running task finish instead of losing it halfway. A pool process still never
    outlives the main one: Celery has the kernel kill it when its parent dies."""
    try:
        os.setpgid(0, 0)
    except OSError:
        logger.warning("A pool process could not leave the worker's process group", exc_info=True)


@beat_init.connect
def record_beat_start(**_: Any) -> None:
    from plexadmin.models import Heartbeat

    global _in_beat
    _in_beat = True
    _record(Heartbeat.BEAT_START, f"started on {socket.gethostname()}")


@after_task_publish.connect
def record_beat_send(sender: Any = None, **_: Any) -> None:
    from plexadmin.models import Heartbeat

    if _in_beat:
        _record(Heartbeat.BEAT, f"sent {sender} from {socket.gethostname()}")


@receiver(user_logged_in, dispatch_uid="plexadmin-idle-clock-starts-at-sign-in")
def start_idle_clock(sender: Any, request: Any, **_: Any) -> None:
    """The idle clock starts at sign-in, so the first page after it writes no session row."""
    from plexadmin.middleware import LAST_SEEN

    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())
