"""One board column on screen: a header (name, counts, soft-limit state) over a ``QListView`` of cards."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRectF,
    Qt,
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
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHBoxLayout, QLabel, QListView, QVBoxLayout, QWidget

from ..board import Column, IssueKey
from .delegate import CardDelegate
from .models import ColumnFilter, ColumnModel, IssueKeyRole, encode_keys

WARNING_STYLE = "QFrame#columnHeader { background: #fff1c2; border: 1px solid #d4a72c; border-radius: 4px; }"
NORMAL_STYLE = "QFrame#columnHeader { border-bottom: 1px solid palette(mid); }"
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
        self.count_label = QLabel("0")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setObjectName("columnCount")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.name_label)
        layout.addStretch(1)
        layout.addWidget(self.count_label)
        self.problem: str | None = None
        self._counts = (-1, -1)
        self.setStyleSheet(NORMAL_STYLE)
        self.set_counts(0, 0)

    def set_counts(self, shown: int, total: int) -> None:
        if (shown, total) == self._counts:
            return
        self._counts = (shown, total)
        text = f"{total:,}" if shown == total else f"{shown:,} / {total:,}"
        limit = self.column.limit_text()
        problem = self.column.limit_problem(total)
        if limit:
            # The warning sign says "outside the limit" without relying on colour alone.
            text = f"{text}  ({limit}){'  ⚠' if problem else ''}"
        self.count_label.setText(text)
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
        selection = self.view.selectionModel()
        selection.currentChanged.connect(self._current_changed)
        selection.selectionChanged.connect(self._selection_changed)
        self.restoring = False  # True while the window sets the selection: not the user's doing
        self._last_marked: set[IssueKey] = set()  # the selection as last set or read
        self.update_counts()

    @property
    def column(self) -> Column:
        return self.model.column

    def update_counts(self) -> None:
        self.header.set_counts(self.proxy.rowCount(), self.model.rowCount())

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
