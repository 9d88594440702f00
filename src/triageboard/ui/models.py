"""Qt item models over :class:`board.Board`: adapters, not stores.

One :class:`ColumnModel` per column translates the board's listener calls into Qt's row signals; a
:class:`ColumnFilter` proxy applies the filter bar's :class:`board.Filter`. Drops are requests: the model
emits ``moves_requested`` (every card of the drag, one request) and never changes its own rows.
"""

from __future__ import annotations

import bisect
import html
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from ..board import (
    Board,
    Column,
    FailedMove,
    Filter,
    Issue,
    IssueKey,
    Mark,
    MarkKind,
    SinceSnapshot,
    Sort,
    card_order,
    evaluate_marks,
    label_key,
    time_in_column_text,
)
from ..board.filters import matcher, narrows, search_text
from ..board.timeline import days_between

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
# Everything a card shows, for the delegate's cache: (issue, marks' texts, in-column text, since-meeting text,
# age). Issues are immutable: a changed card is a new Issue object.
RenderRole = Qt.ItemDataRole.UserRole + 11
MarksRole = (
    Qt.ItemDataRole.UserRole + 12
)  # tuple[board.Mark, ...] from board.evaluate_marks, most urgent first
InColumnSinceRole = Qt.ItemDataRole.UserRole + 13  # datetime | None: when the card entered its column
InColumnRole = Qt.ItemDataRole.UserRole + 14  # "in Focus 41 d", or "" while the timeline is unknown
SinceMeetingRole = Qt.ItemDataRole.UserRole + 15  # "changed since the meeting" / "moved from OnDeck" / ""
# The label chips a card shows: tuple[(name, "rrggbb"), ...] without the board's area labels, the column's own
# labels and the mentor label (a mark), the most triage-relevant first (they are the last to be elided).
ChipsRole = Qt.ItemDataRole.UserRole + 16

ISSUE_KEYS_MIME = "application/x-triageboard-issue-keys"

AnyIndex = QModelIndex | QPersistentModelIndex
# A card's marks, their texts and its time in the column in words.
_Facts = tuple[tuple[Mark, ...], tuple[str, ...], str]

# Marks a card paints, in words: the domain's text, shortened where a card has no room for a sentence.
MARK_WORDS = {MarkKind.FAILED: "failed", MarkKind.PENDING: "sending…"}
# Label prefixes by how much they matter to triage: the lower, the later a chip is elided.
_CHIP_RANKS = (
    (0, ("p-", "i-prioritize", "i-nominated", "i-unsound", "regression-", "i-ice")),
    (1, ("s-", "i-", "e-")),
    (2, ("t-", "wg-", "c-")),
)


def mark_words(mark: Mark) -> str:
    """What a card says for ``mark``: "needs an assignee", "stalled 41 d", "conflict", "sending…"."""
    if mark.kind is MarkKind.CONFLICT:
        return "conflict"
    return MARK_WORDS.get(mark.kind, mark.text)


def chip_rank(name: str) -> int:
    key = label_key(name)
    for rank, prefixes in _CHIP_RANKS:
        if key.startswith(prefixes):
            return rank
    return 3


