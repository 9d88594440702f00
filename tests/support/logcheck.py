"""A test fails when the app logs a warning or an error the test did not expect (as qutebrowser's suites do).

A warning in the log is the app saying something went wrong; a test that passes while it happens hides a
bug. A test that provokes one on purpose says so with a marker, on the test or for a whole module::

    @pytest.mark.logs("dropped", logger="triageboard.moves")      # a warning whose text has "dropped"
    pytestmark = pytest.mark.logs(logger="triageboard.github")    # anything from the client, any text

``match`` is a regular expression searched in the formatted message; ``logger`` a logger name that
covers its children; ``level`` the highest level allowed (default ERROR: warnings and errors). Records
from other processes (the CLI and window drivers) are not seen here: those tests check their output.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator

import pytest

MARKER = "logs"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(match='', *, logger='', level='ERROR'): the test expects warnings or errors in the log "
        "(a regular expression in the message, a logger and its children, the highest level allowed)",
    )


class _Collector(logging.Handler):
    """Every record at WARNING or above, from any thread (the sandbox and the stores have their own)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self.records.append(record)


def _allows(marker: pytest.Mark, record: logging.LogRecord) -> bool:
    match = str(marker.args[0]) if marker.args else str(marker.kwargs.get("match", ""))
    logger = str(marker.kwargs.get("logger", ""))
    level = logging.getLevelName(str(marker.kwargs.get("level", "ERROR")))
    if not isinstance(level, int):
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: unknown level {marker.kwargs.get('level')!r}")
    if record.levelno > level:
        return False
    if logger and record.name != logger and not record.name.startswith(logger + "."):
        return False
    return not match or re.search(match, record.getMessage()) is not None


@pytest.fixture(autouse=True)
def _no_unexpected_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Set up first and torn down last: what other fixtures log while they close counts too."""
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
    markers = list(request.node.iter_markers(MARKER))
    unexpected = [r for r in collector.records if not any(_allows(m, r) for m in markers)]
    if unexpected:
        lines = "\n".join(f"  {r.levelname} {r.name}: {r.getMessage()}" for r in unexpected[:20])
        more = f"\n  … and {len(unexpected) - 20} more" if len(unexpected) > 20 else ""
        pytest.fail(
            f"logged {len(unexpected)} unexpected warning(s) or error(s):\n{lines}{more}\n"
            f"(if the test provokes them on purpose, say so with @pytest.mark.{MARKER}(...))",
            pytrace=False,
        )
