from __future__ import annotations

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from plexadmin.schedule import beat_schedule, parse_cron, shortest_gap_seconds


def test_it_builds_entries_with_an_expiry_just_under_the_period() -> None:
    schedule = beat_schedule({"sync": ("sharing.tasks.sync", "*/15 * * * *")})
    entry = schedule["sync"]
    assert entry["task"] == "sharing.tasks.sync"
    assert isinstance(entry["schedule"], crontab)
    assert entry["options"] == {"expires": 810.0}


def test_it_measures_the_gap_between_runs_not_to_the_first_one() -> None:
    assert shortest_gap_seconds(parse_cron("X", "0 3 * * 1")) == 7 * 24 * 3600
    assert shortest_gap_seconds(parse_cron("X", "0,50 * * * *")) == 10 * 60


def test_it_leaves_out_disabled_entries() -> None:
    assert beat_schedule({"sync": ("sharing.tasks.sync", "disable")}) == {}
    assert beat_schedule({"sync": ("sharing.tasks.sync", " DISABLE ")}) == {}


@pytest.mark.parametrize("expression", ["* * * *", "every minute", "61 * * * *", "* 25 * * *"])
def test_it_rejects_bad_crons_naming_the_variable(expression: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="SCHEDULE_SYNC"):
        beat_schedule({"sync": ("sharing.tasks.sync", expression)})


def test_the_default_schedule_runs_the_heartbeat_every_minute() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == "plexadmin.tasks.heartbeat"
    assert entry["options"]["expires"] == 54.0
