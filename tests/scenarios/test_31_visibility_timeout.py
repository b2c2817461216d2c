"""RELIABILITY 31: a retry whose countdown is longer than Redis' visibility timeout.

A real worker with a 4-second visibility timeout (broker, result backend and the plain setting)
runs a library edit; plexsim answers its first read with a 429 asking for 31 s (beyond the
client's 30-s budget, so the operation is rescheduled with that countdown rather than waited
for in the worker). Redis may hand the waiting message out again after 4 s, as Celery's
caveat warns; the change must still reach plex.tv exactly once and the operation succeed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.workers import (
    ROOT,
    database,
    edit_operations,
    environment,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.redis]

MOVIES, MUSIC = 118181361, 118181363
SHARE_LIST = "/api/servers/*/shared_servers*"  # the listing or one share, as the edit reads


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    """Two pool processes, so a redelivered copy can run while the original waits."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.scenarios.visibility_app",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "-l",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def test_a_countdown_past_the_visibility_timeout_changes_plextv_once(
    tmp_path: Path, redis_url: str, plexsim: Any
) -> None:
    env = environment(
        tmp_path, redis_url, plexsim.url, VISIBILITY_TEST_SECONDS="4", PYTHONUNBUFFERED="1"
    )
    [(op_id, share_id)] = edit_operations(
        env, ["alex.rivera"], changes={"libraries": [MOVIES, MUSIC]}
    )
    db = database(tmp_path)
    plexsim.clear_requests()
    plexsim.add_fault(
        action="status",
        method="GET",
        path=SHARE_LIST,
        status=429,
        headers={"Retry-After": "31"},
        times=1,
    )
    worker = start_worker(env)
    try:
        wait_for(db, op_id, lambda row: row[0] == "queued" and row[1] == 1, 60)
        started = time.monotonic()
        state, attempts, message = wait_for(
            db, op_id, lambda row: row[0] in {"succeeded", "failed"}, 90
        )
        # Let the original countdown come due too, so a second run would have happened.
        time.sleep(max(0.0, 33 - (time.monotonic() - started)))
    finally:
        output = stop(worker)
    assert state == "succeeded", (message, output[-3000:])
    writes = [
        r
        for r in plexsim.requests()
        if r["method"] == "POST" and r["path"] == f"/api/v2/shared_servers/{share_id}"
    ]
    assert len(writes) == 1, writes
    assert attempts == 2, output[-3000:]
    share = next(s for s in plexsim.state()["shares"] if s["id"] == share_id)
    assert sorted(share["sectionIds"]) == [MOVIES, MUSIC]
