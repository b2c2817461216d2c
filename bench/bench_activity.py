"""Household activity: collecting a year of plays for 5,000 people on 3 servers, then reading
the activity pages from the stored plays.

plexsim runs in its own process with a generated household (`users:N:plays:M`: about M plays
a person over the last year, some people none). On a fresh database the household is synced,
then history is collected the way the worker does it: runs of at most `MAX_HISTORY_PAGES`
pages of `HISTORY_PAGE_SIZE` plays, each run continuing where the last stopped, until caught
up ("first collection"). New plays are then added at plexsim and one more run reads them
("incremental run"). Printed per phase: runs, wall time, requests (plex.tv and the servers;
connection probes not counted), plays stored and SQL queries.

Then the pages, rendered by Django's test client as the owner (no plex.tv call happens):
SQL queries per page and p50 / p95 / max over `--repeat` renders.

SQLite by default (a throwaway file with the production pragmas); PostgreSQL with
``--database postgresql://postgres@127.0.0.1:5432/plexadmin_bench`` (created if absent).

    .venv/bin/python bench/bench_activity.py [--people 5000] [--plays 24] [--new 200]
        [--repeat 40] [--database URL]

Results are kept in docs/performance.md ("Household activity").
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sync import (  # noqa: E402
    OWNER_ID,
    OWNER_TOKEN,
    SimProcess,
    configure_django,
    counting,
    machine,
)


@dataclass
class Collecting:
    name: str
    runs: int
    seconds: float
    requests: int
    plays: int
    queries: int


@dataclass
class PageTiming:
    name: str
    queries: int
    p50: float
    p95: float
    worst: float


def start_sim(people: int, plays: int) -> SimProcess:
    sim = SimProcess.__new__(SimProcess)
    import re
    import subprocess

    sim.process = subprocess.Popen(
        [sys.executable, "-m", "plexsim", "--port", "0", "--seed", f"users:{people}:plays:{plays}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sim.process.stdout is not None
    line = sim.process.stdout.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
    if not found:
        sim.stop()
        raise RuntimeError(f"plexsim did not start: {line!r}")
    sim.url = found.group(1)
    return sim


def set_up_household(url: str) -> None:
    from accounts.models import Household, Member, PlexAccount, User
    from plextv import ClientConfig, PlexTV
    from sharing.models import SyncRun
    from sharing.sync.engine import sync_household

    owner = PlexAccount(plex_id=OWNER_ID, username="owner", title="Owner")
    owner.set_token(OWNER_TOKEN)
    owner.save()
    user = User.objects.create_user(username="bench-owner", plex_account=owner)
    Member.objects.create(user=user, plex_account=owner, role=Member.Role.OWNER)
    Household.objects.create(owner=owner, name="Bench", machine_identifier="x", server_name="x")
    client = PlexTV(ClientConfig.for_base_url(url, read_timeout=60.0), token=OWNER_TOKEN)
    sync_household(client, OWNER_ID, SyncRun.objects.create(owner_plex_id=OWNER_ID), discover=True)


def collect_until_caught_up(url: str, name: str) -> Collecting:
    from activity import collect
    from activity.models import Collection
    from plextv import ClientConfig, PlexTV

    client = PlexTV(ClientConfig.for_base_url(url, read_timeout=60.0), token=OWNER_TOKEN)
    runs = requests = plays = 0
    with counting() as counts:
        start = time.perf_counter()
        while True:
            run = collect.collect(client, Collection.objects.create(), OWNER_ID)
            runs += 1
            requests += run.requests
            plays += run.plays_added
            if run.outcome != Collection.PARTIAL:
                break
        seconds = time.perf_counter() - start
    if run.outcome != Collection.SUCCEEDED:
        raise RuntimeError(f"collection ended {run.outcome}: {run.message}")
    return Collecting(name, runs, seconds, requests, plays, counts["queries"])


def add_plays(url: str, count: int) -> None:
    import requests

    from sharing.models import Share

    rng = random.Random(7)
    shares = list(Share.objects.select_related("server", "user")[:2000])
    for _ in range(count):
        share = rng.choice(shares)
        requests.post(
            f"{url}/__sim__/mutate",
            json={
                "op": "add_history",
                "machineIdentifier": share.server.machine_identifier,
                "userId": share.user.plex_id,
                "title": "Fresh play",
            },
            timeout=30,
        ).raise_for_status()


def time_page(client: object, name: str, path: str, repeat: int) -> PageTiming:
    timings = []
    queries = 0
    for _ in range(repeat):
        with counting() as counts:
            start = time.perf_counter()
            response = client.get(path)  # type: ignore[attr-defined]
            timings.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        queries = counts["queries"]
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    return PageTiming(name, queries, statistics.median(timings), p95, timings[-1])


def slowest_queries(client: object, path: str, count: int = 6) -> list[tuple[float, str]]:
    """The slowest SQL of one render of `path`, for finding what a page spends its time on."""
    from django.db import connection

    found: list[tuple[float, str]] = []

    def wrapper(execute, sql, *args):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, *args)
        finally:
            found.append((time.perf_counter() - start, sql))

    with connection.execute_wrapper(wrapper):
        client.get(path)  # type: ignore[attr-defined]
    return sorted(found, reverse=True)[:count]


def time_pages(repeat: int, explain: bool = False) -> list[PageTiming]:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from sharing.models import PlexUser

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="bench-owner"))
    busy = PlexUser.objects.order_by("plex_id")[10]
    month = time.strftime("%Y-%m", time.gmtime(time.time() - 60 * 86400))
    pages = [
        ("household (this month)", "/activity/"),
        (f"household ({month})", f"/activity/?month={month}"),
        ("people, inactive 90+ days", "/activity/?inactive=90&region=people"),
        ("people, page 100", "/activity/?page=100"),
        ("one person's plays", f"/activity/people/{busy.pk}/"),
        ("one person, date range + server", f"/activity/people/{busy.pk}/?since=2026-01-01"),
    ]
    if explain:
        for _, path in pages[:1] + pages[4:5]:
            print(f"\nslowest queries of {path}:")
            for seconds, sql in slowest_queries(client, path):
                print(f"  {seconds * 1000:7.1f} ms  {sql[:300]}")
    return [time_page(client, name, path, repeat) for name, path in pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--plays", type=int, default=24, help="plays a person over the year")
    parser.add_argument("--new", type=int, default=200, help="new plays before the second run")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--database", help="a PostgreSQL URL; SQLite in a temp dir otherwise")
    parser.add_argument("--explain", action="store_true", help="print the slowest page queries")
    args = parser.parse_args()
    configure_django(args.database)
    from activity import collect
    from activity.models import Play
    from sharing.models import PlexUser, Server

    sim = start_sim(args.people, args.plays)
    try:
        set_up_household(sim.url)
        first = collect_until_caught_up(sim.url, "first collection")
        add_plays(sim.url, args.new)
        again = collect_until_caught_up(sim.url, f"incremental run ({args.new} new plays)")
        idle = collect_until_caught_up(sim.url, "run with nothing new")
    finally:
        sim.stop()
    print(
        f"\n{PlexUser.objects.count():,} people, {Server.objects.count()} servers, "
        f"{Play.objects.count():,} plays stored; {collect.HISTORY_PAGE_SIZE} plays a page, "
        f"at most {collect.MAX_HISTORY_PAGES} pages a run\n"
    )
    print("| phase | runs | time | requests | plays stored | SQL queries |")
    print("|---|---:|---:|---:|---:|---:|")
    for phase in (first, again, idle):
        print(
            f"| {phase.name} | {phase.runs} | {phase.seconds:.2f} s | {phase.requests:,} "
            f"| {phase.plays:,} | {phase.queries:,} |"
        )
    print("\n| page | SQL queries | p50 | p95 | max |")
    print("|---|---:|---:|---:|---:|")
    for page in time_pages(args.repeat, args.explain):
        print(
            f"| {page.name} | {page.queries} | {page.p50 * 1000:.0f} ms "
            f"| {page.p95 * 1000:.0f} ms | {page.worst * 1000:.0f} ms |"
        )
    print(f"\nMachine: {machine()}. Database: {args.database or 'SQLite (WAL)'}.")


if __name__ == "__main__":
    main()
