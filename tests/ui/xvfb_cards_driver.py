"""Runs the real board window on an X display (xcb) at one width, in a light or dark palette, and saves a
screenshot of its cards (``QT_SCALE_FACTOR`` comes from the environment).

Used by ``test_real_window.py`` in a subprocess: ``python xvfb_cards_driver.py API_URL OUTBOX SHOT WIDTH
light|dark`` with the token in ``TRIAGEBOARD_DRIVER_TOKEN``. Prints one JSON line: what the cards show.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication
from xvfbkit import drive, driver_session, wait_for

from triageboard.ui.delegate import CARD_MARGIN, PAD, CardDelegate
from triageboard.ui.models import ChipsRole, IssueKeyRole


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#1e1f22"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#26282c"),
        (QPalette.ColorRole.AlternateBase, "#2d3035"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.PlaceholderText, "#a0a4ab"),
        (QPalette.ColorRole.Button, "#2d3035"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
        (QPalette.ColorRole.Highlight, "#3b82f6"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.Mid, "#4a4d52"),
        (QPalette.ColorRole.ToolTipBase, "#2d3035"),
        (QPalette.ColorRole.ToolTipText, "#e6e6e6"),
    ):
        palette.setColor(role, QColor(color))
    return palette


async def main(api_url: str, outbox: Path, shot: Path, width: int) -> dict[str, object]:
    async with httpx.AsyncClient(timeout=10.0) as http:
        session = driver_session(http, api_url, outbox)
        window = session.window
        window.resize(width, 820)
        try:
            await session.start()
            await wait_for(lambda: window.refresh_label.text().startswith("Refreshed"))
            handle = window.windowHandle()
            await wait_for(lambda: handle is not None and handle.isExposed(), 10)
            window.card_state.tell_shown()
            focus = window.column_widget("Focus")
            # The timelines of the cards on screen arrive: the cards say how long they have been in Focus.
            await wait_for(lambda: bool(focus.proxy.rowCount()) and bool(focus.model.in_column), 30)
            await asyncio.sleep(0.3)
            image = window.grab()
            shot.parent.mkdir(parents=True, exist_ok=True)
            image.save(str(shot))
            picture = image.toImage()
            cards = []
            for widget in window.columns:
                view = widget.view
                delegate = view.itemDelegate()
                assert isinstance(delegate, CardDelegate)
                inner = view.viewport().width() - 2 * (CARD_MARGIN + PAD)
                for row in range(min(4, widget.proxy.rowCount())):
                    index = widget.proxy.index(row, 0)
                    rect = view.visualRect(index)
                    corner = view.viewport().mapTo(
                        window, rect.bottomLeft() + QPoint(CARD_MARGIN + 4, -CARD_MARGIN - 4)
                    )
                    fill = picture.pixelColor(corner * image.devicePixelRatio())
                    title = str(index.data())
                    cards.append(
                        {
                            "column": widget.column.name,
                            "key": str(index.data(IssueKeyRole)),
                            "title": title,
                            "lines": list(delegate.title_lines(title, inner)),
                            "chips": [name for name, _ in index.data(ChipsRole)],
                            "fill": fill.name(),
                            "column_width": widget.width(),
                        }
                    )
            return {
                "platform": QGuiApplication.platformName(),
                "ratio": image.devicePixelRatio(),
                "size": [image.width(), image.height()],
                "window": [window.width(), window.height()],
                "base": window.palette().color(QPalette.ColorRole.Base).name(),
                "headers": {w.column.name: w.header.count_label.text() for w in window.columns},
                "cards": cards,
                "screenshot": str(shot),
            }
        finally:
            await session.aclose()


def run() -> int:
    api_url, outbox, shot = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    width, look = int(sys.argv[4]), sys.argv[5]

    def prepare(app: QApplication) -> None:
        if look == "dark":
            app.setStyle("Fusion")
            app.setPalette(dark_palette())

    return drive(lambda: main(api_url, outbox, shot, width), prepare=prepare)


if __name__ == "__main__":
    raise SystemExit(run())
