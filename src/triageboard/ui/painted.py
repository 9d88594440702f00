"""Knowing when the board is on screen: every column has painted its cards since the board was filled."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from .columns import ColumnView


class PaintWatch(QObject):
    """``arm()`` once the board holds what should be seen: ``painted()`` is emitted once every column view
    has painted since (each is asked to)."""

    painted = Signal()

    def __init__(self, views: Iterable[ColumnView], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._views = list(views)
        self._waiting: set[int] = set()
        for view in self._views:
            view.painted.connect(lambda v=view: self._seen(v))

    @property
    def armed(self) -> bool:
        return bool(self._waiting)

    def arm(self, *, ask: bool = True) -> None:
        """Wait for a paint of every view; ``ask``: request one (else wait for the paints Qt does anyway)."""
        self._waiting = {id(v) for v in self._views}
        if ask:
            for view in self._views:
                view.viewport().update()

    def _seen(self, view: ColumnView) -> None:
        if self._waiting:
            self._waiting.discard(id(view))
            if not self._waiting:
                self.painted.emit()
