"""`honcho start`, with a shutdown grace long enough for a Celery worker to stop cleanly.

On Ctrl-C honcho sends SIGTERM to every process and SIGKILL five seconds later
(`honcho.manager.KILL_WAIT`, which honcho 2.0 offers no option for). A Celery worker's warm
shutdown takes about that long even when idle, and longer when it lets a running task finish,
so under plain honcho the worker was always killed. SHUTDOWN_GRACE seconds (default 30) replace
the five; a worker still busy after that is killed, and its operation is taken up again by the
next worker that starts (see "Changes survive a dead worker" in the README).
"""

from __future__ import annotations

import os

import honcho.manager
from honcho.command import main

honcho.manager.KILL_WAIT = int(os.environ.get("SHUTDOWN_GRACE", "30"))

if __name__ == "__main__":
    main()
