"""plexadmin's Celery app with its real beat schedule (schedule.py) ticking every second.

For the two-beat tests: `celery -A tests.production.beat_app beat`. Only the pace, the queue
the tasks go to, the RedBeat key prefix and the lock's timings change (from BEAT_TEST_*), so
a test needs seconds instead of minutes and never feeds a real worker.
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.conf import settings

from plexadmin.celery import app

TICK = timedelta(seconds=float(os.environ["BEAT_TEST_TICK"]))
QUEUE = os.environ["BEAT_TEST_QUEUE"]


def configure(name: str, value: object) -> None:
    # Under both names: the Django settings' CELERY_ one is looked up first.
    app.conf[name] = value
    app.conf[f"CELERY_{name.upper()}"] = value


configure(
    "beat_schedule",
    {
        name: {**entry, "schedule": TICK, "options": {**entry["options"], "queue": QUEUE}}
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    },
)
configure("beat_max_loop_interval", 1)
if os.environ.get("BEAT_TEST_SCHEDULER"):
    configure("beat_scheduler", os.environ["BEAT_TEST_SCHEDULER"])
    configure("beat_schedule_filename", os.environ["BEAT_TEST_SCHEDULE_FILE"])
else:
    configure("redbeat_key_prefix", os.environ["BEAT_TEST_PREFIX"])
    configure("redbeat_lock_timeout", 5)
