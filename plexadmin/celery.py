"""The Celery application, configured from Django settings (the ``CELERY_`` names)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexadmin.settings")

app = Celery("plexadmin", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Log context for tasks (task name and id, operation id, the request id that enqueued it).
import plexadmin.logs  # noqa: E402, F401
