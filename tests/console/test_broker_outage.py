"""RELIABILITY 32: Redis is killed with operations queued, then restarted from its AOF file.

Twenty invites are queued while a real worker is busy, redis-server gets SIGKILL and comes
back on the same port with its append-only file, and one more invite is queued afterwards.
Every one of the 21 operations must finish, with the worker still running (no restart).
"""

from __future__ import annotations

import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.console.test_worker_killed import (
    environment,
    free_port,
    manage,
    start_worker,
    stop,
)

pytestmark = [pytest.mark.worker, pytest.mark.redis]

DEN = "07b33a43085dc2635f0bb026696069991fae76dc"

HOUSEHOLD = f"""
from accounts.models import Household, Member, PlexAccount, User
from sharing.sync.runs import run_sync

owner = PlexAccount(plex_id=1001001, username="morgan", email="morgan@example.com", title="Morgan")
owner.set_token("demo-owner-token-0001")
owner.save()
user = User.objects.create_user(username="plex-1001001", plex_account=owner)
Member.objects.create(user=user, plex_account=owner, role="owner")
Household.objects.create(owner=owner, name="h", machine_identifier="{DEN}", server_name="Den")
run_sync()
"""


def queue_invites(first: int, count: int) -> str:
    return f"""
from django.db import transaction
from sharing import operations
with transaction.atomic():
    for n in range({first}, {first + count}):
        address = f"outage{{n:02d}}@example.com"
        operations.submit(
            "friend.invite", "invitee", address,
            {{"label": address, "address": address, "access": {{}},
             "servers": [{{"machine": "{DEN}", "name": "Den", "libraries": [118181361]}}]}},
            None, f"outage-key-{{n:04d}}",
        )
"""


class Redis:
    def __init__(self, directory: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.skip("redis-server is not installed")
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.binary is not None
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def states(db: Path) -> dict[str, int]:
    with sqlite3.connect(db, timeout=5) as conn:
        rows = conn.execute(
            "SELECT state, COUNT(*) FROM sharing_operation GROUP BY state"
        ).fetchall()
    return {str(state): int(count) for state, count in rows}


def test_every_operation_finishes_after_redis_is_killed_and_restarted(
    tmp_path: Path, plexsim
) -> None:
    redis = Redis(tmp_path / "redis")
    (tmp_path / "redis").mkdir()
    redis.start()
    env = environment(tmp_path, redis.url, plexsim.url, max_attempts=5)
    db = tmp_path / "var" / "plexadmin.sqlite3"
    worker = None
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "shell", "-v", "0", "-c", HOUSEHOLD)
        # Each invite takes a little while, so most of the 20 are still queued at the kill.
        plexsim.add_fault(action="delay", delay=0.3, method="POST", path="/api/servers/*")
        worker = start_worker(env)
        manage(env, "shell", "-v", "0", "-c", queue_invites(0, 20))
        time.sleep(1.5)  # past appendfsync everysec
        redis.kill()
        time.sleep(2)
        redis.start()
        manage(env, "shell", "-v", "0", "-c", queue_invites(20, 1))
        deadline = time.monotonic() + 120
        seen = states(db)
        while time.monotonic() < deadline and seen.get("succeeded", 0) < 21:
            time.sleep(0.5)
            seen = states(db)
    finally:
        output = stop(worker) if worker is not None else ""
        redis.stop()
    assert seen == {"succeeded": 21}, (seen, output[-3000:])
    invited = {s.get("invitedEmail") for s in plexsim.state()["shares"]}
    assert {f"outage{n:02d}@example.com" for n in range(21)} <= invited
