"""Where the window keeps its layout: nothing secret, and nothing that needs the network stack."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from .. import paths


def window_settings() -> QSettings:
    """Window geometry and splitter sizes, in the per-user config folder; never a token."""
    return QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)
