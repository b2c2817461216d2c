"""The sharing console: the people screen with thousands of people, and an edit end to end.

1. People screen: plexsim serves a generated household (`--users`, default 5,000) in its own
   process; after one sync, GET /people/ (first page, then a search, a kind filter and a later
   page) is rendered `--renders` times each by the test client as the owner. Printed: SQL
   queries per request (the same for any number of people) and server time p50/p95.
   The library matrix of the server shared with the most people is rendered the same way
   (first page, a search, friends only, page 20).
2. Edit, click to reflected: a real Celery worker (in a thread) on a throwaway Redis server;
   each run posts a share edit as the owner, polls the operation's status partial at the
   page's own cadence (500 ms) until it has finished, then fetches the share card and checks
   it shows the new libraries. Printed: p50/p95 from the POST to the card, and p50/p95 of the
   operation's own run (started_at → finished_at).

    .venv/bin/python bench/bench_console.py [--users 5000] [--renders 30] [--edits 20]

Results are kept in docs/performance.md ("Sharing console").
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matrix import make_household  # noqa: E402
from bench_sync import SimProcess  # noqa: E402

POLL_SECONDS = 0.5  # the status partial's hx-trigger


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    port = int(os.environ.get("BENCH_REDIS_PORT") or free_port())
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError("redis-server did not start")


def configure(sim_url: str, redis_url: str) -> None:
    os.environ["PLEXADMIN_VAR_DIR"] = tempfile.mkdtemp(prefix="plexadmin-bench-console-")
    os.environ["REDIS_URL"] = redis_url
    os.environ["PLEXTV_BASE_URL"] = sim_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "plexadmin.settings"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def owner_client() -> Any:
    from django.test import Client

    from accounts.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="plex-owner"))
    return client


def bench_people(renders: int) -> list[tuple[str, int, float, float, int]]:
    from sharing.models import PlexUser

    people = PlexUser.objects.filter(removed_locally_at__isnull=True).count()
    variants = {
        "first page": "/people/",
        "search": "/people/?q=user012",
        "friends, by newest": "/people/?kind=friend&sort=added",
        "page 40": "/people/?page=40",
    }
    return bench_pages(renders, variants, people)


def bench_matrix_pages(renders: int) -> list[tuple[str, int, float, float, int]]:
    """The library matrix of the server shared with the most people, 100 rows a page."""
    from django.db.models import Count

    from sharing.models import Server

    server = (
        Server.objects.annotate(people=Count("shares")).filter(owned=True).order_by("-people")[0]
    )
    base = f"/matrix/{server.pk}/"
    variants = {
        "first page": base,
        "search": f"{base}?q=user012",
        "friends": f"{base}?kind=friends",
        "page 20": f"{base}?page=20",
    }
    return bench_pages(renders, variants, int(server.people))  # type: ignore[attr-defined]


def bench_pages(
    renders: int, variants: dict[str, str], people: int
) -> list[tuple[str, int, float, float, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = owner_client()
    rows = []
    for name, url in variants.items():
        client.get(url)  # warm the template and connection caches
        times: list[float] = []
        queries = 0
        for _ in range(renders):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            queries = len(captured)
        rows.append((name, queries, percentile(times, 0.5), percentile(times, 0.95), people))
    return rows


def bench_edits(edits: int) -> tuple[list[float], list[float]]:
    from celery.contrib.testing.worker import start_worker

    from plexadmin.celery import app
    from sharing.forms import ShareEditForm
    from sharing.models import Operation, Share

    client = owner_client()
    share = (
        Share.objects.filter(server__owned=True, user__kind="friend", pending=False)
        .select_related("server")
        .order_by("pk")
        .first()
    )
    assert share is not None
    library_ids = sorted(share.server.libraries.values_list("global_id", flat=True))
    total: list[float] = []
    running: list[float] = []
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        for run in range(edits):
            share.refresh_from_db()
            current = sorted(share.libraries.values_list("global_id", flat=True))
            wanted = library_ids[run % 3 : run % 3 + 2]
            if wanted == current:
                wanted = library_ids[:1]
            form = {
                k: ("on" if v is True else v)
                for k, v in ShareEditForm.initial_for(share, current).items()
                if v not in (None, False)
            }
            form["libraries"] = wanted
            started = time.perf_counter()
            response = client.post(f"/people/shares/{share.pk}/edit/", form)
            assert response.status_code == 302, response.status_code
            op = Operation.objects.order_by("-pk").first()
            assert op is not None
            while True:
                time.sleep(POLL_SECONDS)
                partial = client.get(f"/people/operations/{op.pk}/", HTTP_HX_REQUEST="true")
                if "hx-trigger" not in partial.content.decode():
                    break
            card = client.get(f"/people/shares/{share.pk}/", HTTP_HX_REQUEST="true").content
            total.append(time.perf_counter() - started)
            op.refresh_from_db()
            assert op.state == Operation.SUCCEEDED, op.message
            shown = sorted(
                Share.objects.get(pk=share.pk).libraries.values_list("global_id", flat=True)
            )
            assert shown == wanted, (shown, wanted)
            assert f'value="{wanted[0]}"'.encode() in card
            assert op.started_at
            assert op.finished_at
            running.append((op.finished_at - op.started_at).total_seconds())
    return total, running


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--edits", type=int, default=20)
    args = parser.parse_args()

    sim = SimProcess(args.users)
    redis, redis_url = start_redis()
    try:
        configure(sim.url, redis_url)
        make_household(sim.url)
        from sharing.sync.runs import run_sync

        started = time.perf_counter()
        run = run_sync()
        assert run is not None
        took = time.perf_counter() - started
        print(f"first sync of {args.users:,} people: {took:.1f} s ({run.outcome})")

        print("\nPeople screen (GET, owner, test client)\n")
        print("| request | people | SQL queries | p50 | p95 |")
        print("|---|---:|---:|---:|---:|")
        for name, queries, p50, p95, people in bench_people(args.renders):
            print(
                f"| {name} | {people:,} | {queries} | {p50 * 1000:.0f} ms | {p95 * 1000:.0f} ms |"
            )

        print("\nLibrary matrix of the busiest server (GET, owner, test client)\n")
        print("| request | people on the server | SQL queries | p50 | p95 |")
        print("|---|---:|---:|---:|---:|")
        for name, queries, p50, p95, people in bench_matrix_pages(args.renders):
            print(
                f"| {name} | {people:,} | {queries} | {p50 * 1000:.0f} ms | {p95 * 1000:.0f} ms |"
            )

        total, running = bench_edits(args.edits)
        print(f"\nEdit a share, {args.edits} runs, real worker on Redis,", end=" ")
        print(f"polling every {POLL_SECONDS} s\n")
        print("| measure | p50 | p95 |")
        print("|---|---:|---:|")
        p50, p95 = statistics.median(total), percentile(total, 0.95)
        print(f"| POST → applied at plexsim → card reflects it | {p50:.2f} s | {p95:.2f} s |")
        p50, p95 = statistics.median(running) * 1000, percentile(running, 0.95) * 1000
        print(f"| operation run in the worker | {p50:.0f} ms | {p95:.0f} ms |")
        system = f"{platform.system()} {platform.release()}"
        print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
        print(f"\nMachine: {os.cpu_count()} CPUs, {system}, Python {platform.python_version()}.")
    finally:
        redis.terminate()
        sim.stop()


if __name__ == "__main__":
    main()
