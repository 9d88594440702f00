"""The window's actions for triage signals, end to end (real window, real services, the sandbox on loopback):
saved views (menu, toolbar, Alt+number, saving and removing, the file ``triageboard list --view`` reads),
permissions on screen (a read-only account's refused moves disabled with the reason, moves through @rustbot
saying so, no label write ever sent), the Needs attention lane with its one-click fixes, and announcements
for assistive technology."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pace import QUICK, fast_clock
from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAccessible, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot
from qtsession import finish, wait_loaded
from sandboxkit import READER_LOGIN, READER_TOKEN, Fault, Sandbox

from triageboard.app.session import Session
from triageboard.auth import Credentials
from triageboard.board import Assignee, IssueKey, Sort, label_key, preset
from triageboard.saved_views import find_view, views_path
from triageboard.ui.attention import AttentionPanel
from triageboard.ui.columns import ColumnWidget
from triageboard.ui.models import IssueKeyRole
from triageboard.ui.permissions import Gate
from triageboard.ui.window import ATTENTION_KEY, MainWindow

RUST, WG = "rust-lang/rust", "rust-lang/wg-async"
FOCUS, ONDECK, OTHER = "AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other"
TRIAGE = {label_key(n) for n in (FOCUS, ONDECK, OTHER)}
CTRL = Qt.KeyboardModifier.ControlModifier


def shown_keys(widget: ColumnWidget) -> list[IssueKey]:
    return [widget.proxy.index(r, 0).data(IssueKeyRole) for r in range(widget.proxy.rowCount())]


def server_labels(sandbox: Sandbox, key: IssueKey) -> set[str]:
    return {label_key(n) for n in sandbox.issue_labels(key.repo, key.number)}


def label_writes(sandbox: Sandbox) -> list[tuple[str | None, str, str, int]]:
    """Every label or assignee write the sandbox received: (login, method, path, status)."""
    return [
        (r.login, r.method, r.path, r.status)
        for r in sandbox.request_log
        if r.method in ("POST", "PUT", "PATCH", "DELETE") and ("/labels" in r.path or "/assignees" in r.path)
    ]


def plain_card(session: Session, column: str, repo: str | None = None) -> IssueKey:
    for key in shown_keys(session.window.column_widget(column)):
        plain = not session.board.placement(key).is_conflict and not session.board.issue(key).assignees
        if plain and (repo is None or key.repo == repo):
            return key
    raise AssertionError(f"no plain card in {column}")


def drag_in(source: ColumnWidget, key: IssueKey, target: ColumnWidget) -> tuple[bool, bool]:
    """A drag of ``key``'s card entering ``target`` and dropped there: (entered accepted, drop accepted)."""
    row = source.proxy.proxy_row_of(key)
    mime: QMimeData = source.proxy.mimeData([source.proxy.index(row, 0)])
    viewport = target.view.viewport()
    point = QPoint(viewport.width() // 2, viewport.height() - 5)
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, enter)
    drop = QDropEvent(point.toPointF(), actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, drop)
    return enter.isAccepted(), drop.isAccepted()


# --- saved views -----------------------------------------------------------------------------------------


