"""The clock: real, scaled for whole-process test runs, and the one reader of TRIAGEBOARD_TIME_SCALE."""

from __future__ import annotations

import asyncio
import time

import pytest
from fakeclock import FakeClock

from triageboard.clock import ScaledClock, SystemClock, clock_from_environ, wait_event


def test_no_variable_means_the_real_clock() -> None:
    assert isinstance(clock_from_environ({}), SystemClock)
    assert isinstance(clock_from_environ({"TRIAGEBOARD_TIME_SCALE": " "}), SystemClock)


@pytest.mark.parametrize("value", ["fast", "0", "-1", "2", "nan", "inf", "0.1@x", "0.1@inf"])
def test_a_bad_scale_is_refused_with_a_sentence(value: str) -> None:
    with pytest.raises(ValueError, match="TRIAGEBOARD_TIME_SCALE"):
        clock_from_environ({"TRIAGEBOARD_TIME_SCALE": value})


def test_two_processes_agree_on_scaled_time() -> None:
    """The sandbox and the CLI build their clocks separately; the shared anchor makes them agree."""
    a = clock_from_environ({"TRIAGEBOARD_TIME_SCALE": "0.01"})
    b = clock_from_environ({"TRIAGEBOARD_TIME_SCALE": "0.01"})
    assert isinstance(a, ScaledClock)
    assert isinstance(b, ScaledClock)
    assert a.anchor == b.anchor
    assert abs(a.time() - b.time()) < 5  # a few real milliseconds apart, times 100


def test_scaled_time_runs_faster_and_sleeps_shorter() -> None:
    clock = ScaledClock(0.01, anchor=time.time())
    start_scaled, start_real = clock.time(), time.monotonic()
    asyncio.run(clock.sleep(2.0))  # 20 ms of real time
    real = time.monotonic() - start_real
    assert 0.015 <= real < 1.0
    assert clock.time() - start_scaled >= 1.5


def test_explicit_anchor() -> None:
    clock = clock_from_environ({"TRIAGEBOARD_TIME_SCALE": "0.5@1000"})
    assert isinstance(clock, ScaledClock)
    assert clock.anchor == 1000.0


def test_wait_event_returns_when_set_or_after_the_time() -> None:
    clock = FakeClock()

    async def main() -> tuple[bool, bool, float]:
        event = asyncio.Event()
        timed_out = await wait_event(clock, event, 30.0)
        asyncio.get_running_loop().call_soon(event.set)
        was_set = await wait_event(clock, event, None)
        return timed_out, was_set, clock.slept[0]

    timed_out, was_set, slept = asyncio.run(main())
    assert timed_out is False
    assert was_set is True
    assert slept == 30.0
