"""What the cards show beyond the board itself, for every column of a window at once.

Time in a column comes from the timeline service (``set_in_column`` takes its ``since_changed``), read
lazily: ``shown_changed(list[IssueKey])`` says which cards are on screen (so their timelines are read
first), ``wanted(list[IssueKey])`` which others are needed (every card, while sorted by time in column).
Changes since the last meeting come from the meeting service (``set_since_meeting``), moves seen to fail
from the window (``failed``, ``refresh_cards``). The order within
columns (View ▸ Sort) is applied by each column's proxy and remembered per board in the window's settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from ..board import BoardSpec, FailedMove, IssueKey, SinceSnapshot, Sort
from .columns import ColumnWidget

SORT_NAMES = {
    Sort.BOARD: "&Board order (newest first)",
    Sort.NUMBER: "By &number",
    Sort.UPDATED: "By last &update",
    Sort.TIME_IN_COLUMN: "By &time in column",
    Sort.COMMENTS: "By &comments",
}
# Scrolling, resizing and loading ask which cards are on screen many times a second: told at most this often.
SHOWN_MS = 150


def sort_setting(spec: BoardSpec) -> str:
    """The settings key of a board's order within columns (per board: its name)."""
    return f"sort/{spec.name}"


class CardState(QObject):
    shown_changed = Signal(object)  # list[IssueKey]: the cards on screen, column by column, top to bottom
    wanted = Signal(object)  # list[IssueKey]: cards whose time in a column is needed though not on screen

    def __init__(
        self,
        spec: BoardSpec,
        columns: Sequence[ColumnWidget],
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        *,
        failed: Mapping[IssueKey, FailedMove] | None = None,
    ) -> None:
        """``failed``: the moves seen to fail (the window's, kept up to date by it; ``refresh_cards`` when it
        changes)."""
        super().__init__(parent)
        self.spec = spec
        self.columns = list(columns)
        self.settings = settings
        self.in_column: dict[IssueKey, datetime] = {}
        self.shown: list[IssueKey] = []
        self._shown_timer = QTimer(self)
        self._shown_timer.setSingleShot(True)
        self._shown_timer.setInterval(SHOWN_MS)
        self._shown_timer.timeout.connect(self.tell_shown)
        for widget in self.columns:
            widget.model.in_column = self.in_column  # one dict, read by every column
            if failed is not None:
                widget.model.failed = failed
            bar = widget.view.verticalScrollBar()
            bar.valueChanged.connect(self._shown_timer.start)
            bar.rangeChanged.connect(self._shown_timer.start)
            for signal in (widget.proxy.modelReset, widget.proxy.layoutChanged, widget.proxy.rowsInserted):
                signal.connect(self._shown_timer.start)

        self.sort_menu = QMenu("&Sort cards")
        self.sort_menu.setParent(parent, self.sort_menu.windowFlags())
        self.sort_actions: dict[Sort, QAction] = {}
        group = QActionGroup(self)
        group.setExclusive(True)
        for sort, text in SORT_NAMES.items():
            action = QAction(text, self)
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, s=sort: self.set_sort(s))
            group.addAction(action)
            self.sort_menu.addAction(action)
            self.sort_actions[sort] = action
        self.sort = Sort.BOARD
        self._wanted_count = 0
        self.set_sort(self._saved_sort(), save=False)

    # --- order within columns -------------------------------------------------------------------------

    def _saved_sort(self) -> Sort:
        value = self.settings.value(sort_setting(self.spec)) if self.settings is not None else None
        try:
            return Sort(str(value)) if value else Sort.BOARD
        except ValueError:
            return Sort.BOARD  # a value this version does not know: the board's order

    def set_sort(self, sort: Sort, save: bool = True) -> None:
        """Order every column by ``sort`` and remember it for this board."""
        self.sort = sort
        self.sort_actions[sort].setChecked(True)
        for widget in self.columns:
            widget.proxy.set_sort(sort)
        if save and self.settings is not None:
            self.settings.setValue(sort_setting(self.spec), sort.value)
        self._wanted_count = 0
        self._want_all()

    def _want_all(self) -> None:
        """Sorted by time in column: every card's time is needed (read after the ones on screen)."""
        if self.sort is not Sort.TIME_IN_COLUMN or not self.columns:
            return
        board = self.columns[0].model.board
        if len(board) != self._wanted_count:
            self._wanted_count = len(board)
            self.wanted.emit([issue.key for issue in board.issues()])

    # --- what the services know --------------------------------------------------------------------------

    def set_in_column(self, changed: Mapping[IssueKey, datetime | None]) -> None:
        """The timeline service's news: when these cards entered their columns (None: no longer known)."""
        for key, since in changed.items():
            if since is None:
                self.in_column.pop(key, None)
            else:
                self.in_column[key] = since
        for widget in self.columns:
            widget.model.keys_changed(changed)

    def refresh_cards(self, keys: Iterable[IssueKey]) -> None:
        """These cards' marks may have changed without their issue changing (a move seen to fail)."""
        keys = list(keys)
        for widget in self.columns:
            widget.model.keys_changed(keys)

    def set_since_meeting(self, since: SinceSnapshot) -> None:
        for widget in self.columns:
            widget.model.set_since_meeting(since)

    # --- which cards are on screen -------------------------------------------------------------------------

    def tell_shown(self) -> None:
        """Say which cards are on screen now (when that changed)."""
        self._shown_timer.stop()
        self._want_all()
        shown = [key for widget in self.columns for key in widget.visible_keys()]
        if shown != self.shown:
            self.shown = shown
            self.shown_changed.emit(shown)
