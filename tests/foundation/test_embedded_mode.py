"""`make run`'s configuration with real processes: SQLite, the filesystem broker, a worker."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import ROOT, embedded_env, manage


def heartbeat_names(db: Path) -> str:
    """What `Heartbeat.objects.values_list("name")` lists, read straight from the file."""
    with sqlite3.connect(db, timeout=5) as conn:
        rows = conn.execute("SELECT name FROM plexadmin_heartbeat ORDER BY name").fetchall()
    return str(sorted(str(name) for (name,) in rows))


@pytest.mark.worker
def test_a_worker_process_runs_tasks_from_the_filesystem_broker(tmp_path: Path) -> None:
    env = embedded_env(tmp_path)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(
        env, "shell", "-v", "0", "-c", "from plexadmin.tasks import heartbeat; heartbeat.delay()"
    )
    assert list((tmp_path / "var" / "broker" / "queue").iterdir()), "the task was not queued"

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "plexadmin", "worker", "--pool=solo", "-l", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    db = tmp_path / "var" / "plexadmin.sqlite3"
    try:
        deadline = time.monotonic() + 45
        names = ""
        while time.monotonic() < deadline:
            names = heartbeat_names(db)
            if names == "['worker', 'worker-start']":
                break
            time.sleep(0.1)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert names == "['worker', 'worker-start']", output
    assert "plexadmin.tasks.heartbeat" in output
    assert not list((tmp_path / "var" / "broker" / "queue").iterdir())
    assert (tmp_path / "var" / "plexadmin.sqlite3").exists()
