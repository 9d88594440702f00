"""The pace in-process tests run at: time a hundred times fast (backoffs, spacing, rate-limit windows), with
network deadlines that a busy test machine's loopback answers fit in — on the fast clock the defaults (30 s
between bytes, 90 s a request) would be 0.3 s and 0.9 s of real time."""

from __future__ import annotations

from dataclasses import replace

from triageboard.clock import ScaledClock
from triageboard.github import Policy

SCALE = 0.01
POLICY = Policy(read_timeout=1000.0, request_deadline=3000.0)  # 10 s and 30 s of real time
QUICK = replace(POLICY, retries=1)  # one quick retry: a test of failures need not wait through three


def fast_clock() -> ScaledClock:
    return ScaledClock(SCALE)
