"""Who holds an operation's lease, and whether that process is certainly gone.

A process id means something only on the machine boot and in the pid namespace (a container
has its own) it was read in, so a holder is recorded with both, and judged dead only from the
same ones: a process that no longer exists there is gone for good. From anywhere else a holder
may be alive, and its lease is waited out.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any


def process_namespace() -> str:
    """What makes a process id meaningful: this boot of this machine, and the pid namespace
    (a container has its own). Empty where that cannot be told (not Linux)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return ""
    return f"{boot}/{namespace}"


def this_process() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid(), "ns": process_namespace()}


def holder_is_gone(holder: dict[str, Any]) -> bool:
    """True only when the lease holder is certainly dead: a process of this same machine boot
    and pid namespace that no longer exists (a killed pool process, a worker killed and
    started again). A holder anywhere else may be alive and is left to its lease."""
    pid = holder.get("pid")
    namespace = process_namespace()
    if not namespace or holder.get("ns") != namespace:
        return False
    if not isinstance(pid, int) or pid <= 1 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
