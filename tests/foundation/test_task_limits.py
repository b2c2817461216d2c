"""Every task can be sent: its soft time limit is below its hard one (the beat outage of the
first release: `time_limit=60` below the inherited 120 s soft limit made beat's sends fail)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from celery import Celery
from django.conf import settings
from django.core.checks.registry import registry
from django.core.exceptions import ImproperlyConfigured

from plexadmin import checks
from plexadmin.celery import app as celery_app


@pytest.fixture(scope="module")
def probe_app() -> Celery:
    """An app configured like ours, with one task that sets only a short hard limit."""
    probe = Celery("probe", set_as_current=False)
    probe.config_from_object("django.conf:settings", namespace="CELERY")

    @probe.task(name="probe.only_a_hard_limit", time_limit=60)
    def only_a_hard_limit() -> None:
        return None

    return probe


def test_every_registered_task_has_its_soft_limit_below_its_hard_limit() -> None:
    assert checks.time_limit_problems(celery_app) == []
    registered = set(checks.registered_tasks(celery_app))
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= registered
    assert "sharing.console_tasks.apply_operation" in registered


@pytest.mark.parametrize("name", sorted(checks.registered_tasks(celery_app)))
def test_each_task_can_be_sent(name: str) -> None:
    task = celery_app.tasks[name]
    soft, hard = task.soft_time_limit, task.time_limit
    assert soft, f"{name} has no soft time limit"
    assert hard, f"{name} has no hard time limit"
    assert soft < hard, f"{name}: soft {soft} s, hard {hard} s"


def test_it_names_a_task_that_sets_only_a_hard_limit_below_the_inherited_soft_one(
    probe_app: Celery,
) -> None:
    assert checks.time_limit_problems(probe_app) == [
        "Task probe.only_a_hard_limit: soft_time_limit 120 s is not below time_limit 60 s "
        "(a task that sets time_limit must set a smaller soft_time_limit too)."
    ]


def test_manage_py_check_refuses_it(probe_app: Celery, monkeypatch: pytest.MonkeyPatch) -> None:
    assert checks.check_task_time_limits in registry.get_checks()
    monkeypatch.setattr("plexadmin.celery.app", probe_app)
    [error] = checks.check_task_time_limits()
    assert error.id == "plexadmin.E001"
    assert error.is_serious()
    assert "probe.only_a_hard_limit" in error.msg


def test_a_worker_or_beat_refuses_to_start_with_it(probe_app: Celery) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"probe\.only_a_hard_limit"):
        checks.refuse_bad_time_limits(sender=SimpleNamespace(app=probe_app))
    checks.refuse_bad_time_limits(sender=SimpleNamespace(app=celery_app))
