"""Qt item models over :class:`board.Board`: adapters, not stores.

One :class:`ColumnModel` per column translates the board's listener calls into Qt's row signals; a
:class:`ColumnFilter` proxy applies the filter bar's :class:`board.Filter`. Drops are requests: the model
emits ``move_requested`` and never changes its own rows.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from ..board import Board, Column, Filter, Issue, IssueKey

# Roles the card delegate reads; it reads nothing else.
IssueKeyRole = Qt.ItemDataRole.UserRole + 1
HeadlineRole = Qt.ItemDataRole.UserRole + 2  # "#123 · rust-lang/rust"
LabelsRole = Qt.ItemDataRole.UserRole + 3  # tuple[(name, "rrggbb"), ...]
AssigneesRole = Qt.ItemDataRole.UserRole + 4  # "alice, bob" or "unassigned"
AgeRole = Qt.ItemDataRole.UserRole + 5  # "3d", since the last update
CommentsRole = Qt.ItemDataRole.UserRole + 6  # int
MentoredRole = Qt.ItemDataRole.UserRole + 7  # bool
ConflictRole = Qt.ItemDataRole.UserRole + 8  # bool
PendingRole = Qt.ItemDataRole.UserRole + 9  # bool
IssueRole = Qt.ItemDataRole.UserRole + 10  # the board.Issue itself (details pane)

ISSUE_KEYS_MIME = "application/x-triageboard-issue-keys"

AnyIndex = QModelIndex | QPersistentModelIndex


def age_text(seconds: float) -> str:
    """A short age: "now", "5m", "3h", "12d", "8mo", "2y"."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return "now"
    minutes = seconds / 60
    if minutes < 60:
        return f"{int(minutes)}m"
    hours = minutes / 60
    if hours < 24:
        return f"{int(hours)}h"
    days = hours / 24
    if days < 60:
        return f"{int(days)}d"
    if days < 730:
        return f"{int(days / 30.44)}mo"
    return f"{int(days / 365.25)}y"


def encode_keys(keys: Sequence[IssueKey]) -> QMimeData:
    mime = QMimeData()
    text = "\n".join(str(k) for k in keys)
    mime.setData(ISSUE_KEYS_MIME, QByteArray(text.encode("utf-8")))
    mime.setText(text)
    return mime


def decode_keys(mime: QMimeData) -> list[IssueKey]:
    if not mime.hasFormat(ISSUE_KEYS_MIME):
        return []
    raw = bytes(mime.data(ISSUE_KEYS_MIME).data()).decode("utf-8", errors="replace")
    keys = []
    for line in raw.splitlines():
        try:
            keys.append(IssueKey.parse(line))
        except ValueError:
            continue
    return keys


