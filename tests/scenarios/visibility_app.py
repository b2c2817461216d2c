"""plexadmin's Celery app with a short Redis visibility timeout (VISIBILITY_TEST_SECONDS), for
`celery -A tests.scenarios.visibility_app worker` in test_31: everything else as configured."""

from __future__ import annotations

import os

from plexadmin.celery import app

SECONDS = int(os.environ["VISIBILITY_TEST_SECONDS"])

for name, value in (
    ("broker_transport_options", {"visibility_timeout": SECONDS}),
    ("result_backend_transport_options", {"visibility_timeout": SECONDS}),
    ("visibility_timeout", SECONDS),
):
    # Under both names: the Django settings' CELERY_ one is looked up first.
    app.conf[name] = value
    app.conf[f"CELERY_{name.upper()}"] = value

__all__ = ["app"]
