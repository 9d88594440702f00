"""The one crash handler: whatever nobody expected — in a task, a Qt slot, the main thread — is logged with
its traceback (tokens masked) and told to the user through the reporter; the app keeps running."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ..auth import redact
from ..reporting import Crash, Reporter

log = logging.getLogger(__name__)


class CrashHandler:
    def __init__(self, reporter: Reporter, log_path: str | None = None) -> None:
        self.reporter = reporter
        self.log_path = log_path
        self.count = 0

    def __call__(self, exc: BaseException) -> None:
        """For a task scope: an exception that escaped a task."""
        self.excepthook(type(exc), exc, exc.__traceback__)

    def excepthook(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        self.count += 1
        text = redact("".join(traceback.format_exception(kind, exc, tb)))
        log.error("unexpected error:\n%s", text)
        self.reporter.error(Crash(redact(f"{kind.__name__}: {exc}")[:300], self.log_path))

    def loop_handler(self, loop: object, context: dict[str, Any]) -> None:
        """For ``loop.set_exception_handler``: callbacks and tasks nobody awaited."""
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            self.excepthook(type(exc), exc, exc.__traceback__)
        else:
            log.error("event loop: %s", redact(str(context.get("message", context))))

    def install(self) -> Callable[[], None]:
        """Become ``sys.excepthook`` (Qt slots and the main thread) and log other threads' errors; returns
        the undo."""
        previous, previous_thread = sys.excepthook, threading.excepthook

        def thread_hook(args: threading.ExceptHookArgs) -> None:
            # Logged only: a front end must not be touched from another thread (worker threads' errors
            # reach the task awaiting them, and so the handler, anyway).
            text = redact(
                "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
            )
            log.error("unexpected error in thread %s:\n%s", getattr(args.thread, "name", "?"), text)

        sys.excepthook = self.excepthook
        threading.excepthook = thread_hook

        def undo() -> None:
            sys.excepthook, threading.excepthook = previous, previous_thread

        return undo
