"""``python -m triageboard.sandbox``: serve the sandbox until SIGINT or SIGTERM.

Prints exactly one line on stdout, ``triageboard sandbox: API <api_url> token <token>``, once it serves.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ._sandbox import DEFAULT_TOKEN, Sandbox


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triageboard.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    parser.add_argument(
        "--token", default=DEFAULT_TOKEN, help=f"the token with triage permission ({DEFAULT_TOKEN})"
    )
    parser.add_argument("--seed", type=int, default=1, help="dataset seed (default 1)")
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="multiply every wait by this (default 1)"
    )
    parser.add_argument(
        "--extra-issues", type=int, default=0, help="issues in triageboard-demo/big (default 0)"
    )
    parser.add_argument(
        "--auto-approve",
        type=int,
        default=None,
        metavar="N",
        help="approve a device-flow login after N pending polls (default: approve at /login/device)",
    )
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")

    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sandbox = Sandbox(
        args.token,
        seed=args.seed,
        time_scale=args.time_scale,
        host=args.host,
        port=args.port,
        extra_issues=args.extra_issues,
        auto_approve_after_polls=args.auto_approve,
    )
    try:
        sandbox.start()
    except OSError as error:
        print(f"triageboard sandbox: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    try:
        print(f"triageboard sandbox: API {sandbox.api_url} token {sandbox.token}", flush=True)
        while not done.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
