"""Runs the real board window on an X display (xcb) at one width, in a light or dark palette, and saves a
screenshot of its cards (``QT_SCALE_FACTOR`` comes from the environment).

Used by ``test_real_window.py`` in a subprocess: ``python xvfb_cards_driver.py API_URL OUTBOX SHOT WIDTH
light|dark`` with the token in ``TRIAGEBOARD_DRIVER_TOKEN``. Prints one JSON line: what the cards show.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from triageboard.app.session import Session
from triageboard.auth import Credentials
from triageboard.board import preset
from triageboard.clock import ScaledClock
from triageboard.github import Policy
from triageboard.runtime.loop import EventLoop
from triageboard.ui.delegate import CARD_MARGIN, PAD, CardDelegate
from triageboard.ui.models import ChipsRole, IssueKeyRole

# As tests/support/pace.py (a process of its own cannot import it): deadlines a busy machine fits in.
PACE = Policy(read_timeout=1000.0, request_deadline=3000.0)


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


async def wait_for(predicate: object, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the window did not get there in time")


async def main(api_url: str, outbox: Path, shot: Path, width: int) -> dict[str, object]:
    token = os.environ.pop("TRIAGEBOARD_DRIVER_TOKEN")
    async with httpx.AsyncClient(timeout=10.0) as http:
        credentials = Credentials(api_url, environ={})
        credentials.use(token, "test")
        spec = preset("rust-async").with_sources(api_url=api_url)
        session = Session(spec, http, credentials, outbox_path=outbox, policy=PACE, clock=ScaledClock(0.01))
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
    app = QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    if look == "dark":
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        result = loop.run_until_complete(main(api_url, outbox, shot, width))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
