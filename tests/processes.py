"""Running the product as separate processes: what the worker, stack and production tests share.

Free ports, the environment a child process gets (this test run's own services taken out),
`manage.py` in a fresh interpreter, a real `celery worker`, stopping a process group, waiting
for a condition (polled, never a fixed sleep), a throwaway redis-server, and the demo household
written into a child's database so its worker has something to act on.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from tests.factories import DEMO_ACCOUNTS, DEN, MOVIES, MUSIC

ROOT = Path(__file__).resolve().parents[1]

# Under pytest-xdist (`make test`), the tests that run whole stacks of processes with timings
# of their own (held requests, leases, beat ticks, shutdown grace) run one after the other on
# one worker, never two stacks at once on two cores; the other worker runs everything else.
ONE_STACK_AT_A_TIME = pytest.mark.xdist_group("process-stacks")

# How often the waits below look again: short, as each look is a cheap read.
POLL = 0.05

# This run's own services and switches, which a child process must not inherit by accident.
RUN_VARIABLES = frozenset(
    {"DATABASE_URL", "REDIS_URL", "PLEXADMIN_ENV", "PLEXADMIN_VAR_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE"}
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(
    check: Callable[[], Any],
    seconds: float,
    what: str = "the condition",
    *,
    interval: float = POLL,
    ignore: tuple[type[BaseException], ...] = (),
) -> Any:
    """Poll `check` until it returns something true (which is returned); fail after `seconds`.

    Exceptions listed in `ignore` (a server not answering yet) count as "not yet".
    """
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(*ignore):
            found = check()
            if found:
                return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds} s")
        time.sleep(interval)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        socket.create_connection((host, port), timeout=0.2).close()
    except OSError:
        return False
    return True


def wait_for_port(port: int, seconds: float = 10, what: str = "the server") -> None:
    wait_until(lambda: port_open(port), seconds, f"{what} listening on {port}")


def child_env(
    *, drop: Iterable[str] = RUN_VARIABLES, drop_prefixes: tuple[str, ...] = (), **extra: str
) -> dict[str, str]:
    """This process's environment less the variables in `drop` (and those starting with one
    of `drop_prefixes`), plus `extra`."""
    dropped = set(drop)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in dropped and not (drop_prefixes and key.startswith(drop_prefixes))
    }
    env.update(extra)
    return env


def embedded_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """`make run`'s configuration under the test's folder: SQLite and, unless REDIS_URL is
    given, the filesystem broker, both in tmp_path/var."""
    env = child_env(
        PLEXADMIN_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="plexadmin.settings"
    )
    env.update(extra)
    return env


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The production profile with fresh secrets and SQLite under tmp_path, as a deployment
    loads it (nothing of this run's own configuration), plus `overrides`."""
    env = child_env(
        drop={"DJANGO_ALLOW_ASYNC_UNSAFE"},
        drop_prefixes=("PLEXADMIN_", "DATABASE_", "REDIS_", "SECRET_", "TOKEN_"),
    )
    env.update(
        PLEXADMIN_ENV="production",
        PLEXADMIN_VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY=secrets.token_urlsafe(60),
        TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        PLEX_CLIENT_IDENTIFIER="plexadmin-test-installation",
        PUBLIC_BASE_URL="https://plex-admin.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        DJANGO_SETTINGS_MODULE="plexadmin.settings",
    )
    env.update(overrides)
    return env


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def manage(env: dict[str, str], *args: str) -> str:
    """`manage.py` with `args` in a fresh interpreter; its output, failing the test on an error."""
    result = run_manage(env, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def shell(env: dict[str, str], code: str) -> str:
    return manage(env, "shell", "-v", "0", "-c", code)


def celery_worker(env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    """A real `celery worker` as production runs it (prefork, one child), in a session of its
    own so the whole group can be signalled; its output in a pipe."""
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
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM to the process group, SIGKILL if it is still there after 30 s; its output."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate(timeout=10)
    return output or ""


def pool_children(worker: subprocess.Popen[str]) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(worker.pid)], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in found.stdout.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def redis_server(*options: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A redis-server of the test's own on a free port (the caller checks it is installed)."""
    binary = shutil.which("redis-server")
    assert binary is not None, "redis-server is not installed"
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", *options],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 10, "redis-server")
        yield process, port
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


def sqlite_row(db: Path, query: str, *params: object) -> tuple[Any, ...] | None:
    with sqlite3.connect(db, timeout=5) as conn:
        row: tuple[Any, ...] | None = conn.execute(query, params).fetchone()
    return row


# The demo household in a child's database: morgan owns it with the Den and the demo token,
# and a first sync has read plexsim. Code for `manage.py shell -c`, after migrate.
MORGAN = DEMO_ACCOUNTS["morgan"]
DEMO_HOUSEHOLD = f"""
from accounts.models import Household, Member, PlexAccount, User
from sharing.sync.runs import run_sync

owner = PlexAccount(plex_id={MORGAN["plex_id"]}, username="morgan", email="{MORGAN["email"]}",
                    title="Morgan")
owner.set_token("{MORGAN["token"]}")
owner.save()
user = User.objects.create_user(username="plex-{MORGAN["plex_id"]}", plex_account=owner)
Member.objects.create(user=user, plex_account=owner, role="owner")
Household.objects.create(owner=owner, name="h", machine_identifier="{DEN}", server_name="Den")
run_sync()
"""


def copy_migrated(template: Path, env: dict[str, str]) -> Path:
    """Give the child the var folder of a database migrated once per session (the
    `migrated_var` fixture) instead of migrating again; the SQLite file's path."""
    var = Path(env["PLEXADMIN_VAR_DIR"])
    shutil.copytree(template, var)
    return var / "plexadmin.sqlite3"


# The worker stacks: SQLite under the test's folder, plexsim as plex.tv, an operation queued.


def worker_env(
    tmp_path: Path, redis: str | None, sim_url: str, max_attempts: int = 5, **extra: str
) -> dict[str, str]:
    """The processes' environment: SQLite under the test's folder, Redis or (None) the
    filesystem broker."""
    env = embedded_env(
        tmp_path, PLEXTV_BASE_URL=sim_url, OPERATION_MAX_ATTEMPTS=str(max_attempts), **extra
    )
    if redis:
        env["REDIS_URL"] = redis
    return env


SHARE_WRITES = "/api/v2/shared_servers/*"

# alex.rivera's share on the Den gets Music besides Movies: one share.edit, queued.
EDIT_SETUP = f"""
{DEMO_HOUSEHOLD}
from django.db import transaction
from sharing import operations
from sharing.models import Share
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


def queue_edit(migrated_var: Path, env: dict[str, str]) -> tuple[Path, int, int]:
    db = copy_migrated(migrated_var, env)
    op_id, share_id = shell(env, EDIT_SETUP).split()[-2:]
    return db, int(op_id), int(share_id)


def share_writes(plexsim: Any) -> list[dict[str, Any]]:
    return [
        r for r in plexsim.requests() if r["method"] == "POST" and "/shared_servers/" in r["path"]
    ]


def sections_at_sim(plexsim: Any, share_id: int) -> list[int]:
    share = next(s for s in plexsim.state()["shares"] if s["id"] == share_id)
    return sorted(share["sectionIds"])


# An operation in a child's SQLite database, read the way the worker leaves it.


def operation_row(db: Path, op_id: int) -> tuple[str, int, str]:
    row = sqlite_row(
        db, "SELECT state, attempts, message FROM sharing_operation WHERE id = ?", op_id
    )
    assert row is not None, f"no operation {op_id}"
    return (str(row[0]), int(row[1]), str(row[2]))


def wait_for_operation(
    db: Path, op_id: int, check: Callable[[tuple[str, int, str]], bool], seconds: float = 60
) -> tuple[str, int, str]:
    seen: list[tuple[str, int, str]] = []

    def matches() -> tuple[str, int, str] | None:
        seen[:] = [operation_row(db, op_id)]
        return seen[0] if check(seen[0]) else None

    try:
        found: tuple[str, int, str] = wait_until(matches, seconds, f"operation {op_id}")
    except AssertionError:
        raise AssertionError(f"operation {op_id} stayed {seen}") from None
    return found