def test_builtin_views_are_one_key_away_and_set_the_filter_bar(session: Session, qtbot: QtBot) -> None:
    window = session.window
    names = [a.text() for a in window.views.view_actions]
    assert names == ["Mentored, no assignee", "Uncategorized", "Focus without assignee", "Stalled"]
    assert [a.shortcut().toString() for a in window.views.view_actions] == [
        "Alt+1",
        "Alt+2",
        "Alt+3",
        "Alt+4",
    ]
    assert window.views.toolbar.actions() == window.views.view_actions
    assert all(a in window.views.menu.actions() for a in window.views.view_actions)

    alt = Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(window, Qt.Key.Key_2, alt)  # Uncategorized
    bar = window.filter_bar
    assert bar.current().columns == ("Uncategorized",)
    assert bar.scope.isVisibleTo(window)
    assert "Uncategorized" in bar.scope.text()
    assert window.column_widget("Uncategorized").proxy.rowCount() > 0
    for name in ("Focus", "OnDeck", "Other"):
        assert window.column_widget(name).proxy.rowCount() == 0, name

    qtbot.keyClick(window, Qt.Key.Key_3, alt)  # Focus without assignee
    flt = bar.current()
    assert (flt.columns, flt.assignee) == (("Focus",), Assignee.UNASSIGNED)
    assert bar.assignee.currentData() is Assignee.UNASSIGNED
    focus = shown_keys(window.column_widget("Focus"))
    assert focus
    assert all(not session.board.issue(k).assignees for k in focus)
    assert window.column_widget("Uncategorized").proxy.rowCount() == 0

    qtbot.keyClick(window, Qt.Key.Key_1, alt)  # Mentored, no assignee
    flt = bar.current()
    assert bar.mentored.isChecked()
    assert flt.assignee is Assignee.UNASSIGNED
    assert flt.columns == ()
    assert not bar.scope.isVisibleTo(window)
    for widget in window.columns:
        for key in shown_keys(widget):
            issue = session.board.issue(key)
            assert issue.has_label("E-mentor")
            assert not issue.assignees

    bar.scope.click()  # nothing to remove now; Clear filters shows every card again
    bar.clear()
    assert not bar.current().is_active
    assert sum(w.proxy.rowCount() for w in window.columns) == len(session.board)


def test_the_current_filter_is_saved_as_a_view_that_list_reads_and_can_be_removed(
    session: Session, qtbot: QtBot
) -> None:
    window, spec = session.window, session.board.spec
    bar = window.filter_bar
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # Uncategorized…
    bar.mentored.setChecked(True)  # …and mentored
    assert window.views.save_current("  ") is None  # no name: nothing saved
    assert not views_path(spec.name).exists()
    saved = window.views.save_current("Mentored newcomers")
    assert saved is not None
    assert "Saved the view" in window.message_bar.text.text()

    # On disk, in the file `triageboard list --view` reads, whole.
    data = json.loads(views_path(spec.name).read_text(encoding="utf-8"))
    assert [v["name"] for v in data["views"]] == ["Mentored newcomers"]
    listed = find_view(spec, "mentored NEWCOMERS")
    assert listed.filter.columns == ("Uncategorized",)
    assert listed.filter.mentored_only
    # After the built-ins, on the next key.
    actions = window.views.view_actions
    assert actions[-1].text() == "Mentored newcomers"
    assert actions[-1].shortcut().toString() == "Alt+5"
    assert [a.text() for a in window.views.remove_menu.actions()] == ["Mentored newcomers"]

    # The menu's Save current filter as view… asks for the name.
    def name_it() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        dialog.setTextValue("Focus mine")
        dialog.accept()

    bar.clear()
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # Focus without assignee
    QTimer.singleShot(0, name_it)
    window.views.save_action.trigger()
    assert [a.text() for a in window.views.view_actions][-2:] == ["Mentored newcomers", "Focus mine"]
    assert find_view(spec, "Focus mine").filter.assignee is Assignee.UNASSIGNED

    bar.clear()
    window.activateWindow()  # the dialog had the keyboard
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
    assert bar.current().columns == ("Uncategorized",)
    assert bar.mentored.isChecked()
    shown = shown_keys(window.column_widget("Uncategorized"))
    assert shown
    assert all(session.board.issue(k).has_label("E-mentor") for k in shown)

    # Another window of the same board finds it (saved per board, not per window).
    other = MainWindow(session.board, settings=None)
    qtbot.addWidget(other)
    assert [a.text() for a in other.views.view_actions][-2:] == ["Mentored newcomers", "Focus mine"]
    other.close()

    window.views.remove_menu.actions()[0].trigger()
    assert [a.text() for a in window.views.remove_menu.actions()] == ["Focus mine"]
    window.views.remove_menu.actions()[0].trigger()
    assert not window.views.remove_menu.isEnabled()
    assert [a.text() for a in window.views.view_actions][-1] == "Stalled"
    assert json.loads(views_path(spec.name).read_text(encoding="utf-8"))["views"] == []
    with pytest.raises(KeyError):
        find_view(spec, "Mentored newcomers")


