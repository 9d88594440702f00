"""Undo and redo: a plain list of steps. A step is one gesture — a move, a bulk move of many cards, an
assignment — and undoing it is itself a request (each card back where it came from, each assignment
reversed)."""

from __future__ import annotations

from dataclasses import dataclass

from ..board import IssueKey


@dataclass(frozen=True, slots=True)
class MoveChange:
    key: IssueKey
    source: str  # column names
    target: str

    def inverse(self) -> MoveChange:
        return MoveChange(self.key, self.target, self.source)


@dataclass(frozen=True, slots=True)
class AssignChange:
    key: IssueKey
    login: str
    added: bool  # True: assigned; False: unassigned

    def inverse(self) -> AssignChange:
        return AssignChange(self.key, self.login, not self.added)


Change = MoveChange | AssignChange


@dataclass(frozen=True, slots=True)
class Step:
    changes: tuple[Change, ...]

    def inverse(self) -> Step:
        return Step(tuple(change.inverse() for change in reversed(self.changes)))

    @property
    def keys(self) -> frozenset[IssueKey]:
        return frozenset(change.key for change in self.changes)


class History:
    def __init__(self, limit: int = 500) -> None:
        self._done: list[Step] = []
        self._undone: list[Step] = []
        self._limit = limit

    def record(self, step: Step) -> None:
        """A new gesture by the user: it can be undone, and it ends any redo chain."""
        if not step.changes:
            return
        self._done.append(step)
        del self._done[: -self._limit]
        self._undone.clear()

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def undo(self) -> Step | None:
        """The step to reverse (apply ``step.inverse()``), or None."""
        if not self._done:
            return None
        step = self._done.pop()
        self._undone.append(step)
        return step

    def redo(self) -> Step | None:
        """The step to make again, or None."""
        if not self._undone:
            return None
        step = self._undone.pop()
        self._done.append(step)
        return step

    def forget(self, key: IssueKey) -> None:
        """Drop the changes of an issue whose request failed for good: undoing them would mislead."""
        self._done = _without(self._done, key)
        self._undone = _without(self._undone, key)


def _without(steps: list[Step], key: IssueKey) -> list[Step]:
    kept = [Step(tuple(c for c in step.changes if c.key != key)) for step in steps]
    return [step for step in kept if step.changes]
