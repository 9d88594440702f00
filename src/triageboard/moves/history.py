"""Undo and redo of moves: a plain list of steps. An undo is itself a move (back where the card came from)."""

from __future__ import annotations

from dataclasses import dataclass

from ..board import IssueKey


@dataclass(frozen=True, slots=True)
class Step:
    key: IssueKey
    source: str  # column names
    target: str


class History:
    def __init__(self, limit: int = 500) -> None:
        self._done: list[Step] = []
        self._undone: list[Step] = []
        self._limit = limit

    def record(self, step: Step) -> None:
        """A new move by the user: it can be undone, and it ends any redo chain."""
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
        """The step to reverse (move ``key`` back to ``source``), or None."""
        if not self._done:
            return None
        step = self._done.pop()
        self._undone.append(step)
        return step

    def redo(self) -> Step | None:
        """The step to make again (move ``key`` to ``target``), or None."""
        if not self._undone:
            return None
        step = self._undone.pop()
        self._done.append(step)
        return step

    def forget(self, key: IssueKey) -> None:
        """Drop the steps of an issue whose move failed for good: undoing them would mislead."""
        self._done = [s for s in self._done if s.key != key]
        self._undone = [s for s in self._undone if s.key != key]
