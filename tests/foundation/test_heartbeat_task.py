from __future__ import annotations

import time

import pytest
from django.db import transaction

from plexadmin.celery import app as celery_app
from plexadmin.models import Heartbeat
from plexadmin.tasks import heartbeat
from tests.services import require_redis


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db
def test_the_heartbeat_records_that_a_worker_ran_a_task() -> None:
    summary = heartbeat()
    assert Heartbeat.objects.get(name=Heartbeat.WORKER).seen_at.isoformat() == summary["seen_at"]
    assert not Heartbeat.objects.filter(name=Heartbeat.BEAT).exists()


@pytest.mark.django_db
def test_beat_records_each_task_it_sends_and_its_start(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from celery.signals import after_task_publish, beat_init

    from plexadmin import signals

    # beat_init also starts notify's watch thread, which would outlive this test and query a
    # test database that is gone at the end of the session.
    monkeypatch.setattr("notify.watchdog.start", lambda role: None)

    after_task_publish.send(sender="plexadmin.tasks.heartbeat")
    assert not Heartbeat.objects.filter(name=Heartbeat.BEAT).exists()  # not sent by beat
    try:
        beat_init.send(sender=None)
        assert Heartbeat.objects.filter(name=Heartbeat.BEAT_START).exists()
        after_task_publish.send(sender="plexadmin.tasks.heartbeat")
    finally:
        signals._in_beat = False
    assert Heartbeat.objects.get(name=Heartbeat.BEAT).detail.startswith(
        "sent plexadmin.tasks.heartbeat"
    )


@pytest.mark.worker
def test_a_real_worker_on_the_configured_broker_runs_the_heartbeat(
    celery_worker_on_broker: object,
) -> None:
    with transaction.atomic():
        heartbeat.delay_on_commit()
        assert not Heartbeat.objects.filter(name=Heartbeat.WORKER).exists()
    assert wait_for(lambda: Heartbeat.objects.filter(name=Heartbeat.WORKER).exists())


@pytest.mark.worker
def test_nothing_is_published_when_the_transaction_rolls_back(
    celery_worker_on_broker: object,
) -> None:
    class Abort(Exception):
        pass

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            heartbeat.delay_on_commit()
            raise Abort

    with pytest.raises(Abort):
        enqueue_then_fail()
    time.sleep(3)
    assert not Heartbeat.objects.filter(name=Heartbeat.WORKER).exists()
    # The same worker does run a task that was committed, so the silence above was meaningful.
    heartbeat.delay_on_commit()
    assert wait_for(lambda: Heartbeat.objects.filter(name=Heartbeat.WORKER).exists())


@pytest.mark.redis
def test_ci_runs_the_worker_tests_on_redis() -> None:
    url = require_redis()
    assert celery_app.conf.broker_url == url
