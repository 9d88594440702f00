"""The app's resources (icons, desktop entry, AppStream metainfo), loaded through importlib.resources.

The same code path works in a source checkout, an installed wheel and a PyInstaller bundle: the files
are package data of ``triageboard.resources``. The path helpers need no Qt; only ``app_icon`` does.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

from .. import APP_ID

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
DESKTOP_FILE = f"applications/{APP_ID}.desktop"
METAINFO_FILE = f"metainfo/{APP_ID}.metainfo.xml"


def root() -> Traversable:
    """Where the resources are: a directory in a venv, a wheel install and a PyInstaller bundle."""
    return files(__name__)


def resource(name: str) -> Traversable:
    """A resource by its ``/``-separated name relative to this package, e.g. ``"applications/x.desktop"``."""
    node = root()
    for part in name.split("/"):
        if part in ("", ".", ".."):
            raise ValueError(f"not a resource name: {name!r}")
        node = node / part
    return node


def icon_name(size: int | None) -> str:
    """The icon's resource name in the hicolor layout; ``None`` is the scalable SVG."""
    if size is None:
        return f"icons/hicolor/scalable/apps/{APP_ID}.svg"
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes: {', '.join(map(str, ICON_SIZES))}")
    return f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png"


def icon_path(size: int | None) -> Traversable:
    """The PNG icon of ``size`` pixels, or the scalable SVG for ``None``."""
    return resource(icon_name(size))


def read_text(name: str) -> str:
    return resource(name).read_text(encoding="utf-8")


def read_bytes(name: str) -> bytes:
    return resource(name).read_bytes()


def all_resources() -> list[str]:
    """Every resource the app ships: the icons, the desktop entry and the metainfo."""
    return [icon_name(None), *(icon_name(s) for s in ICON_SIZES), DESKTOP_FILE, METAINFO_FILE]


def missing_resources() -> list[str]:
    return [name for name in all_resources() if not resource(name).is_file()]


def app_icon() -> QIcon:
    """The app icon with every PNG size, for ``QApplication.setWindowIcon`` and dialogs."""
    from PySide6.QtGui import QIcon, QPixmap

    icon = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap()
        if pixmap.loadFromData(read_bytes(icon_name(size)), "PNG"):
            icon.addPixmap(pixmap)
    return icon
