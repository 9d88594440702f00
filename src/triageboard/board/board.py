"""The board's state: which issue sits in which column, in which order, and who is told of changes.

Plain Python. The Qt column models are adapters that listen through :class:`BoardListener`.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .filters import Filter
from .model import BoardSpec, Column, Issue, IssueKey, Placement
from .rules import in_scope, place

# Past this many changes in one column, one reset is cheaper for a view than row-by-row signals.
RESET_THRESHOLD = 64
# ...and so it is for a batch that rebuilds most of a column (e.g. the first page into an empty one).
RESET_MIN = 8


class BoardListener(Protocol):
    """Told of every change, before and after, the way Qt's item models need to hear it."""

    def begin_insert(self, column: Column, row: int) -> None: ...
    def end_insert(self, column: Column) -> None: ...
    def begin_remove(self, column: Column, row: int) -> None: ...
    def end_remove(self, column: Column) -> None: ...
    def row_changed(self, column: Column, row: int) -> None: ...
    def begin_reset(self, column: Column) -> None: ...
    def end_reset(self, column: Column) -> None: ...


def sort_key(issue: Issue) -> tuple[float, str, int]:
    """Newest first; creation time never changes, so a card keeps its place when its labels change."""
    created = issue.created_at.timestamp() if issue.created_at is not None else 0.0
    return (-created, issue.repo, issue.number)


@dataclass(frozen=True, slots=True)
class ColumnCount:
    shown: int
    total: int