class ColumnModel(QAbstractListModel):
    """The rows of one board column, read straight from the board. Implements ``board.BoardListener``."""

    move_requested = Signal(object, str)  # (IssueKey, column name)

    def __init__(self, board: Board, column: Column, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.board = board
        self.column = column
        self._name = column.name
        self.clock = time.time
        # True while the board changes this column: selection moves then are Qt's doing, not the user's.
        self.changing = False
        board.subscribe(self)

    def detach(self) -> None:
        self.board.unsubscribe(self)

    # --- BoardListener: the board tells us before and after it changes ---------------------------

    def begin_insert(self, column: Column, row: int) -> None:
        if column.name == self._name:
            self.changing = True
            self.beginInsertRows(QModelIndex(), row, row)

    def end_insert(self, column: Column) -> None:
        if column.name == self._name:
            self.endInsertRows()
            self.changing = False

    def begin_remove(self, column: Column, row: int) -> None:
        if column.name == self._name:
            self.changing = True
            self.beginRemoveRows(QModelIndex(), row, row)

    def end_remove(self, column: Column) -> None:
        if column.name == self._name:
            self.endRemoveRows()
            self.changing = False

    def row_changed(self, column: Column, row: int) -> None:
        if column.name == self._name:
            index = self.index(row, 0)
            self.changing = True
            self.dataChanged.emit(index, index)
            self.changing = False

    def begin_reset(self, column: Column) -> None:
        if column.name == self._name:
            self.changing = True
            self.beginResetModel()

    def end_reset(self, column: Column) -> None:
        if column.name == self._name:
            self.endResetModel()
            self.changing = False

    # --- reading ---------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.board.column_size(self.column)

    def issue(self, row: int) -> Issue:
        return self.board.issue_at(self.column, row)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = index.row()
        if not index.isValid() or not 0 <= row < self.board.column_size(self.column):
            return None
        issue = self.board.issue_at(self.column, row)
        if role == Qt.ItemDataRole.DisplayRole:
            return issue.title
        if role == IssueKeyRole:
            return issue.key
        if role == HeadlineRole:
            return f"#{issue.number} · {issue.repo}"
        if role == LabelsRole:
            return tuple((label.name, label.color) for label in issue.labels)
        if role == AssigneesRole:
            return ", ".join(issue.assignees) if issue.assignees else "unassigned"
        if role == AgeRole:
            stamp = issue.updated_at or issue.created_at
            return "" if stamp is None else age_text(self.clock() - stamp.timestamp())
        if role == CommentsRole:
            return issue.comments
        if role == MentoredRole:
            return issue.has_label(self.board.spec.mentor_label)
        if role == ConflictRole:
            return self.board.placement(issue.key).is_conflict
        if role == PendingRole:
            return self.board.is_pending(issue.key)
        if role == IssueRole:
            return issue
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(issue)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{issue.key}: {issue.title}"
        return None

    def _tooltip(self, issue: Issue) -> str:
        # Tooltips guess rich text; escaping inside an explicit block shows an HTML title literally.
        lines = [f"<b>{html.escape(str(issue.key))}</b>", html.escape(issue.title)]
        placement = self.board.placement(issue.key)
        if placement.is_conflict:
            others = ", ".join(c.name for c in placement.conflicting)
            lines.append(
                html.escape(f"Conflict: its labels also put it in {others}. Move it to settle the column.")
            )
        if self.board.is_pending(issue.key):
            lines.append("Sending this move to GitHub…")
        return "<p style='white-space:pre-wrap'>" + "<br>".join(lines) + "</p>"

    # --- drag and drop: a drop is a request ---------------------------------------------------------

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def mimeTypes(self) -> list[str]:
        return [ISSUE_KEYS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        keys = []
        for index in indexes:
            if index.isValid() and 0 <= index.row() < self.rowCount():
                keys.append(self.issue(index.row()).key)
        return encode_keys(keys)

    def supportedDragActions(self) -> Qt.DropAction:
        # Copy only: after a MoveAction drag Qt would call removeRows on the source; the board owns moves.
        return Qt.DropAction.CopyAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        return any(self._moves_here(key) for key in decode_keys(data))

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        keys = [key for key in decode_keys(data) if self._moves_here(key)]
        for key in keys:
            self.move_requested.emit(key, self._name)
        return bool(keys)

    def removeRows(self, row: int, count: int, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return False  # rows leave only when the board says so

    def _moves_here(self, key: IssueKey) -> bool:
        return key in self.board and self.board.column_of(key).name != self._name


class ColumnFilter(QSortFilterProxyModel):
    """The rows of a :class:`ColumnModel` that match a :class:`board.Filter`, in the board's order."""

    def __init__(self, source: ColumnModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._filter = Filter(mentor_label=source.board.spec.mentor_label)
        self.filtering = False
        self.setSourceModel(source)
        self.setDynamicSortFilter(True)

    def set_filter(self, flt: Filter) -> None:
        if flt == self._filter:
            return
        self.filtering = True
        try:
            self.beginFilterChange()
            self._filter = flt
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        finally:
            self.filtering = False

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if not self._filter.is_active:
            return True
        return self._filter.matches(self._source.issue(source_row))

    def proxy_row_of(self, key: IssueKey) -> int:
        """The visible row of ``key`` in this column, or -1 when it is elsewhere or filtered out."""
        board = self._source.board
        if key not in board or board.column_of(key).name != self._source.column.name:
            return -1
        return self.mapFromSource(self._source.index(board.row_of(key), 0)).row()
