"""Saved views on screen: the Views menu and toolbar, one click (or Alt+1…9) each.

A board's views are its built-in ones (:func:`triageboard.board.builtin_views`, from the board's own columns
and rules) and then the views saved for it, in the file ``triageboard list --view NAME`` reads
(:mod:`triageboard.saved_views`). A saved view named like a built-in one takes its place. Applying a view
sets the filter bar (and the view's order within columns, when the window can sort).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QToolBar, QWidget

from ..board import BoardSpec, Filter, Sort, View, builtin_views, with_view
from ..errors import SettingsError
from ..wording import Front, describe
from .filterbar import FilterBar

MAX_KEYED = 9


class ViewShelf(Protocol):
    """Where a board's saved views are kept (``saved_views`` in the app; a dict in some tests)."""

    def load(self, spec: BoardSpec) -> tuple[View, ...]: ...
    def save(self, spec: BoardSpec, views: Iterable[View]) -> None: ...


class FileShelf:
    """The saved-views file of each board (the one ``triageboard list --view`` reads)."""

    def load(self, spec: BoardSpec) -> tuple[View, ...]:
        from ..saved_views import load_saved_views

        return load_saved_views(spec)

    def save(self, spec: BoardSpec, views: Iterable[View]) -> None:
        from ..saved_views import save_views

        save_views(spec, views)


def board_views(spec: BoardSpec, saved: Iterable[View]) -> list[View]:
    """Built-in views first (a saved view of the same name in its place), then the other saved ones."""
    saved = list(saved)
    by_name = {view.name.casefold(): view for view in saved}
    builtins = builtin_views(spec)
    views = [by_name.get(view.name.casefold(), view) for view in builtins]
    taken = {view.name.casefold() for view in builtins}
    return views + [view for view in saved if view.name.casefold() not in taken]


