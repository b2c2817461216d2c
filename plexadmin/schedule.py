"""The Celery beat schedule, built from cron strings that come from the environment.

Each entry is ``"minute hour day-of-month month day-of-week"`` or the word ``disable``. Every
task gets an ``expires`` just under its period: if workers are down for a while, the backlog of
identical periodic tasks expires instead of running in a burst when they come back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from celery import Celery
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

DISABLE = "disable"

# The gaps are measured while the settings module is still being imported: a crontab on the
# default app would load that app's configuration, which is those same settings, half-built —
# Django would then keep the half-built module and a bad value further down would pass
# silently. A standalone app keeps the measurement away from the settings.
_PROBE = Celery("plexadmin-schedule-probe", set_as_current=False, config_source={"timezone": "UTC"})


def parse_cron(name: str, expression: str) -> dict[str, str] | None:
    text = expression.strip()
    if text.lower() == DISABLE:
        return None
    fields = text.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(
            f"{name}={expression!r}: a schedule is five cron fields "
            "(minute hour day-of-month month day-of-week) or 'disable'."
        )
    named = dict(
        zip(("minute", "hour", "day_of_month", "month_of_year", "day_of_week"), fields, strict=True)
    )
    try:
        crontab(app=_PROBE, **named)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={expression!r} is not a valid cron: {exc}") from exc
    return named


def shortest_gap_seconds(fields: dict[str, str]) -> float:
    """The shortest time between two of the next runs: the period, for the crons people write."""
    moment = datetime(2030, 1, 7, 0, 0, tzinfo=UTC)  # a Monday, so weekly crons line up
    gaps: list[float] = []
    for _ in range(200):
        probe = crontab(nowfun=lambda at=moment: at, app=_PROBE, **fields)
        gap = probe.remaining_estimate(moment).total_seconds()
        if gap <= 0:
            break
        gaps.append(gap)
        moment = moment + timedelta(seconds=gap)
    # The first gap runs from an arbitrary start to the first run, not between two runs.
    between_runs = gaps[1:]
    return min(between_runs) if between_runs else 24 * 3600.0


def beat_schedule(entries: dict[str, tuple[str, str]]) -> dict[str, dict[str, object]]:
    schedule: dict[str, dict[str, object]] = {}
    for name, (task, expression) in entries.items():
        fields = parse_cron(f"SCHEDULE_{name.upper()}", expression)
        if fields is None:
            continue
        schedule[name] = {
            "task": task,
            "schedule": crontab(**fields),
            "options": {"expires": max(1.0, shortest_gap_seconds(fields) * 0.9)},
        }
    return schedule
