"""Loaded into a real `celery worker` with ``-I`` by test_worker_killed: records every run of
notify's tasks, and SIGKILLs the pool process once, right after the first task that sent a
message returned (message sent, row marked sent, task not yet acknowledged)."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

from celery.signals import task_postrun, task_prerun

RUNS = Path(os.environ["NOTIFY_TEST_RUNS"])


@task_prerun.connect
def record_run(sender: Any = None, args: Any = None, **_: Any) -> None:
    if sender is not None and sender.name.startswith("notify."):
        with RUNS.open("a") as out:
            out.write(json.dumps([sender.name, list(args or [])]) + "\n")


@task_postrun.connect
def die_after_first_send(sender: Any = None, retval: Any = None, **_: Any) -> None:
    killed = RUNS.with_suffix(".killed")
    if isinstance(retval, dict) and retval.get("state") == "sent" and not killed.exists():
        killed.touch()
        os.kill(os.getpid(), signal.SIGKILL)
