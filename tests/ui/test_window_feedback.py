"""What the triager sees while working: drop targets, the selected card, limit warnings, remembered layout,
messages that go away when their cause does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionViewItem
from pytestqt.qtbot import QtBot
from sandboxkit import Fault, Sandbox

from triageboard.app.session import Session
from triageboard.board import Board, Issue, IssueKey, Label, preset
from triageboard.errors import RateLimited
from triageboard.reporting import Doing, Level, Report
from triageboard.ui.columns import MIN_COLUMN_WIDTH, ColumnWidget
from triageboard.ui.delegate import CARD_MARGIN, CardDelegate
from triageboard.ui.models import ColumnModel
from triageboard.ui.window import MIN_SIZE, MainWindow

SPEC = preset("rust-async")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def highlighted(widget: ColumnWidget) -> bool:
    """Whether the column shows itself as a drop target (read afresh: drags change it under the test)."""
    return bool(widget.view.drop_target)


def details_key(window: MainWindow) -> IssueKey | None:
    """The key of the issue the details pane shows (read afresh: the pane follows the selection)."""
    shown = window.details.issue
    return None if shown is None else shown.key


def issue(n: int, *labels: str, title: str = "") -> Issue:
    return Issue(
        repo="rust-lang/rust",
        number=n,
        title=title or f"issue {n}",
        labels=tuple(Label(name, "ededed") for name in ("A-async-await", *labels)),
        created_at=NOW - timedelta(days=n),
        updated_at=NOW - timedelta(hours=n),
    )


@pytest.fixture
def board() -> Board:
    b = Board(SPEC)
    b.update(
        [issue(1, "AsyncAwait-Focus"), issue(2, "AsyncAwait-Focus"), issue(3), issue(4, "AsyncAwait-Other")]
    )
    return b


def offline_window(board: Board, qtbot: QtBot, settings: QSettings | None = None) -> MainWindow:
    """A window over a board that is never refreshed (no services: it only shows the board)."""
    window = MainWindow(board, settings=settings)
    qtbot.addWidget(window)
    return window


def drag_events(mime: QMimeData, point: QPoint) -> tuple[QDragEnterEvent, QDragMoveEvent]:
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    return QDragEnterEvent(point, actions, mime, buttons, mods), QDragMoveEvent(
        point, actions, mime, buttons, mods
    )


def test_a_column_that_would_take_the_dragged_card_lights_up(board: Board, qtbot: QtBot) -> None:
    widgets = {c.name: ColumnWidget(ColumnModel(board, c)) for c in SPEC.columns}
    for w in widgets.values():
        qtbot.addWidget(w)
        w.resize(260, 400)
        w.show()
    focus, other = widgets["Focus"], widgets["Other"]
    mime = focus.proxy.mimeData([focus.proxy.index(0, 0)])
    viewport = other.view.viewport()
    before = viewport.grab().toImage()
    # Over a card of the target column, not only over its empty space.
    enter, move = drag_events(mime, other.view.visualRect(other.proxy.index(0, 0)).center())
    QApplication.sendEvent(viewport, enter)
    QApplication.sendEvent(viewport, move)
    assert move.isAccepted()
    assert highlighted(other)
    assert viewport.grab().toImage() != before  # painted, not only flagged
    QApplication.sendEvent(viewport, QDragLeaveEvent())
    assert not highlighted(other)
    assert viewport.grab().toImage() == before
    # The card's own column would not take it: no highlight there.
    enter, move = drag_events(mime, QPoint(20, 20))
    QApplication.sendEvent(focus.view.viewport(), enter)
    QApplication.sendEvent(focus.view.viewport(), move)
    assert not focus.view.drop_target


def paint_card(selected: bool) -> QImage:
    board = Board(SPEC)
    board.update([issue(1, "AsyncAwait-Focus")])
    model = ColumnModel(board, SPEC.columns[0])
    delegate = CardDelegate()
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 260, 100)
    option.palette = QApplication.palette()
    option.state = QStyle.StateFlag.State_Enabled | (
        QStyle.StateFlag.State_Selected if selected else QStyle.StateFlag.State_None
    )
    image = QImage(260, 100, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    delegate.paint(painter, option, model.index(0, 0))
    painter.end()
    model.detach()
    return image


def test_the_selected_card_is_filled_and_outlined(qapp: object) -> None:
    plain, chosen = paint_card(False), paint_card(True)
    base = QApplication.palette().color(QPalette.ColorRole.Base)
    inside = QPoint(CARD_MARGIN + 5, 100 - CARD_MARGIN - 5)  # padding at the bottom left: no text there
    assert plain.pixelColor(inside) == base
    assert chosen.pixelColor(inside) != base  # a tinted card, not only a thin border
    highlight = QApplication.palette().color(QPalette.ColorRole.Highlight)
    edge = chosen.pixelColor(QPoint(130, CARD_MARGIN))  # the middle of the 3 px outline
    assert abs(edge.blue() - highlight.blue()) < 40
    assert abs(edge.red() - highlight.red()) < 40


def test_a_column_outside_its_soft_limit_says_so_without_colour(board: Board, qtbot: QtBot) -> None:
    model = ColumnModel(board, SPEC.column("Focus"))
    model.clock = lambda: NOW.timestamp()
    focus = ColumnWidget(model)
    qtbot.addWidget(focus)
    # Two unassigned cards against 3–5: in words, and with a sign that needs no colour.
    assert focus.header.count_label.text() == "2 · under 3–5 · 2 need an assignee  ⚠"
    assert "at least 3" in focus.header.toolTip()
    board.update([issue(n, "AsyncAwait-Focus") for n in (5, 6)])
    qtbot.waitUntil(lambda: focus.header.count_label.text() == "4 · 4 need an assignee")
    assert focus.header.problem is None


def test_a_filtered_out_card_is_no_longer_the_selection(board: Board, qtbot: QtBot) -> None:
    window = offline_window(board, qtbot)
    key = IssueKey("rust-lang/rust", 1)
    assert window.select(key)
    assert details_key(window) == key
    window.filter_bar.text.setText("issue 2")
    window.filter_bar.text.returnPressed.emit()
    assert window.selected_key is None
    assert details_key(window) is None
    window.move_selected_to(2)  # Ctrl+3 must not move a card the triager cannot see
    assert board.column_of(key).name == "Focus"


def test_window_size_and_splitter_are_remembered(board: Board, qtbot: QtBot, tmp_path: Path) -> None:
    path = str(tmp_path / "window.ini")
    first = offline_window(board, qtbot, QSettings(path, QSettings.Format.IniFormat))
    first.show()
    first.resize(MIN_SIZE[0], 666)  # the offscreen screen is 800 px wide: restoring fits wider ones to it
    first.splitter.setSizes([560, 400])
    sizes = first.splitter.sizes()
    first.close()
    second = offline_window(board, qtbot, QSettings(path, QSettings.Format.IniFormat))
    assert (second.width(), second.height()) == (MIN_SIZE[0], 666)
    second.show()
    assert second.splitter.sizes() == sizes
    second.resize(200, 100)
    assert (second.width(), second.height()) >= MIN_SIZE


def test_settings_hold_the_layout_and_never_the_token(session: Session, sandbox: Sandbox) -> None:
    settings = session.window.settings
    assert settings is not None
    session.window.close()
    text = Path(settings.fileName()).read_text(encoding="utf-8")
    assert "geometry" in text
    assert sandbox.token not in text


@pytest.mark.logs("is having trouble")
def test_a_refresh_failure_says_what_to_do_and_goes_when_a_refresh_works(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    window, bar = session.window, session.window.message_bar
    sandbox.inject(Fault(kind="status", status=503, path=r"/issues", count=None))
    window.refresh()
    qtbot.waitUntil(bar.isVisible, timeout=15000)
    qtbot.waitUntil(lambda: not session.board_service.loading, timeout=15000)
    assert bar.level == "error"
    assert "Press F5 to try again" in bar.text.text()
    assert "still shows the issues loaded before" in bar.text.text()
    sandbox.reset_faults()
    window.refresh_label.setText("")
    window.refresh()
    qtbot.waitUntil(lambda: window.refresh_label.text().startswith("Refreshed"), timeout=20000)
    assert not bar.isVisible()


def test_a_message_from_elsewhere_outlives_a_successful_refresh(session: Session, qtbot: QtBot) -> None:
    window = session.window
    window.show_message("error", "You cannot change labels in rust-lang/reference.")
    window.refresh_label.setText("")
    window.refresh()
    qtbot.waitUntil(lambda: window.refresh_label.text().startswith("Refreshed"), timeout=20000)
    assert window.message_bar.isVisible()
    assert "reference" in window.message_bar.text.text()


def test_a_rate_limited_refresh_names_the_time_to_try_again(board: Board, qtbot: QtBot) -> None:
    window = offline_window(board, qtbot)
    resume = datetime(2026, 11, 1, 14, 5, tzinfo=UTC)
    failure = RateLimited(resume_at=resume, secondary=False, status=403)
    window.show_report(Report(Level.ERROR, failure, Doing.REFRESH, "refresh"))
    text = window.message_bar.text.text()
    until = resume.astimezone().strftime("%H:%M")
    assert f"until {until}" in text
    assert f"Press F5 after {until}" in text
    assert "queued" not in text  # the wording about moves is not for a refresh


class TextRecorder:
    """Stands in for QPainter: keeps (rect, text) of every drawText; everything else is a no-op."""

    def __init__(self) -> None:
        self.texts: list[tuple[QRect, str]] = []

    def drawText(self, rect: QRect, flags: object, text: str) -> None:
        self.texts.append((QRect(rect), text))

    def __getattr__(self, name: str) -> object:
        return lambda *args, **kwargs: None


def meta_line(width: int) -> tuple[QRect, str]:
    board = Board(SPEC)
    board.update([issue(1, "AsyncAwait-Focus")])
    model = ColumnModel(board, SPEC.columns[0])
    model.clock = lambda: NOW.timestamp()
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, width, 100)
    painter = TextRecorder()
    CardDelegate().draw(painter, option, model.index(0, 0))  # type: ignore[arg-type]
    model.detach()
    return next((rect, text) for rect, text in painter.texts if "comment" in text)


def test_age_and_comments_are_whole_in_a_normal_column_and_stay_inside_a_narrow_one(qapp: object) -> None:
    rect, text = meta_line(MIN_COLUMN_WIDTH)
    assert text == "1h ago  0 comments"
    rect, text = meta_line(90)
    assert text.startswith("…")
    assert rect.left() >= CARD_MARGIN


def test_left_and_right_walk_across_columns_skipping_empty_ones(board: Board, qtbot: QtBot) -> None:
    window = offline_window(board, qtbot)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    focus = window.column_widget("Focus")
    assert window.select(IssueKey("rust-lang/rust", 2))  # row 1 of Focus
    qtbot.keyClick(focus.view, Qt.Key.Key_Right)  # OnDeck is empty: on to Other, its only card
    assert window.selected_key == IssueKey("rust-lang/rust", 4)
    assert window.column_widget("Other").view.hasFocus()
    assert window.details.issue is not None
    assert window.details.issue.key == IssueKey("rust-lang/rust", 4)
    qtbot.keyClick(window.column_widget("Other").view, Qt.Key.Key_Right)
    assert window.selected_key == IssueKey("rust-lang/rust", 3)
    qtbot.keyClick(window.column_widget("Uncategorized").view, Qt.Key.Key_Right)  # the last column: stays
    assert window.selected_key == IssueKey("rust-lang/rust", 3)
    qtbot.keyClick(window.column_widget("Uncategorized").view, Qt.Key.Key_Left)
    qtbot.keyClick(window.column_widget("Other").view, Qt.Key.Key_Left)
    assert window.selected_key == IssueKey("rust-lang/rust", 1)
    assert board.column_of(IssueKey("rust-lang/rust", 1)).name == "Focus"  # walking never moves a card