class Board:
    def __init__(self, spec: BoardSpec) -> None:
        self.spec = spec
        self._issues: dict[IssueKey, Issue] = {}
        self._placement: dict[IssueKey, Placement] = {}
        self._rows: dict[str, list[tuple[tuple[float, str, int], IssueKey]]] = {
            c.name: [] for c in spec.columns
        }
        self._pending: set[IssueKey] = set()
        self._listeners: list[BoardListener] = []

    # --- observation -------------------------------------------------------------------------

    def subscribe(self, listener: BoardListener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: BoardListener) -> None:
        self._listeners.remove(listener)

    # --- queries -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._issues)

    def __contains__(self, key: object) -> bool:
        return key in self._issues

    def issue(self, key: IssueKey) -> Issue:
        return self._issues[key]

    def get(self, key: IssueKey) -> Issue | None:
        return self._issues.get(key)

    def issues(self) -> list[Issue]:
        return [self._issues[key] for column in self.spec.columns for _, key in self._rows[column.name]]

    def placement(self, key: IssueKey) -> Placement:
        return self._placement[key]

    def column_of(self, key: IssueKey) -> Column:
        return self._placement[key].column

    def column_issues(self, column: Column) -> list[Issue]:
        return [self._issues[key] for _, key in self._rows[column.name]]

    def column_size(self, column: Column) -> int:
        return len(self._rows[column.name])

    def issue_at(self, column: Column, row: int) -> Issue:
        return self._issues[self._rows[column.name][row][1]]

    def row_of(self, key: IssueKey) -> int:
        issue = self._issues[key]
        rows = self._rows[self._placement[key].column.name]
        return bisect.bisect_left(rows, (sort_key(issue), key))

    def is_pending(self, key: IssueKey) -> bool:
        return key in self._pending

    def conflicts(self) -> list[Issue]:
        return [self._issues[k] for k, p in self._placement.items() if p.is_conflict]

    def counts(
        self, flt: Filter | None = None, flags: Mapping[IssueKey, Collection[str]] | None = None
    ) -> dict[str, ColumnCount]:
        """Shown and total cards per column; ``flags`` are the cards' mark names, for filters on marks."""
        flags = flags or {}
        result = {}
        for column in self.spec.columns:
            issues = self.column_issues(column)
            if flt is None:
                shown = len(issues)
            else:
                shown = sum(1 for i in issues if flt.matches(i, column.name, flags.get(i.key, ())))
            result[column.name] = ColumnCount(shown, len(issues))
        return result

    def assignees(self) -> list[str]:
        return sorted({login for i in self._issues.values() for login in i.assignees}, key=str.casefold)

    def label_names(self) -> list[str]:
        names: dict[str, str] = {}
        for issue in self._issues.values():
            for label in issue.labels:
                names.setdefault(label.key, label.name)
        return sorted(names.values(), key=str.casefold)

    # --- changes -----------------------------------------------------------------------------

    def update(self, issues: Iterable[Issue]) -> None:
        """Add or refresh ``issues``; an issue that left the board's scope (closed, relabelled) leaves it."""
        self._apply(list(issues), removals=())

    def replace_all(self, issues: Iterable[Issue]) -> None:
        """Make the board hold exactly ``issues`` (in scope): the end of a complete refresh."""
        fresh = list(issues)
        seen = {i.key for i in fresh}
        self._apply(fresh, removals=[k for k in self._issues if k not in seen])

    def remove(self, keys: Iterable[IssueKey]) -> None:
        self._apply([], removals=[k for k in keys if k in self._issues])

    def set_pending(self, key: IssueKey, pending: bool) -> None:
        if key not in self._issues or (key in self._pending) == pending:
            return
        if pending:
            self._pending.add(key)
        else:
            self._pending.discard(key)
        self._notify_changed(key)

    def clear(self) -> None:
        for column in self.spec.columns:
            self._emit("begin_reset", column)
        self._issues.clear()
        self._placement.clear()
        self._pending.clear()
        for column in self.spec.columns:
            self._rows[column.name].clear()
            self._emit("end_reset", column)

    def _apply(self, updates: Sequence[Issue], removals: Iterable[IssueKey]) -> None:
        removals = list(removals)
        gone = set(removals)
        # The same issue twice in one batch (two series, two pages): the last copy wins.
        updates = list({i.key: i for i in updates if i.key not in gone}.values())
        # Count the structural changes per column first, to choose between row signals and a reset.
        touched: dict[str, int] = {c.name: 0 for c in self.spec.columns}
        planned: list[tuple[Issue | None, IssueKey, Placement | None]] = []
        for key in removals:
            touched[self._placement[key].column.name] += 1
            planned.append((None, key, None))
        for issue in updates:
            old_issue = self._issues.get(issue.key)
            if old_issue == issue:
                continue  # a refresh re-delivers unchanged issues: nothing to tell anyone
            old = self._placement.get(issue.key)
            new = place(self.spec, issue) if in_scope(self.spec, issue) else None
            moves = old is None or new is None or old.column != new.column
            if moves or (old_issue is not None and sort_key(old_issue) != sort_key(issue)):
                if old is not None:
                    touched[old.column.name] += 1
                if new is not None:
                    touched[new.column.name] += 1
            planned.append((issue, issue.key, new))
        bulk = {
            name
            for name, n in touched.items()
            if n > RESET_THRESHOLD or (n > RESET_MIN and n >= len(self._rows[name]))
        }
        for column in self.spec.columns:
            if column.name in bulk:
                self._emit("begin_reset", column)
        for maybe_issue, key, new in planned:
            self._move_row(key, maybe_issue, new, quiet=bulk)
        for column in self.spec.columns:
            if column.name in bulk:
                self._emit("end_reset", column)

    def _move_row(self, key: IssueKey, issue: Issue | None, new: Placement | None, quiet: set[str]) -> None:
        old_issue = self._issues.get(key)
        old = self._placement.get(key)
        if old_issue is not None and old is not None:
            rows = self._rows[old.column.name]
            row = bisect.bisect_left(rows, (sort_key(old_issue), key))
            if (
                issue is not None
                and new is not None
                and new.column == old.column
                and sort_key(issue) == sort_key(old_issue)
            ):
                self._issues[key] = issue
                self._placement[key] = new
                if old.column.name not in quiet:
                    self._emit("row_changed", old.column, row)
                return
            loud = old.column.name not in quiet
            if loud:
                self._emit("begin_remove", old.column, row)
            del rows[row]
            del self._issues[key]
            del self._placement[key]
            if loud:
                self._emit("end_remove", old.column)
        if issue is None or new is None:
            self._pending.discard(key)
            return
        rows = self._rows[new.column.name]
        entry = (sort_key(issue), key)
        row = bisect.bisect_left(rows, entry)
        loud = new.column.name not in quiet
        if loud:
            self._emit("begin_insert", new.column, row)
        rows.insert(row, entry)
        self._issues[key] = issue
        self._placement[key] = new
        if loud:
            self._emit("end_insert", new.column)

    def _notify_changed(self, key: IssueKey) -> None:
        self._emit("row_changed", self._placement[key].column, self.row_of(key))

    def _emit(self, event: str, *args: object) -> None:
        for listener in list(self._listeners):
            getattr(listener, event)(*args)
