"""Logging to the terminal, the same for the window and the scripting commands: tokens are always masked."""

from __future__ import annotations

import logging
import sys

from .auth.redact import TokenRedactingFilter


class StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is now (tests swap it), never to a stale or closed stream."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.addFilter(TokenRedactingFilter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record), file=sys.stderr)
        except Exception:
            self.handleError(record)
