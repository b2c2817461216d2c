"""RELIABILITY 30 and 42: the worker dies, or freezes, in the middle of an operation.

Real `celery worker` processes (prefork, one child) with acks_late and reject-on-worker-lost;
plexsim holds a request for a few seconds while the worker is killed or stopped.

- Only the pool child is SIGKILLed (Redis): the message is delivered again, and plexsim must end
  with exactly one share; a job that kills its worker every time is given up after
  OPERATION_MAX_ATTEMPTS.
- The worker's main process is SIGKILLed (filesystem broker and Redis): the row stays running
  under its lease until a worker starts again; that worker's start-up sweep sees the holder is
  gone and runs the change again, reading plex.tv first: plexsim gets the write once.
- Only the pool child is SIGKILLed while idle (filesystem broker, whose pool shares one lock
  that a killed child never gives back): the worker starts itself again in place, and the next
  change runs.
- The whole worker is frozen (SIGSTOP) past its lease: a second worker takes the operation over
  and finishes it, and the first one, woken up, sends nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.factories import DEN, MOVIES, MUSIC
from tests.processes import (
    DEMO_HOUSEHOLD,
    EDIT_SETUP,
    ONE_STACK_AT_A_TIME,
    SHARE_WRITES,
    alive,
    copy_migrated,
    operation_row,
    pool_children,
    queue_edit,
    redis_server,
    sections_at_sim,
    share_writes,
    shell,
    sqlite_row,
    stop,
    wait_for_operation,
    wait_until,
    worker_env,
)
from tests.processes import (
    celery_worker as start_worker,
)
from tests.services import require_redis

pytestmark = [pytest.mark.worker, pytest.mark.redis, ONE_STACK_AT_A_TIME]

ADDRESS = "crash.test@example.com"

SETUP = f"""
{DEMO_HOUSEHOLD}
from django.db import transaction
from sharing import operations
with transaction.atomic():
    op, _ = operations.submit(
        "friend.invite", "invitee", "{ADDRESS}",
        {{"label": "{ADDRESS}", "address": "{ADDRESS}", "access": {{}},
         "servers": [{{"machine": "{DEN}", "name": "Den", "libraries": [{MOVIES}]}}]}},
        user, "crash-test-key-0001",
    )
print(op.pk)
"""


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A throwaway redis-server when one can be started here, else the configured one."""
    if shutil.which("redis-server") is None:
        yield require_redis()
        return
    with redis_server("--appendonly", "no") as (_, port):
        yield f"redis://127.0.0.1:{port}/0"


def kill_child_while_running(worker: Any, db: Path, op_id: int, attempt: int) -> None:
    wait_for_operation(db, op_id, lambda row: row[0] == "running" and row[1] == attempt)
    time.sleep(1.0)  # the sections read is done; the invite POST is being held by plexsim
    children = pool_children(worker)
    assert children, "no pool child to kill"
    for pid in children:
        os.kill(pid, signal.SIGKILL)


def lease_expired(db: Path, op_id: int) -> bool:
    """The row's lease ran out (by this machine's clock, which the sweep's process shares)."""
    row = sqlite_row(db, "SELECT lease_expires_at FROM sharing_operation WHERE id = ?", op_id)
    assert row is not None, f"no operation {op_id}"
    assert row[0], f"operation {op_id} holds no lease"
    expires = datetime.fromisoformat(str(row[0]))
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return datetime.now(UTC) > expires


def shares_for_address(plexsim: Any) -> list[dict[str, Any]]:
    return [s for s in plexsim.state()["shares"] if s.get("invitedEmail") == ADDRESS]


def prepare(
    tmp_path: Path, migrated_var: Path, redis_url: str, plexsim: Any, max_attempts: int
) -> tuple[dict[str, str], Path, int]:
    env = worker_env(tmp_path, redis_url, plexsim.url, max_attempts)
    db = copy_migrated(migrated_var, env)
    op_id = int(shell(env, SETUP).strip().splitlines()[-1])
    plexsim.add_fault(action="delay", delay=4, method="POST", path="/api/servers/*/shared_servers")
    return env, db, op_id


def test_a_redelivered_invite_after_a_killed_worker_makes_exactly_one_share(
    tmp_path: Path, migrated_var: Path, redis_url: str, plexsim
) -> None:
    env, db, op_id = prepare(tmp_path, migrated_var, redis_url, plexsim, max_attempts=5)
    worker = start_worker(env)
    try:
        kill_child_while_running(worker, db, op_id, attempt=1)
        _, attempts, message = wait_for_operation(db, op_id, lambda row: row[0] == "succeeded", 90)
    finally:
        output = stop(worker)
    assert attempts == 2, output
    assert message.startswith(f"Invited {ADDRESS}")
    assert len(shares_for_address(plexsim)) == 1


def test_a_job_that_kills_its_worker_every_time_is_given_up(
    tmp_path: Path, migrated_var: Path, redis_url: str, plexsim
) -> None:
    env, db, op_id = prepare(tmp_path, migrated_var, redis_url, plexsim, max_attempts=2)
    worker = start_worker(env)
    try:
        kill_child_while_running(worker, db, op_id, attempt=1)
        kill_child_while_running(worker, db, op_id, attempt=2)
        _, attempts, message = wait_for_operation(db, op_id, lambda row: row[0] == "failed", 90)
    finally:
        output = stop(worker)
    assert attempts == 2, output
    assert message.startswith("Gave up after 2 attempts")
    assert len(shares_for_address(plexsim)) <= 1


