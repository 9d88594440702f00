"""Logging, set up the same way for the window and the scripting commands: tokens masked everywhere.

The terminal gets warnings (more with ``-v``); the window also keeps a rotated log file in the per-user
log directory. Reports to the user are logged by the reporter and shown by the front end: the terminal
handler leaves them out, so nothing is said twice.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..auth.redact import TokenRedactingFilter

LOG_FILE = "triageboard.log"
_SHOWN_BY_THE_FRONT_END = "triageboard.reporting"


class StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is now (tests swap it), never to a stale or closed stream."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.addFilter(TokenRedactingFilter())
        self.addFilter(lambda record: not record.name.startswith(_SHOWN_BY_THE_FRONT_END))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record), file=sys.stderr)
        except Exception:
            self.handleError(record)


@dataclass
class Logging:
    """What :func:`configure` did: the log file (None: terminal only) and how to undo it."""

    path: Path | None
    undo: Callable[[], None]


def configure(
    verbose: int, *, log_dir: Callable[[], Path] | None = None, quiet: tuple[str, ...] = ()
) -> Logging:
    """Log to the terminal (warnings; ``-v`` info, ``-vv`` debug) and, with ``log_dir``, to a rotated file
    there. ``quiet``: loggers kept to errors unless ``-v`` (a CLI reports those outcomes itself).

    Returns how to undo it: the process may go on (tests, an embedding script).
    """
    root = logging.getLogger()
    before = list(root.handlers), root.level
    levels: dict[str, int] = {}

    def set_level(name: str, level: int) -> None:
        logger = logging.getLogger(name)
        levels.setdefault(name, logger.level)
        logger.setLevel(level)

    root.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
    console = StderrHandler(
        logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    )
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)
    # qasync logs every background thread's result at DEBUG; a keyring read must never reach a log.
    set_level("qasync", logging.INFO)
    if verbose < 2:
        set_level("httpx", logging.WARNING)
    for name in quiet if verbose == 0 else ():
        set_level(name, logging.ERROR)
    path: Path | None = None
    if log_dir is not None:
        try:
            path = log_dir() / LOG_FILE
            handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
            )
        except OSError as exc:
            logging.getLogger(__name__).warning(
                "cannot write the log file (%s); logging to the terminal only", exc
            )
            path = None
        else:
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            handler.addFilter(TokenRedactingFilter())
            root.addHandler(handler)

    def undo() -> None:
        for handler in [h for h in root.handlers if h not in before[0]]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(before[1])
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)

    return Logging(path, undo)
