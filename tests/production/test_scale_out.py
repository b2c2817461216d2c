"""More workers on the same PostgreSQL and Redis, and stopping a worker, as production runs them.

Workers here are real processes started with the production command (deploy/entrypoint.sh
worker) on one queue of the test's own; plexsim is plex.tv.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings

from sharing.models import Operation
from sharing.operations.account import SET_VIEW_STATE_SYNC
from sharing.tasks import apply_operation
from tests.processes import ONE_STACK_AT_A_TIME, ROOT, wait_until
from tests.production.test_smoke import ENTRYPOINT, Process, base_environment, postgres_url
from tests.services import require_postgres, require_redis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, ONE_STACK_AT_A_TIME]

WRITE = "/api/v2/user/view_state_sync"


class Workers:
    def __init__(self, tmp_path: Path, plexsim: Any) -> None:
        require_postgres()
        self.redis_url = require_redis()
        self.tmp_path = tmp_path
        self.queue = f"scale-test-{uuid.uuid4().hex[:8]}"
        self.env = base_environment(tmp_path)
        self.env.update(
            PLEXADMIN_ENV="development",
            PLEXADMIN_VAR_DIR=str(tmp_path / "var"),
            # The test database, which this test's transactions commit to.
            DATABASE_URL=postgres_url(settings.DATABASES["default"]["NAME"]),
            REDIS_URL=self.redis_url,
            SECRET_KEY=settings.SECRET_KEY,
            TOKEN_ENCRYPTION_KEYS=",".join(settings.TOKEN_ENCRYPTION_KEYS),
            PLEX_CLIENT_IDENTIFIER=settings.PLEX_CLIENT_IDENTIFIER,
            PLEXTV_BASE_URL=plexsim.url,
            PLEX_AUTH_URL=f"{plexsim.url}/auth",
        )
        self.started: list[Process] = []

    def start(self, name: str, concurrency: int) -> Process:
        log = self.tmp_path / f"{name}.log"
        popen = subprocess.Popen(
            [ENTRYPOINT, "worker", "--queues", self.queue, "--hostname", f"{name}@%h"],
            cwd=ROOT, env={**self.env, "WORKER_CONCURRENCY": str(concurrency)},
            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        worker = Process(name, popen, log)
        self.started.append(worker)
        wait_until(lambda: f"{name}@" in worker.text() and " ready." in worker.text(), 90)
        return worker

    def submit(self, n: int, consent: bool = True) -> Operation:
        op = Operation.objects.create(
            kind=SET_VIEW_STATE_SYNC, target_type="account", target_id="owner",
            params={"consent": consent, "label": f"change {n}"},
            idempotency_key=f"scale-{self.queue}-{n}",
        )  # fmt: skip
        apply_operation.apply_async((op.pk,), queue=self.queue)
        return op

    def waiting(self) -> int:
        return int(redis.Redis.from_url(self.redis_url).llen(self.queue))

    def cleanup(self) -> None:
        for worker in self.started:
            if worker.popen.poll() is None:
                os.killpg(worker.popen.pid, signal.SIGKILL)
                worker.popen.wait()
        client = redis.Redis.from_url(self.redis_url)
        client.delete(self.queue, f"_kombu.binding.{self.queue}")


@pytest.fixture
def workers(tmp_path: Path, plexsim: Any, household: Any) -> Iterator[Workers]:
    made = Workers(tmp_path, plexsim)
    yield made
    made.cleanup()


def finished(ops: list[Operation]) -> bool:
    states = Operation.objects.filter(pk__in=[op.pk for op in ops]).values_list("state", flat=True)
    return all(state not in Operation.PENDING_STATES for state in states)


def writes(plexsim: Any) -> int:
    return sum(1 for r in plexsim.requests() if r["method"] == "PUT" and r["path"] == WRITE)


def test_two_workers_on_one_queue_run_each_operation_once(workers: Workers, plexsim: Any) -> None:
    first, second = workers.start("one", 2), workers.start("two", 2)
    # Slow enough that one worker cannot drain the queue alone.
    plexsim.add_fault(action="delay", method="PUT", path=WRITE, delay=0.5)
    plexsim.clear_requests()
    ops = [workers.submit(n, consent=n % 2 == 0) for n in range(12)]
    wait_until(lambda: finished(ops), 90)

    rows = Operation.objects.filter(pk__in=[op.pk for op in ops])
    assert sorted(rows.values_list("state", flat=True)) == [Operation.SUCCEEDED] * 12
    assert set(rows.values_list("attempts", flat=True)) == {1}
    assert writes(plexsim) == 12
    for worker in (first, second):
        assert re.search(r"apply_operation\[[0-9a-f-]+\] succeeded in", worker.text()), worker.name
    assert first.stop(60) == 0
    assert second.stop(60) == 0


def test_sigterm_lets_the_running_operation_finish_and_leaves_the_rest_queued(
    workers: Workers, plexsim: Any
) -> None:
    worker = workers.start("stopping", 1)
    plexsim.add_fault(action="delay", method="PUT", path=WRITE, delay=4, times=1)
    plexsim.clear_requests()
    running, waiting = workers.submit(1), workers.submit(2)
    wait_until(lambda: Operation.objects.get(pk=running.pk).state == Operation.RUNNING, 30)

    # docker stop / systemctl stop: SIGTERM, a warm shutdown.
    assert worker.stop(60) == 0, worker.text()
    running.refresh_from_db()
    waiting.refresh_from_db()
    assert running.state == Operation.SUCCEEDED
    assert running.attempts == 1
    assert waiting.state == Operation.QUEUED
    assert waiting.attempts == 0
    assert workers.waiting() == 1  # its message is back in (or never left) Redis

    workers.start("next", 1)
    wait_until(lambda: finished([waiting]), 60)
    waiting.refresh_from_db()
    assert waiting.state == Operation.SUCCEEDED
    assert waiting.attempts == 1
    assert writes(plexsim) == 2
