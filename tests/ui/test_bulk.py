"""Several cards at once in the board window, end to end against the sandbox (offscreen Qt): selecting with
Ctrl/Shift-click, Ctrl+A, Shift+arrows and across columns; a dragged selection is one bulk move, paced as
GitHub asks, with its progress and a Cancel; one undo takes it back. The details pane's comments and fresh
state; the window title."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from pace import QUICK
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from qtsession import finish, wait_loaded
from sandboxkit import Fault, Sandbox

from triageboard.app.session import Session
from triageboard.auth import Credentials
from triageboard.board import Board, Issue, IssueKey, Label, LabelDiff, Route, Via, label_key, preset
from triageboard.clock import ScaledClock
from triageboard.errors import CannotLabel
from triageboard.ui.bulk import BulkProgress
from triageboard.ui.columns import ColumnWidget
from triageboard.ui.models import IssueKeyRole, encode_keys
from triageboard.ui.window import MainWindow

# Time ten times fast, on one clock for the sandbox and the session: the request log's times are the
# client's (a write's gap counts from the last answer, so the log shows it whatever the machine's load).
SCALE = 0.1
FOCUS, ONDECK, OTHER = "AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other"
TRIAGE = {label_key(n) for n in (FOCUS, ONDECK, OTHER)}
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
PLAIN = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def paced(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, http: httpx.AsyncClient, tmp_path: Path
) -> Iterator[tuple[Session, Sandbox]]:
    """A loaded, shown board window; the sandbox and the session share one clock (the log's times)."""
    with Sandbox(token="tb-bulk-token", seed=1, clock=ScaledClock(SCALE)) as sandbox:
        credentials = Credentials(sandbox.api_url, environ={})
        credentials.use(sandbox.token, "test")
        spec = preset("rust-async").with_sources(api_url=sandbox.api_url)
        session = Session(
            spec,
            http,
            credentials,
            outbox_path=tmp_path / "outbox.sqlite3",
            policy=QUICK,
            clock=ScaledClock(SCALE),
        )
        finish(qtbot, qloop, session.start())
        wait_loaded(qtbot, session)
        window = session.window
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        try:
            yield session, sandbox
        finally:
            finish(qtbot, qloop, session.aclose(), timeout=20_000)


def shown_keys(widget: ColumnWidget) -> list[IssueKey]:
    return [widget.proxy.index(r, 0).data(IssueKeyRole) for r in range(widget.proxy.rowCount())]


def plain_rows(session: Session, column: str, count: int) -> list[int]:
    """Rows of ``column`` whose cards are in no other column (their moves are unambiguous)."""
    keys = shown_keys(session.window.column_widget(column))
    rows = [row for row, key in enumerate(keys) if not session.board.placement(key).is_conflict]
    assert len(rows) >= count, column
    return rows[:count]


def click(qtbot: QtBot, widget: ColumnWidget, row: int, modifiers: Qt.KeyboardModifier = PLAIN) -> IssueKey:
    index = widget.proxy.index(row, 0)
    widget.view.scrollTo(index)
    center = widget.view.visualRect(index).center()
    qtbot.mouseClick(widget.view.viewport(), Qt.MouseButton.LeftButton, modifiers, center)
    key: IssueKey = index.data(IssueKeyRole)
    return key


def selected(window: MainWindow) -> dict[str, set[IssueKey]]:
    """What each column shows selected (only columns with a selection)."""
    return {w.column.name: set(w.selected_keys()) for w in window.columns if w.selected_keys()}


def drop_selection(window: MainWindow, source: ColumnWidget, target: ColumnWidget) -> None:
    """A drag of the selection started in ``source`` (what ``startDrag`` puts in the drag), dropped on
    ``target``: the enter, move and drop events Qt sends (offscreen has no drag manager)."""
    assert source.view.drag_keys is not None
    mime = encode_keys(source.view.drag_keys())
    viewport = target.view.viewport()
    point = QPoint(viewport.width() // 2, viewport.height() - 5)
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons = Qt.MouseButton.LeftButton
    enter = QDragEnterEvent(point, actions, mime, buttons, PLAIN)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(point, actions, mime, buttons, PLAIN)
    QApplication.sendEvent(viewport, move)
    assert move.isAccepted()
    event = QDropEvent(QPointF(point), actions, mime, buttons, PLAIN)
    QApplication.sendEvent(viewport, event)
    assert event.isAccepted()


def column_labels(sandbox: Sandbox, key: IssueKey) -> set[str]:
    return {label_key(n) for n in sandbox.issue_labels(key.repo, key.number)} & TRIAGE


def writes(sandbox: Sandbox) -> list[tuple[str, str, float]]:
    """The label writes the sandbox answered: (method, path, when on the shared clock)."""
    return [
        (r.method, r.path.removeprefix("/api/v3"), r.at)
        for r in sandbox.request_log
        if r.method in {"POST", "DELETE", "PATCH", "PUT"}
    ]


def assert_paced(found: list[tuple[str, str, float]]) -> None:
    """GitHub's pace: at least 1 s between writes as the sandbox answered them (a millisecond for the
    rounding of two clocks), so at most 60 in any minute, well under GitHub's 80."""
    times = sorted(at for _m, _p, at in found)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.999, gaps
    assert max(sum(1 for t in times if start <= t < start + 60) for start in times) <= 60


def test_ctrl_shift_click_ctrl_a_and_shift_arrows_select_several_cards(
    paced: tuple[Session, Sandbox], qtbot: QtBot
) -> None:
    session, _sandbox = paced
    window = session.window
    unc, ondeck, other = (window.column_widget(n) for n in ("Uncategorized", "OnDeck", "Other"))
    keys = shown_keys(unc)
    first = click(qtbot, unc, 0)
    assert selected(window) == {"Uncategorized": {first}}
    click(qtbot, unc, 2, CTRL)
    assert selected(window) == {"Uncategorized": {keys[0], keys[2]}}
    click(qtbot, unc, 4, SHIFT)  # from the last Ctrl-click down to here
    assert selected(window) == {"Uncategorized": {keys[0], keys[2], keys[3], keys[4]}}
    assert window.selected_key == keys[4]
    assert window.details.issue is not None
    assert window.details.issue.key == keys[4]
    qtbot.keyClick(unc.view, Qt.Key.Key_Down, SHIFT)
    assert selected(window)["Uncategorized"] >= {keys[2], keys[3], keys[4], keys[5]}
    click(qtbot, unc, 3, CTRL)  # Ctrl-click a selected card: it leaves the selection
    assert keys[3] not in selected(window)["Uncategorized"]
    # Across columns: Ctrl-click keeps what the other columns have selected.
    on_deck = click(qtbot, ondeck, 1, CTRL)
    assert selected(window)["OnDeck"] == {on_deck}
    assert keys[2] in selected(window)["Uncategorized"]
    assert set(window.selected_keys()) == selected(window)["Uncategorized"] | {on_deck}
    assert window.selected_keys().index(on_deck) < window.selected_keys().index(keys[2])  # board order
    # A plain click clears every other column.
    alone = click(qtbot, other, 0)
    assert selected(window) == {"Other": {alone}}
    assert window.selected_keys() == [alone]
    # Ctrl+A: every card of the column (shown), added to what other columns hold.
    click(qtbot, ondeck, 0, CTRL)
    unc.view.setFocus()
    qtbot.keyClick(unc.view, Qt.Key.Key_A, CTRL)
    assert selected(window)["Uncategorized"] == set(keys)
    assert len(window.selected_keys()) == len(keys) + 2
    # A plain arrow is a new selection of one card.
    qtbot.keyClick(unc.view, Qt.Key.Key_Down)
    [last] = window.selected_keys()
    # Shift+Left: the keyboard's way across columns (Other is left of Uncategorized).
    qtbot.keyClick(unc.view, Qt.Key.Key_Left, SHIFT)
    assert set(selected(window)) == {"Other", "Uncategorized"}
    assert selected(window)["Uncategorized"] == {last}
    assert window.column_widget("Other").view.hasFocus()
    assert window.selected_key in selected(window)["Other"]
    qtbot.keyClick(window.column_widget("Other").view, Qt.Key.Key_Right)  # a plain arrow: one card again
    [last] = window.selected_keys()
    assert selected(window) == {"Uncategorized": {last}}
    # Ctrl-click it: nothing is selected, and it stays so while the board changes; a move key moves nothing.
    click(qtbot, unc, unc.proxy.proxy_row_of(last), CTRL)
    assert window.selected_keys() == []
    window.refresh_label.setText("")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.refresh_label.text().startswith("Refreshed"), timeout=20_000)
    qtbot.waitUntil(lambda: not session.board_service.loading, timeout=20_000)
    assert window.selected_keys() == []
    assert selected(window) == {}
    qtbot.keyClick(unc.view, Qt.Key.Key_2, CTRL)
    assert session.board.column_of(last).name == "Uncategorized"
    assert window.message_bar.text.text() == "Select a card first (click it), then press Ctrl+1…4 to move it."


def test_a_dragged_selection_is_one_paced_bulk_move_and_one_undo(
    paced: tuple[Session, Sandbox], qtbot: QtBot
) -> None:
    session, sandbox = paced
    window = session.window
    unc, ondeck, other = (window.column_widget(n) for n in ("Uncategorized", "OnDeck", "Other"))
    rows = plain_rows(session, "Uncategorized", 5)
    cards = [click(qtbot, unc, rows[0])] + [click(qtbot, unc, row, CTRL) for row in rows[1:]]
    from_ondeck = click(qtbot, ondeck, plain_rows(session, "OnDeck", 1)[0], CTRL)
    cards.append(from_ondeck)
    calls: list[object] = []
    real = session.move_service.request_bulk

    def request_bulk(moves: Sequence[tuple[IssueKey, str]]) -> int | None:
        calls.append(moves)
        return real(moves)

    session.move_service.request_bulk = request_bulk  # type: ignore[method-assign]
    sandbox.clear_request_log()
    said = len(window.announcements)
    drop_selection(window, unc, other)
    assert len(calls) == 1  # one request for every card of the drag
    # Said once for assistive technology, not card by card.
    assert window.announcements[said:] == ["Moving 6 cards to Other."]
    # Optimistic: every card is in Other at once, still selected there (the next key moves them again).
    assert all(session.board.column_of(k).name == "Other" for k in cards)
    assert set(window.selected_keys()) == set(cards)
    assert selected(window) == {"Other": set(cards)}
    bulk = window.bulk
    assert bulk.isVisible()
    assert bulk.text.text() == "Moving 0 of 6 to Other…"
    assert bulk.cancel_button.isVisible()
    window.status_says("A word in the status bar.")  # a message for a while: the progress stays
    assert bulk.isVisible()
    qtbot.waitUntil(lambda: bulk.text.text() == "Moved 6 cards to Other.", timeout=30_000)
    assert not bulk.cancel_button.isVisible()
    assert window.announcements[said:] == ["Moving 6 cards to Other.", "Moved 6 cards to Other."]
    qtbot.waitUntil(lambda: session.move_service.pending_count() == 0, timeout=10_000)
    for key in cards:
        assert column_labels(sandbox, key) == {label_key(OTHER)}, key
    moved = writes(sandbox)
    # Five cards gain Other; the sixth gains Other and loses OnDeck: seven writes, one at a time.
    assert len(moved) == 7
    removal = f"/repos/{from_ondeck.repo}/issues/{from_ondeck.number}/labels/{ONDECK}"
    assert [(m, p) for m, p, _at in moved].count(("DELETE", removal)) == 1
    assert_paced(moved)
    assert sandbox.stats().get("secondary_limited", 0) == 0

    sandbox.clear_request_log()
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # one undo: the whole bulk move
    assert all(session.board.column_of(k).name == "Uncategorized" for k in cards[:-1])
    assert session.board.column_of(from_ondeck).name == "OnDeck"
    assert not window.undo_action.isEnabled()
    assert bulk.text.text() == "Moving 0 of 6 back…"  # an undo of many cards shows its progress too
    assert window.announcements[-1] == "Moving 6 cards back."
    qtbot.waitUntil(lambda: bulk.text.text() == "Moved 6 cards back.", timeout=30_000)
    qtbot.waitUntil(lambda: session.move_service.pending_count() == 0, timeout=30_000)
    for key in cards[:-1]:
        assert column_labels(sandbox, key) == set(), key
    assert column_labels(sandbox, from_ondeck) == {label_key(ONDECK)}
    undone = writes(sandbox)
    assert len(undone) == 7
    assert_paced(undone)


def test_move_keys_move_the_whole_selection(paced: tuple[Session, Sandbox], qtbot: QtBot) -> None:
    session, sandbox = paced
    window = session.window
    unc = window.column_widget("Uncategorized")
    rows = plain_rows(session, "Uncategorized", 3)
    cards = [click(qtbot, unc, rows[0])] + [click(qtbot, unc, row, CTRL) for row in rows[1:]]
    qtbot.keyClick(unc.view, Qt.Key.Key_2, CTRL)  # Card ▸ Move to OnDeck
    assert all(session.board.column_of(k).name == "OnDeck" for k in cards)
    qtbot.keyClick(window.column_widget("OnDeck").view, Qt.Key.Key_Right, CTRL)  # each one column over
    assert all(session.board.column_of(k).name == "Other" for k in cards)
    qtbot.waitUntil(lambda: session.move_service.pending_count() == 0, timeout=30_000)
    assert all(column_labels(sandbox, k) == {label_key(OTHER)} for k in cards)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert all(session.board.column_of(k).name == "OnDeck" for k in cards)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert all(session.board.column_of(k).name == "Uncategorized" for k in cards)
    qtbot.waitUntil(lambda: session.move_service.pending_count() == 0, timeout=30_000)
    assert all(column_labels(sandbox, k) == set() for k in cards)


def test_cancel_leaves_the_cards_not_sent_where_they_were_and_says_so(
    paced: tuple[Session, Sandbox], qtbot: QtBot
) -> None:
    session, sandbox = paced
    window = session.window
    unc, focus = window.column_widget("Uncategorized"), window.column_widget("Focus")
    rows = plain_rows(session, "Uncategorized", 10)
    cards = [click(qtbot, unc, rows[0])] + [click(qtbot, unc, row, CTRL) for row in rows[1:]]
    # Each write takes 3 s: the Cancel comes while most cards still wait their turn.
    sandbox.inject(Fault(kind="latency", seconds=3, method="POST", path=r"/labels", count=None))
    drop_selection(window, unc, focus)
    bulk = window.bulk
    qtbot.waitUntil(lambda: bulk.text.text().startswith("Moving 1 of 10 to Focus"), timeout=30_000)
    qtbot.mouseClick(bulk.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bulk.text.text().startswith("Cancelled:"), timeout=30_000)
    qtbot.waitUntil(lambda: session.move_service.pending_count() == 0, timeout=30_000)
    sent = [k for k in cards if column_labels(sandbox, k) == {label_key(FOCUS)}]
    kept = [k for k in cards if column_labels(sandbox, k) == set()]
    assert len(sent) + len(kept) == 10
    assert 1 <= len(sent) <= 3
    assert kept
    # The board shows the truth: sent cards in Focus, the others where they were.
    assert all(session.board.column_of(k).name == "Focus" for k in sent)
    assert all(session.board.column_of(k).name == "Uncategorized" for k in kept)
    assert bulk.text.text() == (
        f"Cancelled: {len(sent)} card{'s' if len(sent) != 1 else ''} moved to Focus; "
        f"{len(kept)} cards not moved, left where they were."
    )
    assert not bulk.cancel_button.isVisible()


def test_the_window_title_names_the_board_then_the_app_once(paced: tuple[Session, Sandbox]) -> None:
    session, _sandbox = paced
    assert session.window.windowTitle() == "Rust async-await triage — triageboard"


def test_the_progress_follows_its_batch_and_a_cancel_says_what_stayed(qtbot: QtBot) -> None:
    bulk = BulkProgress()
    qtbot.addWidget(bulk)
    asked: list[object] = []
    bulk.cancel_requested.connect(asked.append)
    bulk.track(7, 40, "to Focus")
    assert not bulk.isHidden()
    assert bulk.text.text() == "Moving 0 of 40 to Focus…"
    bulk.on_progress(8, 3, 5)  # another batch: not ours
    bulk.on_progress(7, 12, 40)
    assert bulk.text.text() == "Moving 12 of 40 to Focus…"
    qtbot.mouseClick(bulk.cancel_button, Qt.MouseButton.LeftButton)
    assert asked == [7]
    assert not bulk.cancel_button.isEnabled()
    bulk.on_progress(7, 20, 40)  # the rows coming back: the cancel's answer says it
    assert bulk.text.text().startswith("Cancelling…")
    bulk.cancel_failed(7)  # the outbox could not be changed: it goes on, and can be cancelled again
    assert bulk.cancel_button.isEnabled()
    assert bulk.text.text() == "Moving 12 of 40 to Focus…"
    bulk.cancel()
    bulk.cancelled(7, 27)
    assert bulk.text.text() == "Cancelled: 13 cards moved to Focus; 27 cards not moved, left where they were."
    assert bulk.running() == []
    bulk.track(9, 2, "back")
    bulk.on_progress(9, 2, 2)
    assert bulk.text.text() == "Moved 2 cards back."
    assert not bulk.cancel_button.isVisibleTo(bulk)


class Refusing:
    """The window's routes: moves of ``repo``'s cards are refused (as for a read-only account there)."""

    def __init__(self, repo: str) -> None:
        self.repo = repo

    def route(self, key: IssueKey, column_name: str) -> Route:
        if key.repo == self.repo:
            return Route(None, refusal=CannotLabel(str(key), column_name, repo=key.repo))
        return Route(Via.GITHUB)

    def relabel_route(self, key: IssueKey, diff: LabelDiff) -> Route:
        return self.route(key, "")

    def assignment_route(self, key: IssueKey, login: str, *, add: bool = True) -> Route:
        return self.route(key, f"assign @{login}")

    def route_fact(self, key: IssueKey, target: str, route: Route) -> object | None:
        return route.refusal


def test_a_bulk_move_leaves_out_the_cards_the_account_cannot_move_and_says_so(qtbot: QtBot) -> None:
    board = Board(preset("rust-async"))
    rust = [IssueKey("rust-lang/rust", n) for n in (1, 2)]
    wg = [IssueKey("rust-lang/wg-async", n) for n in (3, 4)]
    board.update([Issue(k.repo, k.number, f"issue {k.number}", (Label("A-async-await"),)) for k in rust + wg])
    window = MainWindow(board)
    qtbot.addWidget(window)
    window.set_routes(Refusing("rust-lang/wg-async"))
    asked: list[tuple[object, str]] = []
    window.bulk_move_requested.connect(lambda moves, target: asked.append((moves, target)))
    window.select_keys([*rust, *wg])
    assert window.selected_key == wg[-1]  # the current card may not move: the others may, so the key acts
    focus = window.move_actions[0]
    assert focus.isEnabled()
    window.move_selected_to(0)  # Ctrl+1: Focus
    assert asked == [([(rust[0], "Focus"), (rust[1], "Focus")], "Focus")]
    said = window.statusBar().currentMessage()
    assert said.startswith(f"2 cards were not moved ({wg[0]}, {wg[1]}). ")
    assert window.message_bar.text.text() == said  # it stays in the message bar too
    assert "cannot change labels in rust-lang/wg-async" in said
    asked.clear()
    window.select_keys(wg)
    assert not focus.isEnabled()  # none of them may: the key says why
    assert "cannot change labels in rust-lang/wg-async" in focus.toolTip()
    window.move_selected_to(0)
    assert asked == []  # nothing to send: no request at all
