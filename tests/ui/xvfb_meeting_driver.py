"""Runs the real board window on an X display (xcb) and holds a triage meeting with real key events.

Used by ``test_real_window.py`` in a subprocess: ``python xvfb_meeting_driver.py API_URL OUTBOX SHOT
[DOCS_SHOT]`` with the token in ``TRIAGEBOARD_DRIVER_TOKEN``. Keys go through the window system (QTest on
the ``QWindow``: the platform's key path, shortcuts and focus included). Prints one JSON line: what the
view showed after each key, the issues each decision was about, and the screenshots.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from xvfbkit import drive, driver_session, wait_for

from triageboard.ui.assign import AssignDialog
from triageboard.ui.meeting import MeetingView


async def focus(widget: QWidget) -> QWindow:
    """Bring a top-level widget up and make it the active window (Xvfb has no window manager to do it)."""
    widget.show()
    widget.raise_()
    widget.activateWindow()
    handle = widget.windowHandle()
    await wait_for(lambda: handle is not None and handle.isExposed(), 10)
    handle.requestActivate()
    await wait_for(lambda: QGuiApplication.focusWindow() is handle, 10)
    return handle


async def key(
    window: QWindow, code: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """A key press and release through the window system. From a plain Qt timer, as a real key event
    would come: QTest processes events, which must not happen inside a running task."""
    sent: list[bool] = []

    def press() -> None:
        QTest.keyClick(window, code, modifiers)
        sent.append(True)

    QTimer.singleShot(0, press)
    await wait_for(lambda: bool(sent), 10)
    await asyncio.sleep(0.02)


async def main(api_url: str, outbox: Path, shot: Path, docs_shot: Path | None) -> dict[str, object]:
    async with httpx.AsyncClient(timeout=10.0) as http:
        session = driver_session(http, api_url, outbox)
        window = session.window
        window.resize(1280, 760)
        seen: dict[str, object] = {}
        try:
            await session.start()
            await wait_for(lambda: window.refresh_label.text().startswith("Refreshed"))
            await wait_for(lambda: window.user_login != "")
            board_handle = await focus(window)
            await key(board_handle, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
            view: MeetingView = session.meeting_view
            await wait_for(lambda: view.isVisible() and view.meeting is not None)
            view.resize(1300, 800)
            handle = await focus(view)
            seen["opened"] = view.progress.text()

            # Step 1: 2 → OnDeck, Space skips, 3 → Other, Backspace takes the 3 back, 3 again.
            first = str(view.current_key())
            await key(handle, Qt.Key.Key_2)
            skipped = str(view.current_key())
            await key(handle, Qt.Key.Key_Space)
            third = str(view.current_key())
            await key(handle, Qt.Key.Key_3)
            await key(handle, Qt.Key.Key_Backspace)
            seen["after_backspace"] = [view.progress.text(), str(view.current_key())]
            await key(handle, Qt.Key.Key_3)
            seen["step1"] = view.progress.text()
            while view.meeting is not None and view.meeting.step_index == 0:
                await key(handle, Qt.Key.Key_Space)

            # Step 2: the unassigned Focus issue gets me (A, Enter: "me" is first), then K keeps it.
            seen["step2"] = [view.progress.text(), view.step.text(), view.keys.text()]
            assigned = str(view.current_key())
            await key(handle, Qt.Key.Key_A)
            await wait_for(
                lambda: any(
                    isinstance(w, AssignDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
                )
            )
            dialog = next(
                w for w in QApplication.topLevelWidgets() if isinstance(w, AssignDialog) and w.isVisible()
            )
            await wait_for(lambda: len(dialog.shown()) > 1)
            dialog_handle = await focus(dialog)
            seen["picker_first"] = dialog.shown()[0]
            await key(dialog_handle, Qt.Key.Key_Return)
            await wait_for(
                lambda: not any(isinstance(w, AssignDialog) for w in QApplication.topLevelWidgets())
            )
            handle = await focus(view)
            await key(handle, Qt.Key.Key_K)
            demoted = str(view.current_key())
            await key(handle, Qt.Key.Key_D)
            while view.meeting is not None and view.meeting.step_index == 1:
                await key(handle, Qt.Key.Key_Space)

            # Step 3: the best-ranked candidate is promoted.
            seen["step3"] = [view.progress.text(), view.step.text(), view.need.text(), view.why.text()]
            promoted = str(view.current_key())
            await key(handle, Qt.Key.Key_P)
            seen["after_promote"] = [view.progress.text(), view.counts.text()]
            await wait_for(lambda: session.move_service.pending_count() == 0, 30)
            await asyncio.sleep(0.3)
            shot.parent.mkdir(parents=True, exist_ok=True)
            view.grab().save(str(shot))
            if docs_shot is not None:
                view.grab().save(str(docs_shot), "PNG", 9)
            # Esc leaves; Ctrl+M comes back to the same place.
            await key(handle, Qt.Key.Key_Escape)
            seen["left"] = not view.isVisible()
            board_handle = await focus(window)
            await key(board_handle, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
            await wait_for(view.isVisible)
            seen["resumed"] = view.progress.text()
            return {
                "seen": seen,
                "first": first,
                "skipped": skipped,
                "third": third,
                "assigned": assigned,
                "demoted": demoted,
                "promoted": promoted,
                "me": window.user_login,
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
