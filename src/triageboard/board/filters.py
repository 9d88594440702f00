"""Card filters: E-mentor, assignee, text or #number, label, columns, marks. Combinable; all must match."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from .model import Issue, label_key


class Assignee(Enum):
    """Assignee choices that are not a login."""

    ANYONE = "anyone"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True, slots=True)
class Filter:
    """Which cards to show. ``columns``: any of these column names (empty: every column); ``flags``: mark
    names (``MarkKind`` values) a card must all carry, e.g. ``("stalled",)``."""

    mentored_only: bool = False
    assignee: str | Assignee = Assignee.ANYONE
    text: str = ""
    label: str | None = None
    mentor_label: str = "E-mentor"
    columns: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    @property
    def is_active(self) -> bool:
        return (
            self.mentored_only
            or self.assignee is not Assignee.ANYONE
            or bool(self.text.strip())
            or self.label is not None
            or bool(self.columns)
            or bool(self.flags)
        )

    def matches(self, issue: Issue, column: str | None = None, flags: Collection[str] = ()) -> bool:
        """Whether the card of ``issue`` passes: it sits in ``column`` and carries marks named ``flags``.

        A filter on columns needs the card's column: without one, it lets nothing through.
        """
        if self.columns and (
            column is None or label_key(column) not in {label_key(name) for name in self.columns}
        ):
            return False
        if any(flag not in flags for flag in self.flags):
            return False
        if self.mentored_only and not issue.has_label(self.mentor_label):
            return False
        if self.assignee is Assignee.UNASSIGNED:
            if issue.assignees:
                return False
        elif isinstance(self.assignee, str):
            wanted = self.assignee.casefold()
            if not any(login.casefold() == wanted for login in issue.assignees):
                return False
        if self.label is not None and not issue.has_label(self.label):
            return False
        return _matches_text(self.text, issue)


def _matches_text(text: str, issue: Issue) -> bool:
    """Every word must occur in the title; ``#123`` or a bare number also matches the issue number."""
    words = text.casefold().split()
    title = issue.title.casefold()
    for word in words:
        number = word.removeprefix("#")
        if number.isdigit() and int(number) == issue.number:
            continue
        if word.startswith("#") and number.isdigit():
            return False
        if word not in title and word not in label_key(issue.repo):
            return False
    return True
