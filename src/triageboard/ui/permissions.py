"""What the signed-in account may do, on screen: moves it cannot make are disabled before they are tried
(menus, keys, drop targets) with the reason in words, and moves that go through @rustbot say so.

The window asks a :class:`Routes` (the move service, wired by the session) and never decides itself; until
one is set, every move is offered as before (GitHub decides).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QDropEvent

from ..board import IssueKey, LabelDiff, Route
from ..errors import CannotLabel
from ..reporting import Doing
from ..wording import Front, describe
from .models import decode_keys


class Routes(Protocol):
    """How a move would be sent (``services.MoveService`` is one)."""

    def route(self, key: IssueKey, column_name: str) -> Route: ...
    def relabel_route(self, key: IssueKey, diff: LabelDiff) -> Route: ...
    def assignment_route(self, key: IssueKey, login: str, *, add: bool = True) -> Route: ...
    def route_fact(self, key: IssueKey, target: str, route: Route) -> object | None: ...


@dataclass(frozen=True, slots=True)
class Gate:
    """One move's verdict for the screen: whether it may be asked, whether the bot carries it, and the
    sentence that says so (the refusal, or what the bot is asked; empty for an ordinary move)."""

    allowed: bool
    via_bot: bool = False
    reason: str = ""


OPEN = Gate(True)


class MoveGate:
    """Asks ``routes`` (when set) how a card's move would go, in the window's words."""

    def __init__(self) -> None:
        self.routes: Routes | None = None

    def gate(self, key: IssueKey, column_name: str) -> Gate:
        if self.routes is None:
            return OPEN
        route = self.routes.route(key, column_name)
        return self._verdict(key, column_name, route)

    def gate_relabel(self, key: IssueKey, diff: LabelDiff) -> Gate:
        """The verdict on adding and removing ``diff``'s labels (a lost area label put back)."""
        if self.routes is None:
            return OPEN
        what = " ".join([*(f"+{n}" for n in diff.add), *(f"-{n}" for n in diff.remove)])
        return self._verdict(key, what, self.routes.relabel_route(key, diff))

    def gate_assign(self, key: IssueKey, login: str) -> Gate:
        """The verdict on assigning ``login`` (directly, or claimed through the bot when it is oneself)."""
        if self.routes is None:
            return OPEN
        target = f"assign @{login}"
        return self._verdict(key, target, self.routes.assignment_route(key, login), Doing.ASSIGN)

    def _verdict(self, key: IssueKey, target: str, route: Route, doing: Doing | None = None) -> Gate:
        assert self.routes is not None
        fact = self.routes.route_fact(key, target, route)
        if isinstance(fact, CannotLabel) and not fact.missing:
            # Nothing was tried: the tooltip says what the account cannot do, not "… was not moved".
            fact = CannotLabel("", fact.target, repo=fact.repo, detail=fact.detail)
        reason = describe(fact, Front.WINDOW, doing) if fact is not None else ""
        return Gate(not route.refused, route.by_bot, reason)


def move_text(column_name: str, gate: Gate) -> str:
    """A move entry's words: "Move to OnDeck", "Move to OnDeck via @rustbot"."""
    return f"Move to {column_name}" + (" via @rustbot" if gate.allowed and gate.via_bot else "")


class DropGuard(QObject):
    """Installed on a column's viewport: a drag whose every card is refused there is not accepted (the
    cursor says no, the column does not light up) and ``refused(reason)`` says why; a drop of it is eaten
    before the model sees it. Cards that may move pass through to the model as before."""

    def __init__(
        self, column_name: str, gate: MoveGate, refused: Callable[[str], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.column_name = column_name
        self.gate = gate
        self.refused = refused

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        assert isinstance(event, QDropEvent)  # drag enter and move events are drop events too
        mime = event.mimeData()
        keys = decode_keys(mime) if mime is not None else []
        if not keys:
            return False
        verdicts = [self.gate.gate(key, self.column_name) for key in keys]
        if any(v.allowed for v in verdicts):
            return False
        reason = next(
            (v.reason for v in verdicts if v.reason), f"Cards cannot be moved to {self.column_name}."
        )
        event.ignore()
        if kind is not QEvent.Type.DragMove:  # said once on entering, and on a drop
            self.refused(reason)
        return True
