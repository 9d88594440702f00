"""The main window: the board's columns side by side, filter bar, details pane, message and status bars."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QByteArray, QModelIndex, QPoint, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QAction,
    QCloseEvent,
    QDesktopServices,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..board import Board, Filter, Issue, IssueKey, Move, SinceSnapshot, Sort
from ..board.marks import FailedMove
from ..errors import GitHubError
from ..reporting import AccountUnknown, CardChanged, Change, Doing, NothingSelected, Report, Waiting
from ..wording import Front, describe, when_text
from .assign import AssignableUsers, AssignDialog, open_assign_dialog
from .attention import AttentionPanel
from .bulk import BulkProgress
from .cardstate import CardState
from .columns import ColumnWidget
from .details import DetailsPane
from .filterbar import FilterBar
from .messagebar import MessageBar
from .models import ColumnModel, IssueKeyRole, IssueRole
from .permissions import DropGuard, Gate, MoveGate, Routes, move_text
from .views import FileShelf, ViewsBar, ViewShelf

# Work deferred until the columns have painted runs at the latest this long after it was deferred.
AFTER_PAINT_MS = 50
# A move key is enabled when one of the first this many selected cards may make the move.
SELECTION_GATE_CARDS = 200
# The details pane asks for a card's comments once the selection has rested this long.
COMMENTS_AFTER_MS = 200
# What a window must show at least: four usable columns and the details pane (fits a 1024x600 screen).
MIN_SIZE = (960, 560)
GEOMETRY_KEY = "window/geometry"
SPLITTER_KEY = "window/splitter"
ATTENTION_KEY = "window/attention"
# How long a sentence about a move stays in the status bar.
STATUS_MS = 10_000


def _always(column: str) -> Callable[[IssueKey], str | None]:
    """Every card's target is ``column`` (a Move to … key)."""
    return lambda _key: column


