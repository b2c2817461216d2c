"""The Celery application, configured from Django settings (the ``CELERY_`` names)."""

from __future__ import annotations

import os

from celery import Celery

# Connects the log context of tasks: name and id, operation id, the request id that enqueued it.
import plexadmin.logs  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexadmin.settings")

app = Celery("plexadmin", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _redbeat_settings_by_their_own_names(sender: Celery, **_: object) -> None:
    """RedBeat checks for its settings under their plain names (``redbeat_redis_url``) and
    warns when it finds only the CELERY_-prefixed Django ones, though it reads those."""
    for key in [k for k in sender.conf if k.startswith("CELERY_REDBEAT_")]:
        sender.conf[key.removeprefix("CELERY_").lower()] = sender.conf[key]
