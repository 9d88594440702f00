"""Fetching a board: a cold load against a warm refresh (stored ETags), over real loopback HTTP.

Prints figures and ratios measured in this run; asserts nothing about time. The sandbox answers on
127.0.0.1, so the figures show the client's own cost and the requests GitHub would charge, not network
latency.

    python benchmarks/bench_fetch.py [--issues N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

from triageboard.board import Board, preset
from triageboard.github import GitHubClient, MemoryPageCache, fetch_board

# The test sandbox (its stats and rate-limit shaping are test-side calls): tests/support/sandboxkit.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))
from sandboxkit import Sandbox


async def _load(sandbox: Sandbox, cache: MemoryPageCache | None, spec_name: str) -> tuple[float, int, int]:
    """(seconds, requests sent, requests charged against the rate limit) for one full fetch."""
    spec = preset(spec_name).with_sources(api_url=sandbox.api_url)
    before = sandbox.stats()
    async with httpx.AsyncClient() as http:
        client = GitHubClient(http, spec.api_url, lambda: sandbox.token, cache=cache)
        board = Board(spec)
        started = time.perf_counter()
        result = await fetch_board(client, spec, on_page=board.update)
        board.replace_all(result.issues)
        elapsed = time.perf_counter() - started
    after = sandbox.stats()
    return elapsed, after["requests"] - before["requests"], after["counted"] - before["counted"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    token = "bench-" + "token"  # the sandbox's throw-away token, not a secret
    with Sandbox(token=token, seed=1) as sandbox:
        sandbox.set_rate_limit(token, core_limit=1_000_000)
        for name in ("rust-async", "rust-async-2021"):
            cold: list[float] = []
            warm: list[float] = []
            cold_req = cold_charged = warm_req = warm_charged = 0
            for _ in range(args.rounds):
                seconds, cold_req, cold_charged = asyncio.run(_load(sandbox, None, name))
                cold.append(seconds)
                cache = MemoryPageCache()
                asyncio.run(_load(sandbox, cache, name))  # fills the cache
                seconds, warm_req, warm_charged = asyncio.run(_load(sandbox, cache, name))
                warm.append(seconds)
            c, w = statistics.median(cold), statistics.median(warm)
            print(f"preset {name}:")
            print(f"  cold load     {c * 1000:7.1f} ms  {cold_req:3d} requests, {cold_charged:3d} charged")
            print(f"  warm refresh  {w * 1000:7.1f} ms  {warm_req:3d} requests, {warm_charged:3d} charged")
            print(f"  ratio warm/cold time {w / c:.2f}; rate-limit cost {warm_charged}/{cold_charged}")


if __name__ == "__main__":
    main()