def _status_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class _Reports:
    """The window as the reporter's sink: ``reporter.connect(window.reports)``."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def show(self, report: Report) -> None:
        self._window.show_report(report)

    def retract(self, source: str) -> None:
        self._window.message_bar.retract(source)


class MainWindow(QMainWindow):
    """The board on screen. Synchronous: it shows what it is told and turns gestures into requests
    (signals); the session wires them to the services. ``reports`` is the reporter's sink.

    Signals: ``refresh_requested()``, ``move_requested(IssueKey, str)``, ``bulk_move_requested(list[tuple[
    IssueKey, str]], str)`` (several cards: each with its column, and the one column they all go to or ""),
    ``comments_wanted(IssueKey)`` (the details pane shows a card: its comments, please),
    ``card_settled(IssueKey)`` (the card in the details pane stopped being pending: its fresh state, please),
    ``undo_requested()``,
    ``redo_requested()``, ``closed()``, ``meeting_requested()`` (Board ▸ Triage meeting),
    ``minutes_requested()``, ``assign_requested(IssueKey, str, bool)`` (login, True: assign, False: unassign),
    ``fix_requested(Move | Relabel)`` (a one-click fix of the Needs attention lane).

    What the account may do comes from :meth:`set_routes` (moves it cannot make are disabled, saying why);
    what happened to a card from :meth:`on_card_changed` (announced to assistive technology).
    """

    closed = Signal()
    refresh_requested = Signal()
    move_requested = Signal(object, str)
    bulk_move_requested = Signal(object, str)
    comments_wanted = Signal(object)
    card_settled = Signal(object)
    undo_requested = Signal()
    redo_requested = Signal()
    meeting_requested = Signal()
    minutes_requested = Signal()
    assign_requested = Signal(object, str, bool)  # (IssueKey, login, add)
    fix_requested = Signal(object)  # board.Move | board.Relabel

    def __init__(
        self,
        board: Board,
        parent: QWidget | None = None,
        settings: QSettings | None = None,
        views: ViewShelf | None = None,
    ) -> None:
        super().__init__(parent)
        self.board = board
        self.selected_key: IssueKey | None = None  # the current card (details pane, a single move)
        # Every selected card, across columns, in the order selected (a dict: an ordered set).
        self.marked: dict[IssueKey, None] = {}
        self.loading = False
        # Window geometry, splitter sizes and the order within columns: nothing secret is ever written here.
        self.settings = settings
        self.user_login = ""
        # Who can be assigned, per repository: the session fills it for the assignee pickers.
        self.assignable_users = AssignableUsers(self)
        self.since_meeting = SinceSnapshot({}, ())
        # What the account may do (the session sets the move service as the routes).
        self.gate = MoveGate()
        # Moves seen to fail, for the Needs attention lane (a later move of the card clears it).
        self.failed: dict[IssueKey, FailedMove] = {}
        # What was announced to assistive technology, latest last (the status bar shows the same).
        self.announcements: list[str] = []
        self.last_announcement: QAccessibleAnnouncementEvent | None = None
        self._detached = False  # closed: the models no longer follow the board
        self._actions_due = False  # the move actions are asked again once the request under way ends
        spec = board.spec
        # Ending in the application's display name, Qt adds nothing: "BOARD — triageboard", said once.
        self.setWindowTitle(f"{spec.title or spec.name} — triageboard")
        self.setMinimumSize(*MIN_SIZE)
        self.resize(1360, 820)

        self.reports = _Reports(self)
        self.message_bar = MessageBar()
        self.filter_bar = FilterBar(spec.mentor_label)
        self.details = DetailsPane()
        self.details.setMinimumWidth(280)
        self.columns: list[ColumnWidget] = []
        self._unpainted: set[QWidget] = set()
        board_area = QWidget()
        board_layout = QHBoxLayout(board_area)
        board_layout.setContentsMargins(0, 0, 0, 0)
        for column in spec.columns:
            widget = ColumnWidget(ColumnModel(board, column), board_area)
            widget.model.setParent(widget)
            widget.model.moves_requested.connect(self.request_moves)
            widget.selected.connect(lambda key, w=widget: self._on_selected(w, key))
            widget.marked_changed.connect(lambda w=widget: self._on_marked(w))
            widget.view.exclusive_selection.connect(lambda w=widget: self._clear_others(w))
            widget.view.drag_keys = self.selected_keys
            widget.view.activated.connect(self._on_activated)
            widget.view.neighbour_requested.connect(lambda step, w=widget: self.focus_neighbour(w, step))
            widget.view.extend_requested.connect(
                lambda step, w=widget: self.focus_neighbour(w, step, extend=True)
            )
            widget.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.view.customContextMenuRequested.connect(lambda pos, w=widget: self._context_menu(w, pos))
            guard = DropGuard(column.name, self.gate, self.status_says, widget.view)
            widget.view.viewport().installEventFilter(guard)
            for signal in (widget.model.dataChanged, widget.model.rowsInserted, widget.model.modelReset):
                signal.connect(self._schedule_sync)
            # Which columns still have to paint what changed in them (for after_paint).
            for signal in (
                widget.proxy.rowsInserted,
                widget.proxy.rowsRemoved,
                widget.proxy.dataChanged,
                widget.proxy.modelReset,
            ):
                signal.connect(lambda *_args, w=widget: self._unpainted.add(w.view))
            widget.view.painted.connect(lambda w=widget: self._painted(w.view))
            board_layout.addWidget(widget, 1)
            self.columns.append(widget)
        # Time in column, changes since the meeting, the order within columns: the session feeds it.
        self.card_state = CardState(spec, self.columns, settings, self, failed=self.failed)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("boardSplitter")
        splitter.addWidget(board_area)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        splitter.setSizes([1040, 320])
        self.splitter = splitter
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.filter_bar)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self.user_label = _status_label("userStatus")
        self.rate_label = _status_label("rateStatus")
        self.refresh_label = _status_label("refreshStatus")
        self.pending_label = _status_label("pendingStatus")
        self.move_status_label = _status_label("moveStatus")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.loaded_label = _status_label("loadedStatus")
        status = self.statusBar()
        status.addWidget(self.user_label)
        status.addWidget(self.move_status_label, 1)
        # Permanent: a status message (a refusal, "via @rustbot") must not hide a bulk move's Cancel.
        self.bulk = BulkProgress()
        status.addPermanentWidget(self.bulk)
        self.bulk.started.connect(self._bulk_started)
        self.bulk.finished.connect(self.announce)
        self._held: list[str] | None = None  # announcements held while several cards move at once
        self._bulk_said = False
        self.since_label = _status_label("sinceStatus")
        status.addPermanentWidget(self.since_label)
        status.addPermanentWidget(self.loaded_label)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.pending_label)
        status.addPermanentWidget(self.rate_label)
        status.addPermanentWidget(self.refresh_label)
        self.user_label.setText("Not signed in")
        self.refresh_label.setText("Not loaded yet")

        self._sync_timer = QTimer(self)
        self._sync_timer.setSingleShot(True)
        self._sync_timer.setInterval(0)
        self._sync_timer.timeout.connect(self._sync_selection)
        self._after_paint: list[Callable[[], None]] = []
        self._after_paint_timer = QTimer(self)
        self._after_paint_timer.setSingleShot(True)
        self._after_paint_timer.setInterval(AFTER_PAINT_MS)
        self._after_paint_timer.timeout.connect(self._run_after_paint)
        # Comments are asked for once the selection rests (arrowing through cards asks for none).
        self._comments_timer = QTimer(self)
        self._comments_timer.setSingleShot(True)
        self._comments_timer.setInterval(COMMENTS_AFTER_MS)
        self._comments_timer.timeout.connect(self._want_comments)
        self._details_pending = False

        self.attention = AttentionPanel(board, self.gate, self.failed, self)
        self.attention.hide()
        self.attention.fix_requested.connect(self.fix_requested.emit)
        self.attention.show_requested.connect(self.select)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.attention)
        self.views = ViewsBar(
            spec,
            self.filter_bar,
            views if views is not None else FileShelf(),
            self.show_message,
            self,
            *self._sorting(),
        )
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.views.toolbar)

        self._build_actions()
        self.filter_bar.filter_changed.connect(self.apply_filter)
        self.details.open_requested.connect(self.open_url)
        self._restore_layout()

    def _sorting(self) -> tuple[Callable[[Sort], None] | None, Callable[[], Sort] | None]:
        """How a view sets the order within columns, and what the order is: through the window's card
        state (View ▸ Sort cards) once it has one; until then a view sets its filter only."""
        state = getattr(self, "card_state", None)
        set_sort = getattr(state, "set_sort", None)
        if state is None or not callable(set_sort):
            return None, None
        return set_sort, lambda: Sort(state.sort)

    # --- remembered layout ---------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        if self.settings is None:
            return
        geometry = self.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        splitter = self.settings.value(SPLITTER_KEY)
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        if str(self.settings.value(ATTENTION_KEY, "false")).lower() == "true":
            self.attention.setVisible(True)

    def _save_layout(self) -> None:
        if self.settings is None:
            return
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(SPLITTER_KEY, self.splitter.saveState())
        self.settings.setValue(ATTENTION_KEY, not self.attention.isHidden())
        self.settings.sync()

    # --- actions -----------------------------------------------------------------------------------

    def _action(
        self, text: str, shortcut: QKeySequence | QKeySequence.StandardKey | str, slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        menu_bar = self.menuBar()
        board_menu = menu_bar.addMenu("&Board")
        self.refresh_action = self._action("&Refresh", "F5", self.refresh)
        self.find_action = self._action("&Find…", QKeySequence.StandardKey.Find, self.filter_bar.focus_text)
        self.clear_filter_action = self._action("Clear filters", "Ctrl+Shift+F", self.filter_bar.clear)
        board_menu.addActions([self.refresh_action, self.find_action, self.clear_filter_action])
        board_menu.addSeparator()
        self.meeting_action = self._action("Triage &meeting", "Ctrl+M", self.meeting_requested.emit)
        self.minutes_action = self._action("Meeting mi&nutes…", "Ctrl+Shift+N", self.minutes_requested.emit)
        board_menu.addActions([self.meeting_action, self.minutes_action])
        board_menu.addSeparator()
        board_menu.addAction("&Quit", QKeySequence.StandardKey.Quit, self.close)

        edit_menu = menu_bar.addMenu("&Edit")
        self.undo_action = self._action("&Undo move", "Ctrl+Z", self.undo)
        self.redo_action = self._action("&Redo move", "Ctrl+Shift+Z", self.redo)
        edit_menu.addActions([self.undo_action, self.redo_action])

        card_menu = menu_bar.addMenu("&Card")
        self.move_actions: list[QAction] = []
        for number, column in enumerate(self.board.spec.columns[:9], start=1):
            action = self._action(f"Move to {column.name}", f"Ctrl+{number}", self._mover_to(number - 1))
            self.move_actions.append(action)
        card_menu.addActions(self.move_actions)
        card_menu.setToolTipsVisible(True)  # a disabled move says why
        card_menu.addSeparator()
        self.move_left_action = self._action("Move one column left", "Ctrl+Left", lambda: self.move_by(-1))
        self.move_right_action = self._action("Move one column right", "Ctrl+Right", lambda: self.move_by(1))
        card_menu.addActions([self.move_left_action, self.move_right_action])
        card_menu.addSeparator()
        self.assign_action = self._action("&Assign…", "Ctrl+Shift+A", self.assign_selected)
        self.assign_me_action = self._action("Assign to &me", "Ctrl+Shift+M", self.assign_selected_to_me)
        self.unassign_action = self._action("&Unassign…", "Ctrl+Shift+U", self.unassign_selected)
        card_menu.addActions([self.assign_action, self.assign_me_action, self.unassign_action])
        card_menu.addSeparator()
        self.open_action = self._action("&Open on GitHub", "Ctrl+O", self.open_selected)
        card_menu.addAction(self.open_action)
        self.view_menu = menu_bar.addMenu("&View")
        self.view_menu.addMenu(self.card_state.sort_menu)
        # The dock's own action: it follows the lane's close button too.
        self.attention_action = self.attention.toggleViewAction()
        self.attention_action.setText("Needs &attention")
        self.attention_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.attention_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.attention_action.setToolTip("Conflicts, lost area labels and failed moves, each with its fixes")
        self.attention_action.toggled.connect(self._remember_attention)
        self.addAction(self.attention_action)
        self.view_menu.addAction(self.attention_action)
        toolbar_action = self.views.toolbar.toggleViewAction()
        toolbar_action.setText("Views &toolbar")
        self.view_menu.addAction(toolbar_action)
        menu_bar.addMenu(self.views.menu)
        self.account_menu: QMenu = menu_bar.addMenu("&Account")
        self.account_menu.menuAction().setVisible(False)  # app.py fills it when sign-in is available

    def _mover_to(self, position: int) -> Callable[[], None]:
        return lambda: self.move_selected_to(position)

    # --- what the account may do ----------------------------------------------------------------------

    def set_routes(self, routes: Routes | None) -> None:
        """Ask ``routes`` how each move would go (the move service); None: offer every move."""
        self.gate.routes = routes
        self.permissions_changed()

    def permissions_changed(self) -> None:
        """What the account may do changed: menus, keys and the lane ask again."""
        self._update_move_actions()
        if self.attention.isVisible():
            self.attention.gather()

    def _update_move_actions(self) -> None:
        """Enable and word the move actions for the selection. During a request of several cards, once at
        its end (each card's change asks, and asking is per selected card and column: per change it grew
        with the square of the selection, seconds for a bulk move through the bot)."""
        if self._held is not None:
            self._actions_due = True
            return
        self._actions_due = False
        key = self.selected_key
        columns = self.board.spec.columns
        for action, column in zip(self.move_actions, columns, strict=False):
            if key is None or key not in self.board:
                action.setText(f"Move to {column.name}")
                action.setEnabled(True)  # asking says "select a card first"
                action.setToolTip("")
                continue
            shown = [k for k in self.marked if k in self.board]
            if shown and all(self.board.column_of(k) == column for k in shown):
                action.setText(f"Move to {column.name}")
                action.setEnabled(False)  # every selected card is there already
                action.setToolTip(f"Already in {column.name}.")
                action.setStatusTip(f"Already in {column.name}.")
                continue
            verdict = self._selection_gate(_always(column.name))
            action.setText(move_text(column.name, verdict))
            action.setEnabled(verdict.allowed)
            action.setToolTip(verdict.reason)
            action.setStatusTip(verdict.reason)
        sideways = ((self.move_left_action, -1, "left"), (self.move_right_action, 1, "right"))
        for action, step, words in sideways:
            if key is not None and key in self.board:
                neighbour = functools.partial(self._neighbour_column, step=step)
                shown = [k for k in self.marked if k in self.board]
                if shown and all(neighbour(k) is None for k in shown):
                    edge = columns[0 if step < 0 else -1].name
                    verdict = Gate(False, reason=f"{edge} is the {'first' if step < 0 else 'last'} column.")
                else:
                    verdict = self._selection_gate(neighbour)
            else:
                verdict = Gate(True)
            bot = " via @rustbot" if verdict.allowed and verdict.via_bot else ""
            action.setText(f"Move one column {words}{bot}")
            action.setEnabled(verdict.allowed)
            action.setToolTip(verdict.reason)
            action.setStatusTip(verdict.reason)
        self._update_assign_actions(key if key is not None and key in self.board else None)

    def _update_assign_actions(self, key: IssueKey | None) -> None:
        """Assigning as the account may: where it cannot assign, only "Assign to me" may go, as a claim
        through the repository's bot; where not even that, none of them, saying why (not refused later)."""
        me = self.user_login
        verdict = self.gate.gate_assign(key, me) if key is not None and me else Gate(True)
        others = verdict
        if verdict.via_bot and key is not None:
            others = Gate(
                False,
                reason=f"You cannot change assignees in {key.repo}: only Assign to me goes, as a claim "
                "through its @rustbot.",
            )
        bot = " via @rustbot" if verdict.allowed and verdict.via_bot else ""
        self.assign_me_action.setText(f"Assign to &me{bot}")
        for action, gate in (
            (self.assign_me_action, verdict),
            (self.assign_action, others),
            (self.unassign_action, others),
        ):
            action.setEnabled(gate.allowed)
            action.setToolTip(gate.reason)
            action.setStatusTip(gate.reason)

    def _selection_gate(self, target: Callable[[IssueKey], str | None]) -> Gate:
        """Whether a move key may act: the current card's verdict for its ``target`` column, unless it is
        refused there and another selected card may go (the move takes those that may, saying so for the
        rest). At most ``SELECTION_GATE_CARDS`` cards are asked: this runs with every change of the board."""
        key = self.selected_key
        assert key is not None
        column = target(key)
        verdict = self.gate.gate(key, column) if column is not None else Gate(True)
        if verdict.allowed or len(self.marked) < 2:
            return verdict
        for n, other in enumerate(self.marked):
            if n >= SELECTION_GATE_CARDS:
                break
            if other != key and other in self.board and (name := target(other)) is not None:
                found = self.gate.gate(other, name)
                if found.allowed:
                    return found
        return verdict

    def _neighbour_column(self, key: IssueKey, step: int) -> str | None:
        columns = self.board.spec.columns
        target = columns.index(self.board.column_of(key)) + step
        return columns[target].name if 0 <= target < len(columns) else None

    def status_says(self, text: str) -> None:
        """A sentence about a move in the status bar (a refusal, what the bot is asked)."""
        self.statusBar().showMessage(text, STATUS_MS)

    def announce(self, text: str, *, urgent: bool = False) -> None:
        """Tell assistive technology (a screen reader speaks it; ``urgent``: at once, interrupting) and the
        status bar."""
        event = QAccessibleAnnouncementEvent(self, text)
        if urgent:
            event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
        QAccessible.updateAccessibility(event)
        self.last_announcement = event
        self.announcements.append(text)
        del self.announcements[:-50]
        self.status_says(text)

    def on_card_changed(self, fact: CardChanged) -> None:
        """A card was moved, asked of the bot, failed, undone or redone: announce it by name and column."""
        try:
            key = IssueKey.parse(fact.issue)
        except ValueError:
            key = None
        if key is not None:
            if fact.change is Change.FAILED and not fact.labels:
                reason = describe(fact.reason, Front.WINDOW, Doing.MOVE) if fact.reason is not None else ""
                self.failed[key] = FailedMove(fact.column, reason)
            elif fact.change in (Change.MOVED, Change.VIA_BOT, Change.UNDONE, Change.REDONE):
                self.failed.pop(key, None)  # moved again: the failed move is history
            self.attention.schedule()
            self.card_state.refresh_cards([key])  # the card says "failed" (or no longer)
        text = describe(fact, Front.WINDOW)
        if self._held is not None and fact.change is not Change.FAILED:
            self._held.append(text)  # one of many cards at once: said together (see _as_one)
        else:
            self.announce(text, urgent=fact.change is Change.FAILED)
        self._update_move_actions()

    # --- the card's context menu ----------------------------------------------------------------------

    def card_menu(self, key: IssueKey) -> QMenu:
        """The menu a right click on ``key``'s card opens: its moves (those refused disabled, saying why;
        those through the bot saying so), assigning, and opening it on GitHub."""
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        placement = self.board.placement(key) if key in self.board else None
        # A card in conflict may be moved into the column it is shown in: that settles it.
        here = placement.column.name if placement is not None and not placement.is_conflict else ""
        for column in self.board.spec.columns:
            if column.name == here:
                continue
            verdict = self.gate.gate(key, column.name)
            action = menu.addAction(move_text(column.name, verdict))
            action.setEnabled(verdict.allowed)
            action.setToolTip(verdict.reason)
            action.setStatusTip(verdict.reason)
            action.triggered.connect(lambda _checked=False, c=column.name: self._menu_move(key, c))
        menu.addSeparator()
        menu.addActions([self.assign_action, self.assign_me_action, self.unassign_action])
        menu.addSeparator()
        menu.addAction(self.open_action)
        return menu

    def _menu_move(self, key: IssueKey, column_name: str) -> None:
        placement = self.board.placement(key) if key in self.board else None
        if placement is not None and placement.is_conflict and placement.column.name == column_name:
            self.fix_requested.emit(Move(key, column_name))  # settling a conflict where it is shown
        else:
            self.request_move(key, column_name)

    def _context_menu(self, widget: ColumnWidget, pos: QPoint) -> None:
        index = widget.view.indexAt(pos)
        key = index.data(IssueKeyRole) if index.isValid() else None
        if not isinstance(key, IssueKey):
            return
        self.select(key)
        menu = self.card_menu(key)
        menu.exec(widget.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    # --- the Needs attention lane ---------------------------------------------------------------------

    def _remember_attention(self, on: bool) -> None:
        """View ▸ Needs attention toggled: remembered for the next start."""
        # Closing the window hides the lane too (and unchecks its action): that is not the user's choice.
        if self.settings is not None and not self._detached:
            self.settings.setValue(ATTENTION_KEY, on)

    # --- board I/O -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.refresh_requested.emit()

    def undo(self) -> None:
        self._as_one(self.undo_requested.emit)

    def redo(self) -> None:
        self._as_one(self.redo_requested.emit)

    def _as_one(self, request: Callable[[], None]) -> None:
        """Make ``request``; when it moves several cards, the bulk move's start is said once, not each card
        (a screen reader would read forty sentences)."""
        self._held, self._bulk_said = [], False
        try:
            request()
        finally:
            held, self._held = self._held, None
            if self._actions_due:
                self._update_move_actions()
        if not self._bulk_said or len(held) < 2:
            for text in held:
                self.announce(text)

    def _bulk_started(self, text: str) -> None:
        self._bulk_said = True
        self.announce(text)

    def request_move(self, key: IssueKey, column_name: str) -> None:
        self.request_bulk([(key, column_name)])

    def request_moves(self, keys: list[IssueKey], column_name: str) -> None:
        """Move every card of ``keys`` into ``column_name`` (a drop): one request, one undo step."""
        self.request_bulk([(key, column_name) for key in keys])

    def request_bulk(self, moves: list[tuple[IssueKey, str]]) -> None:
        """Ask for ``moves`` (card, column): one card is an ordinary move, several a bulk move."""
        wanted = [
            (key, self.board.spec.column(name).name)
            for key, name in moves
            if key in self.board and self.board.column_of(key).name != self.board.spec.column(name).name
        ]
        if not wanted:
            return
        refused = [
            (key, name, verdict) for key, name in wanted if not (verdict := self.gate.gate(key, name)).allowed
        ]
        if refused:
            # Not attempted: the account cannot make these moves (the menus say so too).
            key, name, verdict = refused[0]
            reason = verdict.reason or f"{key} cannot be moved to {name}."
            named = ", ".join(str(k) for k, _name, _verdict in refused[:3])
            named += ", …" if len(refused) > 3 else ""
            text = (
                f"{key} was not moved to {name}. {reason}"
                if len(refused) == 1
                else f"{len(refused)} cards were not moved ({named}). {reason}"
            )
            # In the message bar (it stays, unlike the status bar's sentence, which the bulk move's own
            # replaces) and said to a screen reader at once.
            self.show_message("warning", text, "refused-moves")
            self.announce(text, urgent=True)
            gone = {key for key, _name, _verdict in refused}
            wanted = [(key, name) for key, name in wanted if key not in gone]
            if not wanted:
                return
        if len(wanted) == 1:
            self.move_requested.emit(*wanted[0])
        else:
            targets = {name for _key, name in wanted}
            where = targets.pop() if len(targets) == 1 else ""
            self._as_one(lambda: self.bulk_move_requested.emit(wanted, where))
        if self.selected_key is not None and any(key == self.selected_key for key, _ in wanted):
            self._sync_selection(focus=True)

    def selected_keys(self) -> list[IssueKey]:
        """The cards a move or a drag takes: every selected card shown, in board order."""
        keys = [key for key in self.marked if key in self.board]
        order = {column.name: n for n, column in enumerate(self.board.spec.columns)}
        return sorted(keys, key=lambda k: (order[self.board.column_of(k).name], self.board.row_of(k)))

    def move_selected_to(self, position: int) -> None:
        keys = self.selected_keys()
        if not keys:
            last = min(len(self.board.spec.columns), 9)
            self.show_message("info", describe(NothingSelected(f"Ctrl+1…{last} to move it")))
            return
        columns = self.board.spec.columns
        if 0 <= position < len(columns):
            self.request_bulk([(key, columns[position].name) for key in keys])

    def move_by(self, delta: int) -> None:
        keys = self.selected_keys()
        if not keys:
            self.show_message("info", describe(NothingSelected("Ctrl+Left/Right to move it")))
            return
        columns = self.board.spec.columns
        moves = []
        for key in keys:  # each card one column over (the first and last columns keep theirs)
            target = columns.index(self.board.column_of(key)) + delta
            if 0 <= target < len(columns):
                moves.append((key, columns[target].name))
        self.request_bulk(moves)

    # --- assigning -----------------------------------------------------------------------------------

    def _selected_issue(self, keys: str) -> Issue | None:
        issue = self.board.get(self.selected_key) if self.selected_key is not None else None
        if issue is None:
            self.show_message("info", describe(NothingSelected(keys)))
        return issue

    def assign_selected(self) -> AssignDialog | None:
        """Card ▸ Assign…: pick someone who can be assigned in the card's repository."""
        issue = self._selected_issue("Ctrl+Shift+A to assign someone")
        if issue is None:
            return None
        key = issue.key
        return open_assign_dialog(
            issue,
            self.assignable_users,
            self.user_login,
            lambda login: self.assign_requested.emit(key, login, True),
            parent=self,
        )

    def assign_selected_to_me(self) -> None:
        issue = self._selected_issue("Ctrl+Shift+M to assign yourself")
        if issue is None:
            return
        if not self.user_login:
            self.show_message("info", describe(AccountUnknown()))
            return
        self.assign_requested.emit(issue.key, self.user_login, True)

    def unassign_selected(self) -> AssignDialog | None:
        """Card ▸ Unassign…: the one assignee at once, or a pick among several."""
        issue = self._selected_issue("Ctrl+Shift+U to unassign someone")
        if issue is None or not issue.assignees:
            return None
        key = issue.key
        if len(issue.assignees) == 1:
            self.assign_requested.emit(key, issue.assignees[0], False)
            return None
        return open_assign_dialog(
            issue,
            self.assignable_users,
            self.user_login,
            lambda login: self.assign_requested.emit(key, login, False),
            remove=True,
            parent=self,
        )

    def set_since_meeting(self, since: SinceSnapshot) -> None:
        """Cards moved, added or changed on GitHub since the last meeting: the status bar counts them, each
        card says it ("since meeting"), the details pane says how."""
        self.since_meeting = since
        self.card_state.set_since_meeting(since)
        count = len(since.changes)
        self.since_label.setText(f"{count} changed since the last meeting" if count else "")
        self._show_details()

    def focus_neighbour(self, source: ColumnWidget, step: int, *, extend: bool = False) -> None:
        """Arrow keys across columns: select the card at the same height in the next non-empty column
        (``extend``, Shift+Left/Right: add it to the selection, a keyboard's way to select across columns)."""
        here = self.columns.index(source)
        row = max(0, source.view.currentIndex().row())
        target = here + step
        while 0 <= target < len(self.columns):
            widget = self.columns[target]
            count = widget.proxy.rowCount()
            if count:
                widget.view.setFocus(Qt.FocusReason.OtherFocusReason)
                key = widget.proxy.index(min(row, count - 1), 0).data(IssueKeyRole)
                if extend:
                    self.select_keys([*self.marked, key])
                else:
                    self.select(key)
                return
            target += step

    def apply_filter(self, flt: Filter) -> None:
        for widget in self.columns:
            widget.proxy.set_filter(flt)
            widget.update_counts()
        self._sync_selection()

    def after_paint(self, work: Callable[[], None]) -> None:
        """Run ``work`` once every column that changed has painted (at the latest after ``AFTER_PAINT_MS``;
        at once when nothing is waiting to be painted): what can wait, such as saving a move, never delays
        showing it."""
        if not self.isVisible() or not self._unpainted:
            work()
            return
        self._after_paint.append(work)
        if not self._after_paint_timer.isActive():
            self._after_paint_timer.start()

    def _painted(self, view: QWidget) -> None:
        self._unpainted.discard(view)
        if not self._unpainted:
            self._run_after_paint()

    def _run_after_paint(self) -> None:
        self._unpainted.clear()
        if not self._after_paint:
            return
        self._after_paint_timer.stop()
        waiting, self._after_paint = self._after_paint, []
        for work in waiting:
            work()

    # --- selection and details ----------------------------------------------------------------------

    def column_widget(self, name: str) -> ColumnWidget:
        wanted = self.board.spec.column(name).name
        return next(w for w in self.columns if w.column.name == wanted)

    def select(self, key: IssueKey) -> bool:
        """Select ``key``'s card alone (in whichever column holds it); False when it is not shown."""
        self.selected_key = key
        self.marked = {key: None}
        return self._sync_selection(focus=True)

    def select_keys(self, keys: list[IssueKey]) -> None:
        """Select these cards (across columns); the last one becomes the current card."""
        self.marked = dict.fromkeys(keys)
        self.selected_key = keys[-1] if keys else None
        self._sync_selection(focus=True)

    def _on_selected(self, source: ColumnWidget, key: object) -> None:
        if not isinstance(key, IssueKey):
            return
        self.selected_key = key
        self._show_details()

    def _clear_others(self, source: ColumnWidget) -> None:
        """A plain click or arrow in ``source``: the selection is about to be that column's alone."""
        name = source.column.name
        self.marked = {
            k: None for k in self.marked if k in self.board and self.board.column_of(k).name == name
        }
        for widget in self.columns:
            if widget is not source and widget.view.selectionModel().hasSelection():
                widget.set_marked([], None)

    def _on_marked(self, source: ColumnWidget) -> None:
        """The user changed the selection in ``source``: it replaces that column's part of ``marked``."""
        here = source.selected_keys()
        name = source.column.name
        kept = {k: None for k in self.marked if k in self.board and self.board.column_of(k).name != name}
        self.marked = kept | dict.fromkeys(here)
        if self.selected_key is not None:
            self._update_move_actions()  # the keys act on every selected card

    def _schedule_sync(self) -> None:
        self._sync_timer.start()

    def _sync_selection(self, focus: bool = False) -> bool:
        """Keep the selected cards selected where they now are (after a move, a rollback or a refresh);
        True when the current card is shown. One pass over the selection: cheap for thousands of cards."""
        key = self.selected_key
        here: dict[str, list[IssueKey]] = {}
        for k in self.marked:
            if k in self.board:
                here.setdefault(self.board.column_of(k).name, []).append(k)
        marked: dict[IssueKey, None] = {}
        for widget in self.columns:
            keys = here.get(widget.column.name, [])
            if widget.proxy.active:
                # Filtered out: a hidden card must not stay the target of Ctrl+1…4 or the details pane.
                keys = [k for k in keys if widget.proxy.proxy_row_of(k) >= 0]
            here[widget.column.name] = keys
            marked.update(dict.fromkeys(keys))
        self.marked = marked
        current_column = self.board.column_of(key).name if key is not None and key in self.board else ""
        shown = (
            bool(current_column)
            and key is not None
            and self.column_widget(current_column).proxy.proxy_row_of(key) >= 0
        )
        if key is not None and key in self.board and not shown:
            self.selected_key = key = None
            current_column = ""
        had_focus = any(w.view.hasFocus() for w in self.columns)
        for widget in self.columns:
            keys = here[widget.column.name]
            current = key if widget.column.name == current_column else None
            if not widget.has_marked(keys, current):
                widget.set_marked(keys, current)
            if current is not None and (focus or had_focus) and not widget.view.hasFocus():
                widget.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self._show_details()
        return shown

    def _show_details(self) -> None:
        key = self.selected_key
        self._update_move_actions()
        issue = self.board.get(key) if key is not None else None
        if issue is None:
            if self.details.issue is not None:
                self.details.show_issue(None)
            return
        placement = self.board.placement(issue.key)
        conflict = ", ".join(c.name for c in placement.conflicting)
        column = placement.column.name + (" (sending…)" if self.board.is_pending(issue.key) else "")
        change = self.since_meeting.changes.get(issue.key)
        if change is not None:
            column += f" · {change.text}"
        pending = self.board.is_pending(issue.key)
        shown = self.details.issue
        if shown is not None and shown.key == issue.key and self._details_pending and not pending:
            self.card_settled.emit(issue.key)  # GitHub confirmed: its fresh "Updated", comments…
        self._details_pending = pending
        if shown != issue or self.details.column.text() != column:
            self.details.show_issue(issue, column, conflict)
            if shown is None or shown.key != issue.key:
                self._comments_timer.start()

    def _want_comments(self) -> None:
        issue = self.details.issue
        if issue is not None:
            self.comments_wanted.emit(issue.key)

    def _on_activated(self, index: QModelIndex) -> None:
        issue = index.data(IssueRole)
        url = getattr(issue, "html_url", "")
        if url:
            self.open_url(url)

    def open_selected(self) -> None:
        issue = self.board.get(self.selected_key) if self.selected_key is not None else None
        if issue is not None and issue.html_url:
            self.open_url(issue.html_url)

    def open_url(self, url: str) -> None:
        qurl = QUrl(url)
        if qurl.scheme() in ("http", "https"):
            QDesktopServices.openUrl(qurl)

    # --- reporting -----------------------------------------------------------------------------------

    def show_message(self, level: str, text: str, source: str = "") -> None:
        self.message_bar.show_message(level, text, source)

    def show_report(self, report: Report) -> None:
        """What the reporter delivers (through ``self.reports``), in the window's words."""
        text = describe(report, Front.WINDOW)
        if report.doing is Doing.REFRESH and isinstance(report.fact, GitHubError) and len(self.board):
            text += " The board still shows the issues loaded before."
        self.show_message(report.level.value, text, report.source)

    def set_user(self, login: str) -> None:
        self.user_login = login
        self.user_label.setText(f"Signed in as {login}" if login else "Not signed in")
        self._update_move_actions()  # "Assign to me" is for this account

    def set_pending(self, count: int) -> None:
        self.pending_label.setText("" if count == 0 else f"{count} change{'s' if count != 1 else ''} waiting")

    def set_waiting(self, state: Waiting) -> None:
        self.move_status_label.setText(describe(state, Front.WINDOW) if state.count else "")

    def set_rate_limit(self, state: object) -> None:
        resource = getattr(state, "resource", "core")
        remaining, limit = getattr(state, "remaining", 0), getattr(state, "limit", 0)
        reset = getattr(state, "reset_at", None)
        when = f", resets {when_text(reset)}" if isinstance(reset, datetime) else ""
        self.rate_label.setText(f"API {resource}: {remaining:,}/{limit:,} left{when}")

    def on_loading(self, loading: bool) -> None:
        self.loading = loading
        self.progress.setVisible(loading)
        self.refresh_action.setEnabled(not loading)
        if loading:
            self.loaded_label.setText("Loading…")
        else:
            self.loaded_label.setText("")
            self.filter_bar.set_choices(self.board.assignees(), self.board.label_names())
            self._sync_selection()

    def on_progress(self, received: int) -> None:
        self.loaded_label.setText(f"Loading… {received:,} issues")

    def on_refreshed(self, when: datetime) -> None:
        self.refresh_label.setText(f"Refreshed {when.astimezone():%H:%M:%S}")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._detached:  # closed before (a second close used to crash on the detached models)
            super().closeEvent(event)
            return
        self._detached = True
        self._run_after_paint()  # nothing deferred is left behind
        self._comments_timer.stop()
        self._save_layout()
        self.attention.detach()
        for widget in self.columns:
            # The board may outlive the window (a fetch finishing during shutdown): stop telling it.
            widget.model.detach()
            widget.view.setModel(None)
        super().closeEvent(event)
        self.closed.emit()
