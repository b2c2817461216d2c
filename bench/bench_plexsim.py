"""How fast plexsim answers the sync's two bulk reads for generated households.

Prints a table of `/api/users/` and `/api/servers/{id}/shared_servers` answer times (median
and p95 over several runs) for households of 100, 1,000 and 5,000 people.

    .venv/bin/python bench/bench_plexsim.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import requests

# Runnable as a plain script from the repository root or anywhere else.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plexsim.server import run_in_thread

SIZES = (100, 1_000, 5_000)
TOKEN = "gen-owner-token-0001"  # noqa: S105 - the generated seed's documented fake token


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def timed(session: requests.Session, url: str, runs: int) -> tuple[float, float, int]:
    samples = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        response = session.get(url, timeout=60)
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        size = len(response.content)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(
        f"plexsim bulk reads — nproc {os.cpu_count()}, CPU {cpu_model()}, "
        f"Python {platform.python_version()}, {args.runs} runs each"
    )
    print(
        f"{'people':>7} {'endpoint':<42} {'median ms':>10} {'p95 ms':>8} {'bytes':>10} "
        f"{'start s':>8}"
    )
    for people in SIZES:
        started = time.perf_counter()
        sim = run_in_thread(users=people)
        boot = time.perf_counter() - started
        try:
            session = requests.Session()
            session.headers.update(
                {"X-Plex-Token": TOKEN, "X-Plex-Client-Identifier": "bench-plexsim"}
            )
            machine = next(iter(sim.sim.state.servers))
            endpoints = [
                ("/api/users/", f"{sim.url}/api/users/"),
                (
                    "/api/servers/{id}/shared_servers",
                    f"{sim.url}/api/servers/{machine}/shared_servers",
                ),
            ]
            for label, url in endpoints:
                median, p95, size = timed(session, url, args.runs)
                print(
                    f"{people:>7} {label:<42} {median:>10.1f} {p95:>8.1f} {size:>10} {boot:>8.2f}"
                )
        finally:
            sim.stop()


if __name__ == "__main__":
    main()
