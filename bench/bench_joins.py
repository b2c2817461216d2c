"""Invite links: time from the invitee's approval at plex.tv (plexsim) to "You're in", and
the result of many accounts racing for a link with few uses.

A real `celery worker` (solo pool) runs in a subprocess on the configured broker (Redis when
REDIS_URL is set: give it a database number of its own, the worker takes the default queue;
else the filesystem broker of a throwaway var/ directory), with plexsim in a thread. The
database is a throwaway SQLite file, or with DATABASE_URL pointing at a
PostgreSQL server, a throwaway database created there and dropped at the end (the race is
only meaningful on PostgreSQL).

Each join: a new plexsim account; a fresh browser session opens the link and starts the
code sign-in; once the worker has polled the PIN, approve it through plexsim's control API,
then read the status partial every 50 ms until it says "You're in" (share made by the
operation and accepted with the invitee's token). Then, with the worker stopped, N threads
redeem one M-use link at once (a barrier, no stagger).

    .venv/bin/python bench/bench_joins.py [--joins 20] [--racers 50] [--uses 5]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FINE_POLL = 0.05
DEN = "07b33a43085dc2635f0bb026696069991fae76dc"
MOVIES, TV = 118181361, 118181362


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def wait(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def throwaway_postgres(url: str) -> tuple[str, str] | None:
    """A new database on the server of `url` (returns its URL and name), or None."""
    if not url.startswith("postgres"):
        return None
    import psycopg

    name = f"plexadmin_bench_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), name


def drop_postgres(url: str, name: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def set_up_household(sim_url: str) -> str:
    """morgan's household synced from plexsim; returns a code for an unlimited link."""
    from accounts.models import Member
    from joins import services
    from sharing.sync.runs import run_sync
    from tests import factories

    morgan = factories.plex_account("morgan", keep_token=True, title="Morgan", has_plex_pass=True)
    factories.user_for(morgan, Member.Role.OWNER)
    factories.household(morgan)
    run_sync()
    grants = {"servers": [{"machine": DEN, "libraries": [MOVIES, TV], "access": {}}]}
    _link, code = services.create_link({"label": "bench", "grants": grants}, None)
    return code


def one_join(sim, code: str, n: int) -> float:  # type: ignore[no-untyped-def]
    from django.test import Client

    from joins.models import JoinAttempt

    name = f"bench{n}-{uuid.uuid4().hex[:6]}"
    sim.mutate(op="add_account", username=name, password="bench-password")  # noqa: S106 - a simulated account
    browser = Client()
    assert browser.get(f"/join/{code}").status_code == 303
    assert browser.post("/join/sign-in/", {"kind": "link"}).status_code == 303
    attempt = JoinAttempt.objects.select_related("pin_login").latest("pk")
    login = attempt.pin_login
    assert login is not None
    pin_path = f"/api/v2/pins/{login.pin_id}"
    wait(lambda: any(r["path"] == pin_path for r in sim.requests()), 60, "the first poll")
    sim.approve_pin(login.code, name)
    approved = time.monotonic()
    while True:
        html = browser.get("/join/status/", headers={"HX-Request": "true"}).content.decode()
        if 'data-phase="in"' in html:
            return time.monotonic() - approved
        if 'data-phase="failed"' in html or time.monotonic() - approved > 60:
            raise SystemExit(f"join {n} did not finish: {html[:300]}")
        time.sleep(FINE_POLL)


def race(racers: int, uses: int) -> tuple[int, int, int, str]:
    from django.db import connection

    from joins import services
    from joins.models import InviteLink

    grants = {"servers": [{"machine": DEN, "libraries": [MOVIES], "access": {}}]}
    link, _code = services.create_link({"label": "race", "grants": grants, "max_uses": uses}, None)
    barrier = threading.Barrier(racers)
    granted: list[int] = []
    refused: list[int] = []
    errors: list[str] = []

    def one(n: int) -> None:
        try:
            barrier.wait()
            who = services.Account(plex_id=5_000_000 + n, username=f"r{n}", email="", title="")
            try:
                services.redeem(link.pk, who)
                granted.append(n)
            except services.Refused:
                refused.append(n)
        except Exception as exc:  # counted and printed
            errors.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    link = InviteLink.objects.get(pk=link.pk)
    return len(granted), len(refused), link.uses, ", ".join(sorted(set(errors))) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--joins", type=int, default=20)
    parser.add_argument("--racers", type=int, default=50)
    parser.add_argument("--uses", type=int, default=5)
    args = parser.parse_args()

    from plexsim.server import run_in_thread

    sim_server = run_in_thread(seed="demo")
    from plexsim.pytest_plugin import SimHandle

    sim = SimHandle(sim_server.url, sim_server.port)
    var_dir = tempfile.mkdtemp(prefix="bench-joins-")
    env = {
        **os.environ,
        "PLEXADMIN_VAR_DIR": var_dir,
        "PLEXTV_BASE_URL": sim_server.url,
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    made = throwaway_postgres(os.environ.get("DATABASE_URL", ""))
    if made is not None:
        env["DATABASE_URL"] = made[0]
    else:
        env.pop("DATABASE_URL", None)
    os.environ.clear()
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexadmin.settings")
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    worker = subprocess.Popen(
        [python, "-m", "celery", "-A", "plexadmin", "worker", "--pool", "solo",
         "--concurrency", "1", "--without-heartbeat", "--without-mingle",
         "--without-gossip", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection

        broker = "Redis" if settings.REDIS_URL else "filesystem"
        database = connection.vendor
        code = set_up_household(sim_server.url)
        times = [one_join(sim, code, n) for n in range(args.joins)]
        worker.terminate()
        worker.wait(timeout=30)
        granted, refused, uses, errors = race(args.racers, args.uses)
        connection.close()
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
        sim_server.stop()
        if made is not None:
            drop_postgres(made[0], made[1])

    print(f"Invite links: {len(times)} joins, worker on the {broker} broker, {database} database")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print()
    print("| measure | p50 | p95 | max |")
    print("|---|---|---|---|")
    print(
        f"| approval → You're in (s) | {statistics.median(times):.2f} "
        f"| {percentile(times, 0.95):.2f} | {max(times):.2f} |"
    )
    print()
    print("| racers | uses allowed | granted | refused | link's counter | errors |")
    print("|---|---|---|---|---|---|")
    print(f"| {args.racers} | {args.uses} | {granted} | {refused} | {uses} | {errors} |")


if __name__ == "__main__":
    main()
