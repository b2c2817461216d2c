from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from plexadmin import health
from plexadmin.models import Heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticking() -> None:
    """Beat sent the heartbeat 20 s ago and a worker ran it."""
    for name in (Heartbeat.BEAT, Heartbeat.WORKER):
        Heartbeat.objects.create(name=name, seen_at=timezone.now() - timedelta(seconds=20))


def test_it_reports_ok_when_everything_answers(client: Client, ticking: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "beat", "worker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_it_names_a_worker_that_stopped_running_tasks(client: Client) -> None:
    Heartbeat.objects.create(name=Heartbeat.BEAT, seen_at=timezone.now())
    Heartbeat.objects.create(name=Heartbeat.WORKER, seen_at=timezone.now() - timedelta(seconds=200))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert body["checks"]["worker"]["state"] == "problem"
    assert body["checks"]["beat"]["ok"] is True


def test_it_says_ok_while_beat_and_the_worker_are_starting(client: Client) -> None:
    Heartbeat.objects.create(name=Heartbeat.BEAT_START, seen_at=timezone.now())
    Heartbeat.objects.create(name=Heartbeat.WORKER_START, seen_at=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["worker"]["state"] == "starting"


def test_it_names_beat_when_nothing_was_ever_sent(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["beat"]


def test_it_follows_the_heartbeat_schedule(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PERIODIC_TASKS = {**settings.PERIODIC_TASKS, "heartbeat": ("x", "*/10 * * * *")}
    Heartbeat.objects.create(name=Heartbeat.BEAT, seen_at=timezone.now())
    Heartbeat.objects.create(name=Heartbeat.WORKER, seen_at=timezone.now() - timedelta(seconds=900))
    assert client.get("/healthz").status_code == 200
    settings.PERIODIC_TASKS = {**settings.PERIODIC_TASKS, "heartbeat": ("x", "disable")}
    body = client.get("/healthz").json()
    assert body["checks"]["worker"]["state"] == "unknown"


def test_it_names_an_unreachable_broker_with_503(
    client: Client, monkeypatch: pytest.MonkeyPatch, ticking: None
) -> None:
    def broken_connection(*args: object, **kwargs: object) -> object:
        raise ConnectionRefusedError("refused")

    monkeypatch.setattr(health.celery_app, "connection_for_write", broken_connection)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert "ConnectionRefusedError" in response.json()["checks"]["broker"]["detail"]


def test_it_names_an_unreachable_database_with_503(
    client: Client, monkeypatch: pytest.MonkeyPatch, ticking: None
) -> None:
    class BrokenConnection:
        vendor = "sqlite"

        def cursor(self) -> object:
            raise OSError("disk gone")

    monkeypatch.setattr(health, "connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert response.json()["checks"]["worker"]["state"] == "unknown"


def test_it_rejects_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
