"""RELIABILITY 30 and 42: the worker dies, or freezes, in the middle of an operation.

Real `celery worker` processes (prefork, one child) with acks_late and reject-on-worker-lost;
plexsim holds a request for a few seconds while the worker is killed or stopped.

- Only the pool child is SIGKILLed (Redis): the message is delivered again, and plexsim must end
  with exactly one share; a job that kills its worker every time is given up after
  OPERATION_MAX_ATTEMPTS.
- The worker's main process is SIGKILLed (filesystem broker and Redis): the row stays running
  under its lease until a worker starts again; that worker's start-up sweep sees the holder is
  gone and runs the change again, reading plex.tv first: plexsim gets the write once.
- The whole worker is frozen (SIGSTOP) past its lease: a second worker takes the operation over
  and finishes it, and the first one, woken up, sends nothing.
"""

from __future__ import annotations

import contextlib
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
MOVIES, MUSIC = 118181361, 118181363
SHARE_WRITES = "/api/v2/shared_servers/*"

SETUP = f"""
from django.db import transaction
from accounts.models import Household, Member, PlexAccount, User
from sharing import operations
from sharing.sync.runs import run_sync

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


EDIT_SETUP = f"""
from django.db import transaction
from accounts.models import Household, Member, PlexAccount, User
from sharing import operations
from sharing.models import Share
from sharing.sync.runs import run_sync

owner = PlexAccount(plex_id=1001001, username="morgan", email="morgan@example.com", title="Morgan")
owner.set_token("demo-owner-token-0001")
owner.save()
user = User.objects.create_user(username="plex-1001001", plex_account=owner)
Member.objects.create(user=user, plex_account=owner, role="owner")
Household.objects.create(owner=owner, name="h", machine_identifier="{DEN}", server_name="Den")
run_sync()
share = Share.objects.get(user__username="alex.rivera", server__machine_identifier="{DEN}")
with transaction.atomic():
    op, _ = operations.submit(
        "share.edit", "share", share.pk,
        {{"label": "alex.rivera on Den", "changes": {{"libraries": [{MOVIES}, {MUSIC}]}},
         "before": {{}}}},
        user, "killed-worker-edit-0001",
    )
print(op.pk, share.shared_server_id)
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


def environment(
    tmp_path: Path, redis: str | None, sim_url: str, max_attempts: int = 5, **extra: str
) -> dict[str, str]:
    """The processes' environment: SQLite under the test's folder, Redis or (None) the
    filesystem broker."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "PLEXADMIN_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        PLEXADMIN_VAR_DIR=str(tmp_path / "var"),
        PLEXTV_BASE_URL=sim_url,
        OPERATION_MAX_ATTEMPTS=str(max_attempts),
        DJANGO_SETTINGS_MODULE="plexadmin.settings",
        **extra,
    )
    if redis:
        env["REDIS_URL"] = redis
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


@pytest.fixture(params=["filesystem", "redis"])
def broker(request: pytest.FixtureRequest) -> str | None:
    """None for the filesystem broker, else the URL of a Redis of the test's own."""
    if request.param == "filesystem":
        return None
    url: str = request.getfixturevalue("redis_url")
    return url


def prepare_edit(tmp_path: Path, env: dict[str, str]) -> tuple[Path, int, int]:
    manage(env, "migrate", "--no-input", "-v", "0")
    op_id, share_id = manage(env, "shell", "-v", "0", "-c", EDIT_SETUP).split()[-2:]
    return tmp_path / "var" / "plexadmin.sqlite3", int(op_id), int(share_id)


def share_writes(plexsim: Any) -> list[dict[str, Any]]:
    return [
        r for r in plexsim.requests() if r["method"] == "POST" and "/shared_servers/" in r["path"]
    ]


def sections_at_sim(plexsim: Any, share_id: int) -> list[int]:
    share = next(s for s in plexsim.state()["shares"] if s["id"] == share_id)
    return sorted(share["sectionIds"])


def until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {seconds} s")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.usefixtures("plexsim")
def test_an_operation_whose_worker_was_killed_outright_finishes_once_on_the_next_worker(
    tmp_path: Path, broker: str | None, plexsim: Any
) -> None:
    env = environment(tmp_path, broker, plexsim.url)
    db, op_id, share_id = prepare_edit(tmp_path, env)
    plexsim.add_fault(action="delay", delay=6, method="POST", path=SHARE_WRITES, times=1)
    plexsim.clear_requests()

    first = start_worker(env)
    try:
        wait_for(db, op_id, lambda row: row[0] == "running")
        time.sleep(1.5)  # the reads are done; plexsim holds the write (and logs it once done)
        children = pool_children(first)
        first.send_signal(signal.SIGKILL)  # the main process only, as `kill -9 <pid>` does
        first.wait(10)
        until(lambda: not any(alive(pid) for pid in children), 10, "the pool child dying")
        # plexsim finishes the held write: the change is made, the row still says running.
        until(lambda: sections_at_sim(plexsim, share_id) == [MOVIES, MUSIC], 10, "the write")
        assert operation_row(db, op_id)[:2] == ("running", 1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)
        first.communicate(timeout=10)

    second = start_worker(env)
    try:
        _, attempts, message = wait_for(db, op_id, lambda row: row[0] == "succeeded", 60)
    finally:
        output = stop(second)
    assert attempts == 2, output
    assert message == "Saved on plex.tv."
    assert len(share_writes(plexsim)) == 1, share_writes(plexsim)
    assert sections_at_sim(plexsim, share_id) == [MOVIES, MUSIC]


def test_a_worker_frozen_past_its_lease_leaves_the_change_to_the_worker_that_took_over(
    tmp_path: Path, plexsim: Any
) -> None:
    # A short lease: a 10 s run, 1 + 5 s for a request, 10 s of clock skew = 26 s.
    env = environment(
        tmp_path,
        None,
        plexsim.url,
        OPERATION_TIME_LIMIT="10",
        PLEXTV_CONNECT_TIMEOUT="1",
        PLEXTV_READ_TIMEOUT="5",
    )
    db, op_id, share_id = prepare_edit(tmp_path, env)
    # The two reads before the write are held; the worker freezes during the second, so it
    # wakes up with an answer from before the change.
    shares_read = f"/api/servers/{DEN}/shared_servers"
    plexsim.add_fault(action="delay", delay=2, method="GET", path=shares_read, times=2)
    plexsim.clear_requests()

    frozen = start_worker(env)
    second = None
    try:
        wait_for(db, op_id, lambda row: row[0] == "running")
        time.sleep(3)
        # Every process of the worker, as a paused container or a suspended machine would be
        # (its pool process has a process group of its own).
        frozen_pids = [frozen.pid, *pool_children(frozen)]
        for pid in frozen_pids:
            os.kill(pid, signal.SIGSTOP)
        second = start_worker(env)
        time.sleep(26)  # the lease runs out while the first worker is frozen
        sweep = "from sharing.tasks import sweep_operations; print(sweep_operations())"
        assert "'reclaimed': 1" in manage(env, "shell", "-v", "0", "-c", sweep)
        wait_for(db, op_id, lambda row: row[0] == "succeeded", 30)
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
