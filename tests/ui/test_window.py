"""The board window end to end: real services, real HTTP to the sandbox on loopback, offscreen Qt."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sandboxkit import Fault, Sandbox

from triageboard.app.session import Session
from triageboard.board import Assignee, Issue, IssueKey, label_key
from triageboard.ui.columns import ColumnWidget
from triageboard.ui.models import IssueKeyRole

FOCUS, ONDECK, OTHER = "AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other"
TRIAGE = {label_key(n) for n in (FOCUS, ONDECK, OTHER)}


def server_labels(sandbox: Sandbox, key: IssueKey) -> set[str]:
    return {label_key(n) for n in sandbox.issue_labels(key.repo, key.number)}


def shown_keys(widget: ColumnWidget) -> list[IssueKey]:
    return [widget.proxy.index(r, 0).data(IssueKeyRole) for r in range(widget.proxy.rowCount())]


def first_plain_card(session: Session, column: str) -> IssueKey:
    """A card of ``column`` that is not in conflict (its move is unambiguous)."""
    for key in shown_keys(session.window.column_widget(column)):
        if not session.board.placement(key).is_conflict:
            return key
    raise AssertionError(f"no plain card in {column}")


def drop(source: ColumnWidget, key: IssueKey, target: ColumnWidget) -> None:
    """What Qt does on a drop: enter, move and drop events on the target viewport, with the mime data."""
    row = source.proxy.proxy_row_of(key)
    mime: QMimeData = source.proxy.mimeData([source.proxy.index(row, 0)])
    viewport = target.view.viewport()
    point = QPoint(viewport.width() // 2, viewport.height() - 5)
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(point, actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, move)
    assert move.isAccepted()
    event = QDropEvent(QPointF(point), actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, event)
    assert event.isAccepted()
    assert event.dropAction() != Qt.DropAction.MoveAction  # Qt must never remove the source row


def test_cards_land_in_the_columns_their_labels_say(session: Session, sandbox: Sandbox) -> None:
    window = session.window
    total = 0
    for widget in window.columns:
        keys = shown_keys(widget)
        total += len(keys)
        assert keys, f"{widget.column.name} is empty"
        assert widget.counts() == (len(keys), session.board.column_size(widget.column))
        assert len(keys) == session.board.column_size(widget.column)
        assert widget.header.count_label.text().split()[0] == str(len(keys))
        for key in keys:
            labels = server_labels(sandbox, key)
            if widget.column.is_uncategorized:
                assert not labels & TRIAGE, key
            else:
                assert label_key(widget.column.labels[0]) in labels, key
    assert total == len(session.board)
    # The demo keeps more than five issues in Focus: the header warns and says why.
    focus = window.column_widget("Focus").header
    assert focus.problem is not None
    assert "at most 5" in focus.toolTip()
    assert window.user_label.text() == "Signed in as " + session.board_service.user
    assert "API core" in window.rate_label.text()


def test_a_drop_relabels_the_issue_on_github_and_on_the_board(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    window = session.window
    source, target = window.column_widget("Uncategorized"), window.column_widget("Other")
    key = first_plain_card(session, "Uncategorized")
    before = server_labels(sandbox, key)
    drop(source, key, target)
    # Optimistic: the card is in its new column at once, marked pending.
    assert session.board.column_of(key).name == "Other"
    assert key in shown_keys(target)
    assert key not in shown_keys(source)
    qtbot.waitUntil(lambda: label_key(OTHER) in server_labels(sandbox, key), timeout=10000)
    qtbot.waitUntil(lambda: not session.board.is_pending(key), timeout=10000)
    after = server_labels(sandbox, key)
    assert after == before | {label_key(OTHER)}  # nothing else touched
    for widget in window.columns:
        assert widget.counts() == (widget.proxy.rowCount(), session.board.column_size(widget.column))
        assert widget.counts()[0] == widget.counts()[1], widget.column.name
        assert widget.header.count_label.text().split()[0] == str(widget.counts()[1])
    assert session.board.column_of(key).name == "Other"


@pytest.mark.logs("cannot change labels")
def test_an_injected_failure_returns_the_card_and_says_why(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    window = session.window
    key = first_plain_card(session, "Uncategorized")
    before = server_labels(sandbox, key)
    sandbox.inject(Fault(kind="status", status=403, method="POST", path=r"/labels", count=None))
    drop(window.column_widget("Uncategorized"), key, window.column_widget("Focus"))
    assert session.board.column_of(key).name == "Focus"
    qtbot.waitUntil(lambda: session.board.column_of(key).name == "Uncategorized", timeout=15000)
    qtbot.waitUntil(window.message_bar.isVisible, timeout=5000)
    assert window.message_bar.level == "error"
    assert str(key.number) in window.message_bar.text.text()
    assert key in shown_keys(window.column_widget("Uncategorized"))
    assert server_labels(sandbox, key) == before
    assert not session.board.is_pending(key)


def header_says(widget: ColumnWidget, words: str) -> bool:
    return widget.header.count_label.text().startswith(words)


def test_each_filter_narrows_columns_and_counts_and_survives_refresh(session: Session, qtbot: QtBot) -> None:
    window = session.window
    bar = window.filter_bar
    totals = {w.column.name: w.counts()[1] for w in window.columns}

    def narrowed(predicate: Callable[[Issue], bool]) -> None:
        for widget in window.columns:
            shown, total = widget.counts()
            assert total == totals[widget.column.name]
            for key in shown_keys(widget):
                assert predicate(session.board.issue(key)), key
            expected = sum(1 for i in session.board.column_issues(widget.column) if predicate(i))
            assert shown == expected
            if shown != total:  # the header follows once the cards have painted
                says = partial(header_says, widget, f"{shown}/{total}")
                qtbot.waitUntil(says, timeout=2000)
        assert sum(w.counts()[0] for w in window.columns) < len(session.board)

    bar.mentored.setChecked(True)
    narrowed(lambda i: i.has_label("E-mentor"))
    bar.clear()
    assert all(w.counts()[0] == w.counts()[1] for w in window.columns)

    login = next(iter(session.board.assignees()))
    bar.assignee.setCurrentIndex(bar.assignee.findData(login))
    narrowed(lambda i: login in i.assignees)
    bar.assignee.setCurrentIndex(bar.assignee.findData(Assignee.UNASSIGNED))
    narrowed(lambda i: not i.assignees)
    bar.clear()

    bar.label.setCurrentIndex(bar.label.findData("C-bug"))
    narrowed(lambda i: i.has_label("C-bug"))
    bar.clear()

    target = session.board.issues()[7]
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert bar.text.hasFocus()
    qtbot.keyClicks(bar.text, f"#{target.number}")
    qtbot.waitUntil(lambda: sum(w.counts()[0] for w in window.columns) < len(session.board), timeout=3000)
    narrowed(lambda i: i.number == target.number)

    # Filters survive a refresh (F5), choosers included.
    bar.label.setCurrentIndex(bar.label.findData(target.labels[0].name))
    window.refresh_label.setText("")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.refresh_label.text().startswith("Refreshed"), timeout=20000)
    qtbot.waitUntil(lambda: not session.board_service.loading)
    assert bar.label.currentData() == target.labels[0].name
    assert bar.text.text() == f"#{target.number}"
    narrowed(lambda i: i.number == target.number and i.has_label(target.labels[0].name))


def test_html_in_titles_shows_literally_and_bodies_load_nothing(session: Session, qtbot: QtBot) -> None:
    window = session.window
    issue = next(i for i in session.board.issues() if "<script>" in i.title)
    assert window.select(issue.key)
    assert window.details.title.text() == issue.title
    assert window.details.title.textFormat() == Qt.TextFormat.PlainText
    card = next(w for w in window.columns if w.proxy.proxy_row_of(issue.key) >= 0)
    index = card.proxy.index(card.proxy.proxy_row_of(issue.key), 0)
    assert index.data(Qt.ItemDataRole.DisplayRole) == issue.title
    long_body = next(i for i in session.board.issues() if "example.invalid" in i.body)
    window.select(long_body.key)
    browser = window.details.body
    QApplication.processEvents()
    browser.grab()  # paint: images are requested while laying out
    assert any("example.invalid" in url for url in browser.requested_resources)
    text = browser.toPlainText()
    assert "Summary" in text
    assert "<script>" not in browser.toHtml() or "&lt;script&gt;" in browser.toHtml()


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


def test_keyboard_moves_undo_redo_and_open(session: Session, sandbox: Sandbox, qtbot: QtBot) -> None:
    window = session.window
    key = first_plain_card(session, "Uncategorized")
    assert window.select(key)
    ctrl = Qt.KeyboardModifier.ControlModifier
    view = window.column_widget("Uncategorized").view
    qtbot.keyClick(view, Qt.Key.Key_2, ctrl)
    assert session.board.column_of(key).name == "OnDeck"
    # The selection follows the card, so the next shortcut moves it again.
    assert window.column_widget("OnDeck").view.currentIndex().data(IssueKeyRole) == key
    assert window.selected_key == key
    qtbot.waitUntil(lambda: label_key(ONDECK) in server_labels(sandbox, key), timeout=10000)
    qtbot.keyClick(window.column_widget("OnDeck").view, Qt.Key.Key_Right, ctrl)
    assert session.board.column_of(key).name == "Other"
    qtbot.waitUntil(lambda: server_labels(sandbox, key) & TRIAGE == {label_key(OTHER)}, timeout=10000)
    qtbot.keyClick(window.column_widget("Other").view, Qt.Key.Key_Left, ctrl)
    qtbot.keyClick(window.column_widget("OnDeck").view, Qt.Key.Key_Left, ctrl)
    assert session.board.column_of(key).name == "Focus"
    qtbot.waitUntil(lambda: server_labels(sandbox, key) & TRIAGE == {label_key(FOCUS)}, timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_Z, ctrl)
    assert session.board.column_of(key).name == "OnDeck"
    qtbot.waitUntil(lambda: server_labels(sandbox, key) & TRIAGE == {label_key(ONDECK)}, timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_Z, ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert session.board.column_of(key).name == "Focus"
    qtbot.waitUntil(lambda: server_labels(sandbox, key) & TRIAGE == {label_key(FOCUS)}, timeout=10000)
    qtbot.waitUntil(lambda: window.pending_label.text() == "", timeout=10000)

    catcher = UrlCatcher()
    # PySide6 takes the slot name as str; its stub says bytes
    QDesktopServices.setUrlHandler("http", catcher, "open")  # type: ignore[arg-type]
    try:
        focus_view = window.column_widget("Focus").view
        qtbot.keyClick(focus_view, Qt.Key.Key_Return)
    finally:
        QDesktopServices.unsetUrlHandler("http")
    assert catcher.urls == [session.board.issue(key).html_url]


def test_closing_during_a_fetch_exits_cleanly(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, sandbox: Sandbox, new_session: Any, run_async: Any
) -> None:
    sandbox.inject(Fault(kind="latency", seconds=5, path=r"/issues", count=None))
    s = new_session()
    run_async(s.start())
    qtbot.waitUntil(lambda: s.board_service.loading, timeout=5000)
    assert s.window.progress.isVisible()
    s.window.close()
    assert s.closed.is_set()
    run_async(s.aclose(), timeout=5000)
    assert not s.board_service.loading
    assert [t for t in asyncio.all_tasks(qloop) if not t.done()] == []


def test_twenty_thousand_void_qt_calls(qapp: object) -> None:
    """PySide6 6.12 on Python 3.11 lost a reference to None per void call and aborted near 5,000."""
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    for n in range(20_000):
        label.setText("x")
        label.setObjectName("y")
        label.setToolTip("z" if n % 2 else "")
    assert label.text() == "x"
