"""The Needs attention lane: conflicts, lost area labels and failed moves (:func:`board.needs_attention`),
each with its one-click fixes. A fix is a request (``fix_requested``), sent by the session like any move;
the lane follows the board as it changes (gathered again a moment after a change, only while shown)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..board import Board, Column, IssueKey, Move, Relabel
from ..board.attention import Attention, Fix, needs_attention
from ..board.cards import board_cards
from ..board.marks import FailedMove
from ..wording import plural
from .permissions import Gate, MoveGate

# Gathering again after a change waits this long: a refresh's many updates cost one pass.
GATHER_DELAY_MS = 150
# More rows than this are counted, not shown (a board of 10,000 cards with a renamed label).
MAX_ROWS = 200
PENDING = "The card is being moved on GitHub: its labels can be changed once that has settled."


class AttentionRow(QFrame):
    """One card that needs attention: what is wrong, and a button per fix."""

    def __init__(
        self, item: Attention, gate: MoveGate, pending: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.item = item
        self.setObjectName("attentionRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        issue = item.card.issue
        self.title = QLabel(f"#{issue.number} · {issue.repo} — {issue.title}")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # titles come from GitHub
        self.title.setWordWrap(True)
        self.why = QLabel(f"{item.mark.text} (in {item.card.column.name})")
        self.why.setTextFormat(Qt.TextFormat.PlainText)
        self.why.setWordWrap(True)
        self.show_button = QPushButton("Show")
        self.show_button.setToolTip("Select the card on the board")
        self.fix_buttons: list[QPushButton] = []
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for fix in item.fixes:
            button = QPushButton(fix.text)
            request = fix.request
            if isinstance(request, Move):
                verdict = gate.gate(request.key, request.column)
            elif isinstance(request, Relabel):
                verdict = gate.gate_relabel(request.key, request.diff)
                if pending and verdict.allowed:
                    verdict = Gate(False, reason=PENDING)
            else:  # the lane offers no assignments
                verdict = Gate(False)
            if verdict.allowed and verdict.via_bot:
                button.setText(f"{fix.text} via @rustbot")
            button.setEnabled(verdict.allowed)
            button.setToolTip(verdict.reason)
            button.setAccessibleDescription(f"{fix.text} for #{issue.number} {issue.repo}")
            buttons.addWidget(button)
            self.fix_buttons.append(button)
        buttons.addStretch(1)
        why = QHBoxLayout()
        why.setContentsMargins(0, 0, 0, 0)
        why.addWidget(self.why, 1)
        why.addWidget(self.show_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.title)
        layout.addLayout(why)
        layout.addLayout(buttons)


class AttentionPanel(QDockWidget):
    """View ▸ Needs attention. ``failed``: the moves seen to fail (the window keeps them);
    ``gate``: what the account may do (a fix it cannot send is disabled, saying why).

    Signals: ``fix_requested(Move | Relabel)``, ``show_requested(IssueKey)``.
    """

    fix_requested = Signal(object)
    show_requested = Signal(object)

    def __init__(
        self,
        board: Board,
        gate: MoveGate,
        failed: Mapping[IssueKey, FailedMove],
        parent: QWidget | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__("Needs attention", parent)
        self.setObjectName("attentionDock")
        self.board = board
        self.gate = gate
        self.failed = failed
        self.now = now
        self.items: list[Attention] = []
        self.rows: list[AttentionRow] = []
        self.summary = QLabel()
        self.summary.setObjectName("attentionSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._list)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        self.setWidget(body)
        self.setMinimumWidth(340)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(GATHER_DELAY_MS)
        self._timer.timeout.connect(self.gather)
        self.visibilityChanged.connect(lambda shown: self.gather() if shown else None)
        board.subscribe(self)

    def detach(self) -> None:
        self.board.unsubscribe(self)

    # --- BoardListener: any change gathers again (later, once) --------------------------------------------

    def begin_insert(self, column: Column, row: int) -> None: ...
    def begin_remove(self, column: Column, row: int) -> None: ...
    def begin_reset(self, column: Column) -> None: ...

    def end_insert(self, column: Column) -> None:
        self.schedule()

    def end_remove(self, column: Column) -> None:
        self.schedule()

    def row_changed(self, column: Column, row: int) -> None:
        self.schedule()

    def end_reset(self, column: Column) -> None:
        self.schedule()

    def schedule(self) -> None:
        """Gather again soon (only while the lane is shown; showing it gathers at once)."""
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    # --- the lane ------------------------------------------------------------------------------------------

    def gather(self) -> None:
        self._timer.stop()
        cards = board_cards(self.board, self.now(), failed=self.failed)
        self.items = needs_attention(self.board.spec, cards)
        for row in self.rows:
            self._list_layout.removeWidget(row)
            row.hide()  # until it is deleted, it would still paint where it was
            row.deleteLater()
        self.rows = []
        for n, item in enumerate(self.items[:MAX_ROWS]):
            pending = self.board.is_pending(item.card.key)
            row = AttentionRow(item, self.gate, pending, self._list)
            for button, fix in zip(row.fix_buttons, item.fixes, strict=True):
                button.clicked.connect(lambda _checked=False, f=fix: self._fix(f))
            key = item.card.key
            row.show_button.clicked.connect(lambda _checked=False, k=key: self.show_requested.emit(k))
            self._list_layout.insertWidget(n, row)
            self.rows.append(row)
        self.summary.setText(_summary(self.items))

    def _fix(self, fix: Fix) -> None:
        if isinstance(fix.request, Move | Relabel):
            self.fix_requested.emit(fix.request)


def _summary(items: list[Attention]) -> str:
    if not items:
        return "Nothing needs attention: no conflicts, lost area labels or failed moves."
    counts: dict[str, int] = {}
    for item in items:
        counts[item.mark.name] = counts.get(item.mark.name, 0) + 1
    words = {"failed": "failed move", "conflict": "conflict", "lost-area": "lost area label"}
    parts = [plural(counts[k], words[k]) for k in ("failed", "conflict", "lost-area") if k in counts]
    more = f" (the first {MAX_ROWS} are listed)" if len(items) > MAX_ROWS else ""
    return f"{len(items)} need attention: {', '.join(parts)}{more}."
