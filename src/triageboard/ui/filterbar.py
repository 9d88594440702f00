"""The filter bar: E-mentor toggle, assignee chooser, free text (title or #number), label chooser, and the
columns and marks a view narrows to (shown as one chip that removes them)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from ..board import Assignee, Filter


class FilterBar(QWidget):
    """Emits ``filter_changed(Filter)`` on every change (each keystroke: filtering 10,000 cards is one pass
    per column). Choices follow the board; the user's picks survive a refresh."""

    filter_changed = Signal(object)

    def __init__(self, mentor_label: str = "E-mentor", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mentor_label = mentor_label
        self.mentored = QCheckBox(f"{mentor_label} only")
        self.mentored.setToolTip(f"Show only issues labelled {mentor_label} (mentoring offered)")
        self.assignee = QComboBox()
        self.assignee.setObjectName("assigneeFilter")
        self.assignee.setToolTip("Show issues assigned to this person, or unassigned ones")
        self.assignee.addItem("Everyone", Assignee.ANYONE)
        self.assignee.addItem("Unassigned", Assignee.UNASSIGNED)
        self.assignee.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.text = QLineEdit()
        self.text.setObjectName("textFilter")
        self.text.setPlaceholderText("Filter by title or #number  (Ctrl+F)")
        self.text.setClearButtonEnabled(True)
        self.label = QComboBox()
        self.label.setObjectName("labelFilter")
        self.label.setToolTip("Show only issues carrying this label")
        self.label.addItem("Any label", None)
        self.label.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # A view's columns and marks (Uncategorized, stalled): no chooser of their own, one chip shows them.
        self._columns: tuple[str, ...] = ()
        self._flags: tuple[str, ...] = ()
        self.scope = QToolButton()
        self.scope.setObjectName("scopeFilter")
        self.scope.setToolTip("The view's columns and marks; click to show every card again")
        self.scope.clicked.connect(self.clear_scope)
        self.scope.hide()
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear filters")
        self.clear_button.clicked.connect(self.clear)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mentored)
        caption = QLabel("Assignee:")
        caption.setBuddy(self.assignee)
        layout.addWidget(caption)
        layout.addWidget(self.assignee)
        layout.addWidget(self.text, 1)
        label_caption = QLabel("Label:")
        label_caption.setBuddy(self.label)
        layout.addWidget(label_caption)
        layout.addWidget(self.label)
        layout.addWidget(self.scope)
        layout.addWidget(self.clear_button)

        self.text.textChanged.connect(self._emit)
        self.mentored.toggled.connect(self._emit)
        self.assignee.currentIndexChanged.connect(self._emit)
        self.label.currentIndexChanged.connect(self._emit)
        self._filling = False
        self._last = self.current()

    def current(self) -> Filter:
        assignee = self.assignee.currentData()
        label = self.label.currentData()
        return Filter(
            mentored_only=self.mentored.isChecked(),
            assignee=assignee if isinstance(assignee, (str, Assignee)) else Assignee.ANYONE,
            text=self.text.text(),
            label=label if isinstance(label, str) else None,
            mentor_label=self._mentor_label,
            columns=self._columns,
            flags=self._flags,
        )

    def focus_text(self) -> None:
        self.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.text.selectAll()

    def clear(self) -> None:
        self._filling = True
        try:
            self._set_scope((), ())
            self.mentored.setChecked(False)
            self.assignee.setCurrentIndex(0)
            self.label.setCurrentIndex(0)
            self.text.clear()
        finally:
            self._filling = False
        self._emit()

    def set_filter(self, flt: Filter) -> None:
        """Show ``flt`` (a saved view's): every chooser at once, one ``filter_changed`` at the end. A login
        or label the board does not offer (yet) is added to its chooser."""
        self._filling = True
        try:
            self.mentored.setChecked(flt.mentored_only)
            _choose(self.assignee, flt.assignee)
            _choose(self.label, flt.label)
            self.text.setText(flt.text)
            self._set_scope(flt.columns, flt.flags)
        finally:
            self._filling = False
        self._emit()

    def clear_scope(self) -> None:
        self._set_scope((), ())
        self._emit()

    def _set_scope(self, columns: tuple[str, ...], flags: tuple[str, ...]) -> None:
        self._columns, self._flags = tuple(columns), tuple(flags)
        parts = [*self._columns, *(flag.replace("-", " ") for flag in self._flags)]
        self.scope.setText(f"Only: {' · '.join(parts)}  ✕" if parts else "")
        self.scope.setAccessibleName(f"Only {', '.join(parts)}; press to remove" if parts else "")
        self.scope.setVisible(bool(parts))

    def set_choices(self, assignees: Iterable[str], labels: Iterable[str]) -> None:
        """Offer the logins and labels present on the board, keeping the current picks (even if gone)."""
        self._filling = True
        try:
            _refill(self.assignee, 2, list(assignees))
            _refill(self.label, 1, list(labels))
        finally:
            self._filling = False
        self._emit()

    def _emit(self) -> None:
        if self._filling:
            return
        current = self.current()
        if current != self._last:
            self._last = current
            self.filter_changed.emit(current)


def _choose(combo: QComboBox, value: object) -> None:
    """Select the item whose data is ``value`` (None: the first), adding a login or label not offered."""
    if value is None:
        combo.setCurrentIndex(0)
        return
    at = next((i for i in range(combo.count()) if combo.itemData(i) == value), -1)
    if at < 0:
        combo.addItem(str(value), value)
        at = combo.count() - 1
    combo.setCurrentIndex(at)


def _refill(combo: QComboBox, fixed: int, values: list[str]) -> None:
    chosen = combo.currentData()
    keep = chosen if isinstance(chosen, str) else None
    if keep is not None and keep not in values:
        values = [*values, keep]
    wanted = values
    present = [combo.itemData(i) for i in range(fixed, combo.count())]
    if present == wanted:
        return
    while combo.count() > fixed:
        combo.removeItem(combo.count() - 1)
    for value in wanted:
        combo.addItem(value, value)
    if keep is not None:
        combo.setCurrentIndex(combo.findData(keep))
    elif combo.currentIndex() >= fixed or combo.currentIndex() < 0:
        combo.setCurrentIndex(0)