@pytest.fixture(params=["filesystem", "redis"])
def broker(request: pytest.FixtureRequest) -> str | None:
    """None for the filesystem broker, else the URL of a Redis of the test's own."""
    if request.param == "filesystem":
        return None
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.mark.usefixtures("plexsim")
def test_an_operation_whose_worker_was_killed_outright_finishes_once_on_the_next_worker(
    tmp_path: Path, migrated_var: Path, broker: str | None, plexsim: Any
) -> None:
    env = worker_env(tmp_path, broker, plexsim.url)
    db, op_id, share_id = queue_edit(migrated_var, env)
    plexsim.add_fault(action="delay", delay=6, method="POST", path=SHARE_WRITES, times=1)
    plexsim.clear_requests()

    first = start_worker(env)
    try:
        wait_for_operation(db, op_id, lambda row: row[0] == "running")
        time.sleep(1.5)  # the reads are done; plexsim holds the write (and logs it once done)
        children = pool_children(first)
        first.send_signal(signal.SIGKILL)  # the main process only, as `kill -9 <pid>` does
        first.wait(10)
        wait_until(lambda: not any(alive(pid) for pid in children), 10, "the pool child dying")
        # plexsim finishes the held write: the change is made, the row still says running.
        wait_until(lambda: sections_at_sim(plexsim, share_id) == [MOVIES, MUSIC], 10, "the write")
        assert operation_row(db, op_id)[:2] == ("running", 1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)
        first.communicate(timeout=10)

    second = start_worker(env)
    try:
        _, attempts, message = wait_for_operation(db, op_id, lambda row: row[0] == "succeeded", 60)
    finally:
        output = stop(second)
    assert attempts == 2, output
    assert message == "Saved on plex.tv."
    assert len(share_writes(plexsim)) == 1, share_writes(plexsim)
    assert sections_at_sim(plexsim, share_id) == [MOVIES, MUSIC]


def test_a_worker_frozen_past_its_lease_leaves_the_change_to_the_worker_that_took_over(
    tmp_path: Path, migrated_var: Path, plexsim: Any
) -> None:
    # A short lease: a 10 s run, 1 + 5 s for a request, 10 s of clock skew = 26 s.
    env = worker_env(
        tmp_path,
        None,
        plexsim.url,
        OPERATION_TIME_LIMIT="10",
        PLEXTV_CONNECT_TIMEOUT="1",
        PLEXTV_READ_TIMEOUT="5",
    )
    db, op_id, share_id = queue_edit(migrated_var, env)
    # The read of the share before the write is held; the worker freezes during it, so it
    # wakes up with an answer from before the change.
    share_read = f"/api/servers/{DEN}/shared_servers*"
    plexsim.add_fault(action="delay", delay=5, method="GET", path=share_read, times=1)
    plexsim.clear_requests()

    frozen = start_worker(env)
    second = None
    try:
        wait_for_operation(db, op_id, lambda row: row[0] == "running")
        time.sleep(3)
        # Every process of the worker, as a paused container or a suspended machine would be
        # (its pool process has a process group of its own).
        frozen_pids = [frozen.pid, *pool_children(frozen)]
        for pid in frozen_pids:
            os.kill(pid, signal.SIGSTOP)
        second = start_worker(env)
        wait_until(lambda: lease_expired(db, op_id), 40, "the lease running out")
        sweep = "from sharing.tasks import sweep_operations; print(sweep_operations())"
        assert "'reclaimed': 1" in shell(env, sweep)
        wait_for_operation(db, op_id, lambda row: row[0] == "succeeded", 30)
        for pid in frozen_pids:
            os.kill(pid, signal.SIGCONT)
        time.sleep(5)  # the woken worker would send its write now
    finally:
        for pid in [frozen.pid, *pool_children(frozen)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        frozen_output = stop(frozen)
        second_output = stop(second) if second is not None else ""
    state, attempts, _ = operation_row(db, op_id)
    assert (state, attempts) == ("succeeded", 2), frozen_output + second_output
    assert len(share_writes(plexsim)) == 1, share_writes(plexsim)
    assert sections_at_sim(plexsim, share_id) == [MOVIES, MUSIC]


def test_a_filesystem_worker_whose_idle_pool_process_was_killed_starts_again_in_place(
    tmp_path: Path, migrated_var: Path, plexsim: Any
) -> None:
    env = worker_env(tmp_path, None, plexsim.url)
    db, first_op, share_id = queue_edit(migrated_var, env)
    worker = start_worker(env)
    try:
        wait_for_operation(db, first_op, lambda row: row[0] == "succeeded", 60)
        time.sleep(1)  # the child is back waiting for the next task, holding the pool's lock
        children = pool_children(worker)
        assert children, "no pool child to kill"
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        # The next change, queued after the kill: before the guard it was received and never run.
        second = (
            EDIT_SETUP.replace(DEMO_HOUSEHOLD, "from accounts.models import User\n")
            .replace("from sharing import operations", "from sharing import operations\n"
                     "user = User.objects.get(plex_account__username='morgan')")
            .replace(f"[{MOVIES}, {MUSIC}]", f"[{MOVIES}]")
            .replace("killed-worker-edit-0001", "killed-worker-edit-0002")
        )  # fmt: skip
        next_op = int(shell(env, second).split()[-2])
        _, attempts, message = wait_for_operation(
            db, next_op, lambda row: row[0] in ("succeeded", "failed"), 60
        )
        assert worker.poll() is None, "the worker exited instead of starting again in place"
    finally:
        output = stop(worker)
    assert (attempts, message) == (1, "Saved on plex.tv."), output
    assert "the worker starts again now" in output
    assert sections_at_sim(plexsim, share_id) == [MOVIES]
