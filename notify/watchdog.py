"""Telling people that the worker or beat stopped, from the process that still runs.

A stopped worker cannot send the message that it stopped, and a stopped beat schedules
nothing, so neither can be a task. Each of the two keeps a thread that watches the other,
judged exactly as `/healthz` and the status page judge them (`plexadmin.health`): beat
records each task it sends and a worker each heartbeat it runs, so beat (alive, since this
thread runs in it) sees a worker that stopped running tasks, and a worker sees a beat that
stopped sending.

The watching process sends the message itself, without the queue. The key of each outage is
the last heartbeat seen, so one outage is told once however many checks find it. When both
stop, nobody is left to tell: `/healthz` is the check for an outside monitor.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from celery.signals import beat_init, celeryd_after_setup
from django.db import close_old_connections
from django.utils import timezone

from notify import delivery, events
from notify.models import Event, Notification
from plexadmin import health
from plexadmin.models import Heartbeat

log = logging.getLogger(__name__)

INTERVAL = 60.0

# Which service the process in each role watches, and the heartbeat row that shows it alive.
WATCHES = {"beat": "worker", "worker": "beat"}
ROWS = {"worker": Heartbeat.WORKER, "beat": Heartbeat.BEAT}


def check(role: str, up_for: float, now: datetime | None = None) -> Event | None:
    """One look; returns the outage event when this look found (and told) a new one."""
    now = now or timezone.now()
    period = health.heartbeat_period()
    # Right after a start the other side may not have shown itself yet.
    if period is None or up_for < health.stale_after(period):
        return None
    service = WATCHES[role]
    judged = next(c for c in health.liveness_checks(now) if c.name == service)
    if judged.state != health.PROBLEM:
        return None
    seen = Heartbeat.objects.filter(name=ROWS[service]).values_list("seen_at", flat=True).first()
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
