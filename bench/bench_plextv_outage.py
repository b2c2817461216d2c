"""Pages while plex.tv is healthy, stalls, trickles, or is cut off by the circuit breaker.

plexsim (a thread) serves the demo household; it is synced and the owner's account read once,
as the worker would. Then each page is rendered `--renders` times by the test client under four
conditions: plex.tv healthy; stalled (a server that accepts and never answers); trickling (it
answers one byte a second); and the breaker open after repeated failures. Printed: server time
per page, p50/p95/max, in seconds. "Start sign-in" is the one page that must ask plex.tv while
someone waits (it creates the PIN); it runs `--renders` // 4 times under a stall or a trickle,
since each of those waits out the page budget (PLEXTV_PAGE_BUDGET, 4 s).

    .venv/bin/python bench/bench_plextv_outage.py [--renders 20]

Results are kept in docs/performance.md ("When plex.tv is slow or down").
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class SlowServer:
    """Accepts every connection; never answers (`trickle=False`) or answers a byte a second."""

    def __init__(self, trickle: bool) -> None:
        self.trickle = trickle
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._open.append(connection)
            if self.trickle:
                threading.Thread(target=self._drip, args=(connection,), daemon=True).start()

    @staticmethod
    def _drip(connection: socket.socket) -> None:
        body = b'{"id": 1, "code": "ABCD"}' * 40
        answer = b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        answer += f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        try:
            for byte in answer:
                connection.sendall(bytes([byte]))
                time.sleep(1.0)
        except OSError:
            return

    def close(self) -> None:
        self._listener.close()
        for connection in self._open:
            connection.close()


def configure(sim_url: str) -> None:
    os.environ["PLEXADMIN_VAR_DIR"] = tempfile.mkdtemp(prefix="plexadmin-bench-outage-")
    os.environ["PLEXTV_BASE_URL"] = sim_url
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DJANGO_SETTINGS_MODULE"] = "plexadmin.settings"
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def household() -> tuple[Any, Any]:
    """morgan owns Morgan's Den; alex.rivera is a member. Synced and read once."""
    from accounts.models import Household, Member, PlexAccount, User
    from accounts.tasks import refresh_account_picture
    from sharing.sync.runs import run_sync

    def person(plex_id: int, username: str, token: str = "") -> User:
        account = PlexAccount(plex_id=plex_id, username=username, title=username)
        if token:
            account.set_token(token)
        account.save()
        user = User.objects.create_user(username=f"plex-{plex_id}", plex_account=account)
        return user

    owner = person(1001001, "morgan", "demo-owner-token-0001")
    Member.objects.create(user=owner, plex_account=owner.plex_account, role="owner")
    Household.objects.create(
        owner=owner.plex_account,
        name="Morgan's household",
        machine_identifier="07b33a43085dc2635f0bb026696069991fae76dc",
        server_name="Morgan's Den",
    )
    member = person(1001010, "alex.rivera")
    Member.objects.create(user=member, plex_account=member.plex_account, role="member")
    run_sync()
    refresh_account_picture()
    return owner, member


def timings(render: Callable[[], Any], times: int) -> list[float]:
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        status = render()
        taken.append(time.perf_counter() - started)
        assert status in (200, 302), status
    return taken


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextmanager
def condition(name: str, sim_url: str) -> Iterator[None]:
    from django.core.cache import cache
    from django.test import override_settings

    from accounts.breaker import breaker
    from plextv import Unavailable

    cache.clear()
    if name == "healthy":
        yield
    elif name in ("stalled", "trickling"):
        server = SlowServer(trickle=name == "trickling")
        try:
            with override_settings(PLEXTV_BASE_URL=server.url):
                yield
        finally:
            server.close()
    else:
        for _ in range(10):
            breaker().record_failure(Unavailable(), trial=False)
        yield
    cache.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20)
    args = parser.parse_args()

    from plexsim.server import run_in_thread

    sim = run_in_thread(seed="demo")
    try:
        configure(sim.url)
        from django.conf import settings
        from django.test import Client

        owner, member = household()
        as_owner, as_member, anonymous = Client(), Client(), Client()
        as_owner.force_login(owner)
        as_member.force_login(member)
        pages: dict[str, Callable[[], int]] = {
            "/ (owner)": lambda: as_owner.get("/").status_code,
            "/people/ (owner)": lambda: as_owner.get("/people/").status_code,
            "/accounts/account/ (owner)": lambda: as_owner.get("/accounts/account/").status_code,
            "/accounts/me/ (member)": lambda: as_member.get("/accounts/me/").status_code,
            "/accounts/sign-in/": lambda: anonymous.get("/accounts/sign-in/").status_code,
            "start sign-in (POST)": lambda: (
                anonymous.post(
                    "/accounts/sign-in/plex/", {"next": "/"}, headers={"HX-Request": "true"}
                ).status_code
            ),
        }
        rows = []
        for name in ("healthy", "stalled", "trickling", "breaker open"):
            with condition(name, sim.url):
                for page, render in pages.items():
                    waits = name in ("stalled", "trickling") and page.startswith("start")
                    taken = timings(render, max(2, args.renders // 4) if waits else args.renders)
                    rows.append((name, page, taken))
    finally:
        sim.stop()

    print(
        f"Pages under plex.tv conditions, {args.renders} renders each (test client, SQLite), "
        f"page budget {settings.PLEXTV_PAGE_BUDGET} s"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print()
    print("| plex.tv | page | p50 (s) | p95 (s) | max (s) |")
    print("|---|---|---|---|---|")
    for name, page, taken in rows:
        print(
            f"| {name} | {page} | {statistics.median(taken):.3f} | "
            f"{percentile(taken, 0.95):.3f} | {max(taken):.3f} |"
        )


if __name__ == "__main__":
    main()
