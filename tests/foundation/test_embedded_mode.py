"""`make run`'s configuration with real processes: SQLite, the filesystem broker, a worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def embedded_env(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PLEXADMIN_ENV", "PLEXADMIN_VAR_DIR"}
    }
    env["PLEXADMIN_VAR_DIR"] = str(var_dir)
    env["DJANGO_SETTINGS_MODULE"] = "plexadmin.settings"
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


@pytest.mark.worker
def test_a_worker_process_runs_tasks_from_the_filesystem_broker(tmp_path: Path) -> None:
    env = embedded_env(tmp_path / "var")
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
    query = (
        "from plexadmin.models import Heartbeat; "
        "print(sorted(Heartbeat.objects.values_list('name', flat=True)))"
    )
    try:
        deadline = time.monotonic() + 45
        names = ""
        while time.monotonic() < deadline:
            names = manage(env, "shell", "-v", "0", "-c", query).strip()
            if names == "['worker', 'worker-start']":
                break
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert names == "['worker', 'worker-start']", output
    assert "plexadmin.tasks.heartbeat" in output
    assert not list((tmp_path / "var" / "broker" / "queue").iterdir())
    assert (tmp_path / "var" / "plexadmin.sqlite3").exists()
