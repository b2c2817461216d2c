"""Sign in with Plex end to end: approval at plex.tv (plexsim) to a signed-in status partial.

A real `celery worker` runs in a subprocess on the configured broker (Redis when REDIS_URL is
set, else the filesystem broker of a throwaway var/ directory), with plexsim in a thread and a
throwaway SQLite database. Each sign-in: POST "Sign in with Plex", wait until the worker has
polled the PIN once, wait 0-2 s more (a person reading the approval page), approve through
plexsim's control API, then ask for the status partial every 50 ms until it answers with the
redirect that signs the browser in. Printed: time from approval to that answer (p50/p95/max),
the same as the page sees it when it polls every second, and plex.tv PIN polls per sign-in.

    .venv/bin/python bench/bench_sign_in.py [--logins 20]

Results are kept in docs/performance.md ("Sign in with Plex").
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE_POLL = 1.0  # the waiting page's hx-trigger="every 1s"
FINE_POLL = 0.05


@dataclass
class Login:
    ready: float  # seconds from approval until the partial signs the browser in
    page: float  # the same, rounded up to the page's own one-second polling
    polls: int  # GET /api/v2/pins/{id} requests plexsim saw for this PIN


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


def one_login(sim, rng: random.Random) -> Login:  # type: ignore[no-untyped-def]
    from django.test import Client

    from accounts.models import PinLogin

    client = Client()
    started = time.monotonic()
    assert client.post("/accounts/sign-in/plex/", {"next": "/"}).status_code == 302
    login = PinLogin.objects.latest("pk")
    pin_path = f"/api/v2/pins/{login.pin_id}"
    polls = lambda: sum(1 for r in sim.requests() if r["path"] == pin_path)  # noqa: E731
    wait(lambda: polls() >= 1, 60, "the worker's first poll")
    time.sleep(rng.uniform(0.0, 2.0))
    sim.approve_pin(login.code, "morgan")
    approved = time.monotonic()
    status_url = f"/accounts/sign-in/pin/{login.public_id}/status/"
    while True:
        response = client.get(status_url, headers={"HX-Request": "true"})
        if response.has_header("HX-Redirect"):
            break
        if time.monotonic() - approved > 30:
            raise SystemExit("no sign-in within 30 s of approval")
        time.sleep(FINE_POLL)
    done = time.monotonic()
    # The page polls at started + k seconds: the first tick at or after `done` is when it moves.
    ticks = math.ceil((done - started) / PAGE_POLL)
    page_sees = started + ticks * PAGE_POLL
    return Login(ready=done - approved, page=page_sees - approved, polls=polls())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=20)
    args = parser.parse_args()

    from plexsim.server import run_in_thread

    sim_server = run_in_thread(seed="demo")
    from plexsim.pytest_plugin import SimHandle

    sim = SimHandle(sim_server.url, sim_server.port)
    var_dir = tempfile.mkdtemp(prefix="bench-sign-in-")
    queue = f"bench-sign-in-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "PLEXADMIN_VAR_DIR": var_dir,
        "PLEXTV_BASE_URL": sim_server.url,
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexadmin.settings")
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    worker = subprocess.Popen(
        [
            python,
            "-m",
            "celery",
            "-A",
            "plexadmin",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        import django

        django.setup()
        from django.conf import settings

        from plexadmin.celery import app as celery_app

        celery_app.conf.task_default_queue = queue
        broker = "Redis" if settings.REDIS_URL else "filesystem"
        rng = random.Random(5)
        logins = [one_login(sim, rng) for _ in range(args.logins)]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        sim_server.stop()

    ready = [x.ready for x in logins]
    page = [x.page for x in logins]
    polls = [x.polls for x in logins]
    print(f"Sign in with Plex: {len(logins)} sign-ins, worker on the {broker} broker")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print()
    print("| measure | p50 | p95 | max |")
    print("|---|---|---|---|")
    for name, values in (
        ("approval → status partial signs in (s)", ready),
        ("approval → page moves on, 1 s polling (s)", page),
    ):
        print(
            f"| {name} | {statistics.median(values):.2f} | {percentile(values, 0.95):.2f} "
            f"| {max(values):.2f} |"
        )
    print(
        f"| plex.tv PIN polls per sign-in | {statistics.median(polls):.0f} "
        f"| {percentile([float(p) for p in polls], 0.95):.0f} | {max(polls)} |"
    )


if __name__ == "__main__":
    main()
