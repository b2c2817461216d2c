"""RELIABILITY 33: a plex.tv that accepts the connection and never answers, and one that
trickles its answer a byte a second.

A real prefork worker runs library edits with OPERATION_TIME_LIMIT=10 (soft limit 6 s, read
timeout 20 s, so only the soft limit can stop the waits): each edit ends failed with the reason
in words and its lease released, within the hard limit; the worker's slot is free afterwards
and the next edit goes through.
"""

from __future__ import annotations

import fnmatch
import time
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.workers import (
    database,
    edit_operations,
    environment,
    lease,
    start_worker,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.worker]

SHARE_LIST = "/api/servers/*/shared_servers*"  # the listing or one share, as the edit reads
HARD_LIMIT = 10


def share_reads(plexsim: Any) -> list[dict[str, Any]]:
    return [
        r
        for r in plexsim.requests()
        if r["method"] == "GET" and fnmatch.fnmatchcase(r["path"], SHARE_LIST)
    ]


def test_a_stalled_and_a_trickling_plextv_stop_at_the_soft_limit_with_a_reason(
    tmp_path: Path, plexsim: Any
) -> None:
    env = environment(tmp_path, None, plexsim.url, OPERATION_TIME_LIMIT=str(HARD_LIMIT))
    (stalled, _), (trickled, _), (after, _) = edit_operations(
        env, ["alex.rivera", "priya", "chen.li"]
    )
    db = database(tmp_path)
    plexsim.clear_requests()
    # Each edit reads the server's shares first: one read is never answered, the next one's
    # answer comes a byte a second.
    plexsim.add_fault(action="stall", method="GET", path=SHARE_LIST, delay=60, times=1)
    plexsim.add_fault(action="trickle", method="GET", path=SHARE_LIST, delay=1, times=1)

    worker = start_worker(env)
    timings: dict[int, float] = {}
    try:
        for op_id in (stalled, trickled, after):
            # The last edit, with nothing held, can be done before this first look.
            wait_for(db, op_id, lambda row: row[0] in {"running", "failed", "succeeded"}, 60)
            started = time.monotonic()
            state, _, message = wait_for(
                db, op_id, lambda row: row[0] in {"failed", "succeeded"}, HARD_LIMIT + 20
            )
            timings[op_id] = time.monotonic() - started
            if op_id == after:
                assert state == "succeeded", message
            else:
                assert state == "failed", message
                assert "plex.tv took too long to answer (over 6 s)" in message
                assert lease(db, op_id) == ("", None)
    finally:
        output = stop(worker)
    assert "Hard time limit" not in output, output
    for op_id in (stalled, trickled):
        # Stopped by the soft limit, well before the hard one would kill the process.
        assert 4 <= timings[op_id] < HARD_LIMIT, (timings, output)
    faults = [r["fault"] for r in share_reads(plexsim)]
    assert faults[:2] == ["stall", "trickle"], faults
