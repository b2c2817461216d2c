"""RELIABILITY 30: the worker process dies in the middle of "invite friend".

A real `celery worker` (prefork, one child) runs against Redis with acks_late and
reject-on-worker-lost; plexsim holds the invite POST for a few seconds and the pool child is
SIGKILLed while it waits. The message is delivered again, and plexsim must end with exactly
one share; a job that kills its worker every time is given up after OPERATION_MAX_ATTEMPTS.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import require_redis

pytestmark = [pytest.mark.worker, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
DEN = "07b33a43085dc2635f0bb026696069991fae76dc"
ADDRESS = "crash.test@example.com"

SETUP = f"""
from django.db import transaction
from accounts.models import Household, Member, PlexAccount, User
from sharing import operations
from sharing.services import run_sync

owner = PlexAccount(plex_id=1001001, username="morgan", email="morgan@example.com", title="Morgan")
owner.set_token("demo-owner-token-0001")
owner.save()
user = User.objects.create_user(username="plex-1001001", plex_account=owner)
Member.objects.create(user=user, plex_account=owner, role="owner")
Household.objects.create(owner=owner, name="h", machine_identifier="{DEN}", server_name="Den")
run_sync()
with transaction.atomic():
    op, _ = operations.submit(
        "friend.invite", "invitee", "{ADDRESS}",
        {{"label": "{ADDRESS}", "address": "{ADDRESS}", "access": {{}},
         "servers": [{{"machine": "{DEN}", "name": "Den", "libraries": [118181361]}}]}},
        user, "crash-test-key-0001",
    )
print(op.pk)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A throwaway redis-server when one can be started here, else the configured one."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield require_redis()
        return
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def environment(tmp_path: Path, redis: str, sim_url: str, max_attempts: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "PLEXADMIN_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        PLEXADMIN_VAR_DIR=str(tmp_path / "var"),
        REDIS_URL=redis,
        PLEXTV_BASE_URL=sim_url,
        OPERATION_MAX_ATTEMPTS=str(max_attempts),
        DJANGO_SETTINGS_MODULE="plexadmin.settings",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def operation_row(db: Path, op_id: int) -> tuple[str, int, str]:
    with sqlite3.connect(db, timeout=5) as conn:
        row = conn.execute(
            "SELECT state, attempts, message FROM sharing_operation WHERE id = ?", (op_id,)
        ).fetchone()
    return (str(row[0]), int(row[1]), str(row[2]))


def wait_for(db: Path, op_id: int, check: Any, seconds: float = 60) -> tuple[str, int, str]:
    deadline = time.monotonic() + seconds
    row = operation_row(db, op_id)
    while time.monotonic() < deadline:
        row = operation_row(db, op_id)
        if check(row):
            return row
        time.sleep(0.1)
    raise AssertionError(f"operation {op_id} stayed {row}")


def pool_children(worker: subprocess.Popen[str]) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(worker.pid)], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in found.stdout.split()]


def kill_child_while_running(
    worker: subprocess.Popen[str], db: Path, op_id: int, attempt: int
) -> None:
    wait_for(db, op_id, lambda row: row[0] == "running" and row[1] == attempt)
    time.sleep(1.0)  # the sections read is done; the invite POST is being held by plexsim
    children = pool_children(worker)
    assert children, "no pool child to kill"
    for pid in children:
        os.kill(pid, signal.SIGKILL)


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "plexadmin",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(worker: subprocess.Popen[str]) -> str:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        output, _ = worker.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        output, _ = worker.communicate(timeout=10)
    return output


def shares_for_address(plexsim: Any) -> list[dict[str, Any]]:
    return [s for s in plexsim.state()["shares"] if s.get("invitedEmail") == ADDRESS]


def prepare(
    tmp_path: Path, redis_url: str, plexsim: Any, max_attempts: int
) -> tuple[dict[str, str], Path, int]:
    env = environment(tmp_path, redis_url, plexsim.url, max_attempts)
    manage(env, "migrate", "--no-input", "-v", "0")
    op_id = int(manage(env, "shell", "-v", "0", "-c", SETUP).strip().splitlines()[-1])
    plexsim.add_fault(action="delay", delay=4, method="POST", path="/api/servers/*/shared_servers")
    return env, tmp_path / "var" / "plexadmin.sqlite3", op_id


def test_a_redelivered_invite_after_a_killed_worker_makes_exactly_one_share(
    tmp_path: Path, redis_url: str, plexsim
) -> None:
    env, db, op_id = prepare(tmp_path, redis_url, plexsim, max_attempts=5)
    worker = start_worker(env)
    try:
        kill_child_while_running(worker, db, op_id, attempt=1)
        _, attempts, message = wait_for(db, op_id, lambda row: row[0] == "succeeded", 90)
    finally:
        output = stop(worker)
    assert attempts == 2, output
    assert message.startswith(f"Invited {ADDRESS}")
    assert len(shares_for_address(plexsim)) == 1


def test_a_job_that_kills_its_worker_every_time_is_given_up(
    tmp_path: Path, redis_url: str, plexsim
) -> None:
    env, db, op_id = prepare(tmp_path, redis_url, plexsim, max_attempts=2)
    worker = start_worker(env)
    try:
        kill_child_while_running(worker, db, op_id, attempt=1)
        kill_child_while_running(worker, db, op_id, attempt=2)
        _, attempts, message = wait_for(db, op_id, lambda row: row[0] == "failed", 90)
    finally:
        output = stop(worker)
    assert attempts == 2, output
    assert message.startswith("Gave up after 2 attempts")
    assert len(shares_for_address(plexsim)) <= 1
