"""Meeting mode and the assignee picker in the real window (offscreen), wired by a real session to the
sandbox over loopback: every key of the agenda, decisions reaching the board and GitHub, Esc and resume
(also after a restart), the minutes dialog, Card ▸ Assign…, Assign to me, Unassign."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from qtsession import wait_loaded
from sandboxkit import Sandbox

from triageboard.app.session import Session
from triageboard.board import DecisionKind, IssueKey, StepKind, label_key
from triageboard.ui.assign import AssignDialog
from triageboard.ui.meeting import MeetingView
from triageboard.ui.minutes import MinutesDialog

TRIAGE = {label_key(n) for n in ("AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other")}


def github_column(sandbox: Sandbox, key: IssueKey) -> set[str]:
    return {label_key(n) for n in sandbox.issue_labels(key.repo, key.number)} & TRIAGE


def github_assignees(sandbox: Sandbox, key: IssueKey) -> list[str]:
    people = sandbox.issue(key.repo, key.number)["assignees"]
    assert isinstance(people, list)
    return [p["login"] for p in people]


CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def shortcut(session: Session, qtbot: QtBot, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
    """A shortcut in the board window, as a person would press it (shortcuts need the active window)."""
    session.window.activateWindow()
    qtbot.waitUntil(session.window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(session.window, key, modifiers)


def open_meeting(session: Session, qtbot: QtBot) -> MeetingView:
    shortcut(session, qtbot, Qt.Key.Key_M, CTRL)
    view = session.meeting_view
    qtbot.waitUntil(lambda: view.isVisible() and view.meeting is not None, timeout=10_000)
    return view


def press(qtbot: QtBot, view: MeetingView, key: Qt.Key, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(view, key)


def settled(session: Session, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: session.move_service.pending_count() == 0, timeout=15_000)


def current(view: MeetingView) -> IssueKey:
    key = view.current_key()
    assert key is not None
    return key


def picker(qtbot: QtBot, parent: object) -> AssignDialog:
    found: list[AssignDialog] = []

    def shown() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, AssignDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(shown, timeout=5_000)
    return found[0]


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


def test_the_meeting_walks_the_agenda_one_key_per_decision(
    session: Session, sandbox: Sandbox, qtbot: QtBot
) -> None:
    view = open_meeting(session, qtbot)
    meeting = view.meeting
    assert meeting is not None
    assert view.progress.text() == "Step 1 of 4 · 1 of 60"
    assert view.step.text() == "1. Give each Uncategorized issue a triage label"
    assert view.keys.text().startswith("1 Focus · 2 OnDeck · 3 Other · Space skip · A assign · O open")
    assert view.topics.count() == 60
    assert view.counts.text() == "Columns, before → now: Focus 6 · OnDeck 30 · Other 100 · Uncategorized 60"

    # Step 1: 2 puts the issue in OnDeck (the board at once, GitHub soon), Backspace takes it back.
    first = current(view)
    press(qtbot, view, Qt.Key.Key_2)
    assert session.board.column_of(first).name == "OnDeck"
    assert view.progress.text() == "Step 1 of 4 · 2 of 60"
    assert "Uncategorized 60 → 59" in view.counts.text()
    assert "✔ Uncategorized → OnDeck" in view.topics.item(0).text()
    settled(session, qtbot)
    assert github_column(sandbox, first) == {label_key("AsyncAwait-OnDeck")}
    press(qtbot, view, Qt.Key.Key_Backspace)
    assert current(view) == first
    assert session.board.column_of(first).name == "Uncategorized"
    settled(session, qtbot)
    assert github_column(sandbox, first) == set()
    # 1 and 3; 4 is no column of this step (the uncategorized one is where it already is); Space skips.
    press(qtbot, view, Qt.Key.Key_1)
    second = current(view)
    press(qtbot, view, Qt.Key.Key_4)
    assert current(view) == second
    press(qtbot, view, Qt.Key.Key_3)
    third = current(view)
    press(qtbot, view, Qt.Key.Key_Space)
    assert current(view) != third
    assert session.board.column_of(first).name == "Focus"
    assert session.board.column_of(second).name == "Other"
    assert session.board.column_of(third).name == "Uncategorized"

    # A assigns: the picker of who can be assigned, "me" first, filtered as you type.
    fourth = current(view)
    press(qtbot, view, Qt.Key.Key_A)
    dialog = picker(qtbot, view)
    qtbot.waitUntil(lambda: len(dialog.shown()) > 3, timeout=10_000)
    assert dialog.shown()[0] == "ferris"
    qtbot.keyClicks(dialog.filter, "wak")
    assert dialog.shown() == ["waker-wendy"]
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert current(view) == fourth  # an assignment leaves room for a move
    assert session.board.issue(fourth).assignees[-1:] == ("waker-wendy",)
    assert "@waker-wendy assigned" in view.taken.text()
    press(qtbot, view, Qt.Key.Key_Space)

    # O opens the issue on GitHub.
    catcher = UrlCatcher()
    # PySide6 takes the slot name as str; its stub says bytes
    QDesktopServices.setUrlHandler("http", catcher, "open")  # type: ignore[arg-type]
    try:
        press(qtbot, view, Qt.Key.Key_O)
    finally:
        QDesktopServices.unsetUrlHandler("http")
    assert catcher.urls == [session.board.issue(current(view)).html_url]

    # Through the rest of step 1 to the review of Focus: unassigned ones first.
    press(qtbot, view, Qt.Key.Key_Space, 60 - 4)
    assert view.progress.text() == "Step 2 of 4 · 1 of 6"
    assert view.step.text() == "2. Review Focus: is each issue progressing and assigned?"
    assert view.keys.text().startswith("K keep · A assign · D demote to OnDeck · Space skip")
    unassigned = current(view)
    assert session.board.issue(unassigned).assignees == ()
    press(qtbot, view, Qt.Key.Key_1)  # not a key of this step
    assert current(view) == unassigned
    press(qtbot, view, Qt.Key.Key_K)
    stalled = current(view)
    press(qtbot, view, Qt.Key.Key_D)
    assert session.board.column_of(stalled).name == "OnDeck"
    press(qtbot, view, Qt.Key.Key_Space, 4)

    # Step 3: promote OnDeck → Focus, ranked with reasons; the step says what Focus needs.
    assert view.progress.text() == "Step 3 of 4 · 1 of 30"
    assert view.step.text() == "3. Promote OnDeck → Focus"
    assert view.need.text().startswith("Focus has 6 (3–5)")
    assert view.why.text().startswith("Why it is suggested: ")
    candidate = current(view)
    press(qtbot, view, Qt.Key.Key_K)  # not a key of this step
    press(qtbot, view, Qt.Key.Key_P)
    assert session.board.column_of(candidate).name == "Focus"
    assert "Focus 6 → 7" in view.counts.text() or "Focus 6 → 6" in view.counts.text()
    settled(session, qtbot)
    assert github_column(sandbox, candidate) == {label_key("AsyncAwait-Focus")}
    assert github_column(sandbox, stalled) == {label_key("AsyncAwait-OnDeck")}
    assert github_assignees(sandbox, fourth)[-1:] == ["waker-wendy"]
    kinds = [d.kind for d in meeting.decisions]
    assert kinds.count(DecisionKind.PROMOTE) == 1
    assert kinds.count(DecisionKind.DEMOTE) == 1
    assert meeting.steps[meeting.step_index].kind is StepKind.PROMOTE
    # The board's own undo sees the meeting's decisions: they are the same requests.
    assert session.window.undo_action.isEnabled()


def test_esc_leaves_and_reopening_resumes_also_after_a_restart(
    qtbot: QtBot, sandbox: Sandbox, new_session: Any, run_async: Any
) -> None:
    first = new_session()
    run_async(first.start())
    wait_loaded(qtbot, first)
    view = open_meeting(first, qtbot)
    press(qtbot, view, Qt.Key.Key_Space, 3)
    press(qtbot, view, Qt.Key.Key_3)
    key = current(view)
    press(qtbot, view, Qt.Key.Key_Escape)
    assert not view.isVisible()
    view = open_meeting(first, qtbot)
    assert view.progress.text() == "Step 1 of 4 · 5 of 60"
    assert current(view) == key
    settled(first, qtbot)
    run_async(first.aclose())

    second = new_session()  # the app started again
    run_async(second.start())
    wait_loaded(qtbot, second)
    again = open_meeting(second, qtbot)
    assert again.progress.text() == "Step 1 of 4 · 5 of 60"
    assert current(again) == key
    assert "✔ Uncategorized → Other" in again.topics.item(3).text()
    run_async(second.aclose())


def test_minutes_any_time_then_the_end(session: Session, qtbot: QtBot, tmp_path: Path) -> None:
    view = open_meeting(session, qtbot)
    press(qtbot, view, Qt.Key.Key_2)
    moved = view.meeting.steps[0].topics[0]  # type: ignore[union-attr]
    press(qtbot, view, Qt.Key.Key_Space)
    press(qtbot, view, Qt.Key.Key_M)
    dialog = _minutes_dialog(qtbot)
    text = dialog.view.toPlainText()
    assert text.startswith("# Triage meeting: ")
    assert f"[{moved.key}]({moved.url})" in text
    assert "Uncategorized → OnDeck" in text
    assert "Skipped: " in text
    assert "| Uncategorized | 60 | 59 |" in text
    dialog.copy()
    assert QGuiApplication.clipboard().text() == text
    assert dialog.save(tmp_path / "minutes") is True
    assert (tmp_path / "minutes.md").read_text(encoding="utf-8") == text
    assert dialog.save(tmp_path / "no-such-folder" / "m.md") is False
    assert "could not be saved" in dialog.status.text()
    dialog.close()
    qtbot.mouseClick(view.end_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=10_000)
    final = _minutes_dialog(qtbot)
    assert final.view.toPlainText() == text
    assert session.meetings.meeting is None
    # Board ▸ Meeting minutes… shows the last meeting's; Ctrl+M starts a new one.
    final.close()
    shortcut(session, qtbot, Qt.Key.Key_N, CTRL_SHIFT)
    last = _minutes_dialog(qtbot)
    assert last.view.toPlainText() == text
    last.close()
    fresh = open_meeting(session, qtbot)
    assert fresh.meeting is not None
    assert fresh.meeting.decisions == ()


def _minutes_dialog(qtbot: QtBot) -> MinutesDialog:
    found: list[MinutesDialog] = []

    def shown() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MinutesDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(shown, timeout=10_000)
    return found[-1]


def shown(dialog: AssignDialog | None) -> AssignDialog:
    """The dialog a menu command opened (None: it acted at once, where the test expects a dialog)."""
    assert dialog is not None
    return dialog


@pytest.mark.logs("did not assign")
def test_card_menu_assign_assign_to_me_and_unassign(session: Session, sandbox: Sandbox, qtbot: QtBot) -> None:
    window = session.window
    key = next(
        i.key for i in session.board.column_issues(session.board.spec.column("Other")) if not i.assignees
    )
    assert window.select(key)
    dialog = shown(window.assign_selected())
    qtbot.waitUntil(lambda: len(dialog.shown()) > 3, timeout=10_000)
    assert dialog.shown()[0] == "ferris"  # you first
    assert dialog.item_text(0).endswith("(you)")
    qtbot.keyClicks(dialog.filter, "AN")
    assert dialog.shown() == ["async-andy", "tmandry"]
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
    assert session.board.issue(key).assignees == ("tmandry",)
    shortcut(session, qtbot, Qt.Key.Key_M, CTRL_SHIFT)
    assert session.board.issue(key).assignees == ("tmandry", "ferris")
    settled(session, qtbot)
    assert sorted(github_assignees(sandbox, key)) == ["ferris", "tmandry"]
    # Unassign… with two assignees asks which; a typed login not on the list may still be tried.
    dialog = shown(window.unassign_selected())
    assert dialog.shown() == ["ferris", "tmandry"]  # alphabetical
    qtbot.keyClicks(dialog.filter, "fer")
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
    settled(session, qtbot)
    assert github_assignees(sandbox, key) == ["tmandry"]
    window.unassign_selected()  # the one left goes at once
    settled(session, qtbot)
    assert github_assignees(sandbox, key) == []
    dialog = shown(window.assign_selected())
    qtbot.waitUntil(lambda: len(dialog.shown()) > 3, timeout=10_000)
    qtbot.keyClicks(dialog.filter, "crab-lover")
    assert dialog.shown() == ["crab-lover"]
    assert "not on the list" in dialog.item_text(0)
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: "GitHub did not assign @crab-lover" in window.message_bar.text.text(), timeout=10_000
    )
    settled(session, qtbot)
    assert session.board.issue(key).assignees == ()
    assert github_assignees(sandbox, key) == []
