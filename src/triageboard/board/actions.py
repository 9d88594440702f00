"""What the domain asks the app to do: the requests a drag, a fix or a meeting decision becomes."""

from __future__ import annotations

from dataclasses import dataclass

from .model import IssueKey
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


Request = Move | Assignment | Relabel
