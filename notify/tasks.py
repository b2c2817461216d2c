"""Background work of notifications. Arguments are row ids; results are small summaries.

Countdowns stay under 30 minutes, well inside the Redis visibility timeout; anything a lost
message leaves behind is picked up by `sweep`, which beat runs every minute.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from notify import delivery

MAX_COUNTDOWN = 1800.0


@shared_task(name="notify.tasks.fan_out", ignore_result=True, soft_time_limit=30, time_limit=60)
def fan_out(event_id: int) -> dict[str, object]:
    created = delivery.fan_out(event_id)
    countdown = float(settings.NOTIFY_DIGEST_SECONDS)
    for notification_id in created:
        flush.apply_async((notification_id,), countdown=countdown)
    return {"event": event_id, "notifications": len(created)}


@shared_task(name="notify.tasks.flush", ignore_result=True, soft_time_limit=30, time_limit=60)
def flush(notification_id: int) -> dict[str, object]:
    found, wait = delivery.flush_due(notification_id)
    if wait:
        flush.apply_async((notification_id,), countdown=min(wait, MAX_COUNTDOWN))
        return {"notification": notification_id, "waiting": wait}
    if found is None:
        return {"notification": notification_id, "delivery": None}
    return send(found.pk)


@shared_task(name="notify.tasks.send", ignore_result=True, soft_time_limit=60, time_limit=90)
def send(delivery_id: int) -> dict[str, object]:
    state, retry_in = delivery.send(delivery_id)
    if retry_in is not None:
        send.apply_async((delivery_id,), countdown=min(retry_in, MAX_COUNTDOWN))
    return {"delivery": delivery_id, "state": state, "retry_in": retry_in}


@shared_task(name="notify.tasks.sweep", ignore_result=True, soft_time_limit=50, time_limit=60)
def sweep() -> dict[str, object]:
    """Beat: recover deliveries of dead workers, and re-queue what lost messages left."""
    found = delivery.recover()
    for event_id in found["events"]:
        fan_out.delay(event_id)
    for notification_id in found["notifications"]:
        flush.delay(notification_id)
    for delivery_id in found["deliveries"]:
        send.delay(delivery_id)
    return {name: len(ids) for name, ids in found.items()}
