"""A worker whose pool cannot recover from a killed process starts itself afresh.

On a broker without an event loop (the embedded filesystem broker) Celery runs billiard's
blocking pool: its processes take tasks from one shared pipe, guarded by one lock that an idle
process holds while it waits. A pool process killed from outside (the OOM killer, `kill -9`)
while holding that lock never gives it back, so every process started in its place waits on it
forever: the worker keeps receiving tasks and runs none of them, and changes wait with it.

The guard watches the pool's exits. When a pool process dies by a signal the pool did not send,
the worker hands the messages it holds back to the broker, kills what is left of its pool and
executes itself again in place: the same process id, so whatever supervises it (honcho, systemd,
Docker) sees nothing stop, and the new worker's start-up sweep takes over any change the killed
process left half done (see "Changes survive a dead worker" in the README). A worker on Redis
uses the asynchronous pool, which replaces a killed process without a shared lock; the guard
leaves it alone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from typing import Any

from billiard.pool import RUN
from celery.worker import state as worker_state

logger = logging.getLogger(__name__)

_restarting = threading.Lock()


def watch(consumer: Any) -> bool:
    """Install the guard on the consumer's pool if it is the blocking kind; whether it did."""
    pool = getattr(getattr(consumer, "pool", None), "_pool", None)
    if pool is None or not getattr(pool, "threads", False):
        return False
    flush_queues = pool.process_flush_queues

    def on_process_exit(process: Any) -> None:
        # billiard calls this once for every pool process it finds gone, before it starts one
        # in its place.
        flush_queues(process)
        code = process.exitcode
        if code is None or code >= 0 or getattr(process, "_controlled_termination", False):
            return
        if pool._state != RUN or worker_state.should_stop is not None:
            return  # shutting down: the pool's processes are meant to go
        if worker_state.should_terminate is not None:
            return
        restart(consumer, pool, process.pid, -code)

    pool.process_flush_queues = on_process_exit
    return True


def restart(consumer: Any, pool: Any, pid: int, signum: int) -> None:
    if not _restarting.acquire(blocking=False):
        return  # another process of the same pool died at the same moment: one restart
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    logger.warning(
        "Pool process %s was killed (%s). This pool cannot take tasks after that, so the worker "
        "starts again now; its unfinished tasks go back to the queue.",
        pid,
        name,
    )
    _hand_back_messages(consumer)
    _kill_pool(pool)
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, sys.orig_argv)  # noqa: S606 (the same command line, no shell)


def _hand_back_messages(consumer: Any) -> None:
    """Received but not acknowledged (acks_late: also the ones being run): back to the queue, so
    the new worker gets them."""
    try:
        consumer.task_consumer.channel.qos.restore_unacked_once()
    except Exception:
        # Operations are still safe: the sweep requeues one whose message was lost.
        logger.warning("Could not hand the worker's messages back to the broker", exc_info=True)


def _kill_pool(pool: Any) -> None:
    pids = [p.pid for p in list(getattr(pool, "_pool", [])) if p.pid]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for pid in pids:  # reaped here, or they would stay zombies of the new worker
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
