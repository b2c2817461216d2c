"""The sync engine on generated households: first sync and no-change resync.

For N generated people (100, 1,000, 5,000; three servers of ten libraries from 1,000) plexsim
runs in its own process, so it does not share the GIL with the sync. Each size is measured on
a fresh database: a first sync, then a resync with nothing changed. Printed per row: wall
time, plex.tv requests, SQL queries and SQL writes (INSERT/UPDATE/DELETE on the household's
tables, the SyncRun bookkeeping row excluded), and peak Python memory (tracemalloc, in a
second pass so it does not slow the timed one). Beside it, python-plexapi reading the same
data the way peer tools do (`users()`, then `sections()` of every share).

SQLite by default (a throwaway file with the production pragmas); PostgreSQL with
``--database postgresql://postgres@127.0.0.1:5432/plexadmin_bench`` (created if absent).

    .venv/bin/python bench/bench_sync.py [--sizes 100 1000 5000] [--database URL]
        [--no-plexapi]

Results are kept in docs/performance.md ("Sync engine").
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

OWNER_ID = 1001001  # plexsim README, "Generated households"
OWNER_TOKEN = "gen-owner-token-0001"  # noqa: S105 - fake, documented test data
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Phase:
    seconds: float
    requests: int
    queries: int
    writes: int
    peak_mb: float


@dataclass
class Row:
    people: int
    shares: int
    servers: int
    first: Phase
    resync: Phase
    plexapi_requests: float
    plexapi_seconds: float


class SimProcess:
    """plexsim in a child process, serving a generated household, on BENCH_PLEXSIM_PORT when
    set (a machine shared by several runs gives each its own range), else a free port."""

    def __init__(self, users: int) -> None:
        port = os.environ.get("BENCH_PLEXSIM_PORT", "0")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "plexsim", "--port", port, "--users", str(users)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if not found:
            self.stop()
            raise RuntimeError(f"plexsim did not start: {line!r}")
        self.url = found.group(1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def configure_django(database: str | None) -> None:
    if database:
        os.environ["DATABASE_URL"] = database
        ensure_postgres_database(database)
    else:
        os.environ["PLEXADMIN_VAR_DIR"] = tempfile.mkdtemp(prefix="plexadmin-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexadmin.settings")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    from django.db import connection

    counts = {"queries": 0, "writes": 0}

    def wrapper(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        counts["queries"] += 1
        if sql.lstrip().upper().startswith(WRITE_VERBS) and "sharing_syncrun" not in sql:
            counts["writes"] += 1
        return execute(sql, *args)

    with connection.execute_wrapper(wrapper):
        yield counts


def clear_household() -> None:
    from sharing.models import AuditEvent, Invite, Library, PlexUser, Server, Share, SyncRun

    for model in (AuditEvent, Invite, Share, PlexUser, Library, Server, SyncRun):
        model.objects.all().delete()


def one_sync(url: str, memory: bool) -> Phase:
    from plextv import ClientConfig, PlexTV
    from sharing.models import SyncRun
    from sharing.sync.engine import sync_household

    client = PlexTV(ClientConfig.for_base_url(url, read_timeout=60.0), token=OWNER_TOKEN)
    run = SyncRun.objects.create(owner_plex_id=OWNER_ID)
    if memory:
        tracemalloc.start()
    with counting() as counts:
        start = time.perf_counter()
        result = sync_household(client, OWNER_ID, run)
        seconds = time.perf_counter() - start
    peak = 0.0
    if memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return Phase(seconds, result.requests, counts["queries"], counts["writes"], peak)


def measure(size: int, with_plexapi: bool) -> Row:
    from sharing.models import PlexUser, Server, Share

    sim = SimProcess(size)
    try:
        clear_household()
        first = one_sync(sim.url, memory=False)
        resync = one_sync(sim.url, memory=False)
        people, shares, servers = (
            PlexUser.objects.count(),
            Share.objects.count(),
            Server.objects.count(),
        )
        clear_household()
        first.peak_mb = one_sync(sim.url, memory=True).peak_mb
        resync.peak_mb = one_sync(sim.url, memory=True).peak_mb
        api_requests, api_seconds = (0.0, 0.0)
        if with_plexapi:
            from bench_plextv import bench_plexapi

            api_requests, api_seconds, _ = bench_plexapi(sim, OWNER_TOKEN, size)
    finally:
        sim.stop()
    return Row(people, shares, servers, first, resync, api_requests, api_seconds)


def table(rows: list[Row]) -> str:
    lines = [
        "| people | shares | servers | run | time | plex.tv requests | SQL queries "
        "| SQL writes | peak memory | plexapi requests | plexapi time |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        api = (
            f"| {row.plexapi_requests:,.0f} | {row.plexapi_seconds:.2f} s |"
            if row.plexapi_requests
            else "| — | — |"
        )
        for name, phase in (("first sync", row.first), ("no-change resync", row.resync)):
            lines.append(
                f"| {row.people:,} | {row.shares:,} | {row.servers} | {name} "
                f"| {phase.seconds:.2f} s | {phase.requests} | {phase.queries:,} "
                f"| {phase.writes:,} | {phase.peak_mb:.0f} MB {api}"
            )
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def run_sizes(sizes: list[int], with_plexapi: bool) -> list[Row]:
    rows = []
    for size in sizes:
        row = measure(size, with_plexapi)
        print(table([row]).splitlines()[-2])
        print(table([row]).splitlines()[-1], flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--database", help="a PostgreSQL URL; SQLite in a temp dir otherwise")
    parser.add_argument("--no-plexapi", action="store_true")
    args = parser.parse_args()
    configure_django(args.database)
    rows = run_sizes(args.sizes, not args.no_plexapi)
    print()
    print(table(rows))
    print(f"\nMachine: {machine()}. Database: {args.database or 'SQLite (WAL)'}.")


if __name__ == "__main__":
    main()
