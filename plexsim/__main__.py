"""`python -m plexsim`: serve the simulator on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from plexsim.server import SimServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m plexsim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=32500, help="port (default 32500; 0 = any)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--seed", default="demo", help="built-in seed: demo (default)")
    source.add_argument("--seed-file", type=Path, help="a seed document (JSON) to start from")
    source.add_argument("--users", type=int, help="generate a household of N people")
    parser.add_argument(
        "--state-file",
        type=Path,
        help="load state from this file if it exists and save every change to it",
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        help="requests per second per client before 429 (default off)",
    )
    parser.add_argument(
        "--retry-after",
        action="store_true",
        help="send Retry-After with rate-limit 429s (plex.tv is not seen to send it)",
    )
    parser.add_argument("--verbose", action="store_true", help="print one line per request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    seed: str | dict[str, object] = args.seed
    if args.seed_file:
        seed = json.loads(args.seed_file.read_text())
    server = SimServer(
        seed=seed,
        users=args.users,
        rate_limit=args.rate_limit,
        host=args.host,
        port=args.port,
        state_file=args.state_file,
        quiet=not args.verbose,
    )
    server.sim.limiter.retry_after = args.retry_after
    print(f"plexsim serving {server.url}", flush=True)
    print(f"  OAuth page:  {server.url}/auth#?clientID=…&code=…&forwardUrl=…", flush=True)
    print(f"  link page:   {server.url}/link", flush=True)
    print(f"  control API: {server.url}/__sim__/state", flush=True)
    for machine in server.sim.state.servers.values():
        relay = server.sim.server_url(machine.relayPort)
        print(
            f"  {machine.name}: {server.sim.server_url(machine.port)} (relay {relay})", flush=True
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
