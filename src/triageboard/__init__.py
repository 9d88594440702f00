"""triageboard: triage GitHub issues on a kanban board."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("triageboard")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

APP_ID = "io.github.triageboard.TriageBoard"
APP_NAME = "triageboard"
