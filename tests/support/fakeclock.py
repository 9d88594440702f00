"""A clock for in-process tests: time moves only when a test advances it or code sleeps on it.

``sleep(s)`` jumps the clock forward by ``s`` at once (and yields to the loop), so a wait for a rate-limit
reset or a backoff costs no real time, and a sandbox sharing the clock sees the same jump. Thread-safe
enough for the sandbox's server thread, which only reads it.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

# 2026-11-02T00:00:00Z: a day after the sandbox dataset's "now", so its stamps are in the past.
DEFAULT_START = 1_793_577_600.0


class FakeClock:
    def __init__(self, start: float = DEFAULT_START) -> None:
        self._time = start
        self._monotonic = 10_000.0
        self._lock = threading.Lock()
        self.slept: list[float] = []  # every sleep asked for, in order (tests assert on waits)

    def time(self) -> float:
        return self._time

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._time, UTC)

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not go backwards")
        with self._lock:
            self._time += seconds
            self._monotonic += seconds

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[object]:
        """Real seconds: fake time does not pass while a request waits on the network, and a real bound
        keeps a broken test from hanging."""
        return asyncio.timeout(max(0.0, seconds))

    def __repr__(self) -> str:
        return f"FakeClock({self._time!r})"
