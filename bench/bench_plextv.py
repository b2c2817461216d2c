"""Reading a whole household from plexsim: plextv's read_household against python-plexapi.

For N generated users (100, 1,000, 5,000) both clients read every user with every share and
that share's libraries:

* plextv: `PlexTV.read_household(servers)`;
* plexapi, the way peer tools do it: `MyPlexAccount.users()`, then `.sections()` of every
  user's every share (one request per share).

Requests are counted by plexsim's request log, wall time with a monotonic clock. Above
SAMPLE_USERS users a full plexapi run would take minutes (one request per share), so the
first SAMPLE_USERS users' shares are read and timed and the rest extrapolated; such rows are
marked "extrapolated".

    .venv/bin/python bench/bench_plextv.py [--sizes 100 1000 5000] [--write docs/performance.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plexsim.server import run_in_thread
from plextv import ClientConfig, PlexTV

SAMPLE_USERS = 5000
HEADING = "## plextv: reading a household"
# plexsim README, "Generated households": the owner of every generated household.
GENERATED_OWNER_TOKEN = "gen-owner-token-0001"  # noqa: S105 - fake, documented test data


class LoopbackAdapter(HTTPAdapter):
    """Sends every https request (any plex.tv host) to plexsim's one loopback port."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self._base = urlsplit(base_url)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        if url.hostname not in ("127.0.0.1", "::1", "localhost"):
            request.url = urlunsplit(
                (self._base.scheme, self._base.netloc, url.path, url.query, url.fragment)
            )
        return super().send(request, **kwargs)


def routed_session(base_url: str) -> requests.Session:
    session = requests.Session()
    adapter = LoopbackAdapter(base_url)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass
class Row:
    users: int
    shares: int
    plextv_requests: int
    plextv_seconds: float
    plexapi_requests: float
    plexapi_seconds: float
    extrapolated: bool


def control(sim: Any, path: str) -> Any:
    response = requests.get(f"{sim.url}/__sim__/{path}", timeout=60)
    response.raise_for_status()
    return response.json()


def last_seq(sim: Any) -> int:
    entries = control(sim, "requests?since=0")
    return int(entries[-1]["seq"]) if entries else 0


def requests_since(sim: Any, seq: int) -> int:
    return len(control(sim, f"requests?since={seq}"))


def owned_servers(sim: Any) -> list[str]:
    state = control(sim, "state")
    owner_id = next(a["id"] for a in state["accounts"] if a.get("token") == GENERATED_OWNER_TOKEN)
    return [str(s["machineIdentifier"]) for s in state["servers"] if s["ownerId"] == owner_id]


def bench_plextv(sim: Any, token: str) -> tuple[int, float, int]:
    client = PlexTV(ClientConfig.for_base_url(sim.url), token=token)
    machines = owned_servers(sim)
    assert machines
    before = last_seq(sim)
    start = time.perf_counter()
    household = client.read_household(machines)
    elapsed = time.perf_counter() - start
    counted = requests_since(sim, before)
    assert counted == household.requests_made
    shares = sum(len(u.shares) for u in household.users)
    assert all(share.libraries for u in household.users for share in u.shares if not share.pending)
    return counted, elapsed, shares


def bench_plexapi(sim: Any, token: str, total_users: int) -> tuple[float, float, bool]:
    from plexapi.myplex import MyPlexAccount

    session = routed_session(sim.url)
    before = last_seq(sim)
    start = time.perf_counter()
    account = MyPlexAccount(token=token, session=session)
    users = account.users()
    listed = time.perf_counter() - start
    fixed_requests = requests_since(sim, before)

    sample = users if total_users <= SAMPLE_USERS else users[:SAMPLE_USERS]
    sample_start = time.perf_counter()
    sample_before = last_seq(sim)
    for user in sample:
        for share in user.servers:
            share.sections()
    sample_seconds = time.perf_counter() - sample_start
    sample_requests = requests_since(sim, sample_before)
    if len(sample) == len(users):
        return fixed_requests + sample_requests, listed + sample_seconds, False
    factor = len(users) / len(sample)
    return fixed_requests + sample_requests * factor, listed + sample_seconds * factor, True


def measure(size: int) -> Row:
    sim = run_in_thread(users=size, rate_limit=None)
    try:
        token = GENERATED_OWNER_TOKEN
        plextv_requests, plextv_seconds, shares = bench_plextv(sim, token)
        api_requests, api_seconds, extrapolated = bench_plexapi(sim, token, size)
    finally:
        sim.stop()
    return Row(
        users=size,
        shares=shares,
        plextv_requests=plextv_requests,
        plextv_seconds=plextv_seconds,
        plexapi_requests=api_requests,
        plexapi_seconds=api_seconds,
        extrapolated=extrapolated,
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| users | shares | plextv requests | plextv time | plexapi requests | plexapi time "
        "| requests ratio | time ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        mark = " (extrapolated)" if row.extrapolated else ""
        lines.append(
            f"| {row.users:,} | {row.shares:,} | {row.plextv_requests} "
            f"| {row.plextv_seconds:.2f} s | {row.plexapi_requests:,.0f}{mark} "
            f"| {row.plexapi_seconds:.2f} s{mark} "
            f"| {row.plexapi_requests / row.plextv_requests:,.0f}x "
            f"| {row.plexapi_seconds / row.plextv_seconds:,.1f}x |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        found = re.search(r"Model name:\s*(.+)", lscpu)
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu or 'unknown CPU'}), {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def section(rows: list[Row]) -> str:
    return "\n".join(
        [
            HEADING,
            "",
            "`bench/bench_plextv.py`: plexsim in-process (`run_in_thread(users=N)`, no rate",
            "limit; two owned servers, three from 1,000 users). Both clients read every user with",
            "every share and the libraries of each share. plextv: `read_household`",
            "(4 + 2 * servers requests).",
            "python-plexapi: `MyPlexAccount(token)`, `users()`, then `sections()` of every",
            "share, as peer tools do. Requests counted from plexsim's request log. plexapi",
            f"rows marked extrapolated time the first {SAMPLE_USERS} users and scale up.",
            "",
            table(rows),
            "",
            f"Machine: {machine()}. Measured {time.strftime('%Y-%m-%d')}.",
            "",
        ]
    )


def write(path: Path, text: str) -> None:
    """Replace (or append) this benchmark's section, leaving other sections alone."""
    current = path.read_text() if path.exists() else "# Performance\n\n"
    pattern = re.compile(re.escape(HEADING) + r".*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--write", type=Path, help="update this markdown file's section")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        rows.append(measure(size))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(table(rows))
    if args.write:
        write(args.write, section(rows))


if __name__ == "__main__":
    main()
