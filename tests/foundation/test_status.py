from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from plexadmin.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_it_says_when_no_beat_tick_has_been_seen(client: Client) -> None:
    response = client.get("/status/")
    assert response.status_code == 200
    assert b"no beat tick recorded yet" in response.content
    assert b"never seen" in response.content


def test_it_shows_how_long_ago_beat_last_ticked(client: Client) -> None:
    Heartbeat.objects.create(
        name=Heartbeat.BEAT, seen_at=timezone.now() - timedelta(seconds=30), detail="run by w1"
    )
    Heartbeat.record(Heartbeat.WORKER, detail="started on w1")
    content = client.get("/status/").content.decode()
    assert "last tick 30 s ago" in content
    assert "30\xa0seconds ago" in content
    assert "started on w1" in content


def test_it_flags_a_stale_beat(client: Client) -> None:
    Heartbeat.objects.create(name=Heartbeat.BEAT, seen_at=timezone.now() - timedelta(minutes=10))
    content = client.get("/status/").content.decode()
    assert "last tick 600 s ago" in content
    assert 'badge-bad">problem' in content


def test_it_returns_only_the_panel_to_htmx(client: Client) -> None:
    response = client.get("/status/", headers={"HX-Request": "true"})
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="status-panel"')
    assert "<html" not in content


def test_it_rejects_post(client: Client) -> None:
    assert client.post("/status/").status_code == 405
