"""Telling people that the worker or beat stopped, from the process that still runs.

A stopped worker cannot send the message that it stopped, and a stopped beat schedules
nothing, so neither can be a task. Each of the two keeps a thread that watches the other:

* beat writes its own heartbeat row (``beat-process``) every minute, and watches the
  ``beat`` heartbeat that a worker writes when it runs beat's heartbeat task: beat is alive
  (this thread runs in it), so a stale ``beat`` row means no worker is running tasks;
* a worker watches ``beat-process``: stale means beat is not running.

The watching process sends the message itself, without the queue. The key of each outage is
the last heartbeat seen, so one outage is told once however many checks find it. When both
stop, nobody is left to tell: `/healthz` is the check for an outside monitor.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import datetime
from typing import Any

from celery.signals import beat_init, celeryd_after_setup
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from notify import delivery, events
from notify.models import Event, Notification
from plexadmin.health import BEAT_STALE_AFTER
from plexadmin.models import Heartbeat

log = logging.getLogger(__name__)

BEAT_PROCESS = "beat-process"
INTERVAL = 60.0


def watched_by(role: str) -> tuple[str, str] | None:
    """(service, heartbeat row) the process in `role` watches, or None when it cannot."""
    if role == "beat":
        if "heartbeat" not in settings.CELERY_BEAT_SCHEDULE:
            return None  # nothing writes the worker's side of the heartbeat
        return "worker", Heartbeat.BEAT
    return "beat", BEAT_PROCESS


def check(role: str, up_for: float, now: datetime | None = None) -> Event | None:
    """One look; returns the outage event when this look found (and told) a new one."""
    now = now or timezone.now()
    if role == "beat":
        Heartbeat.record(BEAT_PROCESS, detail=f"beat on {socket.gethostname()}")
    watching = watched_by(role)
    # Right after a start the other side may not have shown itself yet.
    if watching is None or up_for < BEAT_STALE_AFTER:
        return None
    service, row = watching
    seen = Heartbeat.objects.filter(name=row).values_list("seen_at", flat=True).first()
    if seen is not None and (now - seen).total_seconds() <= BEAT_STALE_AFTER:
        return None
    if seen is None:
        detail, episode = f"the {service} has not run since this {role} started", "never"
    else:
        minutes = max(1, round((now - seen).total_seconds() / 60))
        detail = f"last seen {minutes} minute{'s' if minutes != 1 else ''} ago"
        episode = f"{seen:%Y%m%dT%H%M%S}"
    event = events.emit(
        events.SERVICE_DOWN,
        key=f"{service}:{episode}",
        context={"service": service, "detail": detail, "path": "/status/"},
    )
    if event is not None:
        send_now(event)
    return event


def send_now(event: Event) -> None:
    """Fan out and send in this process: the queue may be what is down."""
    now = timezone.now()
    delivery.fan_out(event.pk)
    recipients = Notification.objects.filter(event=event).values_list("recipient", flat=True)
    for recipient in recipients:
        found = delivery.gather(recipient, now)
        if found is not None and found.next_attempt_at <= now:
            delivery.send(found.pk, now)


def _watch(role: str) -> None:
    started = time.monotonic()
    while True:
        try:
            check(role, time.monotonic() - started)
        except Exception:
            log.exception("the %s's watch on the other background process failed", role)
        finally:
            close_old_connections()
        time.sleep(INTERVAL)


def start(role: str) -> threading.Thread:
    thread = threading.Thread(target=_watch, args=(role,), name=f"notify-{role}-watch", daemon=True)
    thread.start()
    return thread


@beat_init.connect
def _watch_from_beat(**_: Any) -> None:
    start("beat")


# Sent by the `celery worker` command only (not by workers embedded in tests), in the main
# process before the pool forks: the children do not inherit the thread.
@celeryd_after_setup.connect
def _watch_from_worker(**_: Any) -> None:
    start("worker")
