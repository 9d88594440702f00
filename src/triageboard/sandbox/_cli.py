"""Running a sandbox as a process: the command line and serving until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType
from typing import Protocol

from ..clock import Clock, ScaledClock, SystemClock, clock_from_environ
from ._sandbox import DEFAULT_TOKEN


class Serving(Protocol):
    """What ``serve`` needs of a sandbox (the shipped one, or the test sandbox)."""

    token: str

    @property
    def api_url(self) -> str: ...

    def start(self) -> object: ...

    def stop(self) -> None: ...


def parser(prog: str, description: str | None) -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(prog=prog, description=description)
    out.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    out.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    out.add_argument(
        "--token", default=DEFAULT_TOKEN, help=f"the token with triage permission ({DEFAULT_TOKEN})"
    )
    out.add_argument("--seed", type=int, default=1, help="dataset seed (default 1)")
    out.add_argument(
        "--time-scale",
        type=float,
        default=None,
        help="run time this much slower (0.01: an hour in 36 s), for test runs; default: "
        "TRIAGEBOARD_TIME_SCALE, else real time. Clients must use the same scale",
    )
    out.add_argument("--extra-issues", type=int, default=0, help="issues in triageboard-demo/big (default 0)")
    return out


def clock(args: argparse.Namespace, used: argparse.ArgumentParser) -> Clock:
    """The sandbox's clock: ``--time-scale``, else ``TRIAGEBOARD_TIME_SCALE`` (as clients read it)."""
    try:
        if args.time_scale is not None:
            return ScaledClock(args.time_scale) if args.time_scale != 1 else SystemClock()
        return clock_from_environ()
    except ValueError as exc:
        used.error(str(exc))
        raise  # error() exits


def serve(sandbox: Serving, host: str, port: int) -> int:
    """Start, print ``triageboard sandbox: API <api_url> token <token>``, serve until SIGINT or SIGTERM."""
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        sandbox.start()
    except OSError as error:
        print(f"triageboard sandbox: cannot listen on {host}:{port}: {error}", file=sys.stderr)
        return 1
    try:
        print(f"triageboard sandbox: API {sandbox.api_url} token {sandbox.token}", flush=True)
        while not done.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0
