"""Beat can send every entry of its schedule, with the options it really uses, and a worker on
the configured broker runs each one. (In the first release two entries could not be sent at
all, every five minutes, and nothing but the beat log said so.)"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from celery import beat
from celery.signals import task_failure, task_success
from django.conf import settings

from plexadmin.celery import app as celery_app

pytestmark = pytest.mark.worker


def test_every_entry_of_the_beat_schedule_is_sent_and_runs(celery_worker_on_broker) -> None:  # type: ignore[no-untyped-def]
    schedule: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
    expected = {spec["task"] for spec in schedule.values()}
    assert expected, "the beat schedule is empty"
    outcomes: dict[str, str] = {}
    lock = threading.Lock()

    def succeeded(sender: Any, **_: Any) -> None:
        with lock:
            outcomes[sender.name] = "succeeded"

    def failed(sender: Any, exception: BaseException, **_: Any) -> None:
        with lock:
            outcomes[sender.name] = f"failed: {exception!r}"

    task_success.connect(succeeded, weak=False)
    task_failure.connect(failed, weak=False)
    scheduler = beat.Scheduler(app=celery_app, lazy=True)
    try:
        for name, spec in schedule.items():
            entry = scheduler.Entry(name=name, app=celery_app, **spec)
            # What beat does at each tick, options (expires) included; raises SchedulingError
            # when the message cannot be built.
            scheduler.apply_async(entry, advance=False)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and set(outcomes) < expected:
            time.sleep(0.1)
    finally:
        task_success.disconnect(succeeded)
        task_failure.disconnect(failed)
        scheduler.close()

    # (The worker may run other tasks too, such as the sweep it sends when it starts.)
    ran = {name: outcomes.get(name, "never ran") for name in expected}
    assert ran == dict.fromkeys(expected, "succeeded"), outcomes
