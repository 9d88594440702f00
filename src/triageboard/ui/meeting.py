"""Meeting mode (Board ▸ Triage meeting, Ctrl+M): the weekly triage meeting, one issue at a time.

A window of its own beside the board: where the meeting stands ("Step 2 of 4 · 3 of 5"), the step's issues
(ranked, with their reasons, and what was decided for each), the current issue's details, the keys of the
step, and the columns' counts before the meeting and now. One key per decision; the view only maps keys to
:class:`board.Decision` requests (``decision_requested``) and shows the :class:`board.Meeting` it is given.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..board import (
    Board,
    Decided,
    Decision,
    DecisionKind,
    IssueKey,
    Meeting,
    SinceSnapshot,
    StepKind,
    Topic,
    ladder,
)
from .assign import AssignableUsers, open_assign_dialog
from .details import DetailsPane

LETTERS = {
    Qt.Key.Key_K: "keep",
    Qt.Key.Key_D: "demote",
    Qt.Key.Key_P: "promote",
    Qt.Key.Key_A: "assign",
    Qt.Key.Key_O: "open",
    Qt.Key.Key_M: "minutes",
    Qt.Key.Key_E: "end",
    Qt.Key.Key_Space: "skip",
    Qt.Key.Key_Backspace: "undo",
    Qt.Key.Key_Escape: "leave",
}
DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


def _label(name: str, *, bold: bool = False, scale: float = 1.0) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # issue titles and logins are untrusted
    label.setWordWrap(True)
    if bold or scale != 1.0:
        font = label.font()
        font.setBold(bold)
        font.setPointSizeF(font.pointSizeF() * scale)
        label.setFont(font)
    return label


def outcome_text(d: Decided) -> str:
    """What a decision did to its issue, in a few words."""
    match d.kind:
        case DecisionKind.SKIP:
            return "skipped"
        case DecisionKind.KEEP:
            return f"kept in {d.from_column}"
        case DecisionKind.ASSIGN:
            return f"@{d.login} assigned"
        case DecisionKind.UNASSIGN:
            return f"@{d.login} unassigned"
    return f"{d.from_column} → {d.to_column}"


class MeetingView(QWidget):
    """Signals: ``decision_requested(Decision)``, ``undo_requested()``, ``minutes_requested()``,
    ``end_requested()``, ``open_requested(str)`` (a web address), ``left()`` (Esc: the meeting stays open
    and resumes where it stopped)."""

    decision_requested = Signal(object)
    undo_requested = Signal()
    minutes_requested = Signal()
    end_requested = Signal()
    open_requested = Signal(str)
    left = Signal()

    def __init__(self, board: Board, users: AssignableUsers, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("meetingView")
        self.board = board
        self.users = users
        self.me = ""
        self.meeting: Meeting | None = None
        self.since = SinceSnapshot({}, ())
        spec = board.spec
        self.setWindowTitle(f"Triage meeting — {spec.title or spec.name}")
        self.resize(1280, 780)
        self.setMinimumSize(900, 560)

        self.heading = _label("meetingHeading", bold=True, scale=1.3)
        self.heading.setText(f"Triage meeting · {spec.title or spec.name}")
        self.progress = _label("meetingProgress", bold=True, scale=1.3)
        self.progress.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.step = _label("meetingStep", bold=True, scale=1.1)
        self.need = _label("meetingNeed")
        self.topics = QListWidget()
        self.topics.setObjectName("meetingTopics")
        self.topics.setMinimumWidth(380)
        self.topics.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.topics.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.topics.setSpacing(2)
        self.current = _label("meetingCurrent", bold=True, scale=1.15)
        self.why = _label("meetingWhy")
        self.taken = _label("meetingTaken")
        self.details = DetailsPane()
        self.details.open_requested.connect(self.open_requested)
        self.keys = _label("meetingKeys", bold=True)
        self.counts = _label("meetingCounts")
        self.minutes_button = QPushButton("Minutes… (M)")
        self.minutes_button.clicked.connect(self.minutes_requested)
        self.end_button = QPushButton("End meeting")
        self.end_button.clicked.connect(self.end_requested)
        self.leave_button = QPushButton("Leave (Esc)")
        self.leave_button.clicked.connect(self.leave)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.progress)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.current, self.why, self.taken):
            right_layout.addWidget(widget)
        right_layout.addWidget(self.details, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.topics)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([520, 760])
        buttons = QHBoxLayout()
        buttons.addWidget(self.counts, 1)
        for button in (self.minutes_button, self.end_button, self.leave_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.step)
        layout.addWidget(self.need)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.keys)
        layout.addLayout(buttons)
        # Every key is the meeting's: nothing inside may take the focus (a list would eat Space and 1-9).
        for child in self.findChildren(QWidget):
            child.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.show_meeting(None)

    # --- what it shows -------------------------------------------------------------------------------

    def open_meeting(self) -> None:
        """Bring the view up (the session calls it once the meeting is open)."""
        self.show()
        self.raise_()
        self.activateWindow()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_meeting(self, meeting: Meeting | None) -> None:
        self.meeting = meeting
        self._refresh()

    def set_since(self, since: SinceSnapshot) -> None:
        self.since = since
        self._refresh()

    def _refresh(self) -> None:
        meeting = self.meeting
        if meeting is None:
            for label in (
                self.progress,
                self.step,
                self.need,
                self.current,
                self.why,
                self.taken,
                self.counts,
            ):
                label.setText("")
            self.keys.setText("No meeting is open. Board ▸ Triage meeting (Ctrl+M) opens one.")
            self.topics.clear()
            self.details.show_issue(None)
            return
        self.progress.setText(meeting.progress_text())
        self.counts.setText(self._counts_text(meeting))
        self.minutes_button.setEnabled(True)
        if meeting.is_finished:
            self.step.setText("Done: every issue on the agenda has had its turn.")
            self.need.setText("Look over the minutes, then end the meeting.")
            self.keys.setText(
                "M minutes · E end the meeting · Backspace take back the last decision · Esc leave"
            )
            self._fill_topics(meeting, len(meeting.steps) - 1 if meeting.steps else None)
            for label in (self.current, self.why, self.taken):
                label.setText("")
            self.details.show_issue(None)
            return
        index = meeting.step_index
        planned = meeting.steps[index]
        self.step.setText(f"{index + 1}. {planned.title}")
        self.need.setText(self._need_text(meeting, index))
        self.keys.setText(self._keys_text(planned.kind))
        self._fill_topics(meeting, index)
        topic = meeting.current
        assert topic is not None
        self._show_topic(meeting, topic)

    def _need_text(self, meeting: Meeting, index: int) -> str:
        planned = meeting.steps[index]
        if planned.kind is StepKind.UNCATEGORIZED:
            return "Give each issue a column (its triage label), or skip it."
        if planned.kind is StepKind.REVIEW:
            return "Is each issue making progress? Unassigned ones get someone; a stalled one may go back."
        needed = meeting.needed(index)
        column = meeting.spec.column(planned.column)
        count = meeting.counts_now()[planned.column]
        limit = column.limit_text()
        if needed is None:
            return f"{planned.column} has {count} and no limit: promote as many as the team wants."
        if needed == 0:
            return f"{planned.column} has {count} ({limit}): it needs no more; promote only what cannot wait."
        return f"{planned.column} has {count} ({limit}): it needs {needed} more to reach its limit."

    def _keys_text(self, kind: StepKind) -> str:
        if kind is StepKind.UNCATEGORIZED:
            columns = [c.name for c in ladder(self.board.spec) if not c.is_uncategorized][:9]
            keys = [f"{n} {name}" for n, name in enumerate(columns, start=1)]
            return " · ".join([*keys, "Space skip", "A assign", "O open", "Backspace take back", "Esc leave"])
        if kind is StepKind.REVIEW:
            right = self._neighbour_name(1)
            demote = f"D demote to {right}" if right else "D demote"
            return " · ".join(
                ["K keep", "A assign", demote, "Space skip", "O open", "Backspace take back", "Esc leave"]
            )
        return " · ".join(
            ["P promote", "Space skip", "A assign", "O open", "Backspace take back", "Esc leave"]
        )

    def _neighbour_name(self, offset: int) -> str:
        meeting = self.meeting
        topic = meeting.current if meeting is not None else None
        if meeting is None or topic is None:
            return ""
        rungs = [c.name for c in ladder(meeting.spec)]
        here = rungs.index(meeting.column_of(topic.key))
        there = here + offset
        return rungs[there] if 0 <= there < len(rungs) else ""

    def _counts_text(self, meeting: Meeting) -> str:
        before, now = meeting.counts_before, meeting.counts_now()
        parts = []
        for column in meeting.spec.columns:
            b, n = before[column.name], now[column.name]
            parts.append(f"{column.name} {b} → {n}" if b != n else f"{column.name} {n}")
        return "Columns, before → now: " + " · ".join(parts)

    def _fill_topics(self, meeting: Meeting, index: int | None) -> None:
        self.topics.clear()
        if index is None:
            return
        planned = meeting.steps[index]
        taken: dict[int, list[Decided]] = {}
        for d in meeting.decisions:
            if d.step == index:
                taken.setdefault(d.position, []).append(d)
        for position, topic in enumerate(planned.topics):
            done = "; ".join(outcome_text(d) for d in taken.get(position, []))
            facts = [str(topic.key)]
            if topic.reason:
                facts.append(topic.reason)
            if topic.key in self.since.changes:
                facts.append(self.since.changes[topic.key].text)
            if done:
                facts.append(f"✔ {done}")
            # Two lines: where it stands in the meeting, then the (untrusted, plain) title.
            item = QListWidgetItem(f"{position + 1}. {' · '.join(facts)}\n      {topic.title}")
            item.setData(Qt.ItemDataRole.UserRole, str(topic.key))
            self.topics.addItem(item)
        if not meeting.is_finished and meeting.step_index == index:
            self.topics.setCurrentRow(meeting.position)
            self.topics.scrollToItem(self.topics.currentItem())

    def _show_topic(self, meeting: Meeting, topic: Topic) -> None:
        column = meeting.column_of(topic.key)
        who = ", ".join(f"@{a}" for a in meeting.assignees_of(topic.key)) or "nobody"
        self.current.setText(f"{topic.key} · {topic.title}")
        why = [f"Why it is suggested: {topic.reason}"] if topic.reason else []
        change = self.since.changes.get(topic.key)
        if change is not None:
            why.append(f"Since the last meeting: {change.text}")
        self.why.setText("\n".join(why))
        mine = [outcome_text(d) for d in meeting.decisions if d.key == topic.key]
        taken = f" · in this meeting: {', '.join(mine)}" if mine else ""
        self.taken.setText(f"In {column} · assigned to {who}{taken}")
        issue = self.board.get(topic.key)
        if issue is None:
            self.details.show_issue(None)
            self.details.title.setText(f"{topic.title} (no longer on the board)")
        else:
            placement = self.board.placement(issue.key)
            sending = " (sending…)" if self.board.is_pending(issue.key) else ""
            self.details.show_issue(issue, placement.column.name + sending)

    # --- keys ----------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier):
            super().keyPressEvent(event)  # Ctrl+… stays the window's
            return
        key = Qt.Key(event.key())
        if key in DIGITS:
            self.press(str(DIGITS[key]))
        elif key in LETTERS:
            self.press(LETTERS[key])
        else:
            super().keyPressEvent(event)

    def press(self, what: str) -> None:
        """One key's meaning in the current step (``what``: a digit or a name from ``LETTERS``)."""
        meeting = self.meeting
        if what == "leave":
            self.leave()
            return
        if meeting is None:
            return
        actions: dict[str, Callable[[], None]] = {
            "undo": self.undo_requested.emit,
            "minutes": self.minutes_requested.emit,
            "open": self._open_current,
        }
        if what in actions:
            actions[what]()
            return
        if meeting.is_finished:
            if what == "end":
                self.end_requested.emit()
            return
        kind = meeting.steps[meeting.step_index].kind
        if what == "skip":
            self.decision_requested.emit(Decision.skip())
        elif what == "assign":
            self.pick_assignee()
        elif kind is StepKind.UNCATEGORIZED and what.isdigit():
            columns = [c.name for c in ladder(meeting.spec) if not c.is_uncategorized]
            if int(what) <= len(columns):
                self.decision_requested.emit(Decision.move(columns[int(what) - 1]))
        elif kind is StepKind.REVIEW and what == "keep":
            self.decision_requested.emit(Decision.keep())
        elif kind is StepKind.REVIEW and what == "demote":
            self.decision_requested.emit(Decision.demote())
        elif kind is StepKind.PROMOTE and what == "promote":
            self.decision_requested.emit(Decision.promote())

    def pick_assignee(self) -> None:
        meeting = self.meeting
        topic = meeting.current if meeting is not None else None
        issue = self.board.get(topic.key) if topic is not None else None
        if issue is None:
            return
        open_assign_dialog(
            issue,
            self.users,
            self.me,
            lambda login: self.decision_requested.emit(Decision.assign(login)),
            parent=self,
        )

    def _open_current(self) -> None:
        meeting = self.meeting
        topic = meeting.current if meeting is not None else None
        if topic is not None and topic.url:
            self.open_requested.emit(topic.url)

    def current_key(self) -> IssueKey | None:
        topic = self.meeting.current if self.meeting is not None else None
        return topic.key if topic is not None else None

    def leave(self) -> None:
        self.hide()
        self.left.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.left.emit()
        super().closeEvent(event)