class ViewsBar(QObject):
    """The views of one board as actions: ``menu`` (Views) and ``toolbar``, rebuilt when views are saved
    or removed. ``tell(level, text)`` shows a message; ``sort`` applies a view's order (None: the window
    cannot sort yet, only the filter is applied).

    Signals: ``applied(View)``, ``views_changed()``.
    """

    applied = Signal(object)
    views_changed = Signal()

    def __init__(
        self,
        spec: BoardSpec,
        filter_bar: FilterBar,
        shelf: ViewShelf,
        tell: Callable[[str, str], None],
        parent: QWidget,
        sort: Callable[[Sort], None] | None = None,
        current_sort: Callable[[], Sort] | None = None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.filter_bar = filter_bar
        self.shelf = shelf
        self.tell = tell
        self.sort = sort
        self.current_sort = current_sort
        self._parent = parent
        self.saved: tuple[View, ...] = ()
        # The saved views could not be read: they are not written over (the file may be fixed by hand).
        self.unreadable: SettingsError | None = None
        self.menu = QMenu("Vie&ws", parent)  # Alt+W: Alt+V is the View menu
        self.toolbar = QToolBar("Views", parent)
        self.toolbar.setObjectName("viewsToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.view_actions: list[QAction] = []
        self.save_action = QAction("&Save current filter as view…", parent)
        self.save_action.triggered.connect(self.ask_save)
        self.remove_menu = QMenu("&Remove saved view", parent)
        self.load()

    # --- the views -------------------------------------------------------------------------------------

    def load(self) -> None:
        try:
            self.saved = self.shelf.load(self.spec)
        except SettingsError as exc:
            self.saved, self.unreadable = (), exc
            self.tell("warning", f"The saved views cannot be read ({describe(exc, Front.WINDOW)}).")
        else:
            self.unreadable = None
        self._rebuild()

    def views(self) -> list[View]:
        return board_views(self.spec, self.saved)

    def view(self, name: str) -> View:
        wanted = name.casefold()
        return next(v for v in self.views() if v.name.casefold() == wanted)

    def apply(self, view: View) -> None:
        """Show ``view``: the filter bar takes its filter (with the board's mentor label), the columns its
        order."""
        self.filter_bar.set_filter(_for_board(view.filter, self.spec))
        if self.sort is not None:
            self.sort(view.sort)
        self.applied.emit(view)

    def save_current(self, name: str) -> View | None:
        """Save what the filter bar shows as the view ``name`` (replacing a saved one of that name). None,
        with a message, when the name is empty or the views cannot be written."""
        name = name.strip()
        if not name:
            self.tell("info", "A view needs a name.")
            return None
        if self.unreadable is not None:
            self.tell(
                "error",
                f"The view was not saved: the saved views cannot be read "
                f"({describe(self.unreadable, Front.WINDOW)}), and saving would replace them. "
                "Fix or remove that file, then save again.",
            )
            return None
        sort = self.current_sort() if self.current_sort is not None else Sort.BOARD
        view = View(name, self.filter_bar.current(), sort)
        if not self._store(with_view(self.saved, view)):
            return None
        self.tell("info", f"Saved the view “{name}”.")
        return view

    def remove(self, name: str) -> bool:
        kept = tuple(v for v in self.saved if v.name.casefold() != name.casefold())
        if len(kept) == len(self.saved) or self.unreadable is not None:
            return False
        return self._store(kept)

    def _store(self, views: tuple[View, ...]) -> bool:
        try:
            self.shelf.save(self.spec, views)
        except OSError as exc:
            self.tell("error", f"The views could not be saved ({exc.strerror or exc}). Nothing was changed.")
            return False
        self.saved = views
        self._rebuild()
        self.views_changed.emit()
        return True

    def ask_save(self) -> None:
        name, ok = QInputDialog.getText(
            self._parent, "Save view", "Name of the view (Alt+number opens it):", QLineEdit.EchoMode.Normal
        )
        if ok:
            self.save_current(name)

    # --- the actions -----------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        for action in self.view_actions:
            self._parent.removeAction(action)
            action.deleteLater()
        self.view_actions = []
        self.menu.clear()
        self.toolbar.clear()
        self.remove_menu.clear()
        saved = {v.name.casefold() for v in self.saved}
        for number, view in enumerate(self.views(), start=1):
            action = QAction(view.name, self._parent)
            action.setToolTip(_describe_view(view, view.name.casefold() in saved))
            action.setStatusTip(action.toolTip())
            if number <= MAX_KEYED:
                action.setShortcut(QKeySequence(f"Alt+{number}"))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, v=view: self.apply(v))
            self._parent.addAction(action)
            self.view_actions.append(action)
        self.menu.addActions(self.view_actions)
        self.toolbar.addActions(self.view_actions)
        self.menu.addSeparator()
        self.menu.addAction(self.save_action)
        for view in self.saved:
            remove = self.remove_menu.addAction(view.name)
            remove.triggered.connect(lambda _checked=False, name=view.name: self.remove(name))
        self.remove_menu.setEnabled(bool(self.saved))
        self.menu.addMenu(self.remove_menu)


def _for_board(flt: Filter, spec: BoardSpec) -> Filter:
    if flt.mentor_label == spec.mentor_label:
        return flt
    from dataclasses import replace

    return replace(flt, mentor_label=spec.mentor_label)


def _describe_view(view: View, saved: bool) -> str:
    flt = view.filter
    parts = []
    if flt.columns:
        parts.append("in " + ", ".join(flt.columns))
    if flt.mentored_only:
        parts.append(f"{flt.mentor_label} only")
    if not isinstance(flt.assignee, str):
        if flt.assignee.value == "unassigned":
            parts.append("no assignee")
    else:
        parts.append(f"assigned to {flt.assignee}")
    if flt.label:
        parts.append(f"labelled {flt.label}")
    if flt.text.strip():
        parts.append(f"matching “{flt.text.strip()}”")
    if flt.flags:
        parts.append("marked " + ", ".join(f.replace("-", " ") for f in flt.flags))
    if view.sort is not Sort.BOARD:
        parts.append(f"ordered by {view.sort.value.replace('-', ' ')}")
    what = "; ".join(parts) if parts else "every card"
    return f"{'Saved view' if saved else 'Built-in view'}: {what}"