def test_unreadable_saved_views_are_never_written_over(session: Session) -> None:
    spec = session.board.spec
    path = views_path(spec.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    window = MainWindow(session.board, settings=None)
    try:
        assert window.views.unreadable is not None
        assert "cannot be read" in window.message_bar.text.text()
        # The built-in views still work.
        assert next(a.text() for a in window.views.view_actions) == "Mentored, no assignee"
        assert window.views.save_current("Mine") is None
        assert "was not saved" in window.message_bar.text.text()
        assert path.read_text(encoding="utf-8") == "{not json"
    finally:
        window.close()


def test_a_view_with_an_order_applies_it_when_the_window_can_sort(session: Session) -> None:
    """The Stalled view orders by time in a column: given to the window's sort (when it has one)."""
    window = session.window
    orders: list[Sort] = []
    window.views.sort = orders.append
    window.views.apply(window.views.view("Stalled"))
    assert orders == [Sort.TIME_IN_COLUMN]
    assert window.filter_bar.current().flags == ("stalled",)


# --- permissions on screen -------------------------------------------------------------------------------


@pytest.fixture
def reader_session(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Session]:
    """A loaded board window signed in as the sandbox's read-only account (who may triage nothing; the
    triagebot of rust-lang/rust lets anyone set AsyncAwait-OnDeck), with permissions read."""
    clock = fast_clock()
    with Sandbox(seed=1, clock=clock) as sandbox:
        http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
        credentials = Credentials(sandbox.api_url, environ={})
        credentials.use(READER_TOKEN, "test")
        spec = preset("rust-async").with_sources(api_url=sandbox.api_url)
        session = Session(
            spec, http, credentials, outbox_path=tmp_path / "outbox.sqlite3", policy=QUICK, clock=clock
        )
        session.sandbox = sandbox  # type: ignore[attr-defined]
        try:
            finish(qtbot, qloop, session.start())
            wait_loaded(qtbot, session)
            # Both repositories' permissions read (the window follows permissions_changed).
            qtbot.waitUntil(
                lambda: {repo for repo, _ in session.move_service.refusals()} == {RUST, WG}, timeout=20_000
            )
            yield session
        finally:
            finish(qtbot, qloop, session.aclose())
            finish(qtbot, qloop, http.aclose())


@pytest.mark.logs("cannot change labels")
def test_a_read_only_account_sees_refused_moves_disabled_and_never_sends_a_label_write(
    reader_session: Session, qtbot: QtBot
) -> None:
    session = reader_session
    sandbox: Sandbox = session.sandbox  # type: ignore[attr-defined]
    window, board = session.window, session.board
    wg = plain_card(session, "Uncategorized", WG)
    rust = plain_card(session, "Uncategorized", RUST)

    # No bot in wg-async: every move into it is disabled, saying why (menu, keys, context menu, drops).
    assert window.select(wg)
    focus, ondeck, other = window.move_actions[:3]
    for action in (focus, ondeck, other):
        assert not action.isEnabled(), action.text()
        assert "cannot change labels in rust-lang/wg-async" in action.toolTip()
        # Nothing was tried: what the account cannot do, not a move that "was not moved".
        assert action.toolTip().startswith("You cannot change labels in rust-lang/wg-async")
    left = window.move_left_action  # Uncategorized's left neighbour is Other
    assert not left.isEnabled()
    assert "rust-lang/wg-async" in left.toolTip()
    menu = window.card_menu(wg)
    moves = [a for a in menu.actions() if a.text().startswith("Move to")]
    assert [a.text() for a in moves] == ["Move to Focus", "Move to OnDeck", "Move to Other"]
    assert all(not a.isEnabled() and "rust-lang/wg-async" in a.toolTip() for a in moves)
    qtbot.keyClick(
        window.column_widget("Uncategorized").view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier
    )
    window.move_by(-1)
    assert board.column_of(wg).name == "Uncategorized"
    assert "cannot change labels in rust-lang/wg-async" in window.statusBar().currentMessage()
    window.statusBar().clearMessage()
    entered, dropped = drag_in(window.column_widget("Uncategorized"), wg, window.column_widget("Other"))
    assert (entered, dropped) == (False, False)
    assert board.column_of(wg).name == "Uncategorized"
    assert not window.column_widget("Other").view.drop_target
    assert "cannot change labels in rust-lang/wg-async" in window.statusBar().currentMessage()

    # rust-lang/rust: OnDeck goes through @rustbot (and says so); Focus the bot refuses to anyone but the
    # triage team.
    assert window.select(rust)
    assert ondeck.isEnabled()
    assert ondeck.text() == "Move to OnDeck via @rustbot"
    assert "asked of its bot" in ondeck.toolTip()
    assert not focus.isEnabled()
    assert focus.text() == "Move to Focus"
    assert left.isEnabled()
    assert left.text() == "Move one column left via @rustbot"
    assert focus.toolTip()
    entered, _ = drag_in(window.column_widget("Uncategorized"), rust, window.column_widget("Focus"))
    assert not entered
    menu = window.card_menu(rust)
    # The sandbox's triagebot.toml lets anyone set AsyncAwait-OnDeck and AsyncAwait-Other, not Focus.
    assert [a.text() for a in menu.actions() if a.isEnabled() and a.text().startswith("Move")] == [
        "Move to OnDeck via @rustbot",
        "Move to Other via @rustbot",
    ]
    qtbot.keyClick(
        window.column_widget("Uncategorized").view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier
    )
    assert board.column_of(rust).name == "OnDeck"
    said = window.statusBar().currentMessage()
    assert said.startswith(f"Asked @rustbot to move {rust}")
    assert "OnDeck" in said
    assert window.announcements[-1] == said
    qtbot.waitUntil(lambda: label_key(ONDECK) in server_labels(sandbox, rust), timeout=20_000)
    qtbot.waitUntil(lambda: not board.is_pending(rust), timeout=20_000)
    assert board.column_of(rust).name == "OnDeck"

    # Whatever the window offered, the read-only account never wrote a label or an assignee itself.
    # (The bot's own change is made inside the sandbox, as the real one acts on GitHub's side.)
    assert label_writes(sandbox) == []
    mine = [(r.method, r.path) for r in sandbox.request_log if r.login == READER_LOGIN and r.method != "GET"]
    assert mine
    assert all(m == "POST" and p.endswith("/comments") for m, p in mine)


# --- the Needs attention lane ------------------------------------------------------------------------------


@pytest.mark.logs("cannot change labels")
def test_the_attention_lane_gathers_failed_moves_conflicts_and_lost_labels_and_fixes_them(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    window, board = session.window, session.board
    lane: AttentionPanel = window.attention
    assert not lane.isVisibleTo(window)
    window.attention_action.trigger()
    assert lane.isVisibleTo(window)
    conflicts = [i for i in lane.items if i.mark.name == "conflict"]
    assert conflicts, "the demo board has issues in conflict"
    assert len(lane.rows) == len(lane.items)
    assert str(len(lane.items)) in lane.summary.text()

    # A failed move joins the lane, with its "try again".
    key = plain_card(session, "Uncategorized")
    sandbox.inject(Fault(kind="status", status=403, method="POST", path=r"/labels", count=None))
    window.request_move(key, "Other")
    qtbot.waitUntil(lambda: board.column_of(key).name == "Uncategorized", timeout=15_000)
    assert any(t.startswith(f"Moving {key}") and "to Other failed" in t for t in window.announcements)
    failure = window.last_announcement
    assert failure is not None
    assert "failed" in failure.message()
    assert failure.politeness() is QAccessible.AnnouncementPoliteness.Assertive  # said at once
    qtbot.waitUntil(
        lambda: any(i.card.key == key and i.mark.name == "failed" for i in lane.items), timeout=5000
    )
    assert lane.items[0].card.key == key  # failed moves first
    row = lane.rows[0]
    assert [b.text() for b in row.fix_buttons] == ["Try again: move to Other"]

    # The refusal taught the window that this account cannot label there: the fix is disabled, saying why,
    # until GitHub says otherwise (a refresh asks again).
    assert not row.fix_buttons[0].isEnabled()
    assert "cannot change labels" in row.fix_buttons[0].toolTip()
    sandbox.reset_faults()
    with qtbot.waitSignal(session.move_service.permissions_changed, timeout=10_000):
        session.move_service.recheck()
    qtbot.waitUntil(lambda: lane.rows[0].fix_buttons[0].isEnabled(), timeout=5000)
    row = lane.rows[0]
    assert row.item.card.key == key
    with qtbot.waitSignal(window.fix_requested):
        row.fix_buttons[0].click()
    assert board.column_of(key).name == "Other"
    qtbot.waitUntil(lambda: label_key(OTHER) in server_labels(sandbox, key), timeout=15_000)
    qtbot.waitUntil(lambda: not any(i.card.key == key for i in lane.items), timeout=5000)

    # A conflict's first fix settles it into the column it is shown in; the lane follows.
    conflict = next(i for i in lane.items if i.mark.name == "conflict")
    at = lane.items.index(conflict)
    target = conflict.card.column.name
    assert lane.rows[at].fix_buttons[0].text() == f"Move to {target}"
    lane.rows[at].fix_buttons[0].click()
    ckey = conflict.card.key
    qtbot.waitUntil(lambda: not board.placement(ckey).is_conflict, timeout=15_000)
    qtbot.waitUntil(lambda: not board.is_pending(ckey), timeout=15_000)
    assert board.column_of(ckey).name == target
    others = {label_key(n) for c in board.spec.columns if c.name != target for n in c.labels}
    assert not server_labels(sandbox, ckey) & others & TRIAGE
    qtbot.waitUntil(lambda: not any(i.card.key == ckey for i in lane.items), timeout=5000)

    # A lost area label is put back with one click: that one label added, nothing else touched.
    lost = next(i for i in lane.items if i.mark.name == "lost-area")
    lkey = lost.card.key
    before = server_labels(sandbox, lkey)
    at = lane.items.index(lost)
    button = lane.rows[at].fix_buttons[0]
    assert button.text() == "Add label A-async-await"
    assert button.isEnabled()
    button.click()
    assert board.issue(lkey).has_label("A-async-await")  # shown at once
    assert window.announcements[-1].endswith("+A-async-await.")
    qtbot.waitUntil(lambda: label_key("A-async-await") in server_labels(sandbox, lkey), timeout=15_000)
    qtbot.waitUntil(lambda: not board.is_pending(lkey), timeout=15_000)
    assert server_labels(sandbox, lkey) == before | {label_key("A-async-await")}
    assert board.column_of(lkey) == lost.card.column
    qtbot.waitUntil(lambda: not any(i.card.key == lkey for i in lane.items), timeout=5000)

    # The card's context menu settles a conflict too: into the column it is shown in.
    conflict = next(i for i in lane.items if i.mark.name == "conflict")
    ckey, here = conflict.card.key, conflict.card.column.name
    menu = window.card_menu(ckey)
    settle = next(a for a in menu.actions() if a.text() == f"Move to {here}")
    settle.trigger()
    qtbot.waitUntil(lambda: not board.placement(ckey).is_conflict, timeout=15_000)
    qtbot.waitUntil(lambda: not board.is_pending(ckey), timeout=15_000)
    assert board.column_of(ckey).name == here

    # "Show" selects the card on the board.
    lane.rows[0].show_button.click()
    assert window.selected_key == lane.items[0].card.key


def test_the_attention_lane_is_remembered(session: Session, qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    first = MainWindow(session.board, settings=settings)
    qtbot.addWidget(first)
    first.show()
    assert not first.attention.isVisible()
    first.attention_action.trigger()
    assert first.attention.isVisible()
    first.close()
    assert str(settings.value(ATTENTION_KEY)).lower() == "true"
    second = MainWindow(session.board, settings=settings)
    qtbot.addWidget(second)
    second.show()
    assert second.attention.isVisible()
    assert second.attention_action.isChecked()
    second.attention_action.trigger()  # closed again: the next one starts without it
    second.close()
    third = MainWindow(session.board, settings=settings)
    qtbot.addWidget(third)
    third.show()
    assert not third.attention.isVisible()
    third.close()


# --- announcements ---------------------------------------------------------------------------------------


def test_moves_and_undo_are_announced_by_card_and_column(session: Session, qtbot: QtBot) -> None:
    window = session.window
    key = plain_card(session, "Uncategorized")
    title = session.board.issue(key).title
    window.request_move(key, "OnDeck")
    event = window.last_announcement
    assert event is not None
    assert event.object() is window
    assert event.message() == window.announcements[-1]
    assert event.politeness() is QAccessible.AnnouncementPoliteness.Polite
    assert window.announcements[-1].startswith(f"Moved {key} “{title[:20]}")
    assert window.announcements[-1].endswith(" to OnDeck.")
    assert window.statusBar().currentMessage() == window.announcements[-1]
    qtbot.waitUntil(lambda: not session.board.is_pending(key), timeout=15_000)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert window.announcements[-1].startswith(f"Undone: {key}")
    assert window.announcements[-1].endswith("goes back to Uncategorized.")
    assert session.board.column_of(key).name == "Uncategorized"
    qtbot.waitUntil(lambda: not session.board.is_pending(key), timeout=15_000)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.announcements[-1].startswith(f"Redone: {key}")
    assert window.announcements[-1].endswith("goes to OnDeck.")
    qtbot.waitUntil(lambda: not session.board.is_pending(key), timeout=15_000)


def test_a_label_fix_waits_for_the_cards_move_and_never_replaces_it(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    from triageboard.board import LabelDiff, Relabel
    from triageboard.services.move_service import Outcome

    board, moves = session.board, session.move_service
    key = plain_card(session, "Uncategorized")
    sandbox.inject(Fault(kind="latency", seconds=1.0, path=r"/labels", count=None))
    window = session.window
    window.request_move(key, "Other")
    assert board.is_pending(key)
    have = {n.casefold() for n in board.issue(key).label_names} | TRIAGE
    extra = next(n for n in sandbox.label_names(key.repo) if n.casefold() not in have)
    fix = Relabel(key, LabelDiff(add=(extra,)))
    assert moves.request(fix) is Outcome.REFUSED
    assert "has a change on its way to GitHub" in window.message_bar.text.text()
    qtbot.waitUntil(lambda: not board.is_pending(key), timeout=20_000)
    assert label_key(OTHER) in server_labels(sandbox, key)  # the move went out as asked
    assert label_key(extra) not in server_labels(sandbox, key)
    sandbox.reset_faults()
    before = server_labels(sandbox, key)
    assert moves.request(fix) is Outcome.QUEUED
    assert board.issue(key).has_label(extra)
    # …and while the label change is on its way, a move of the card waits for it too.
    assert not moves.request_move(key, "OnDeck")
    assert board.column_of(key).name == "Other"
    qtbot.waitUntil(lambda: label_key(extra) in server_labels(sandbox, key), timeout=15_000)
    qtbot.waitUntil(lambda: not board.is_pending(key), timeout=15_000)
    assert server_labels(sandbox, key) == before | {label_key(extra)}
    assert board.column_of(key).name == "Other"
    assert moves.request(fix) is Outcome.NOTHING  # already so


def test_moves_that_would_do_nothing_are_disabled_saying_why(session: Session, qtbot: QtBot) -> None:
    """Move to the card's own column, or past the first or last column: disabled with the reason, not
    enabled and silently doing nothing."""
    window = session.window
    focus_card = plain_card(session, "Focus")
    assert window.select(focus_card)
    to_focus, to_ondeck = window.move_actions[:2]
    assert not to_focus.isEnabled()
    assert to_focus.toolTip() == "Already in Focus."
    assert to_ondeck.isEnabled()
    assert not window.move_left_action.isEnabled()
    assert window.move_left_action.toolTip() == "Focus is the first column."
    assert window.move_right_action.isEnabled()
    last = plain_card(session, "Uncategorized")
    assert window.select(last)
    assert not window.move_right_action.isEnabled()
    assert window.move_right_action.toolTip() == "Uncategorized is the last column."
    assert to_focus.isEnabled()
    # Several cards: a move is offered while any of them would go somewhere.
    window.select_keys([focus_card, last])
    assert to_focus.isEnabled()
    assert window.move_left_action.isEnabled()


@pytest.mark.logs("cannot change labels")
def test_a_bulk_move_says_in_the_message_bar_which_cards_it_left_out(
    reader_session: Session, qtbot: QtBot
) -> None:
    """The account may move some of the selected cards and not others: the others are named in the message
    bar (the status bar's sentence is replaced by the bulk move's own) and said to a screen reader."""
    session = reader_session
    window, board = session.window, session.board
    wg = plain_card(session, "Uncategorized", WG)
    rust = plain_card(session, "Uncategorized", RUST)
    window.select_keys([wg, rust])
    assert set(window.selected_keys()) == {wg, rust}
    window.move_selected_to(2)  # Other: through @rustbot in rust-lang/rust, refused in rust-lang/wg-async
    assert board.column_of(wg).name == "Uncategorized"
    assert board.column_of(rust).name == "Other"
    said = window.message_bar.text.text()
    assert str(wg) in said
    assert "cannot change labels in rust-lang/wg-async" in said
    assert any(str(wg) in text for text in window.announcements)
    qtbot.waitUntil(lambda: not board.is_pending(rust), timeout=20_000)


def test_a_bulk_move_asks_the_move_actions_again_once_not_per_card(session: Session, qtbot: QtBot) -> None:
    """Each card's change asked every move action again (per selected card and column): a bulk move through
    the bot froze the window for seconds. Now the request asks once, at its end."""
    window, board = session.window, session.board
    keys = [i.key for i in board.column_issues(board.spec.column("Uncategorized"))][:20]
    window.select_keys(keys)
    asked: list[tuple[IssueKey, str]] = []
    gate = window.gate.gate

    def counting(key: IssueKey, column_name: str) -> Gate:
        asked.append((key, column_name))
        return gate(key, column_name)

    window.gate.gate = counting  # type: ignore[method-assign]
    window.move_selected_to(2)
    assert all(board.column_of(k).name == "Other" for k in keys)
    # One verdict per card for the request itself, then one pass over the actions.
    assert len(asked) <= len(keys) + 3 * len(window.move_actions)
    qtbot.waitUntil(lambda: not any(board.is_pending(k) for k in keys), timeout=60_000)


def test_assigning_is_offered_as_the_account_may_assign(reader_session: Session, qtbot: QtBot) -> None:
    """Where the account cannot assign, Assign…/Unassign… are disabled saying why; "Assign to me" goes as a
    claim through the repository's bot where there is one, and is disabled where there is none."""
    session = reader_session
    window = session.window
    qtbot.waitUntil(lambda: window.user_login == READER_LOGIN, timeout=20_000)
    wg = plain_card(session, "Uncategorized", WG)
    rust = plain_card(session, "Uncategorized", RUST)
    assert window.select(wg)  # no bot in rust-lang/wg-async
    for action in (window.assign_action, window.assign_me_action, window.unassign_action):
        assert not action.isEnabled(), action.text()
        assert action.toolTip().startswith("You cannot change assignees in rust-lang/wg-async")
    assert window.select(rust)  # rust-lang/rust runs triagebot: a claim for oneself goes through it
    assert window.assign_me_action.isEnabled()
    assert window.assign_me_action.text() == "Assign to &me via @rustbot"
    for action in (window.assign_action, window.unassign_action):
        assert not action.isEnabled()
        assert "only Assign to me goes" in action.toolTip()
