"""RELIABILITY 31: a retry whose countdown is longer than Redis' visibility timeout.

A real worker with a 4-second visibility timeout, and kombu's sweep of unacked messages run
every second (visibility_app), runs a library edit; plexsim answers its first read with a 429
asking for 31 s (beyond the client's 30-s budget, so the operation is rescheduled with that
countdown rather than waited for in the worker). The worker holds the retry's message unacked
until it is due, so Redis hands it out again every few seconds, as Celery's caveat warns: the
worker's log must show the same retry received more than once, all copies come due together
on two pool processes, and still plex.tv sees exactly one write (plexsim's request log) and
the operation runs twice in all (the rate-limited run and the one that writes). Without the
claim's guard (a finished row, or one running under a live lease, is left alone) the copies
each write.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sharing.operations import APPLY_OPERATION
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
RECEIVED = re.compile(rf"Task {re.escape(APPLY_OPERATION)}\[([0-9a-f-]+)\] received")


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
    # The retry's message (its own task id) was handed out again while it waited.
    received = Counter(RECEIVED.findall(output))
    assert len(received) == 2, output[-3000:]
    assert max(received.values()) >= 2, f"no redelivery: {received}\n{output[-3000:]}"
    writes = [
        r
        for r in plexsim.requests()
        if r["method"] == "POST" and r["path"] == f"/api/v2/shared_servers/{share_id}"
    ]
    assert len(writes) == 1, (writes, output[-3000:])
    assert state == "succeeded", (message, output[-3000:])
    assert attempts == 2, output[-3000:]
    share = next(s for s in plexsim.state()["shares"] if s["id"] == share_id)
    assert sorted(share["sectionIds"]) == [MOVIES, MUSIC]
