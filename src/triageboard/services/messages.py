"""User-facing messages from any layer, carried to whatever displays them (the window's message bar).

Reporting is separate from display: a service calls :func:`report`; the window registers a sink with
:func:`connect`. Without a sink the message is only logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

log = logging.getLogger(__name__)


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


Sink = Callable[[Level, str], None]

_sinks: list[Sink] = []


def connect(sink: Sink) -> Callable[[], None]:
    """Send every future report to ``sink``; returns the function that disconnects it."""
    _sinks.append(sink)

    def disconnect() -> None:
        if sink in _sinks:
            _sinks.remove(sink)

    return disconnect


def report(level: Level | str, text: str) -> None:
    """Show ``text`` to the user; it should say what happened and what to do."""
    level = Level(level)
    log.log({Level.INFO: logging.INFO, Level.WARNING: logging.WARNING}.get(level, logging.ERROR), "%s", text)
    for sink in list(_sinks):
        sink(level, text)


def info(text: str) -> None:
    report(Level.INFO, text)


def warning(text: str) -> None:
    report(Level.WARNING, text)


def error(text: str) -> None:
    report(Level.ERROR, text)
