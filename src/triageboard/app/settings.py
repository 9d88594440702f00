"""Where the window keeps its layout: nothing secret, and nothing that needs the network stack."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from .. import paths


def window_settings() -> QSettings:
    """Window geometry, splitter sizes and each board's order within columns (``ui.cardstate``), in the
    per-user config folder; never a token."""
    return QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)