def card_chips(labels: Sequence[tuple[str, str]], hidden: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """The chips a card shows: ``labels`` without the ``hidden`` ones (label keys), priority and triage
    labels first (stable within a rank), so a narrow card elides the least relevant."""
    kept = [(name, color) for name, color in labels if label_key(name) not in hidden]
    return tuple(sorted(kept, key=lambda chip: chip_rank(chip[0])))


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


def _days(days: int) -> str:
    return f"{days} day{'' if days == 1 else 's'}"


def _mark_sentence(mark: Mark) -> str:
    if mark.kind is MarkKind.STALLED and mark.days is not None:
        return f"Stalled for {_days(mark.days)}."
    if mark.kind is MarkKind.PENDING:
        return "Sending this move to GitHub."
    return _sentence(mark.text)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "…")) else ".")


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

    moves_requested = Signal(object, str)  # (list[IssueKey], column name): one drop, one request

    def __init__(self, board: Board, column: Column, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.board = board
        self.column = column
        self._name = column.name
        self.clock = time.time
        # Labels every card here would repeat: the board's area labels, this column's own, the mentor label.
        self._hidden_chips = frozenset(
            label_key(n) for n in (*board.spec.area_labels, *column.labels, board.spec.mentor_label)
        )
        # When each card entered its column (the timeline service's answers so far), shared by the columns.
        self.in_column: Mapping[IssueKey, datetime] = {}
        self.since_meeting = SinceSnapshot({}, ())
        self.failed: Mapping[IssueKey, FailedMove] = {}
        self._memo: dict[
            IssueKey, tuple[Issue, tuple[object, ...], tuple[tuple[Mark, ...], tuple[str, ...], str]]
        ] = {}
        # True while the board changes this column: selection moves then are Qt's doing, not the user's.
        self.changing = False
        board.subscribe(self)

    def detach(self) -> None:
        self.board.unsubscribe(self)

    # --- what the board does not know: time in the column, the last meeting, failed moves ------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def keys_changed(self, keys: Iterable[IssueKey]) -> None:
        """Cards whose marks or texts changed without their issue changing: their rows repaint, in one
        signal for the span they cover (the timelines stored from the last run arrive all at once)."""
        rows = [
            self.board.row_of(key)
            for key in keys
            if key in self.board and self.board.column_of(key).name == self._name
        ]
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), 0))

    def set_since_meeting(self, since: SinceSnapshot) -> None:
        old, self.since_meeting = self.since_meeting, since
        changed = {k for k in (*old.changes, *since.changes) if old.changes.get(k) != since.changes.get(k)}
        self.keys_changed(changed)

    def marks(self, row: int) -> tuple[Mark, ...]:
        """The card's marks from the column's rules (board.evaluate_marks), as of the model's clock."""
        return self._facts(row)[0]

    def _facts(self, row: int) -> _Facts:
        """The card's marks, their texts and its time in the column in words: worked out again when the
        issue, its pending state, failed move or time in the column changed, or a minute passed (asked for
        every painted card, most of them painted from the delegate's cache)."""
        issue = self.board.issue_at(self.column, row)
        key = issue.key
        since, pending, failed = self.in_column.get(key), self.board.is_pending(key), self.failed.get(key)
        minute = int(self.clock() // 60)
        memo = self._memo.get(key)
        if memo is not None and memo[0] is issue and memo[1] == (since, pending, failed, minute):
            return memo[2]
        now = self.now()
        marks = evaluate_marks(
            self.board.spec,
            issue,
            self.board.placement(key),
            now,
            in_column_since=since,
            pending=pending,
            failed=failed,
        )
        in_column = "" if since is None else time_in_column_text(self.column, since, now)
        facts = (marks, tuple(mark.text for mark in marks), in_column)
        if len(self._memo) > 4 * self.rowCount() + 1024:
            self._memo.clear()  # cards that left or changed: start again rather than grow
        self._memo[key] = (issue, (since, pending, failed, minute), facts)
        return facts

    def since_meeting_text(self, key: IssueKey) -> str:
        change = self.since_meeting.changes.get(key)
        return "" if change is None else change.text

    def sort_key(self, sort: Sort, row: int) -> tuple[float, float, str, int]:
        issue = self.board.issue_at(self.column, row)
        return card_order(sort, issue, self.in_column.get(issue.key))

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
        return self.data_at(index.row(), role) if index.isValid() else None

    def data_at(self, row: int, role: int) -> object:
        """``data`` for row ``row`` (no index needed: the filter reads through this)."""
        if not 0 <= row < self.board.column_size(self.column):
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
        if role == ChipsRole:
            return card_chips([(label.name, label.color) for label in issue.labels], self._hidden_chips)
        if role == MarksRole:
            return self.marks(row)
        if role == InColumnSinceRole:
            return self.in_column.get(issue.key)
        if role == InColumnRole:
            return self._facts(row)[2]
        if role == SinceMeetingRole:
            return self.since_meeting_text(issue.key)
        if role == RenderRole:
            stamp = issue.updated_at or issue.created_at
            age = "" if stamp is None else age_text(self.clock() - stamp.timestamp())
            _marks, texts, in_column = self._facts(row)
            return (issue, texts, in_column, self.since_meeting_text(issue.key), age)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(issue)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"#{issue.number} {issue.repo}: {issue.title}"
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return self.accessible_description(row)
        return None

    def accessible_description(self, row: int) -> str:
        """What a sighted user reads on the card besides its number and title, as sentences."""
        issue = self.board.issue_at(self.column, row)
        key = issue.key
        parts = [f"{self._name} column."]
        for mark in self.marks(row):
            parts.append(_mark_sentence(mark))
        if issue.has_label(self.board.spec.mentor_label):
            parts.append("Mentored (E-mentor).")
        since = self.since_meeting_text(key)
        if since:
            parts.append(_sentence(since))
        entered = self.in_column.get(key)
        if entered is not None:
            days = days_between(entered, self.now())
            parts.append(f"In {self._name} for {_days(days) if days else 'less than a day'}.")
        if issue.assignees:
            parts.append(f"Assigned to {', '.join(issue.assignees)}.")
        else:
            parts.append("Unassigned.")
        if issue.labels:
            parts.append(f"Labels: {', '.join(issue.label_names)}.")
        stamp = issue.updated_at or issue.created_at
        if stamp is not None:
            age = age_text(self.clock() - stamp.timestamp())
            parts.append("Updated just now." if age == "now" else f"Updated {age} ago.")
        parts.append(f"{issue.comments} comment{'' if issue.comments == 1 else 's'}.")
        return " ".join(parts)

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
        for mark in self.marks(self.board.row_of(issue.key)):
            if mark.kind not in (MarkKind.CONFLICT, MarkKind.PENDING):
                lines.append(html.escape(_sentence(mark.text)))
        since = self.since_meeting_text(issue.key)
        if since:
            lines.append(html.escape(_sentence(since)))
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
        if keys:
            self.moves_requested.emit(keys, self._name)  # a dragged selection is one bulk move
        return bool(keys)

    def removeRows(self, row: int, count: int, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return False  # rows leave only when the board says so

    def _moves_here(self, key: IssueKey) -> bool:
        return key in self.board and self.board.column_of(key).name != self._name


class ColumnFilter(QAbstractListModel):
    """The rows of a :class:`ColumnModel` that match a :class:`board.Filter`, in the board's order.

    A list of the source rows shown, kept in step with the source's row signals. A new filter is one pass
    over the column with each card's :func:`~triageboard.board.filters.search_text` computed once (over the
    rows shown before, when the text only grew), then one reset of the view: no Python call per row from
    Qt, so a keystroke stays cheap at 10,000 cards.

    Sorted (:meth:`set_sort`, other than the board's order) the rows shown are ordered by
    :func:`board.card_order`; a changed card that moves in the order is a layout change (the selection
    follows it), a card that arrives or leaves one reset.
    """

    def __init__(self, source: ColumnModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._filter = Filter(mentor_label=source.board.spec.mentor_label)
        self._accept = matcher(self._filter)
        self._rows: list[int] | None = None  # None: every row of the source, unfiltered
        self._texts: dict[int, tuple[Issue, str]] = {}  # id(issue) -> (issue, its search text)
        self._sort = Sort.BOARD
        self._order: list[int] | None = None  # sorted: the source rows shown, in the order shown
        self._position: dict[int, int] | None = None  # sorted: source row -> row here (built when asked)
        self.filtering = False
        source.rowsAboutToBeInserted.connect(self._about_to_insert)
        source.rowsInserted.connect(self._inserted)
        source.rowsAboutToBeRemoved.connect(self._about_to_remove)
        source.rowsRemoved.connect(self._removed)
        source.dataChanged.connect(self._changed)
        source.modelAboutToBeReset.connect(self.beginResetModel)
        source.modelReset.connect(self._reset)
        self._removing: tuple[int, int] | None = None

    def sourceModel(self) -> ColumnModel:
        return self._source

    @property
    def active(self) -> bool:
        return self._rows is not None

    @property
    def order_by(self) -> Sort:
        return self._sort

    # --- sorting ----------------------------------------------------------------------------------

    def set_sort(self, sort: Sort) -> None:
        """Order the cards shown by ``sort`` (board.card_order); the selection stays on its card."""
        if sort == self._sort:
            return
        self._sort = sort
        self._relayout()

    def _resort(self) -> None:
        self._position = None
        if self._sort is Sort.BOARD:
            self._order = None
            return
        rows = self._rows if self._rows is not None else range(self._source.rowCount())
        sort, key = self._sort, self._source.sort_key
        self._order = sorted(rows, key=lambda row: key(sort, row))

    def _relayout(self) -> None:
        """The same cards in a new order: persistent indexes (the selection) follow their cards."""
        self.layoutAboutToBeChanged.emit()
        kept = self.persistentIndexList()
        sources = [self.source_row(i.row()) if 0 <= i.row() < self.rowCount() else -1 for i in kept]
        self._resort()
        moved = [self.mapFromSource(self._source.index(r, 0)) if r >= 0 else QModelIndex() for r in sources]
        self.changePersistentIndexList(kept, moved)
        self.layoutChanged.emit()

    # --- filtering --------------------------------------------------------------------------------

    def set_filter(self, flt: Filter) -> None:
        if flt == self._filter:
            return
        narrowing = self._rows is not None and narrows(self._filter, flt)
        candidates = self._rows if narrowing and self._rows is not None else None
        self.filtering = True
        try:
            self.beginResetModel()
            self._filter = flt
            self._accept = matcher(flt)
            self._rows = self._select(candidates) if flt.is_active else None
            self._resort()
            self.endResetModel()
        finally:
            self.filtering = False

    def _text(self, issue: Issue) -> str:
        cached = self._texts.get(id(issue))
        if cached is not None and cached[0] is issue:
            return cached[1]
        if len(self._texts) > 4 * self._source.rowCount() + 1024:
            self._texts.clear()  # cards that left or changed: start again rather than grow
        text = search_text(issue)
        self._texts[id(issue)] = (issue, text)
        return text

    def _matches(self, issue: Issue, row: int | None = None) -> bool:
        flt = self._filter
        if flt.columns or flt.flags:
            flags: tuple[str, ...] = ()
            if flt.flags:  # a view of marked cards ("Stalled"): the card's marks, as painted
                at = row if row is not None else self._source.board.row_of(issue.key)
                flags = tuple(mark.kind.value for mark in self._source.marks(at))
            return flt.matches(issue, self._source.column.name, flags)
        return self._accept(issue, self._text(issue))

    def _select(self, candidates: list[int] | None) -> list[int]:
        """The source rows that match, in one pass (over ``candidates`` when given)."""
        issues = self._source.board.column_issues(self._source.column)
        if candidates is None:
            return [row for row, issue in enumerate(issues) if self._matches(issue, row)]
        return [row for row in candidates if self._matches(issues[row], row)]

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        """Whether the filter lets ``source_row`` through (what a Qt filter proxy would ask)."""
        if not self._filter.is_active:
            return True
        return self._matches(self._source.issue(source_row), source_row)

    # --- following the source ---------------------------------------------------------------------------

    def _about_to_insert(self, parent: AnyIndex, first: int, last: int) -> None:
        if self._order is not None:
            self.beginResetModel()
        elif self._rows is None:
            self.beginInsertRows(QModelIndex(), first, last)

    def _inserted(self, parent: AnyIndex, first: int, last: int) -> None:
        if self._order is not None:
            self._reselect()
            return
        if self._rows is None:
            self.endInsertRows()
            return
        count = last - first + 1
        at = bisect.bisect_left(self._rows, first)
        # The rows after the new ones moved down in the source: same cards, same places here.
        self._rows[at:] = [row + count for row in self._rows[at:]]
        fresh = [row for row in range(first, last + 1) if self.filterAcceptsRow(row)]
        if fresh:
            self.beginInsertRows(QModelIndex(), at, at + len(fresh) - 1)
            self._rows[at:at] = fresh
            self.endInsertRows()

    def _about_to_remove(self, parent: AnyIndex, first: int, last: int) -> None:
        if self._order is not None:
            self.beginResetModel()
            return
        if self._rows is None:
            self.beginRemoveRows(QModelIndex(), first, last)
            self._removing = (first, last)
            return
        lo = bisect.bisect_left(self._rows, first)
        hi = bisect.bisect_right(self._rows, last)
        self._removing = (lo, hi)
        if hi > lo:
            self.beginRemoveRows(QModelIndex(), lo, hi - 1)

    def _removed(self, parent: AnyIndex, first: int, last: int) -> None:
        if self._order is not None:
            self._reselect()
            return
        removing, self._removing = self._removing, None
        if self._rows is None:
            if removing is not None:
                self.endRemoveRows()
            return
        lo, hi = removing if removing is not None else (0, 0)
        count = last - first + 1
        self._rows[lo:] = [row - count for row in self._rows[hi:]]
        if hi > lo:
            self.endRemoveRows()

    def _reselect(self) -> None:
        """Sorted: the source's rows changed under a reset begun before; select and order them again."""
        if self._rows is not None:
            self._rows = self._select(None)
        self._resort()
        self.endResetModel()

    def _changed_sorted(self, first: int, last: int) -> None:
        """Sorted: changed cards repaint; one that leaves or joins the filter resets, one that moves in the
        order is a layout change."""
        rows = range(first, last + 1)
        if self._rows is not None and any(
            self.filterAcceptsRow(row) != (self.mapFromSource(self._source.index(row, 0)).isValid())
            for row in rows
        ):
            self.beginResetModel()
            self._reselect()
            return
        before = self._order
        rows_shown = self._rows if self._rows is not None else range(self._source.rowCount())
        sort, key = self._sort, self._source.sort_key
        after = sorted(rows_shown, key=lambda row: key(sort, row))
        if after != before:
            self._relayout()
        for row in rows:
            index = self.mapFromSource(self._source.index(row, 0))
            if index.isValid():
                self.dataChanged.emit(index, index)

    def _changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: Sequence[int] = ()) -> None:
        if self._order is not None:
            self._changed_sorted(top_left.row(), bottom_right.row())
            return
        for row in range(top_left.row(), bottom_right.row() + 1):
            if self._rows is None:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index)
                continue
            at = bisect.bisect_left(self._rows, row)
            shown = at < len(self._rows) and self._rows[at] == row
            wanted = self.filterAcceptsRow(row)
            if shown and wanted:
                index = self.index(at, 0)
                self.dataChanged.emit(index, index)
            elif shown:
                self.beginRemoveRows(QModelIndex(), at, at)
                del self._rows[at]
                self.endRemoveRows()
            elif wanted:
                self.beginInsertRows(QModelIndex(), at, at)
                self._rows.insert(at, row)
                self.endInsertRows()

    def _reset(self) -> None:
        if self._rows is not None:
            self._rows = self._select(None)
        self._resort()
        self.endResetModel()

    # --- reading ------------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return self._source.rowCount() if self._rows is None else len(self._rows)

    def source_row(self, row: int) -> int:
        if self._order is not None:
            return self._order[row]
        return row if self._rows is None else self._rows[row]

    def mapToSource(self, index: AnyIndex) -> QModelIndex:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return QModelIndex()
        return self._source.index(self.source_row(index.row()), 0)

    def mapFromSource(self, index: AnyIndex) -> QModelIndex:
        if not index.isValid():
            return QModelIndex()
        row = index.row()
        if self._order is not None:
            if self._position is None:
                self._position = {source: at for at, source in enumerate(self._order)}
            at = self._position.get(row, -1)
            return self.index(at, 0) if at >= 0 else QModelIndex()
        if self._rows is None:
            return self.index(row, 0)
        at = bisect.bisect_left(self._rows, row)
        return self.index(at, 0) if at < len(self._rows) and self._rows[at] == row else QModelIndex()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = index.row()
        rows = self._order if self._order is not None else self._rows
        if rows is None:
            return self._source.data_at(row, role) if index.isValid() else None
        if not index.isValid() or not 0 <= row < len(rows):
            return None
        return self._source.data_at(rows[row], role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return self._source.flags(self.mapToSource(index) if index.isValid() else index)

    def mimeTypes(self) -> list[str]:
        return self._source.mimeTypes()

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        return self._source.mimeData([self.mapToSource(i) for i in indexes])

    def supportedDragActions(self) -> Qt.DropAction:
        return self._source.supportedDragActions()

    def supportedDropActions(self) -> Qt.DropAction:
        return self._source.supportedDropActions()

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        return self._source.canDropMimeData(data, action, -1, -1, QModelIndex())

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        return self._source.dropMimeData(data, action, -1, -1, QModelIndex())

    def removeRows(self, row: int, count: int, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return False  # rows leave only when the board says so

    def proxy_row_of(self, key: IssueKey) -> int:
        """The visible row of ``key`` in this column, or -1 when it is elsewhere or filtered out."""
        board = self._source.board
        if key not in board or board.column_of(key).name != self._source.column.name:
            return -1
        return self.mapFromSource(self._source.index(board.row_of(key), 0)).row()
