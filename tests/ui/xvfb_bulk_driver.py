"""Runs the real board window on an X display (xcb): selects cards in two columns with real Ctrl-clicks,
drags the selection with real mouse events into another column, waits for the bulk move, undoes it with
Ctrl+Z.

Used by ``test_real_window.py`` in a subprocess: ``python xvfb_bulk_driver.py API_URL OUTBOX SHOT SCALE``
with the token in ``TRIAGEBOARD_DRIVER_TOKEN``; the sandbox runs on ``ScaledClock(SCALE)`` too (one anchor:
the two processes agree on the time). Prints one JSON line: the cards, what the window showed, the shot.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from xvfbkit import drive, driver_session, wait_for

from triageboard.app.session import Session
from triageboard.board import IssueKey
from triageboard.ui.columns import ColumnWidget
from triageboard.ui.models import IssueKeyRole

CTRL, PLAIN = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.NoModifier


def plain_rows(session: Session, widget: ColumnWidget, count: int) -> list[int]:
    rows = [
        r
        for r in range(widget.proxy.rowCount())
        if not session.board.placement(widget.proxy.index(r, 0).data(IssueKeyRole)).is_conflict
    ]
    return rows[:count]


async def click(widget: ColumnWidget, row: int, modifiers: Qt.KeyboardModifier) -> IssueKey:
    index = widget.proxy.index(row, 0)
    widget.view.scrollTo(index)
    center = widget.view.visualRect(index).center()
    QTest.mouseClick(widget.view.viewport(), Qt.MouseButton.LeftButton, modifiers, center)
    await asyncio.sleep(0.15)  # past the double-click interval
    key: IssueKey = index.data(IssueKeyRole)
    return key


def x_window_names() -> list[str] | None:
    """The names the X server holds for its windows (what a window manager shows), when ``xwininfo``
    (x11-utils) is installed; else None."""
    tool = shutil.which("xwininfo")
    if tool is None:
        return None
    done = subprocess.run([tool, "-root", "-tree"], capture_output=True, text=True, timeout=10, check=False)
    return re.findall(r'^\s*0x[0-9a-f]+ "(.*)": \(', done.stdout, flags=re.MULTILINE)


async def main(api_url: str, outbox: Path, shot: Path, scale: float) -> dict[str, object]:
    async with httpx.AsyncClient(timeout=10.0) as http:
        session = driver_session(http, api_url, outbox, scale=scale)
        window = session.window
        window.resize(1280, 760)
        seen: dict[str, object] = {"title": window.windowTitle()}
        try:
            await session.start()
            await wait_for(lambda: window.refresh_label.text().startswith("Refreshed"))
            window.raise_()
            window.activateWindow()  # no window manager on Xvfb: ask for focus ourselves
            handle = window.windowHandle()
            await wait_for(lambda: handle is not None and handle.isExposed(), 10)
            seen["x_titles"] = x_window_names()
            unc, ondeck, other = (window.column_widget(n) for n in ("Uncategorized", "OnDeck", "Other"))
            rows = plain_rows(session, unc, 3)
            cards = [await click(unc, rows[0], PLAIN)]
            for row in rows[1:]:
                cards.append(await click(unc, row, CTRL))
            cards.append(await click(ondeck, plain_rows(session, ondeck, 1)[0], CTRL))
            seen["selected"] = [str(k) for k in window.selected_keys()]
            seen["columns_selected"] = sorted(w.column.name for w in window.columns if w.selected_keys())

            # Drag from a selected card: QDrag.exec() runs its own loop, so the moves and the release on
            # the target are queued before it is entered.
            index = unc.proxy.index(unc.proxy.proxy_row_of(cards[1]), 0)
            start = unc.view.visualRect(index).center()
            src_vp, dst_vp = unc.view.viewport(), other.view.viewport()
            end = QPoint(dst_vp.width() // 2, max(10, dst_vp.height() - 30))
            for delay, step in ((300, 6), (450, 3), (600, 0)):
                QTimer.singleShot(delay, lambda s=step: QTest.mouseMove(dst_vp, end + QPoint(0, -s)))
            QTimer.singleShot(800, lambda: QTest.mouseRelease(dst_vp, Qt.MouseButton.LeftButton, PLAIN, end))
            # A drag that never ends would hang CI: Escape cancels it.
            QTimer.singleShot(
                8000,
                lambda: QTest.keyClick(
                    QGuiApplication.focusWindow() or window.windowHandle(), Qt.Key.Key_Escape
                ),
            )

            def press_and_drag() -> None:
                QTest.mousePress(src_vp, Qt.MouseButton.LeftButton, PLAIN, start)
                for step in (8, 16, 32, 48):
                    QTest.mouseMove(src_vp, start + QPoint(step, step))  # enters QDrag.exec()

            QTimer.singleShot(0, press_and_drag)
            await wait_for(lambda: window.bulk.isVisible(), 10)
            seen["progress"] = window.bulk.text.text()
            shot.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(shot.with_name("bulk-moving.png")))  # the progress and its Cancel
            seen["after_drop"] = [session.board.column_of(k).name for k in cards]
            await wait_for(lambda: window.bulk.text.text().startswith("Moved"), 60)
            seen["done"] = window.bulk.text.text()
            await wait_for(lambda: session.move_service.pending_count() == 0, 20)
            await asyncio.sleep(0.2)
            window.grab().save(str(shot))
            # One undo: the whole bulk move. From a plain Qt timer, as a real key would come: a key sent from
            # inside this task would run the other tasks' steps inside it.
            QTimer.singleShot(0, lambda: QTest.keyClick(window, Qt.Key.Key_Z, CTRL))
            await asyncio.sleep(0.2)
            seen["after_undo"] = [session.board.column_of(k).name for k in cards]
            seen["undo_enabled"] = window.undo_action.isEnabled()
            await wait_for(lambda: session.move_service.pending_count() == 0, 60)
            return {
                "cards": [str(k) for k in cards],
                "seen": seen,
                "platform": QGuiApplication.platformName(),
                "screenshot": str(shot),
            }
        finally:
            await session.aclose()


def run() -> int:
    api_url, outbox, shot, scale = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])

    def prepare(app: QApplication) -> None:
        app.setApplicationDisplayName("triageboard")  # as the app does: the title must not say it twice

    return drive(lambda: main(api_url, outbox, shot, scale), prepare=prepare)


if __name__ == "__main__":
    raise SystemExit(run())
