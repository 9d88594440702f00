"""One owner for async work: a :class:`TaskScope` per session (or CLI run) that every service starts its
tasks in.

Nothing starts work in a constructor; work is started through the scope, which keeps a reference (asyncio
keeps only weak ones), and on close cancels exactly what it started and waits for it. An exception nobody
expected (anything but cancellation) goes to the scope's ``on_crash`` — the one crash handler, which logs
it and tells the user — and the app keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

CrashHandler = Callable[[BaseException], None]


def _log_crash(exc: BaseException) -> None:
    log.error("unexpected error in a background task", exc_info=exc)


class TaskScope:
    def __init__(self, on_crash: CrashHandler = _log_crash, *, name: str = "triageboard") -> None:
        self.name = name
        self._on_crash = on_crash
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, work: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
        """Run ``work`` as a task of this scope. Refused (and closed) once the scope is closing."""
        if self._closed:
            work.close()
            raise RuntimeError(f"the task scope {self.name!r} is closed; {name!r} was not started")
        task = asyncio.get_event_loop().create_task(work, name=f"{self.name}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._on_crash(exc)

    @property
    def running(self) -> int:
        return sum(1 for t in self._tasks if not t.done())

    @property
    def closed(self) -> bool:
        return self._closed

    async def aclose(self) -> None:
        """Cancel what this scope started (nothing else) and wait until it has stopped."""
        self._closed = True
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
