"""How fast the board window's models load and filter 10,000 cards, against a plain-Python baseline.

Run: ``python benchmarks/bench_board.py`` (offscreen; about 10 s). Prints figures; asserts nothing about time.
The baseline, measured in the same run, is the work no UI can avoid: placing the issues on a
``board.Board`` (load) and a list comprehension with the same ``Filter`` (filter).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from triageboard.board import Board, Filter, Issue, Label, preset
from triageboard.ui.columns import ColumnWidget
from triageboard.ui.models import ColumnModel

CARDS = 10_000
SPEC = preset("rust-async")
LABELS = ["AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other", None]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def make_issues(n: int) -> list[Issue]:
    issues = []
    for i in range(n):
        labels = [Label("A-async-await", "f7e101"), Label("C-bug", "d73a4a")]
        column = LABELS[i % 4] if i % 50 else LABELS[1]
        if column:
            labels.append(Label(column, "5319e7"))
        if i % 7 == 0:
            labels.append(Label("E-mentor", "02e10c"))
        issues.append(
            Issue(
                repo="rust-lang/rust",
                number=i + 1,
                title=f"async fn issue {i} with a reasonably long title about futures",
                labels=tuple(labels),
                assignees=("alice",) if i % 3 == 0 else (),
                created_at=NOW - timedelta(minutes=i),
                updated_at=NOW - timedelta(minutes=i // 2),
            )
        )
    return issues


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    issues = make_issues(CARDS)
    pages = [issues[i : i + 100] for i in range(0, CARDS, 100)]
    filters = {
        "E-mentor": Filter(mentored_only=True),
        "assignee alice": Filter(assignee="alice"),
        "text 'futures 12'": Filter(text="futures 12"),
        "label C-bug": Filter(label="C-bug"),
    }

    def board_only() -> Board:
        board = Board(SPEC)
        for page in pages:
            board.update(page)
        board.replace_all(issues)
        return board

    widgets: list[ColumnWidget] = []

    def board_with_window() -> None:
        board = Board(SPEC)
        widgets.clear()
        widgets.extend(ColumnWidget(ColumnModel(board, column)) for column in SPEC.columns)
        for widget in widgets:
            widget.resize(320, 900)
            widget.show()
        for page in pages:  # pages as the fetch delivers them, with the views listening
            board.update(page)
        board.replace_all(issues)
        app.processEvents()
        for widget in widgets:
            widget.view.viewport().grab()  # one full paint of the visible cards

    print(f"{CARDS:,} cards, {len(pages)} pages of 100, columns: {', '.join(c.name for c in SPEC.columns)}")
    base = best_of(3, board_only)
    full = best_of(3, board_with_window)
    print(f"load   baseline (Board only)          {base * 1000:8.1f} ms")
    print(f"load   Board + 4 models/views + paint {full * 1000:8.1f} ms   ratio {full / base:5.2f}x")

    board = board_only()
    for name, flt in filters.items():
        plain = best_of(5, lambda flt=flt: [i for i in board.issues() if flt.matches(i)])
        board_with_window()

        def apply(flt: Filter = flt) -> None:
            for widget in widgets:
                widget.proxy.set_filter(flt)
            for widget in widgets:
                widget.proxy.set_filter(Filter())

        ui = best_of(5, apply) / 2
        shown = sum(w.proxy.rowCount() for w in widgets)
        print(
            f"filter {name:<18} baseline {plain * 1000:7.2f} ms   proxies {ui * 1000:7.2f} ms   "
            f"ratio {ui / plain:5.2f}x   ({shown:,} shown after clearing)"
        )
    scroll = widgets[-1].view
    paints = []
    for step in range(20):
        scroll.verticalScrollBar().setValue(step * 400)
        start = time.perf_counter()
        scroll.viewport().grab()
        paints.append(time.perf_counter() - start)
    print(f"paint  one viewport of cards (median of 20 positions) {statistics.median(paints) * 1000:6.2f} ms")
    for widget in widgets:
        widget.close()


if __name__ == "__main__":
    main()
