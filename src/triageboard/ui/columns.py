"""One board column on screen: a header (name and its state in words) over a ``QListView`` of cards.

The header says what the column's rules find without hovering (``board.column_state``: "9 · over 3–5 ·
4 need an assignee · 2 stalled"); the list names itself with the same words for a screen reader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractItemView, QFrame, QLabel, QListView, QVBoxLayout, QWidget

from ..board import Card, Column, IssueKey, Mark, MarkKind, column_state
from .delegate import CardDelegate
from .models import ColumnFilter, ColumnModel, IssueKeyRole, encode_keys

# Dark text on the amber warning whatever the palette (a dark palette's light text would not read on it).
WARNING_STYLE = (
    "QFrame#columnHeader { background: #fff1c2; border: 1px solid #d4a72c; border-radius: 4px; }"
    " QFrame#columnHeader QLabel { color: #1f2328; }"
)
NORMAL_STYLE = "QFrame#columnHeader { border-bottom: 1px solid palette(mid); }"
# The marks board.column_state counts (the others do not change a header).
COUNTED = frozenset({MarkKind.NEEDS_ASSIGNEE, MarkKind.STALLED})
# Any number no count can be: column_state's words for a filter are asked for with it, then it is replaced.
STAND_IN = -1
# The header follows its column after the cards have painted, and at the latest this long after a change.
HEADER_LATEST_MS = 50
# Columns narrower than this elide every title into uselessness.
MIN_COLUMN_WIDTH = 180


class ColumnHeader(QFrame):
    def __init__(self, column: Column, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("columnHeader")
        self.column = column
        self.name_label = QLabel(column.name)
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.name_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.name_label.setFont(font)
        # The column's state in words, under its name: it wraps rather than widen the column.
        self.count_label = QLabel("0")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setObjectName("columnCount")
        self.count_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addWidget(self.name_label)
        layout.addWidget(self.count_label)
        self.problem: str | None = None
        self._counts: tuple[int, int, str | None] = (-1, -1, None)
        self.setStyleSheet(NORMAL_STYLE)
        self.set_counts(0, 0)

    def set_counts(self, shown: int, total: int, state: str | None = None) -> None:
        """Show ``state`` (``board.column_state``'s words; the count alone when not given)."""
        if (shown, total, state) == self._counts:
            return
        self._counts = (shown, total, state)
        text = state if state is not None else f"{shown}/{total}" if shown != total else str(total)
        limit = self.column.limit_text()
        problem = self.column.limit_problem(total)
        # The warning sign says "outside the limit" without relying on colour alone (the words say how).
        self.count_label.setText(f"{text}  ⚠" if problem else text)
        self.count_label.setAccessibleName(spoken_state(self.column.name, text))
        if (problem is None) != (self.problem is None):
            # Restyling re-polishes the header: only when the state flips, not with every count (a load).
            self.setStyleSheet(WARNING_STYLE if problem else NORMAL_STYLE)
        self.problem = problem
        tip = [self.column.description] if self.column.description else []
        if shown != total:
            tip.append(f"{shown:,} of {total:,} cards match the filter.")
        if problem:
            tip.append(problem)
        elif limit:
            tip.append(f"Soft limit: {limit}.")
        self.setToolTip("\n".join(tip))


def spoken_state(name: str, state: str) -> str:
    """A column's name and state as a screen reader should say them: "Focus column: 9 cards, over 3–5"."""
    count, *rest = state.split(" · ")
    shown, _, total = count.partition("/")
    plural = "" if (total or count) == "1" else "s"
    count = f"{shown} of {total} card{plural} shown" if total else f"{count} card{plural}"
    return f"{name} column: " + ", ".join([count, *rest])


class _Quiet(Card):
    """A card without marks whose ``mark`` says so at once (``Card.mark`` scans its empty marks)."""

    __slots__ = ()

    def mark(self, kind: MarkKind) -> None:
        return None


class _Marked(Card):
    """A marked card whose ``mark`` is a plain loop (``column_state`` asks every card twice per header)."""

    __slots__ = ()

    def mark(self, kind: MarkKind) -> Mark | None:
        for mark in self.marks:
            if mark.kind is kind:
                return mark
        return None


class Tally:
    """What ``board.column_state`` counts in a column, worked out once per change of the column (not per
    filter keystroke): the cards its rules mark, and how many cards carry no rule's mark."""

    def __init__(self, model: ColumnModel) -> None:
        column, board = model.column, model.board
        self.total = model.rowCount()
        self.marked: list[Card] = []
        if column.require_assignee or column.stalled_after_days is not None:
            for row, issue in enumerate(board.column_issues(column)):
                marks = model.marks(row)
                if any(m.kind in COUNTED for m in marks):
                    self.marked.append(_Marked(issue, board.placement(issue.key), marks))
        self._words: tuple[str, str] | None = None
        self._quiet: tuple[Card, ...] = ()
        if self.total > len(self.marked):
            first = board.issue_at(column, 0)
            self._quiet = (_Quiet(first, board.placement(first.key)),)

    def cards(self) -> Sequence[Card]:
        """As many cards as the column holds, the marked ones as they are; the others are one unmarked card
        repeated: the same counts for ``column_state``, at almost no cost per card."""
        return [*self.marked, *self._quiet * (self.total - len(self.marked))]

    def state(self, column: Column, shown: int | None) -> str:
        """``board.column_state`` of the column with ``shown`` of its cards through the filter (None: all).

        A filter changes only the number column_state is given, so its words are asked for once per tally
        (with a stand-in number, replaced by each filter's): a keystroke does not count the column again."""
        if self._words is None:
            cards = self.cards()
            self._words = (column_state(column, cards), column_state(column, cards, STAND_IN))
        full, filtered = self._words
        return full if shown is None else filtered.replace(str(STAND_IN), str(shown), 1)


class ColumnView(QListView):
    """Cards of one column. Drags copy (the board moves the card); drops go to the model as requests.

    Several cards can be selected (Ctrl/Shift-click, Ctrl+A, Shift+arrows); a gesture that replaces the
    selection (a plain click, a plain arrow) emits ``exclusive_selection()`` so the window clears the other
    columns. A drag carries ``drag_keys()`` when set (the window's selection across columns), else this
    column's selected cards. Plain Left/Right ask for the neighbouring column (``neighbour_requested(-1 |
    1)``), as on a kanban board; Shift+Left/Right for it while keeping the selection (``extend_requested``).
    """

    neighbour_requested = Signal(int)
    extend_requested = Signal(int)  # Shift+Left/Right
    exclusive_selection = Signal()
    painted = Signal()  # after each paint of the cards (the start's "board is on screen")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUniformItemSizes(True)
        self.setItemDelegate(CardDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Static movement first: setMovement(Static) switches dragging and the viewport's drops off.
        self.setMovement(QListView.Movement.Static)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setMouseTracking(True)
        self.setMinimumWidth(MIN_COLUMN_WIDTH)
        self.drop_target = False
        self.drag_keys: Callable[[], list[IssueKey]] | None = None

    def selectionCommand(
        self, index: QModelIndex | QPersistentModelIndex, event: QEvent | None = None
    ) -> QItemSelectionModel.SelectionFlag:
        command = super().selectionCommand(index, event)
        # Qt's answer to a press on a selected card is "no update" (it may start a drag of the selection);
        # a plain click or arrow clears: then the other columns' selections go too.
        if event is not None and command & QItemSelectionModel.SelectionFlag.Clear:
            self.exclusive_selection.emit()
        return command

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        keys = self.drag_keys() if self.drag_keys is not None else []
        if len(keys) < 2:
            super().startDrag(supportedActions)  # one card: Qt's drag, the card's picture under the pointer
            return
        drag = QDrag(self)
        drag.setMimeData(encode_keys(keys))
        drag.setPixmap(_drag_pixmap(self, len(keys)))
        drag.setHotSpot(QPoint(-12, -12))
        # Copy only: after a MoveAction drag Qt would remove the source rows; the board owns moves.
        drag.exec(Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)

    def set_drop_target(self, on: bool) -> None:
        if on != self.drop_target:
            self.drop_target = on
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.painted.emit()
        if self.drop_target:
            # While a card is dragged over a column that would take it: a tinted, outlined list.
            painter = QPainter(self.viewport())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            highlight = self.palette().color(QPalette.ColorRole.Highlight)
            tint = QColor(highlight)
            tint.setAlpha(40)
            painter.setBrush(tint)
            painter.setPen(QPen(highlight, 2, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(QRectF(self.viewport().rect()).adjusted(1, 1, -1, -1), 6, 6)
            painter.end()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        super().dragEnterEvent(event)
        self.set_drop_target(event.isAccepted())

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        super().dragMoveEvent(event)
        self.set_drop_target(event.isAccepted())

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        super().dragLeaveEvent(event)
        self.set_drop_target(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))
        if step is not None and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.neighbour_requested.emit(step)
            event.accept()
            return
        if step is not None and event.modifiers() == Qt.KeyboardModifier.ShiftModifier:
            self.extend_requested.emit(step)  # the selection grows into the neighbouring column
            event.accept()
            return
        super().keyPressEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.set_drop_target(False)
        super().dropEvent(event)


class ColumnWidget(QWidget):
    """Header + view for one column; ``current_changed(key)`` reports the selected card's key."""

    selected = Signal(object)  # IssueKey | None
    marked_changed = Signal()  # the user changed which cards are selected in this column

    def __init__(self, model: ColumnModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = ColumnFilter(model, self)
        self.header = ColumnHeader(model.column, self)
        self.view = ColumnView(self)
        self.view.setModel(self.proxy)
        self.view.setObjectName(f"column-{model.column.name}")
        self.view.setAccessibleName(f"{model.column.name} column")
        if model.column.description:
            self.view.setAccessibleDescription(model.column.description)
        # The header's state follows the board once per turn of the event loop (a load changes a column
        # many times in one turn; counting its marks is one pass over the column).
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.timeout.connect(self.refresh_header)
        self._header_stale = False
        self.view.painted.connect(self._cards_painted)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.view, 1)
        # The proxy reports a removal before the board has made it; the source's signal comes after.
        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            signal.connect(self.update_counts)
        # A card's marks change with its issue, the pending state and its time in the column.
        model.dataChanged.connect(self.update_counts)
        # What the header counts is worked out again only when the column changed (or the hour did).
        self._tally: tuple[int, Tally] | None = None
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.dataChanged):
            signal.connect(self._forget_tally)
        selection = self.view.selectionModel()
        selection.currentChanged.connect(self._current_changed)
        selection.selectionChanged.connect(self._selection_changed)
        self.restoring = False  # True while the window sets the selection: not the user's doing
        self._last_marked: set[IssueKey] = set()  # the selection as last set or read
        self.refresh_header()

    @property
    def column(self) -> Column:
        return self.model.column

    def update_counts(self) -> None:
        """The header and the list's accessible name follow the column once its cards have painted (at the
        latest ``HEADER_LATEST_MS`` later): a filter keystroke or a drop shows its cards first."""
        self._header_stale = True
        if not self._counts_timer.isActive():
            self._counts_timer.start(HEADER_LATEST_MS)

    def _cards_painted(self) -> None:
        if self._header_stale:
            self._counts_timer.start(0)  # after this paint, not inside it

    def refresh_header(self) -> None:
        """The header and the list's accessible name say the column's state now."""
        self._header_stale = False
        self._counts_timer.stop()
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        hour = int(self.model.clock() // 3600)  # a card becomes stalled as days pass
        if self._tally is None or self._tally[0] != hour:
            self._tally = (hour, Tally(self.model))
        state = self._tally[1].state(self.column, shown if shown != total else None)
        self.header.set_counts(shown, total, state)
        self.view.setAccessibleName(spoken_state(self.column.name, state))

    def _forget_tally(self) -> None:
        self._tally = None

    def visible_keys(self) -> list[IssueKey]:
        """The cards on screen in this column (top to bottom), for what is read first."""
        view = self.view
        rows = self.proxy.rowCount()
        if not rows or not view.isVisible():
            return []
        viewport = view.viewport().rect()
        top = view.indexAt(viewport.topLeft())
        bottom = view.indexAt(viewport.bottomLeft())
        first = top.row() if top.isValid() else 0
        last = bottom.row() if bottom.isValid() else rows - 1
        return [self.proxy.index(row, 0).data(IssueKeyRole) for row in range(first, last + 1)]

    def counts(self) -> tuple[int, int]:
        return self.proxy.rowCount(), self.model.rowCount()

    def selected_keys(self) -> list[IssueKey]:
        """The cards selected in this column, top to bottom."""
        rows = sorted(index.row() for index in self.view.selectionModel().selectedIndexes())
        return [self.proxy.index(row, 0).data(IssueKeyRole) for row in rows]

    def has_marked(self, keys: list[IssueKey], current: IssueKey | None) -> bool:
        """Whether exactly ``keys`` are selected here and ``current`` (when given) is the current card:
        cheap (ranges are counted; rows are not read) for a selection of thousands."""
        model = self.view.selectionModel()
        ranges = model.selection()
        count = sum(ranges.at(n).height() for n in range(ranges.length()))
        if count != len(keys) or count != len(self._last_marked) or self._last_marked != set(keys):
            return False
        if current is None:
            return True
        index = model.currentIndex()
        return index.isValid() and index.data(IssueKeyRole) == current

    def set_marked(self, keys: list[IssueKey], current: IssueKey | None) -> None:
        """Select exactly ``keys`` (those shown here); ``current`` becomes the current card if it is here."""
        rows = sorted(row for key in keys if (row := self.proxy.proxy_row_of(key)) >= 0)
        selection = QItemSelection()
        start = previous = -2
        for row in [*rows, -2]:  # contiguous rows as ranges: Ctrl+A on 10,000 cards is one range
            if row != previous + 1:
                if start >= 0:
                    selection.select(self.proxy.index(start, 0), self.proxy.index(previous, 0))
                start = row
            previous = row
        model = self.view.selectionModel()
        self.restoring = True
        self._last_marked = {self.proxy.index(row, 0).data(IssueKeyRole) for row in rows}
        try:
            model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            row = self.proxy.proxy_row_of(current) if current is not None else -1
            if row >= 0:
                index = self.proxy.index(row, 0)
                model.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
                self.view.scrollTo(index)
            elif model.currentIndex().isValid() and not rows:
                model.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
        finally:
            self.restoring = False

    def _selection_changed(self, *_args: object) -> None:
        if self.restoring or self.model.changing or self.proxy.filtering:
            return  # the window's doing, or Qt's as rows come and go
        self._last_marked = set(self.selected_keys())
        self.marked_changed.emit()

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self.restoring or self.model.changing or self.proxy.filtering:
            return  # Qt moved the current row because rows went away; the window re-selects the card
        self.selected.emit(current.data(IssueKeyRole) if current.isValid() else None)


def _drag_pixmap(view: QWidget, count: int) -> QPixmap:
    """What follows the pointer while a selection is dragged: how many cards."""
    text = f"{count} cards"
    metrics = view.fontMetrics()
    pixmap = QPixmap(metrics.horizontalAdvance(text) + 20, metrics.height() + 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    palette = view.palette()
    painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(QRectF(pixmap.rect()), 6, 6)
    painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap
