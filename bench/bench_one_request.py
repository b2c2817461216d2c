"""What one change costs plex.tv and the worker, at 100 and at 5,000 people.

For each household size, a child process starts plexsim serving a generated household (no
rate limit), syncs it into a throwaway SQLite database, and then:

1. Edit: `--edits` single-cell matrix edits (one library granted, then taken back) on one
   friend's share of the busiest server, each run by `operations.execute` in the process, as
   the worker runs it. Printed: worker time p50/p95 per edit and plex.tv requests per edit
   (from plexsim's request log).
2. Bulk: one library granted to `--bulk` people of that server as one batch (pacing off),
   every operation run in turn. Printed: operations, requests, requests per person.

The table ends with the ratio of the edit's worker time at the largest size to the smallest
(target: at most 1.2, the edit's cost not growing with the household).

    .venv/bin/python bench/bench_one_request.py [--sizes 100 5000] [--edits 30] [--bulk 100]

Results are kept in docs/performance.md ("One request per change").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matrix import control, make_household  # noqa: E402
from bench_sync import SimProcess, configure_django  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def logged(sim_url: str) -> int:
    return len(control(sim_url, "/__sim__/requests"))  # type: ignore[arg-type]


def edits(sim_url: str, user: Any, runs: int) -> dict[str, float]:
    from django.db.models import Count

    from sharing import matrix, operations
    from sharing.models import Operation, Server

    server = (
        Server.objects.annotate(people=Count("shares")).filter(owned=True).order_by("-people")[0]
    )
    shares = [s for s in matrix.server_shares(server) if s.user.kind == "friend" and not s.pending]
    everything = list(server.libraries.order_by("global_id"))
    # Someone from the middle of the list who lacks a library, which each edit flips.
    share, library = next(
        (s, lib)
        for s in shares[len(shares) // 2 :] + shares
        for lib in everything
        if lib.global_id not in matrix.shared_ids(s, everything)
    )
    times: list[float] = []
    before = logged(sim_url)
    for run in range(runs):
        share.refresh_from_db()
        op = matrix.toggle(share, library, user, f"bench-edit-{run:04d}".ljust(32, "0"))
        assert op is not None
        started = time.perf_counter()
        outcome = operations.execute(op.pk)
        times.append(time.perf_counter() - started)
        assert outcome.state == Operation.SUCCEEDED, Operation.objects.get(pk=op.pk).message
    return {
        "people": len(shares),
        "p50": statistics.median(times) * 1000,
        "p95": percentile(times, 0.95) * 1000,
        "requests": (logged(sim_url) - before) / runs,
    }


def bulk(sim_url: str, user: Any, people: int) -> dict[str, float]:
    from django.conf import settings
    from django.db.models import Count

    from sharing import matrix, operations
    from sharing.models import Operation, Server
    from sharing.operations import batch_reads

    settings.BULK_PACE_SECONDS = 0
    batch_reads.clear()
    server = (
        Server.objects.annotate(people=Count("shares")).filter(owned=True).order_by("-people")[0]
    )
    library = server.libraries.annotate(holders=Count("shares")).order_by("holders", "title")[0]
    shares = matrix.server_shares(server)
    chosen = [s for s in shares if library.pk not in {lib.pk for lib in s.libraries.all()}]
    chosen = chosen[:people]
    before = logged(sim_url)
    started = time.perf_counter()
    batch, _plan = matrix.start_bulk(chosen, library, True, user, "bench-bulk".ljust(32, "0"))
    ops = list(batch.operations.order_by("pk"))
    for op in ops:
        operations.execute(op.pk)
    elapsed = time.perf_counter() - started
    sent = logged(sim_url) - before
    done = batch.operations.filter(state=Operation.SUCCEEDED).count()
    return {"operations": len(ops), "succeeded": done, "requests": sent, "seconds": elapsed}


def child(users: int, runs: int, people: int) -> None:
    sim = SimProcess(users)
    try:
        os.environ["PLEXTV_BASE_URL"] = sim.url
        configure_django(None)
        user = make_household(sim.url)
        from sharing.sync.runs import run_sync

        run = run_sync()
        assert run is not None
        assert run.outcome == "succeeded", run.outcome
        result = {"users": users, "edit": edits(sim.url, user, runs)}
        result["bulk"] = bulk(sim.url, user, people)
        print(json.dumps(result))
    finally:
        sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 5000])
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--bulk", type=int, default=100)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.edits, args.bulk)
        return
    results = []
    for users in args.sizes:
        answer = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(users),
                "--edits",
                str(args.edits),
                "--bulk",
                str(args.bulk),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if answer.returncode:
            sys.exit(f"{users:,} people: the run failed\n{answer.stderr}")
        results.append(json.loads(answer.stdout.strip().splitlines()[-1]))
    print(f"\nOne change, {args.edits} edits per size; a bulk grant to up to {args.bulk} people\n")
    print(
        "| people | shares on server | edit p50 | edit p95 | requests per edit "
        "| bulk operations | bulk requests | requests per person |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for result in results:
        edit, batch = result["edit"], result["bulk"]
        per_person = batch["requests"] / max(1, batch["operations"])
        print(
            f"| {result['users']:,} | {edit['people']:,} | {edit['p50']:.0f} ms "
            f"| {edit['p95']:.0f} ms | {edit['requests']:.2f} | {batch['operations']} "
            f"({batch['succeeded']} ok) | {batch['requests']} | {per_person:.3f} |"
        )
    if len(results) > 1:
        ratio = results[-1]["edit"]["p50"] / results[0]["edit"]["p50"]
        print(
            f"\nEdit worker time p50, {results[-1]['users']:,} vs {results[0]['users']:,} "
            f"people: ratio {ratio:.2f} (target ≤ 1.2)"
        )
    system = f"{platform.system()} {platform.release()}"
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(f"Machine: {os.cpu_count()} CPUs, {system}, Python {platform.python_version()}.")


if __name__ == "__main__":
    main()
