"""Checks of the services plexadmin depends on, shared by /healthz and the status page.

Beat and the worker are judged from two separate heartbeats: beat records each task it sends,
and a worker records each heartbeat task it runs. So when tasks stop running the culprit is
named: beat if it stopped sending, the worker if beat sends and nothing runs. Right after a
process starts, before its first tick can be due, it is "starting", not a problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from plexadmin.celery import app as celery_app
from plexadmin.models import Heartbeat
from plexadmin.schedule import parse_cron, shortest_gap_seconds

WORKING = "working"
STARTING = "starting"
PROBLEM = "problem"
UNKNOWN = "unknown"

# Past the heartbeat's period, how long a tick may be late (a busy worker, a slow start).
LATE_BY = 30.0


@dataclass(frozen=True)
class Check:
    name: str
    state: str
    detail: str

    @property
    def ok(self) -> bool:
        """Nothing to act on: working, starting, or not judged (another check names the cause)."""
        return self.state != PROBLEM


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check("database", PROBLEM, f"unreachable: {type(exc).__name__}")
    return Check("database", WORKING, connection.vendor)


def check_broker() -> Check:
    transport = celery_app.conf.broker_url.split(":", 1)[0]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return Check("broker", PROBLEM, f"{transport} unreachable: {type(exc).__name__}")
    return Check("broker", WORKING, transport)


def service_checks() -> list[Check]:
    return [check_database(), check_broker()]


def heartbeat_period() -> float | None:
    """Seconds between two heartbeats as scheduled, or None when it is disabled."""
    _, expression = settings.PERIODIC_TASKS["heartbeat"]
    fields = parse_cron("SCHEDULE_HEARTBEAT", expression)
    return None if fields is None else shortest_gap_seconds(fields)


def stale_after(period: float) -> float:
    """A heartbeat older than this means a missed tick, not just a late one."""
    return 2 * period + LATE_BY


def first_tick_within(period: float) -> float:
    """After a start, the first heartbeat comes within one period (cron's next minute)."""
    return period + LATE_BY


def _ages(now: datetime) -> dict[str, tuple[float, str]]:
    return {
        beat.name: ((now - beat.seen_at).total_seconds(), beat.detail)
        for beat in Heartbeat.objects.all()
    }


def _ago(seconds: float) -> str:
    return f"{seconds:.0f} s ago"


def liveness_checks(now: datetime | None = None) -> list[Check]:
    """Beat, then the worker, each judged against the heartbeat's schedule."""
    period = heartbeat_period()
    if period is None:
        detail = "not watched: the heartbeat is disabled (SCHEDULE_HEARTBEAT=disable)"
        return [Check("beat", UNKNOWN, detail), Check("worker", UNKNOWN, detail)]
    ages = _ages(now or timezone.now())
    beat = _judge_beat(ages, period)
    return [beat, _judge_worker(ages, period, beat)]


def _started_since(
    ages: dict[str, tuple[float, str]], start: str, tick: str, within: float
) -> bool:
    """The process started less than `within` ago and has not ticked since: its first tick
    is still to come."""
    started = ages.get(start)
    if started is None or started[0] > within:
        return False
    ticked = ages.get(tick)
    return ticked is None or ticked[0] > started[0]


def _judge_beat(ages: dict[str, tuple[float, str]], period: float) -> Check:
    limit = stale_after(period)
    sent = ages.get(Heartbeat.BEAT)
    if sent is not None and sent[0] <= limit:
        return Check("beat", WORKING, f"last sent a task {_ago(sent[0])}")
    if _started_since(ages, Heartbeat.BEAT_START, Heartbeat.BEAT, first_tick_within(period)):
        started = ages[Heartbeat.BEAT_START][0]
        return Check("beat", STARTING, f"started {_ago(started)}; its first task is due shortly")
    if sent is None:
        return Check("beat", PROBLEM, "no beat has sent a task yet: is `celery beat` running?")
    return Check(
        "beat",
        PROBLEM,
        f"sent nothing for {sent[0]:.0f} s, though the heartbeat is due every {period:.0f} s: "
        "beat is stopped or stuck; restart it",
    )


def _judge_worker(ages: dict[str, tuple[float, str]], period: float, beat: Check) -> Check:
    limit = stale_after(period)
    ran = ages.get(Heartbeat.WORKER)
    if ran is not None and ran[0] <= limit:
        return Check("worker", WORKING, f"last ran a task {_ago(ran[0])}: {ran[1]}")
    idle = f"no task run for {ran[0]:.0f} s" if ran is not None else "no task run yet"
    if beat.state == PROBLEM:
        return Check("worker", UNKNOWN, f"{idle}; beat sends nothing, so there was none to run")
    # Just after the worker or beat started (beat may have been down), the first heartbeat
    # since then is still to come.
    within = first_tick_within(period)
    if any(
        _started_since(ages, start, Heartbeat.WORKER, within)
        for start in (Heartbeat.WORKER_START, Heartbeat.BEAT_START)
    ):
        return Check("worker", STARTING, f"{idle}; the first heartbeat is due shortly")
    start = ages.get(Heartbeat.WORKER_START)
    last_start = f" (last start {_ago(start[0])}: {start[1]})" if start else ""
    return Check(
        "worker",
        PROBLEM,
        f"{idle} although beat keeps sending: the worker is stopped, or running but not taking "
        f"tasks; restart it{last_start}",
    )


def check_operations() -> Check:
    """Sharing changes a dead worker left behind, or that wait for a worker that never comes."""
    from sharing.models import Operation

    now = timezone.now()
    running = list(Operation.objects.filter(state=Operation.RUNNING))
    waiting = Operation.objects.filter(
        state=Operation.QUEUED,
        updated_at__lt=now - timedelta(seconds=settings.OPERATION_SWEEP_AFTER),
    )
    queued = Operation.objects.filter(state=Operation.QUEUED).count()
    counts = f"{queued} queued, {len(running)} running"
    problems = []
    if stuck_count := sum(op.stuck for op in running):
        problems.append(
            f"{stuck_count} stopped with their worker (a running worker takes them over at "
            "its next sweep; each has a Retry button)"
        )
    if waiting_count := waiting.count():
        problems.append(
            f"{waiting_count} waiting for a worker for over {settings.OPERATION_SWEEP_AFTER} s"
        )
    if problems:
        return Check("changes", PROBLEM, f"{counts}: {'; '.join(problems)}")
    return Check("changes", WORKING, counts if queued or running else "none pending")


def all_checks(*, operations: bool = False) -> list[Check]:
    """The services, then beat and the worker (and the sharing changes, for the status page)."""
    services = service_checks()
    if not services[0].ok:
        later = ["beat", "worker", *(["changes"] if operations else [])]
        return [*services, *(Check(name, UNKNOWN, "the database cannot be read") for name in later)]
    return [*services, *liveness_checks(), *([check_operations()] if operations else [])]


def embedded_mode() -> bool:
    return not settings.DATABASE_URL and not settings.REDIS_URL
