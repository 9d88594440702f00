"""triageboard: triage GitHub issues on a kanban board."""

from __future__ import annotations

import sys

# httpx imports its command-line tool (click, rich, pygments) whenever they happen to be installed: a large
# part of a start spent on nothing triageboard uses. It is left out (httpx.main then says it cannot run).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

APP_ID = "io.github.triageboard.TriageBoard"
APP_NAME = "triageboard"


def __getattr__(name: str) -> str:
    # Looking the version up reads the installed metadata (tens of milliseconds): only when asked.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("triageboard")
        except PackageNotFoundError:  # running from a source tree that was never installed
            found = "0.0.0+unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
