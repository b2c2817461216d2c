"""Start-up checks of the Celery configuration that would otherwise fail only at run time.

A task whose own `time_limit` is below the soft limit it inherits from the settings cannot even
be sent: Celery raises ValueError at `apply_async`, so beat logs a SchedulingError every period
and the task never runs. `manage.py check` (run by runserver, migrate and the tests) and the
worker and beat at start-up refuse such a task instead.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules


def registered_tasks(app: Celery) -> dict[str, Any]:
    """Every task a worker of `app` knows, once the apps' `tasks` modules are imported (as the
    worker does, without Celery's import signals)."""
    autodiscover_modules("tasks")
    return dict(app.tasks)


def time_limit_problems(app: Celery) -> list[str]:
    """One line per registered task whose soft limit is not below its hard limit."""
    problems = []
    for name, task in sorted(registered_tasks(app).items()):
        soft, hard = task.soft_time_limit, task.time_limit
        if soft and hard and soft >= hard:
            problems.append(
                f"Task {name}: soft_time_limit {soft} s is not below time_limit {hard} s "
                "(a task that sets time_limit must set a smaller soft_time_limit too)."
            )
    return problems


@checks.register()
def check_task_time_limits(**_: Any) -> list[checks.CheckMessage]:
    from plexadmin.celery import app

    return [checks.Error(problem, id="plexadmin.E001") for problem in time_limit_problems(app)]


@worker_init.connect
@beat_init.connect
def refuse_bad_time_limits(sender: Any, **_: Any) -> None:
    app = getattr(sender, "app", None)
    if app is None:
        return
    problems = time_limit_problems(app)
    if problems:
        raise ImproperlyConfigured(" ".join(problems))
