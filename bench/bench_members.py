"""A member's own page (/me/) in a large household: SQL queries, plex.tv requests, time.

plexsim serves a generated household (`--users`, default 5,000) in its own process; after one
sync, a few friends with the most shares sign in (as members) and each has `--requests`
answered requests. GET /me/ is rendered `--renders` times per member by the test client.
Printed per member: shares, SQL queries per request (the target is at most 6, whatever the
household's size), plex.tv requests made while rendering (the target is 0), p50/p95.

    .venv/bin/python bench/bench_members.py [--users 5000] [--renders 30] [--requests 20]

Results are kept in docs/performance.md ("Members' own page").
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matrix import control, make_household  # noqa: E402
from bench_sync import SimProcess  # noqa: E402

BUDGET = 6


def configure(sim_url: str) -> None:
    os.environ["PLEXADMIN_VAR_DIR"] = tempfile.mkdtemp(prefix="plexadmin-bench-members-")
    os.environ["PLEXTV_BASE_URL"] = sim_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "plexadmin.settings"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def members(count: int, answered: int) -> list[Any]:
    """Friends with the most shares, signed up as members, each with answered requests."""
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import Member, PlexAccount, User
    from members.models import AccessRequest
    from sharing.models import PlexUser

    people = (
        PlexUser.objects.filter(kind=PlexUser.FRIEND, removed_locally_at__isnull=True)
        .annotate(n=Count("shares"))
        .order_by("-n", "pk")[:count]
    )
    users = []
    for person in people:
        account = PlexAccount.objects.create(plex_id=person.plex_id, username=person.username)
        user = User.objects.create_user(username=f"plex-{person.plex_id}", plex_account=account)
        Member.objects.create(user=user, plex_account=account, role=Member.Role.MEMBER)
        share = person.shares.first()
        for n in range(answered):
            AccessRequest.objects.create(
                requester=user,
                share=share,
                kind=AccessRequest.TIME,
                until=timezone.now(),
                state=AccessRequest.DENIED,
                answer=f"not now ({n})",
            )
        users.append(user)
    return users


def bench(
    sim_url: str, users: list[Any], renders: int
) -> list[tuple[str, int, int, int, float, float]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sharing.models import Share

    rows = []
    for user in users:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        client.get("/me/")  # warm the template and connection caches
        before = len(control(sim_url, "/__sim__/requests"))  # type: ignore[arg-type]
        times: list[float] = []
        queries = 0
        for _ in range(renders):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get("/me/")
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            queries = max(queries, len(captured))
        plex = len(control(sim_url, "/__sim__/requests")) - before  # type: ignore[arg-type]
        shares = Share.objects.filter(user__plex_id=user.plex_account.plex_id).count()
        name = user.plex_account.username
        rows.append((name, shares, queries, plex, percentile(times, 0.5), percentile(times, 0.95)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--members", type=int, default=3)
    args = parser.parse_args()

    sim = SimProcess(args.users)
    try:
        configure(sim.url)
        make_household(sim.url)
        from sharing.sync.runs import run_sync

        run = run_sync()
        assert run is not None
        print(f"first sync of {args.users:,} people: {run.outcome}")
        rows = bench(sim.url, members(args.members, args.requests), args.renders)
        print(f"\nGET /me/ as a member, {args.renders} renders each, {args.requests} requests\n")
        print("| member | shares | SQL queries (max) | plex.tv requests | p50 | p95 |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, shares, queries, plex, p50, p95 in rows:
            print(
                f"| {name} | {shares} | {queries} | {plex} | {p50 * 1000:.0f} ms "
                f"| {p95 * 1000:.0f} ms |"
            )
        worst = max(row[2] for row in rows)
        calls = sum(row[3] for row in rows)
        verdict = "within" if worst <= BUDGET and calls == 0 else "OVER"
        print(f"\n{verdict} the budget: at most {BUDGET} queries and 0 plex.tv requests per view.")
        system = f"{platform.system()} {platform.release()}"
        print(f"Machine: {os.cpu_count()} CPUs, {system}, Python {platform.python_version()}.")
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
