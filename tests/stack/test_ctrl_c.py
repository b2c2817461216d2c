"""Ctrl-C in `make run` while the worker is applying a change (scenario 42).

honcho runs the Procfile as `make run` does (web, worker, beat, through scripts/honcho-start.py)
against plexsim, which holds the change's write for a few seconds. Ctrl-C arrives while it is
held: the worker lets the change finish, then stops by itself; honcho kills nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.factories import MOVIES, MUSIC
from tests.processes import (
    ONE_STACK_AT_A_TIME,
    ROOT,
    SHARE_WRITES,
    free_port,
    operation_row,
    queue_edit,
    sections_at_sim,
    share_writes,
    wait_for_operation,
    worker_env,
)

pytestmark = [pytest.mark.stack, pytest.mark.timeout(180), ONE_STACK_AT_A_TIME]


def test_ctrl_c_lets_the_worker_finish_the_change_it_is_applying(
    tmp_path: Path, migrated_var: Path, plexsim: Any
) -> None:
    env = worker_env(tmp_path, None, plexsim.url, PLEXADMIN_PORT=str(free_port()))
    db, op_id, share_id = queue_edit(migrated_var, env)
    plexsim.add_fault(action="delay", delay=6, method="POST", path=SHARE_WRITES, times=1)
    plexsim.clear_requests()
    log_path = tmp_path / "run.log"
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    with log_path.open("w") as log:
        honcho = subprocess.Popen(
            [sys.executable, "scripts/honcho-start.py", "start", "-f", "Procfile"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_operation(db, op_id, lambda row: row[0] == "running", 60)
            time.sleep(1.5)  # the reads are done; plexsim holds the write
            started = time.monotonic()
            os.killpg(honcho.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
            honcho.wait(60)
            stopped_after = time.monotonic() - started
        finally:
            if honcho.poll() is None:
                os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait(10)
    output = log_path.read_text()

    assert operation_row(db, op_id)[:2] == ("succeeded", 1), output
    assert len(share_writes(plexsim)) == 1
    assert sections_at_sim(plexsim, share_id) == [MOVIES, MUSIC]
    assert "worker.1 stopped (rc=0)" in output, output
    assert "sending SIGKILL" not in output, output
    assert stopped_after < 30, output
