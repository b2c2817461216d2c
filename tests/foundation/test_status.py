"""The status page: each part with its state, and the right culprit when tasks stop running."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from plexadmin.models import Heartbeat
from sharing.models import Operation

pytestmark = pytest.mark.django_db


def seen(name: str, seconds_ago: float, detail: str = "") -> None:
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={"seen_at": timezone.now() - timedelta(seconds=seconds_ago), "detail": detail},
    )


def row(content: str, part: str) -> str:
    start = content.index(f'<th scope="row">{part}</th>')
    return content[start : content.index("</tr>", start)]


def test_it_says_when_no_beat_or_worker_has_ever_run(client: Client) -> None:
    content = client.get("/status/").content.decode()
    assert 'badge-bad">problem' in row(content, "Beat")
    assert "no beat has sent a task yet" in row(content, "Beat")
    assert "unknown" in row(content, "Worker")


def test_it_shows_beat_and_worker_working(client: Client) -> None:
    seen(Heartbeat.BEAT, 30)
    seen(Heartbeat.WORKER, 29, "celery@w1 (process 12)")
    content = client.get("/status/").content.decode()
    assert 'badge-ok">working' in row(content, "Beat")
    assert "last sent a task 30 s ago" in row(content, "Beat")
    assert 'badge-ok">working' in row(content, "Worker")
    assert "celery@w1 (process 12)" in row(content, "Worker")


def test_it_blames_the_worker_not_beat_when_tasks_stop_running(client: Client) -> None:
    # The frozen worker of the trial: beat keeps sending, nothing runs.
    seen(Heartbeat.BEAT, 5)
    seen(Heartbeat.WORKER, 158)
    seen(Heartbeat.WORKER_START, 3600, "celery@w1 started")
    content = client.get("/status/").content.decode()
    assert 'badge-ok">working' in row(content, "Beat")
    worker = row(content, "Worker")
    assert 'badge-bad">problem' in worker
    assert "no task run for 158 s although beat keeps sending" in worker
    assert "restart it" in worker


def test_it_blames_beat_when_beat_stops_sending(client: Client) -> None:
    seen(Heartbeat.BEAT, 600)
    seen(Heartbeat.WORKER, 600)
    content = client.get("/status/").content.decode()
    assert 'badge-bad">problem' in row(content, "Beat")
    assert "sent nothing for 600 s" in row(content, "Beat")
    assert 'badge-warn">unknown' in row(content, "Worker")


def test_it_does_not_alarm_in_the_first_minute_after_start_up(client: Client) -> None:
    # Yesterday's heartbeats, and beat and the worker started a few seconds ago.
    seen(Heartbeat.BEAT, 86400)
    seen(Heartbeat.WORKER, 86400)
    seen(Heartbeat.BEAT_START, 4)
    seen(Heartbeat.WORKER_START, 3)
    content = client.get("/status/").content.decode()
    assert "problem" not in content
    assert 'badge-warn">starting' in row(content, "Beat")
    assert 'badge-warn">starting' in row(content, "Worker")


def test_start_up_grace_ends_when_the_first_tick_is_overdue(client: Client) -> None:
    seen(Heartbeat.BEAT, 10)
    seen(Heartbeat.WORKER_START, 200)
    content = client.get("/status/").content.decode()
    assert 'badge-bad">problem' in row(content, "Worker")


def test_it_waits_for_the_first_heartbeat_after_beat_comes_back(client: Client) -> None:
    # Beat was down ten minutes and started again 20 s ago; it already sent another task.
    seen(Heartbeat.BEAT_START, 20)
    seen(Heartbeat.BEAT, 5)
    seen(Heartbeat.WORKER, 600)
    content = client.get("/status/").content.decode()
    assert 'badge-ok">working' in row(content, "Beat")
    assert 'badge-warn">starting' in row(content, "Worker")
    # Once the first heartbeat since then is overdue, the worker is the one named.
    seen(Heartbeat.BEAT_START, 100)
    content = client.get("/status/").content.decode()
    assert 'badge-bad">problem' in row(content, "Worker")


def test_it_counts_changes_left_behind_by_a_dead_worker(client: Client) -> None:
    Operation.objects.create(
        kind="share.edit",
        target_type="share",
        target_id="1",
        idempotency_key="stuck-1",
        state=Operation.RUNNING,
        lease_expires_at=timezone.now() - timedelta(seconds=5),
    )
    content = client.get("/status/").content.decode()
    changes = row(content, "Changes")
    assert 'badge-bad">problem' in changes
    assert "1 stopped with their worker" in changes


def test_it_returns_only_the_panel_to_htmx(client: Client) -> None:
    response = client.get("/status/", headers={"HX-Request": "true"})
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="status-panel"')
    assert "<html" not in content


def test_it_rejects_post(client: Client) -> None:
    assert client.post("/status/").status_code == 405
