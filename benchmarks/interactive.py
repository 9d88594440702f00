"""In-process measures of the window, each run in its own process by ``benchmarks/run.py`` (prints JSON):

    python benchmarks/interactive.py drop API_URL ROUNDS      drop -> both columns repainted (a live session)
    python benchmarks/interactive.py keystroke CARDS ROUNDS   filter keystroke -> every column repainted

Times are wall-clock, from the event that starts the gesture to the paint that shows its result, with the
event loop running as in the app (the move engine and the HTTP client included for a drop).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from triageboard.board import Board, BoardSpec, Column, Filter, Issue, Label, preset
from triageboard.ui.columns import ColumnWidget
from triageboard.ui.painted import PaintWatch
from triageboard.ui.window import MainWindow

WAIT_MS = 5000
ALL_ISSUES = BoardSpec(
    name="bench-all",
    repos=("rust-lang/rust", "rust-lang/wg-async"),
    columns=(
        Column("Focus", ("AsyncAwait-Focus",)),
        Column("OnDeck", ("AsyncAwait-OnDeck",)),
        Column("Other", ("AsyncAwait-Other",)),
        Column("Uncategorized"),
    ),
)


def painted(views: list[ColumnWidget], start: Callable[[], None], *, ask: bool = False) -> float:
    """Seconds from ``start()`` until every one of ``views`` has painted (a nested Qt loop waits)."""
    watch = PaintWatch([w.view for w in views])
    waiting = QEventLoop()
    watch.painted.connect(waiting.quit)
    watch.arm(ask=ask)
    began = time.perf_counter()
    start()
    if watch.armed:
        QTimer.singleShot(WAIT_MS, waiting.quit)
        waiting.exec()
    took = time.perf_counter() - began
    if watch.armed:
        raise RuntimeError("the columns did not repaint")
    return took


async def until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the board did not load")
        await asyncio.sleep(0.02)


def drop_events(source: ColumnWidget, row: int, target: ColumnWidget) -> list[object]:
    mime = source.proxy.mimeData([source.proxy.index(row, 0)])
    viewport = target.view.viewport()
    point = QPoint(viewport.width() // 2, viewport.height() - 5)
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    return [
        mime,  # the events point at it: it must outlive them
        QDragEnterEvent(point, actions, mime, buttons, mods),
        QDragMoveEvent(point, actions, mime, buttons, mods),
        QDropEvent(QPointF(point), actions, mime, buttons, mods),
    ]


async def measure_drop(api_url: str, rounds: int) -> dict[str, object]:
    import httpx

    from triageboard.app.session import Session
    from triageboard.auth import Credentials

    credentials = Credentials(api_url, environ={})
    credentials.use("standin-token", "benchmark")
    spec = ALL_ISSUES.with_sources(api_url=api_url)
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as http:
        from triageboard import paths

        session = Session(spec, http, credentials, outbox_path=paths.data_dir() / "bench-outbox.sqlite3")
        session.window.resize(1360, 820)
        await session.start()
        await until(lambda: session.board_service.completed > 0 and not session.board_service.loading)
        await asyncio.sleep(0.5)
        cards = len(session.board)
        source, target = session.window.column_widget("Other"), session.window.column_widget("OnDeck")
        delegate_source = source.view.itemDelegate()
        delegate_target = target.view.itemDelegate()
        drops: list[float] = []
        repaints: list[float] = []
        for n in range(rounds):
            # the baseline: the same two columns repainted, every visible card drawn
            for delegate in (delegate_source, delegate_target):
                delegate._rendered.clear()  # type: ignore[attr-defined]
            began = time.perf_counter()
            source.view.viewport().repaint()
            target.view.viewport().repaint()
            repaints.append(time.perf_counter() - began)
            await asyncio.sleep(0.05)
            mime, enter, move, drop = drop_events(source, n, target)
            viewport = target.view.viewport()
            # The drag reaches the column first (which lights up): the drop is what is measured.
            QApplication.sendEvent(viewport, enter)  # type: ignore[arg-type]
            QApplication.sendEvent(viewport, move)  # type: ignore[arg-type]
            await asyncio.sleep(0.1)

            def do_drop(viewport: object = viewport, drop: object = drop) -> None:
                QApplication.sendEvent(viewport, drop)  # type: ignore[arg-type]

            drops.append(await painted_async([source, target], do_drop))
            del mime
            await asyncio.sleep(0.3)
        await session.aclose()
    return {"cards": cards, "drop": statistics.median(drops), "repaint": statistics.median(repaints)}


async def painted_async(views: list[ColumnWidget], start: Callable[[], None]) -> float:
    """``painted`` with the asyncio loop (qasync) running meanwhile, as in the app."""
    done = asyncio.get_running_loop().create_future()
    watch = PaintWatch([w.view for w in views])
    watch.painted.connect(lambda: done.done() or done.set_result(time.perf_counter()))
    watch.arm(ask=False)
    began = time.perf_counter()
    start()
    finished = await asyncio.wait_for(done, WAIT_MS / 1000)
    return float(finished) - began


NOW = datetime(2026, 11, 1, tzinfo=UTC)
COLUMN_LABELS = ["AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other", None]
WORDS = ["futures", "Pin", "closures", "Send", "traits", "lifetimes", "diagnostics", "ICE"]


def make_issues(n: int) -> list[Issue]:
    issues = []
    for i in range(n):
        labels = [Label("A-async-await", "f7e101"), Label("C-bug", "d73a4a")]
        column = COLUMN_LABELS[i % 4] if i % 50 else COLUMN_LABELS[1]
        if column:
            labels.append(Label(column, "5319e7"))
        if i % 7 == 0:
            labels.append(Label("E-mentor", "02e10c"))
        issues.append(
            Issue(
                repo="rust-lang/rust",
                number=i + 1,
                title=f"async fn issue {i} with a long title about {WORDS[i % 8]} and {WORDS[(i // 8) % 8]}",
                labels=tuple(labels),
                assignees=("alice",) if i % 3 == 0 else (),
                created_at=NOW - timedelta(minutes=i),
                updated_at=NOW - timedelta(minutes=i // 2),
            )
        )
    return issues


def measure_keystroke(cards: int, rounds: int) -> dict[str, object]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    board = Board(preset("rust-async"))
    board.replace_all(make_issues(cards))
    window = MainWindow(board)
    window.resize(1360, 820)
    window.show()
    painted(window.columns, lambda: None, ask=True)
    field = window.filter_bar.text
    typed = "futures pin"
    keystrokes: list[float] = []
    baselines: list[float] = []
    issues = board.issues()
    for _ in range(rounds):
        field.clear()
        app.processEvents()
        for n, char in enumerate(typed):
            # the baseline: the filter's pass over every card, and one repaint of the four columns
            flt = Filter(text=typed[: n + 1])
            began = time.perf_counter()
            shown = [i for i in issues if flt.matches(i)]
            for widget in window.columns:
                widget.view.viewport().repaint()
            baselines.append(time.perf_counter() - began)
            del shown
            field.setText(typed[:n])
            field.setCursorPosition(n)
            app.processEvents()
            keystrokes.append(painted(window.columns, lambda c=char: QTest.keyClick(field, c)))
    window.close()
    return {
        "cards": len(board),
        "keystroke": statistics.median(keystrokes),
        "baseline": statistics.median(baselines),
    }


def main() -> int:
    what = sys.argv[1]
    if what == "drop":
        from triageboard.runtime.loop import EventLoop

        app = QApplication(sys.argv[:1])
        app.setQuitOnLastWindowClosed(False)  # as in the app: the session closes its window itself
        loop = EventLoop(app)
        asyncio.set_event_loop(loop)
        try:
            result = loop.run_until_complete(measure_drop(sys.argv[2], int(sys.argv[3])))
        finally:
            loop.close()
    elif what == "keystroke":
        result = measure_keystroke(int(sys.argv[2]), int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown measure {what!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
