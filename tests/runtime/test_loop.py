"""The window's event loop finalises abandoned async generators on the loop (as asyncio.run does), so
nothing is left for the garbage collector to close after the loop is gone."""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from triageboard.runtime.loop import EventLoop


def test_an_abandoned_async_generator_is_closed_on_the_loop_not_by_the_garbage_collector(
    qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    cleaned: list[bool] = []

    async def body() -> AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            await asyncio.sleep(0)  # cleanup that needs a running loop, like httpcore's
            cleaned.append(asyncio.get_running_loop() is loop)

    async def abandon() -> None:
        async for _ in body():
            break  # left mid-iteration: the generator is neither exhausted nor closed

    hooks = sys.get_asyncgen_hooks()
    loop = EventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(abandon())
        gc.collect()
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    gc.collect()
    assert cleaned == [True]
    assert unraisable == []
    assert sys.get_asyncgen_hooks() == hooks  # put back as they were


def test_a_sleep_never_ends_early(qloop: asyncio.AbstractEventLoop, qtbot: object) -> None:
    """GitHub's rules are minimums: a 1 s spacing between writes must be at least a second."""
    from PySide6.QtCore import QCoreApplication

    async def measure() -> list[float]:
        gaps = []
        for delay in (0.012, 0.05, 0.1, 0.2):
            started = time.monotonic()
            await asyncio.sleep(delay)
            gaps.append(time.monotonic() - started - delay)
        return gaps

    task = qloop.create_task(measure())
    while not task.done():
        QCoreApplication.processEvents()
    assert min(task.result()) >= 0
