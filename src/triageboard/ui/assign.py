"""Card ▸ Assign…: a picker of the people who can be assigned in the issue's repository, filtered as you
type, you first; and the same picker over the issue's assignees for Unassign….

The lists come from the session (``AssignableUsers.wanted`` → the assignee service → ``set_logins``); the
dialog never talks to GitHub. A login typed by hand that is not on the list can still be chosen: GitHub then
decides, and a login it drops is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..board import Issue, is_login

LoginRole = Qt.ItemDataRole.UserRole + 1


class AssignableUsers(QObject):
    """Who can be assigned, per repository, as the session last read it.

    Signals: ``wanted(str)`` (a repository whose list a picker needs: the session reads it),
    ``changed(str)`` (a repository's list arrived)."""

    wanted = Signal(str)
    changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lists: dict[str, list[str]] = {}

    def logins(self, repo: str) -> list[str] | None:
        """The list read for ``repo``, or None while it has not arrived."""
        found = self._lists.get(repo.casefold())
        return list(found) if found is not None else None

    def request(self, repo: str) -> None:
        self.wanted.emit(repo)

    def set_logins(self, repo: str, logins: Sequence[str]) -> None:
        self._lists[repo.casefold()] = list(logins)
        self.changed.emit(repo)


def ordered(logins: Sequence[str], me: str) -> list[str]:
    """You first, then everyone else alphabetically (GitHub's list comes in no useful order)."""
    unique = {login.casefold(): login for login in logins}
    rest = sorted((login for key, login in unique.items() if key != me.casefold()), key=str.casefold)
    return ([unique.get(me.casefold(), me)] if me and me.casefold() in unique else []) + rest


class AssignDialog(QDialog):
    """Pick one login. ``remove``: pick among the issue's assignees instead. ``chosen(str)`` is emitted
    when one is picked (Enter, double-click or the button)."""

    chosen = Signal(str)

    def __init__(
        self,
        issue: Issue,
        users: AssignableUsers,
        me: str = "",
        *,
        remove: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.issue = issue
        self.users = users
        self.me = me
        self.remove = remove
        self.login: str | None = None
        self.setWindowTitle(f"{'Unassign' if remove else 'Assign'} {issue.repo}#{issue.number}")
        self.setMinimumSize(360, 420)
        title = QLabel(issue.title)
        title.setTextFormat(Qt.TextFormat.PlainText)  # titles are untrusted
        title.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setObjectName("assigneeFilter")
        self.filter.setPlaceholderText("Type to filter, Enter to pick")
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setObjectName("assigneeList")
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Unassign" if remove else "Assign")
        buttons.accepted.connect(self.pick)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.filter.textChanged.connect(self._fill)
        self.filter.installEventFilter(self)
        self.list.itemDoubleClicked.connect(lambda _item: self.pick())
        self.list.currentItemChanged.connect(lambda *_: self._sync_ok())
        users.changed.connect(self._arrived)
        self._fill()
        if not remove and users.logins(issue.repo) is None:
            users.request(issue.repo)
        self.filter.setFocus()

    def candidates(self) -> list[str] | None:
        if self.remove:
            return list(self.issue.assignees)
        return self.users.logins(self.issue.repo)

    def shown(self) -> list[str]:
        """The logins the list shows now, in order (what a test or a screen reader reads)."""
        return [str(self.list.item(i).data(LoginRole)) for i in range(self.list.count())]

    def item_text(self, row: int) -> str:
        return self.list.item(row).text()

    def _arrived(self, repo: str) -> None:
        if repo.casefold() == self.issue.repo.casefold():
            self._fill()

    def _fill(self) -> None:
        text = self.filter.text().strip().removeprefix("@")
        listed = self.candidates()
        assigned = {a.casefold() for a in self.issue.assignees}
        self.list.clear()
        logins = ordered(listed or [], "" if self.remove else self.me)
        matching = [login for login in logins if text.casefold() in login.casefold()]
        for login in matching:
            taken = not self.remove and login.casefold() in assigned
            you = " (you)" if login.casefold() == self.me.casefold() else ""
            item = QListWidgetItem(f"@{login}{you}" + (" — already assigned" if taken else ""))
            item.setData(LoginRole, login)
            if taken:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.list.addItem(item)
        # A login typed by hand is offered only when nobody on the list matches it.
        typed = not self.remove and not matching and is_login(text) and text.casefold() not in assigned
        if typed:
            item = QListWidgetItem(f"@{text} — not on the list of who can be assigned; GitHub decides")
            item.setData(LoginRole, text)
            self.list.addItem(item)
        if listed is None:
            self.status.setText("Reading who can be assigned…")
        elif not logins:
            self.status.setText("Nobody is assigned." if self.remove else "Nobody can be assigned here.")
        else:
            self.status.setText(f"{len(matching)} of {len(logins)}")
        first = next((i for i in range(self.list.count()) if self._enabled(i)), None)
        if first is not None:
            self.list.setCurrentRow(first)
        self._sync_ok()

    def _enabled(self, row: int) -> bool:
        return bool(self.list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled)

    def _sync_ok(self) -> None:
        item = self.list.currentItem()
        self.ok.setEnabled(item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsEnabled))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up and Down in the filter move through the list, so typing and picking need no mouse.
        if watched is self.filter and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                step = -1 if event.key() == Qt.Key.Key_Up else 1
                row = self.list.currentRow() + step
                while 0 <= row < self.list.count() and not self._enabled(row):
                    row += step
                if 0 <= row < self.list.count():
                    self.list.setCurrentRow(row)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.pick()
                return True
        return super().eventFilter(watched, event)

    def pick(self) -> None:
        item = self.list.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        self.login = str(item.data(LoginRole))
        self.chosen.emit(self.login)
        self.accept()


def open_assign_dialog(
    issue: Issue,
    users: AssignableUsers,
    me: str,
    on_chosen: Callable[[str], None],
    *,
    remove: bool = False,
    parent: QWidget | None = None,
) -> AssignDialog:
    """Show the picker (window-modal, not blocking the loop); it deletes itself when closed."""
    dialog = AssignDialog(issue, users, me, remove=remove, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.chosen.connect(on_chosen)
    dialog.open()
    return dialog
