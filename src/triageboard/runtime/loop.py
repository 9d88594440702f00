"""The qasync event loop, mended: timers never fire early, async generators are finalised on the loop, and
closing it cannot leave Qt timers pointing at freed callbacks."""

from __future__ import annotations

import sys
from typing import Any

import qasync
from PySide6.QtCore import Qt


class _PreciseTimer(qasync._SimpleTimer):  # type: ignore[misc]
    """qasync's timer, but never early: Qt's default coarse timers may fire up to 5 % before their time, and
    qasync rounds delays down to the millisecond. GitHub's rules are minimums (a second between writes, the
    device flow's polling interval): a wait that ends early breaks them."""

    def startTimer(self, interval: int, timerType: Qt.TimerType = Qt.TimerType.PreciseTimer) -> int:
        return int(super().startTimer(interval + 1, Qt.TimerType.PreciseTimer))


class EventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """Three things qasync 0.28 leaves out on Python 3.11:

    - ``asyncio.sleep(s)`` and ``call_later`` must not end before ``s``: they run on precise Qt timers,
      rounded up to the millisecond.

    - asyncio's ``run_forever`` installs the loop's async-generator hooks, so that a generator abandoned
      mid-iteration (an ``async for`` left by an exception, e.g. over an HTTP body) is closed *on the loop*,
      and ``shutdown_asyncgens()`` can close what is left before the loop goes. qasync's ``run_forever``
      does not, so such a generator was closed by the garbage collector, outside any loop: "Exception
      ignored … async generator ignored GeneratorExit / no running event loop". The hooks are installed
      here for as long as the loop runs.
    - closing leaves one live Qt timer per cancelled ``call_later``; if the loop is collected later, Qt can
      fire one into freed memory. Kill them all on close.
    """

    _saved_asyncgen_hooks: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer = _PreciseTimer()  # before any timer exists: nothing is lost by the swap

    def _before_run_forever(self) -> None:
        super()._before_run_forever()
        if self._saved_asyncgen_hooks is None:
            self._saved_asyncgen_hooks = sys.get_asyncgen_hooks()
            sys.set_asyncgen_hooks(
                firstiter=self._asyncgen_firstiter_hook, finalizer=self._asyncgen_finalizer_hook
            )

    def _after_run_forever(self) -> None:
        self._restore_asyncgen_hooks()
        super()._after_run_forever()

    def _restore_asyncgen_hooks(self) -> None:
        if self._saved_asyncgen_hooks is not None:
            sys.set_asyncgen_hooks(*self._saved_asyncgen_hooks)
            self._saved_asyncgen_hooks = None

    def close(self) -> None:
        self._restore_asyncgen_hooks()
        timer: Any = getattr(self, "_timer", None)
        super().close()
        if timer is None:
            return
        callbacks: dict[int, Any] = getattr(timer, "_SimpleTimer__callbacks", {})
        for timer_id in list(callbacks):
            timer.killTimer(timer_id)
        callbacks.clear()
