"""The load and faults run: the whole product on PostgreSQL and Redis against a faulty plexsim.

    make bench-load            (or: .venv/bin/python bench/load/run.py [--seconds 120] ...)

gunicorn (4 workers), two Celery workers, beat and plexsim (plex.tv's rate limit on; random
5xx, 429s, connection resets and 2-second stalls) run on 127.0.0.1 only; Locust drives 20
admins, 200 members opening their own page and 50 invitees redeeming 5-use invite links, all
50 on one link at a time (locustfile.py), headless for `--seconds`. Then the run waits for the
operations to settle and prints a report (markdown): answers by status, p50/p95 per page,
operations submitted vs finished (and any still unfinished), changes plexsim saw applied twice,
redemptions granted per link against its limit, the owner's token and every invitee's token
searched for in every log, page and sampled broker message, and the memory (RSS) of the web and
worker processes at start and end. docs/reliability.md keeps the last report.

It drops and re-creates its own database (`--database`, default plexadmin_load) and empties
its Redis database (`--redis`, default db 10): point them at nothing shared.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil
import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PY = sys.executable
FAULTS = [
    # plex.tv's hosts only (not the servers' own ports), each drawn per request.
    {"action": "status", "status": 503, "probability": 0.05, "body": "<html>busy</html>"},
    {"action": "status", "status": 429, "probability": 0.03, "body": ""},
    {"action": "reset", "probability": 0.02},
    {"action": "delay", "delay": 2, "probability": 0.03},
]
TERMINAL = {"succeeded", "failed", "cancelled", "refused"}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--admins", type=int, default=20)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--invitees", type=int, default=50, help="racing for each link")
    parser.add_argument("--links", type=int, default=10)
    parser.add_argument("--uses", type=int, default=5, help="uses each link allows")
    # Admins, members and friends to remove are all friends of the owner.
    parser.add_argument("--people", type=int, default=260, help="plexsim's household size")
    # plex.tv's ~100-people cap would refuse every invite and redemption in a household that
    # holds 200 members: plexsim's is raised, with room for the run's new people.
    parser.add_argument("--share-limit", type=int, default=400)
    parser.add_argument("--wave-margin", type=int, default=50, help="no wave starts after")
    parser.add_argument("--database", default="plexadmin_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--port", type=int, default=8138)
    parser.add_argument("--plexsim-port", type=int, default=32538)
    parser.add_argument("--rate-limit", type=float, default=10.0, help="plex.tv requests/s")
    parser.add_argument("--settle", type=int, default=120, help="max seconds to wait after")
    parser.add_argument("--out", default=str(ROOT / "var" / "load"))
    return parser.parse_args()


class Stack:
    """The processes of the run, each with its log file; stopped with SIGTERM at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *argv: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def run(self, *argv: str) -> str:
        done = subprocess.run(
            argv, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def rss(self, names: list[str]) -> dict[str, float]:
        """MiB of each process and its children (gunicorn's workers, Celery's pool)."""
        found: dict[str, float] = {}
        for name in names:
            parent = psutil.Process(self.procs[name].pid)
            family = [parent, *parent.children(recursive=True)]
            found[name] = sum(p.memory_info().rss for p in family if p.is_running()) / 2**20
        return found


def wait_http(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


class BrokerWatch(threading.Thread):
    """Samples every message waiting in the Redis broker (queues and unacked) four times a
    second; each distinct one is kept, to be searched for the tokens at the end (the invitees'
    are known only then)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(url)
        self.seen = 0
        self.messages: set[bytes] = set()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.25):
            messages: list[bytes] = []
            for key in self.client.keys("*"):
                kind = self.client.type(key)
                if kind == b"list":
                    messages += self.client.lrange(key, 0, -1)
                elif kind == b"hash" and b"unacked" in key:
                    messages += list(self.client.hvals(key))
            self.seen += len(messages)
            self.messages.update(messages)

    def holding(self, tokens: set[str]) -> int:
        """How many distinct messages hold any of the tokens."""
        return sum(bool(tokens & found_tokens(m.decode(errors="replace"))) for m in self.messages)


# plexsim's token shapes: an account's own, a device's (an approved code's), the generated
# owner's.
TOKEN_SHAPE = re.compile(r"(?:sim|dev)-[0-9a-f]{20}|gen-owner-token-\d{4}")


def found_tokens(text: str) -> set[str]:
    return set(TOKEN_SHAPE.findall(text))


def invitee_tokens(sim: str) -> set[str]:
    """Every token plexsim gave an invitee: their account's and each approved code's device."""
    state = requests.get(f"{sim}/__sim__/state", timeout=60).json()
    invitees = {
        a["id"]: a["token"]
        for a in state["accounts"]
        if str(a.get("username") or "").startswith("load-invitee-")
    }
    tokens = set(invitees.values())
    tokens |= {d["token"] for d in state["devices"] if d["ownerId"] in invitees and d["token"]}
    tokens |= {
        p["authToken"] for p in state["pins"] if p["accountId"] in invitees and p["authToken"]
    }
    # The search itself, checked on a text known to hold every one of them.
    missed = tokens - found_tokens(json.dumps(state))
    if missed:
        raise SystemExit(f"the token search misses {len(missed)} of plexsim's invitee tokens")
    return tokens


def environment(args: argparse.Namespace, out: Path) -> dict[str, str]:
    own = ("PLEXADMIN_", "DATABASE_", "REDIS_", "SECRET_", "TOKEN_", "PLEXTV_", "DJANGO_ALLOW")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    env.update(
        DJANGO_SETTINGS_MODULE="plexadmin.settings",
        PLEXADMIN_VAR_DIR=str(out / "var"),
        PLEXADMIN_PORT=str(args.port),
        PUBLIC_BASE_URL=f"http://127.0.0.1:{args.port}",
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{args.database}",
        REDIS_URL=args.redis,
        PLEXTV_BASE_URL=f"http://127.0.0.1:{args.plexsim_port}",
        DEBUG="false",
        PYTHONUNBUFFERED="1",
        # As behind one reverse proxy: each invitee comes from an address of their own
        # (X-Forwarded-For), so the per-address sign-in limit counts people, not the harness.
        TRUSTED_PROXY_COUNT="1",
    )
    return env


def fresh_database(name: str) -> None:
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


def operations(database: str) -> tuple[Counter[str], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as conn:
        rows = conn.execute(
            "SELECT id, kind, state, target_type, target_id, message FROM sharing_operation"
        ).fetchall()
        shares = conn.execute("SELECT id, shared_server_id FROM sharing_share").fetchall()
    return Counter(r[2] for r in rows), rows, shares


def redemptions(database: str) -> list[tuple[Any, ...]]:
    """Per link: label, limit, uses counted, redemptions counted, redemptions by state, how
    many of their operations succeeded and are unfinished, and how many were accepted."""
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as conn:
        links = conn.execute(
            """
            SELECT l.id, l.label, l.max_uses, l.uses,
                   count(r.id) FILTER (WHERE r.counted),
                   count(o.id) FILTER (WHERE o.state = 'succeeded'),
                   count(o.id) FILTER (WHERE o.state NOT IN ('succeeded', 'failed')),
                   count(r.accepted_at)
            FROM joins_invitelink l
            LEFT JOIN joins_redemption r ON r.link_id = l.id
            LEFT JOIN sharing_operation o ON o.id = r.operation_id
            GROUP BY l.id ORDER BY l.id
            """
        ).fetchall()
        states = conn.execute(
            "SELECT link_id, state, count(*) FROM joins_redemption GROUP BY link_id, state"
        ).fetchall()
    by_link: dict[int, dict[str, int]] = {}
    for link_id, state, n in states:
        by_link.setdefault(link_id, {})[state] = n
    return [
        (label, limit, uses, counted, by_link.get(pk, {}), made, unfinished, accepted)
        for pk, label, limit, uses, counted, made, unfinished, accepted in links
    ]


def plextv_traffic(sim: str, since: int) -> Counter[str]:
    """plexsim's requests since the load began: how many, and by fault or answer."""
    log = requests.get(f"{sim}/__sim__/requests", params={"since": since}, timeout=30).json()
    seen: Counter[str] = Counter(requests=len(log))
    for entry in log:
        if entry["fault"]:
            seen[
                f"fault {entry['fault']}" + (f" {entry['status']}" if entry["status"] else "")
            ] += 1
        elif entry["status"] == 429:
            seen["429 rate limit"] += 1
    return seen


def applied_twice(sim: str, since: int, rows: list[tuple[Any, ...]], shares: Any) -> list[str]:
    """Changes plexsim applied more often than operations asked for them.

    `shares`: (share id, shared_server_id) pairs from before the load and after it (a removal
    deletes the rows of the shares it ended)."""
    log = requests.get(f"{sim}/__sim__/requests", params={"since": since}, timeout=30).json()
    state = requests.get(f"{sim}/__sim__/state", timeout=30).json()
    problems: list[str] = []
    # Share edits: 2xx writes (or writes applied before a reset) per share vs edit operations.
    shared_server = {str(pk): ssid for pk, ssid in shares}
    edits = Counter(
        f"/api/v2/shared_servers/{shared_server.get(r[4])}"
        for r in rows
        if r[1] == "share.edit" and r[2] == "succeeded"
    )
    writes = Counter(
        e["path"]
        for e in log
        if e["method"] == "POST"
        and e["path"].startswith("/api/v2/shared_servers/")
        and not e["path"].endswith("/accept")
        # Applied, answered or not: `answered` is the route's status before a reset dropped
        # the connection (a write the rate limit refused is not one).
        and 200 <= e["answered"] < 300
    )
    problems += [
        f"{n} writes to {p} for {edits[p]} edits: "
        + ", ".join(
            f"#{e['seq']} {e['status']}/{e['answered']} {e['fault'] or ''}".strip()
            for e in log
            if e["method"] == "POST" and e["path"] == p
        )
        for p, n in writes.items()
        if n > edits[p]
    ]
    # An invitee accepts each share once (with their own token).
    accepts = Counter(
        e["path"]
        for e in log
        if e["method"] == "POST" and e["path"].endswith("/accept") and 200 <= e["answered"] < 300
    )
    problems += [f"{n} accepts answered for {p}" for p, n in accepts.items() if n > 1]
    # Invites: never two shares of one server for one invitee.
    invited = Counter(
        (s.get("invitedEmail"), s["machineIdentifier"])
        for s in state["shares"]
        if str(s.get("invitedEmail") or "").startswith("load-")
    )
    problems += [f"{n} shares for {who} on {m}" for (who, m), n in invited.items() if n > 1]
    # Redemptions: never two shares of one server for one invitee's account.
    invitees = {
        a["id"] for a in state["accounts"] if str(a.get("username") or "").startswith("load-inv")
    }
    joined = Counter(
        (s["userId"], s["machineIdentifier"]) for s in state["shares"] if s["userId"] in invitees
    )
    problems += [f"{n} shares for invitee {u} on {m}" for (u, m), n in joined.items() if n > 1]
    # Removals: one answered DELETE per person at most.
    deletes = Counter(
        e["path"]
        for e in log
        if e["method"] == "DELETE"
        and e["path"].startswith("/api/v2/sharings/")
        and 200 <= e["answered"] < 300
    )
    problems += [f"{n} removals answered for {p}" for p, n in deletes.items() if n > 1]
    return problems


def pages(csv_prefix: Path) -> list[tuple[str, int, float, float, int]]:
    stats = []
    with (csv_prefix.parent / f"{csv_prefix.name}_stats.csv").open() as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                continue
            stats.append(
                (
                    row["Name"],
                    int(row["Request Count"]),
                    float(row["50%"]),
                    float(row["95%"]),
                    int(row["Failure Count"]),
                )
            )
    return stats


def main() -> None:
    args = arguments()
    out = Path(args.out)
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()
    env = environment(args, out)
    stack = Stack(env, logs)
    sim = f"http://127.0.0.1:{args.plexsim_port}"
    web = f"http://127.0.0.1:{args.port}"
    fresh_database(args.database)
    redis.Redis.from_url(args.redis).flushdb()
    setup_doc = out / "setup.json"
    try:
        stack.start(
            "plexsim",
            PY,
            "-m",
            "plexsim",
            "--port",
            str(args.plexsim_port),
            "--users",
            str(args.people),
        )
        wait_http(f"{sim}/__sim__/health", 30)
        stack.run(PY, "manage.py", "migrate", "--no-input", "-v", "0")
        print(
            stack.run(
                PY,
                str(HERE / "setup_data.py"),
                str(setup_doc),
                *(str(n) for n in (args.people, args.admins, args.members, args.links, args.uses)),
            ).strip()
        )
        token = json.loads(setup_doc.read_text())["owner_token"]
        since = max(
            [0, *(e["seq"] for e in requests.get(f"{sim}/__sim__/requests", timeout=30).json())]
        )
        requests.post(f"{sim}/__sim__/rate_limit", json={"rate": args.rate_limit}, timeout=5)
        requests.post(f"{sim}/__sim__/share_limit", json={"limit": args.share_limit}, timeout=5)
        rules = [
            {**rule, "host": host} for rule in FAULTS for host in ("plex.tv", "clients.plex.tv")
        ]
        requests.post(f"{sim}/__sim__/faults", json={"rules": rules}, timeout=5)

        stack.start(
            "web",
            PY,
            "-m",
            "gunicorn",
            "plexadmin.wsgi",
            "-w",
            "4",
            "-b",
            f"127.0.0.1:{args.port}",
            "--timeout",
            "60",
        )
        for n in (1, 2):
            stack.start(
                f"worker{n}",
                PY,
                "-m",
                "celery",
                "-A",
                "plexadmin",
                "worker",
                "-n",
                f"load{n}@%h",
                "--concurrency",
                "2",
                "-l",
                "INFO",
            )
        stack.start("beat", PY, "-m", "celery", "-A", "plexadmin", "beat", "-l", "INFO")
        wait_http(f"{web}/healthz", 60)
        time.sleep(5)  # the workers connect
        rss_start = stack.rss(["web", "worker1", "worker2"])
        load_start = os.getloadavg()[0]
        watch = BrokerWatch(args.redis)
        watch.start()

        leaks_file = out / "page-leaks.json"
        csv_prefix = out / "locust"
        locust_env = {
            **env,
            "LOAD_SETUP": str(setup_doc),
            "LOAD_LEAKS": str(leaks_file),
            "LOAD_PLEXSIM": sim,
            "LOAD_INVITEES": str(args.invitees),
            "LOAD_SECONDS": str(args.seconds),
            "LOAD_WAVE_MARGIN": str(args.wave_margin),
        }
        subprocess.run(
            [
                PY,
                "-m",
                "locust",
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "-u",
                str(args.admins + args.members + args.invitees),
                "-r",
                "50",
                "-t",
                f"{args.seconds}s",
                "--host",
                web,
                "--csv",
                str(csv_prefix),
                "--only-summary",
                "--stop-timeout",
                "10",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=locust_env,
            check=False,
            stdout=(logs / "locust.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        rss_end = stack.rss(["web", "worker1", "worker2"])
        load_end = os.getloadavg()[0]

        settle_deadline = time.monotonic() + args.settle
        while time.monotonic() < settle_deadline:
            states, rows, shares = operations(args.database)
            if not set(states) - TERMINAL:
                break
            time.sleep(2)
        watch.stopped.set()
        states, rows, shares = operations(args.database)
        before = [
            (s["id"], s["shared_server_id"]) for s in json.loads(setup_doc.read_text())["shares"]
        ]
        twice = applied_twice(sim, since, rows, [*before, *shares])
        traffic = plextv_traffic(sim, since)
        links = redemptions(args.database)
        tokens = invitee_tokens(sim)
    finally:
        stack.stop()

    log_hits: dict[str, tuple[int, int]] = {}
    for path in sorted(logs.glob("*.log")):
        found = found_tokens(path.read_text(errors="replace"))
        log_hits[path.name] = (int(token in found), len(found & tokens))
    page_leaks = json.loads(leaks_file.read_text()) if leaks_file.exists() else {}
    report(args, csv_prefix, states, rows, twice, log_hits, page_leaks, watch, rss_start, rss_end)
    report_links(links, page_leaks)
    print(
        f"Broker: the owner's token in {watch.holding({token})} and the {len(tokens)} invitees' "
        f"tokens in {watch.holding(tokens)} of {len(watch.messages)} distinct messages "
        f"({watch.seen} sampled)"
    )
    print(
        "\nplex.tv (plexsim) during the run: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(traffic.items()))
        + f"\nMachine load average (1 min) at start and end of the load: {load_start:.1f}, "
        f"{load_end:.1f} on {os.cpu_count()} CPUs"
    )


def report(
    args: argparse.Namespace,
    csv_prefix: Path,
    states: Counter[str],
    rows: list[tuple[Any, ...]],
    twice: list[str],
    log_hits: dict[str, tuple[int, int]],
    page_leaks: dict[str, Any],
    watch: BrokerWatch,
    rss_start: dict[str, float],
    rss_end: dict[str, float],
) -> None:
    stats = pages(csv_prefix)
    statuses = Counter(page_leaks.get("statuses", {}))
    print(
        f"\n## Load and faults: {args.admins} admins, {args.members} members and "
        f"{args.invitees} invitees for {args.seconds} s\n"
    )
    print("| page | requests | p50 ms | p95 ms | failures |\n|---|---:|---:|---:|---:|")
    for name, count, p50, p95, failures in stats:
        print(f"| {name} | {count} | {p50:.0f} | {p95:.0f} | {failures} |")
    print(
        "\nHTTP answers by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    )
    unfinished = [r for r in rows if r[2] not in TERMINAL]
    print(f"\nOperations submitted: {len(rows)}; by state: {dict(sorted(states.items()))}")
    failed = Counter(r[5].split(";")[0][:70] for r in rows if r[2] == "failed")
    for message, n in failed.most_common(5):
        print(f"  failed ({n}): {message}")
    print(f"Unfinished after {args.settle} s: {len(unfinished)}")
    for r in unfinished[:10]:
        print(f"  #{r[0]} {r[1]} {r[2]}: {r[5][:90]}")
    print(f"Changes applied twice (plexsim's log and state): {len(twice)}")
    for line in twice[:10]:
        print(f"  {line}")
    print(
        f"\nOwner's and invitees' tokens: in {len(page_leaks.get('leaks', []))} of "
        f"{page_leaks.get('searched', 0)} answers {sorted(set(page_leaks.get('leaks', [])))}; "
        "logs (owner's, invitees' distinct tokens found): "
        + ", ".join(f"{k} {o}/{i}" for k, (o, i) in log_hits.items())
    )
    print("\n| process | RSS start MiB | RSS end MiB |\n|---|---:|---:|")
    for name in rss_start:
        print(f"| {name} | {rss_start[name]:.0f} | {rss_end[name]:.0f} |")


def report_links(links: list[tuple[Any, ...]], page_leaks: dict[str, Any]) -> None:
    """Per link: what its limit allowed, what was counted and shared, what the invitees saw."""
    joins = page_leaks.get("joins", {})
    print(
        f"\nInvitees: {page_leaks.get('invitees', 0)} people, "
        f"{page_leaks.get('sign_in_retries', 0)} sign-ins pressed again after 'Plex could not be "
        "reached'\n"
    )
    print(
        "| link | limit | uses | redemptions counted | by state | shares made | not finished "
        "| accepted | invitees saw |\n|---|---:|---:|---:|---|---:|---:|---:|---|"
    )
    for label, limit, uses, counted, by_state, made, unfinished, accepted in links:
        seen = joins.get(label)
        if not seen and not uses:
            continue
        states = ", ".join(f"{k} {v}" for k, v in sorted(by_state.items()))
        saw = ", ".join(f"{k} {v}" for k, v in sorted((seen or {}).items()))
        print(
            f"| {label} | {limit} | {uses} | {counted} | {states} | {made} | {unfinished} "
            f"| {accepted} | {saw} |"
        )
    unused = [label for label, _, uses, *_ in links if not uses and not joins.get(label)]
    if unused:
        print(f"Links the run did not reach: {len(unused)}")


if __name__ == "__main__":
    main()
