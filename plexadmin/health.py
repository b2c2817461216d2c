"""Checks of the services plexadmin depends on, shared by /healthz and the status page."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from plexadmin.celery import app as celery_app
from plexadmin.models import Heartbeat

BEAT_STALE_AFTER = 150.0  # the heartbeat runs every minute; two missed ticks means trouble


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check("database", False, f"unreachable: {type(exc).__name__}")
    return Check("database", True, connection.vendor)


def check_broker() -> Check:
    transport = celery_app.conf.broker_url.split(":", 1)[0]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return Check("broker", False, f"{transport} unreachable: {type(exc).__name__}")
    return Check("broker", True, transport)


def check_beat() -> Check:
    age = Heartbeat.age_seconds(Heartbeat.BEAT)
    if age is None:
        return Check("beat", False, "no beat tick recorded yet")
    if age > BEAT_STALE_AFTER:
        return Check("beat", False, f"last tick {age:.0f} s ago")
    return Check("beat", True, f"last tick {age:.0f} s ago")


def service_checks() -> list[Check]:
    return [check_database(), check_broker()]


def embedded_mode() -> bool:
    return not settings.DATABASE_URL and not settings.REDIS_URL
