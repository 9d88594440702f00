"""Time as a dependency: every piece of code that waits or compares times takes a :class:`Clock`.

Production passes :class:`SystemClock`. Test runs of whole processes (the CLI, the window, the sandbox
server) set ``TRIAGEBOARD_TIME_SCALE`` and get a :class:`ScaledClock` from :func:`clock_from_environ`, the one
reader of that variable; in-process tests pass a fake clock they advance (``tests/support/fakeclock.py``).
No other module reads the environment to decide how fast time runs.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import asyncio

TIME_SCALE_ENV = "TRIAGEBOARD_TIME_SCALE"
DAY = 86400.0


class Clock(Protocol):
    """Wall time (``time``/``now``), an interval timer (``monotonic``) and a way to wait (``sleep``)."""

    def time(self) -> float:
        """Seconds since the epoch, like :func:`time.time`."""
        ...

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start that never go backwards, like :func:`time.monotonic`."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[object]:
        """A deadline of ``seconds`` of this clock's time for the enclosed block (then ``TimeoutError``)."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        import asyncio  # not at import time: a start paints its first board without asyncio

        await asyncio.sleep(max(0.0, seconds))

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[object]:
        import asyncio

        return asyncio.timeout(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"


class ScaledClock:
    """Time that runs ``1 / scale`` times faster than the real one (test runs of whole processes).

    Every process of one test run must agree on what time it is (the sandbox announces a rate-limit reset,
    the CLI waits for it), so scaled time is anchored at a moment they share: ``anchor`` (epoch seconds),
    by default the start of the current UTC day. Scaled time equals real time at the anchor.
    """

    def __init__(self, scale: float, anchor: float | None = None) -> None:
        if not (math.isfinite(scale) and 0 < scale <= 1):
            raise ValueError(f"a time scale must be in (0, 1], not {scale!r}")
        self.scale = scale
        now = time.time()
        self.anchor = math.floor(now / DAY) * DAY if anchor is None else float(anchor)
        self._mono_anchor = time.monotonic()
        self._mono_start = self.time()

    def time(self) -> float:
        return self.anchor + (time.time() - self.anchor) / self.scale

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def monotonic(self) -> float:
        return self._mono_start + (time.monotonic() - self._mono_anchor) / self.scale

    async def sleep(self, seconds: float) -> None:
        import asyncio

        await asyncio.sleep(max(0.0, seconds) * self.scale)

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[object]:
        import asyncio

        return asyncio.timeout(max(0.0, seconds) * self.scale)

    def __repr__(self) -> str:
        return f"ScaledClock({self.scale!r}, anchor={self.anchor!r})"


def clock_from_environ(environ: Mapping[str, str] = os.environ) -> Clock:
    """The clock a process runs on: real, unless ``TRIAGEBOARD_TIME_SCALE`` asks for a test run.

    The value is ``SCALE`` or ``SCALE@ANCHOR`` (anchor in epoch seconds; see :class:`ScaledClock`).
    Raises ``ValueError`` with a sentence for the user when it is set to something else.
    """
    text = environ.get(TIME_SCALE_ENV, "").strip()
    if not text:
        return SystemClock()
    scale_text, _, anchor_text = text.partition("@")
    try:
        scale = float(scale_text)
        anchor = float(anchor_text) if anchor_text else None
    except ValueError:
        raise ValueError(f"{TIME_SCALE_ENV}={text!r} is not a number (write SCALE or SCALE@EPOCH)") from None
    if not (math.isfinite(scale) and 0 < scale <= 1):
        raise ValueError(f"{TIME_SCALE_ENV} must be a number in (0, 1], not {text!r}")
    if anchor is not None and not math.isfinite(anchor):
        raise ValueError(f"{TIME_SCALE_ENV}: the anchor after '@' must be epoch seconds, not {anchor_text!r}")
    if scale == 1 and anchor is None:
        return SystemClock()
    return ScaledClock(scale, anchor)


async def wait_event(clock: Clock, event: asyncio.Event, seconds: float | None) -> bool:
    """Wait until ``event`` is set or ``seconds`` of ``clock`` time have passed; True when it was set."""
    import asyncio

    if event.is_set():
        return True
    if seconds is None:
        await event.wait()
        return True
    waiter = asyncio.ensure_future(event.wait())
    timer = asyncio.ensure_future(clock.sleep(seconds))
    try:
        await asyncio.wait((waiter, timer), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiter, timer):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    return event.is_set()
