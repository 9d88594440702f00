"""What the domain asks the app to do: the requests a drag, a fix or a meeting decision becomes."""

from __future__ import annotations

from dataclasses import dataclass

from .model import BoardSpec, Column, IssueKey
from .rules import LabelDiff


@dataclass(frozen=True, slots=True)
class Move:
    """Move an issue to a column (by name): the request a drag sends, planned with ``plan_move``."""

    key: IssueKey
    column: str


@dataclass(frozen=True, slots=True)
class Assignment:
    """Add (or remove) one assignee; never replaces the others."""

    key: IssueKey
    login: str
    add: bool = True

    def inverse(self) -> Assignment:
        return Assignment(self.key, self.login, not self.add)


@dataclass(frozen=True, slots=True)
class Relabel:
    """Labels to add or remove outside any column move, e.g. an area label an issue lost."""

    key: IssueKey
    diff: LabelDiff

    def as_move(self, spec: BoardSpec, column: Column) -> tuple[BoardSpec, Column]:
        """The same label change as a move the outbox and the engine already send (durable, checked,
        through @rustbot where it must): a move of the card, in ``column``, into a column of a board of
        ``spec``'s name whose labels are the ones to add, the ones to remove belonging to another column.
        Planned with ``plan_move``, it adds and removes exactly ``diff``'s labels and touches no other."""
        removing = Column(f"{column.name} (labels to remove)", self.diff.remove)
        if self.diff.add:
            target = Column(column.name, self.diff.add)
            rest = (removing,) if self.diff.remove else ()
            return BoardSpec(spec.name, (target, *rest, Column(f"{column.name} (other)"))), target
        target = Column(column.name)  # nothing to add: the one column without labels, removing the rest
        return BoardSpec(spec.name, (removing, target)), target


Request = Move | Assignment | Relabel
