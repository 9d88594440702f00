"""The qasync event loop, mended so closing it cannot leave Qt timers pointing at freed callbacks."""

from __future__ import annotations

from typing import Any

import qasync


class EventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync 0.28's loop leaves one live Qt timer per cancelled ``call_later`` when it closes; if the
    loop is collected later, Qt can fire one into freed memory. Kill them all on close."""

    def close(self) -> None:
        timer: Any = getattr(self, "_timer", None)
        super().close()
        if timer is None:
            return
        callbacks: dict[int, Any] = getattr(timer, "_SimpleTimer__callbacks", {})
        for timer_id in list(callbacks):
            timer.killTimer(timer_id)
        callbacks.clear()
