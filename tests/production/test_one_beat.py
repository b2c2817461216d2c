"""Scenario 34: two beat processes, one schedule in effect.

Two beats run plexadmin's real schedule (every entry of schedule.py) at one tick a second.
With RedBeat's lock only one sends: each entry is published once per tick, and the other
beat sends nothing until the first stops (SIGTERM hands the lock over at once) or dies
(SIGKILL: the lock expires). The same two beats without the lock send everything twice.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.processes import ONE_STACK_AT_A_TIME, ROOT, wait_until
from tests.services import require_redis

pytestmark = ONE_STACK_AT_A_TIME

SENT = re.compile(r"Sending due task (\w+)")
NOT_SENT = re.compile(r"Message Error: Couldn't apply scheduled task (\w+)")


@dataclass
class Beat:
    popen: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def sent(self) -> list[str]:
        return SENT.findall(self.text())

    def published(self) -> list[str]:
        """Sent, less what the broker was never given (a task whose options are refused)."""
        published = self.sent()
        for name in NOT_SENT.findall(self.text()):
            published.remove(name)
        return published

    def holds_lock(self) -> bool:
        return "Acquired lock" in self.text()


class Beats:
    def __init__(self, tmp_path: Path, redis_url: str) -> None:
        self.tmp_path = tmp_path
        self.queue = f"beat-test-{uuid.uuid4().hex[:8]}"
        self.prefix = f"beat-test-{uuid.uuid4().hex[:8]}:"
        self.redis = redis.Redis.from_url(redis_url)
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "BEAT_TEST_TICK": "1",
            "BEAT_TEST_QUEUE": self.queue,
            "BEAT_TEST_PREFIX": self.prefix,
        }
        self.started: list[Beat] = []

    def start(self, **env: str) -> Beat:
        log = self.tmp_path / f"beat-{len(self.started)}.log"
        popen = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.production.beat_app", "beat",
             "--loglevel=INFO", "--pidfile="],
            cwd=ROOT, env={**self.env, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        beat = Beat(popen, log)
        self.started.append(beat)
        return beat

    def in_queue(self) -> list[str]:
        """The task name of every message waiting in the test's queue."""
        raw = self.redis.lrange(self.queue, 0, -1)
        return sorted(json.loads(message)["headers"]["task"] for message in raw)

    def cleanup(self) -> None:
        for beat in self.started:
            if beat.popen.poll() is None:
                os.killpg(beat.popen.pid, signal.SIGKILL)
                beat.popen.wait()
        stale = [self.queue, *self.redis.scan_iter(f"{self.prefix}*")]
        stale += [f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}"]
        self.redis.delete(*stale)


@pytest.fixture
def beats(tmp_path: Path) -> Iterator[Beats]:
    made = Beats(tmp_path, require_redis())
    yield made
    made.cleanup()


def entries() -> list[str]:
    return sorted(settings.CELERY_BEAT_SCHEDULE)


def test_two_beats_send_each_entry_once_per_tick_and_hand_over(beats: Beats) -> None:
    first, second = beats.start(), beats.start()
    wait_until(lambda: first.holds_lock() or second.holds_lock(), 60)
    active, standby = (first, second) if first.holds_lock() else (second, first)
    wait_until(lambda: len(active.sent()) >= 6 * len(entries()), 60)
    started = time.monotonic()
    before = len(active.sent())
    time.sleep(6)
    ticks = time.monotonic() - started

    # One scheduler in effect: the standby sent nothing, and each entry went out about once a
    # second (twice a second would mean two schedulers).
    assert standby.sent() == []
    assert not standby.holds_lock()
    during = active.sent()[before:]
    for name in entries():
        assert 0 < during.count(name) <= ticks + 2, (name, during.count(name), ticks)
    # SIGTERM (docker stop, systemctl stop): the lock is released, the standby takes over.
    active.popen.send_signal(signal.SIGTERM)
    assert active.popen.wait(timeout=30) == 0
    assert "Releasing lock" in active.text()
    wait_until(lambda: len(standby.sent()) >= len(entries()), 30)
    assert set(standby.sent()) == set(entries())
    standby.popen.send_signal(signal.SIGTERM)
    assert standby.popen.wait(timeout=30) == 0

    # Each "sending" in the logs was one message, and nothing else was published. Beat logs
    # "Sending due task" before it publishes, so a SIGTERM landing between the two leaves the
    # last line of a beat without its message (that entry goes out again on the next tick of
    # whichever beat holds the lock): at most that one per beat may be missing, never more.
    tasks = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    logged = Counter(tasks[name] for name in active.published() + standby.published())
    queued = Counter(beats.in_queue())
    assert queued - logged == Counter()
    cut_short = logged - queued
    last_lines = Counter(tasks[beat.sent()[-1]] for beat in (active, standby))
    assert cut_short - last_lines == Counter(), (cut_short, last_lines)


def test_a_beat_that_dies_is_replaced_when_its_lock_expires(beats: Beats) -> None:
    first = beats.start()
    wait_until(first.holds_lock, 60)
    second = beats.start()
    wait_until(lambda: "beat: Starting" in second.text() or "Acquiring" in second.text(), 60)
    time.sleep(2)
    assert second.sent() == []
    os.killpg(first.popen.pid, signal.SIGKILL)
    first.popen.wait()
    killed = time.monotonic()
    wait_until(second.holds_lock, 30)
    # The lock outlives its holder by at most its timeout (5 s here, 150 s in production).
    assert time.monotonic() - killed < 5 + 3
    wait_until(lambda: set(second.sent()) == set(entries()), 30)


def test_without_the_lock_two_beats_send_everything_twice(beats: Beats, tmp_path: Path) -> None:
    """What the lock prevents (and proof that the counting above would see a duplicate)."""
    plain = [
        beats.start(
            BEAT_TEST_SCHEDULER="celery.beat:PersistentScheduler",
            BEAT_TEST_SCHEDULE_FILE=str(tmp_path / f"schedule-{n}"),
        )
        for n in range(2)
    ]
    wait_until(lambda: all(len(b.sent()) >= 3 * len(entries()) for b in plain), 60)
    assert all(set(b.sent()) == set(entries()) for b in plain)
