"""Runs the real board window on an X display (xcb) and drags one card with real mouse events.

Used by ``test_real_window.py`` in a subprocess: ``python xvfb_driver.py API_URL OUTBOX SHOT [DOCS_SHOT]``
with the token in ``TRIAGEBOARD_DRIVER_TOKEN``. Prints one JSON line: the card, its columns, the shots.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from xvfbkit import drive, driver_session, wait_for

from triageboard.board import IssueKey
from triageboard.ui.models import IssueKeyRole


async def main(api_url: str, outbox: Path, shot: Path, docs_shot: Path | None) -> dict[str, object]:
    async with httpx.AsyncClient(timeout=10.0) as http:
        session = driver_session(http, api_url, outbox)
        window = session.window
        window.resize(1280, 760)
        try:
            await session.start()
            await wait_for(lambda: window.refresh_label.text().startswith("Refreshed"))
            window.raise_()
            window.activateWindow()  # no window manager on Xvfb: ask for focus ourselves
            handle = window.windowHandle()
            await wait_for(lambda: handle is not None and handle.isExposed(), 10)
            source = window.column_widget("Uncategorized")
            target = window.column_widget("Other")
            row = next(
                r
                for r in range(source.proxy.rowCount())
                if not session.board.placement(source.proxy.index(r, 0).data(IssueKeyRole)).is_conflict
            )
            index = source.proxy.index(row, 0)
            key: IssueKey = index.data(IssueKeyRole)
            start = source.view.visualRect(index).center()
            src_vp, dst_vp = source.view.viewport(), target.view.viewport()
            end = QPoint(dst_vp.width() // 2, max(10, dst_vp.height() - 30))
            QTest.mouseClick(src_vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
            await asyncio.sleep(0.2)

            # QDrag.exec() runs its own loop: queue the move and release on the target before entering it.
            def over_target(step: int) -> None:
                QTest.mouseMove(dst_vp, end + QPoint(0, -step))

            QTimer.singleShot(300 + 0, lambda: over_target(6))
            QTimer.singleShot(450, lambda: over_target(3))
            QTimer.singleShot(600, lambda: over_target(0))
            QTimer.singleShot(
                800,
                lambda: QTest.mouseRelease(
                    dst_vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end
                ),
            )
            # A drag that never ends would hang CI: Escape cancels it.
            QTimer.singleShot(
                8000,
                lambda: QTest.keyClick(
                    QGuiApplication.focusWindow() or window.windowHandle(), Qt.Key.Key_Escape
                ),
            )

            def press_and_drag() -> None:
                QTest.mousePress(src_vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
                for step in (8, 16, 32, 48):
                    QTest.mouseMove(src_vp, start + QPoint(step, step))  # enters QDrag.exec()

            # From a plain Qt timer, as a real mouse event would: QDrag.exec() must not run inside a task.
            QTimer.singleShot(0, press_and_drag)
            await asyncio.sleep(1.5)
            moved_to = session.board.column_of(key).name
            await wait_for(lambda: session.move_service.pending_count() == 0, 20)
            window.select(key)
            await asyncio.sleep(0.3)
            shot.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(shot))
            if docs_shot is not None:
                window.grab().save(str(docs_shot), "PNG", 9)
            return {
                "counts": {
                    w.column.name: [*w.counts(), session.board.column_size(w.column)] for w in window.columns
                },
                "header": {w.column.name: w.header.count_label.text() for w in window.columns},
                "key": str(key),
                "column": moved_to,
                "platform": QGuiApplication.platformName(),
                "screenshot": str(shot),
            }
        finally:
            await session.aclose()


def run() -> int:
    api_url, outbox, shot = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    docs_shot = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    return drive(lambda: main(api_url, outbox, shot, docs_shot))


if __name__ == "__main__":
    raise SystemExit(run())
