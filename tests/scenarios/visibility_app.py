"""plexadmin's Celery app with a short Redis visibility timeout (VISIBILITY_TEST_SECONDS), for
`celery -A tests.scenarios.visibility_app worker` in test_31: everything else as configured.

kombu restores unacked messages older than the visibility timeout only in its periodic sweep,
every `unacked_restore_interval` (10 s) times `unacked_restore_throttle` (10) by default,
so with the defaults nothing comes back within a test's minute. The sweep here runs every
second, so a message the worker holds for a countdown is handed out again a few seconds after
the timeout, as it would be in production after an hour.
"""

from __future__ import annotations

import os

from plexadmin.celery import app

SECONDS = int(os.environ["VISIBILITY_TEST_SECONDS"])
TRANSPORT = {
    "visibility_timeout": SECONDS,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

for name, value in (
    ("broker_transport_options", {**(app.conf.broker_transport_options or {}), **TRANSPORT}),
    ("result_backend_transport_options", {"visibility_timeout": SECONDS}),
    ("visibility_timeout", SECONDS),
):
    # Under both names: the Django settings' CELERY_ one is looked up first.
    app.conf[name] = value
    app.conf[f"CELERY_{name.upper()}"] = value

__all__ = ["app"]
