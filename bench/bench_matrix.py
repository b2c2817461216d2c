"""The library matrix: a paced bulk grant on a real worker, and the grid's render cost.

1. Bulk grant: plexsim serves a generated household (150 people: about 100 on its busiest
   server) in its own process, with
   plex.tv's rate limit (10 requests/s per client). After a first sync, one library of the
   server with the most shares is granted to everyone there who lacks it, as one batch on a
   real Celery worker (filesystem broker, throwaway SQLite). Printed: operations, wall time from
   the click to the last operation finished, plex.tv requests made, 429 answers, and the
   least time the rate limit allows for those requests.
2. The grid: GET /matrix/<server>/ for that server, rendered 30 times by the test client:
   SQL queries per render (the same for any number of people) and server time p50/p95.

    .venv/bin/python bench/bench_matrix.py [--users 100] [--rate 10] [--renders 30]

Results are kept in docs/performance.md ("Library matrix").
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sync import OWNER_ID, OWNER_TOKEN, SimProcess, configure_django  # noqa: E402


def control(url: str, path: str, payload: dict | None = None) -> object:
    import requests

    if payload is None:
        answer = requests.get(url + path, timeout=10)
    else:
        answer = requests.post(url + path, json=payload, timeout=10)
    answer.raise_for_status()
    return answer.json() if answer.content else None


def make_household(sim_url: str):  # type: ignore[no-untyped-def]
    from accounts.models import Household, Member, PlexAccount, User

    owner = PlexAccount(plex_id=OWNER_ID, username="owner", email="owner@example.com")
    owner.set_token(OWNER_TOKEN)
    owner.save()
    user = User.objects.create_user(username="plex-owner", plex_account=owner)
    Member.objects.create(user=user, plex_account=owner, role=Member.Role.OWNER)
    servers = [r for r in control(sim_url, "/__sim__/state")["servers"]]  # type: ignore[index]
    first = servers[0]
    Household.objects.create(
        owner=owner,
        name="Bench household",
        machine_identifier=first["machineIdentifier"],
        server_name=first.get("name", "server"),
    )
    return user


def bulk_grant(sim_url: str, user, rate: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings
    from django.db.models import Count

    from plexadmin.celery import app
    from sharing import matrix
    from sharing.models import Server

    server = (
        Server.objects.annotate(people=Count("shares")).filter(owned=True).order_by("-people")[0]
    )
    # The library fewest people on that server have, so that most of them get a change.
    library = server.libraries.annotate(holders=Count("shares")).order_by("holders", "title")[0]
    shares = matrix.server_shares(server)
    settings.PLEXTV_RATE_LIMIT = rate  # the default: plex.tv's limit
    control(sim_url, "/__sim__/rate_limit", {"rate": rate})
    seen_before = len(control(sim_url, "/__sim__/requests"))  # type: ignore[arg-type]
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        started = time.perf_counter()
        batch, _plan = matrix.start_bulk(shares, library, True, user, "bench" + "0" * 27)
        queued = time.perf_counter() - started
        while not matrix.progress(batch).finished:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    log = control(sim_url, "/__sim__/requests")[seen_before:]  # type: ignore[index]
    requests_made = len(log)
    progress = matrix.progress(batch)
    return {
        "server_people": len(shares),
        "operations": progress.total,
        "failed": len(progress.failed),
        "seconds": elapsed,
        "queued": queued,
        "requests": requests_made,
        "throttled": sum(1 for entry in log if entry["status"] == 429),
        "minimum": requests_made / rate,
        "server_id": server.pk,
        "libraries": server.libraries.count(),
    }


def render_grid(user, server_id: int, renders: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    timings, queries = [], 0
    for _ in range(renders):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(f"/matrix/{server_id}/")
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        queries = len(captured)
    timings.sort()
    return {
        "queries": queries,
        "p50": statistics.median(timings),
        "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--renders", type=int, default=30)
    args = parser.parse_args()

    sim = SimProcess(args.users)
    try:
        os.environ["PLEXTV_BASE_URL"] = sim.url
        configure_django(None)
        from django.test.utils import setup_test_environment

        setup_test_environment()
        from sharing.sync.runs import run_sync

        user = make_household(sim.url)
        run = run_sync()
        if run is None or run.outcome not in {"succeeded", "warning"}:
            raise SystemExit(f"the first sync did not succeed: {run}")
        grant = bulk_grant(sim.url, user, args.rate)
        grid = render_grid(user, int(grant["server_id"]), args.renders)
    finally:
        sim.stop()

    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, SQLite, filesystem broker"
    )
    print()
    print(
        "| people on the server | operations | wall time | plex.tv requests | 429s "
        "| least time the rate limit allows | overhead |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {grant['server_people']:.0f} | {grant['operations']:.0f} "
        f"({grant['failed']:.0f} failed) | {grant['seconds']:.1f} s | {grant['requests']:.0f} "
        f"| {grant['throttled']:.0f} | {grant['minimum']:.1f} s "
        f"| {grant['seconds'] / grant['minimum']:.2f}x |"
    )
    print(
        f"\nThe click's own work (the batch and its {grant['operations']:.0f} operations "
        f"written and published) took {grant['queued']:.2f} s of that wall time."
    )
    print()
    print("| grid | SQL queries per render | p50 | p95 |")
    print("|---|---:|---:|---:|")
    print(
        f"| {grant['server_people']:.0f} people x {grant['libraries']:.0f} libraries "
        f"| {grid['queries']:.0f} | {grid['p50']:.1f} ms | {grid['p95']:.1f} ms |"
    )


if __name__ == "__main__":
    main()
