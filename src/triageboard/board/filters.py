"""Card filters: E-mentor, assignee, text or #number, label. Combinable; all must match."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .model import Issue, label_key


class Assignee(Enum):
    """Assignee choices that are not a login."""

    ANYONE = "anyone"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True, slots=True)
class Filter:
    mentored_only: bool = False
    assignee: str | Assignee = Assignee.ANYONE
    text: str = ""
    label: str | None = None
    mentor_label: str = "E-mentor"

    @property
    def is_active(self) -> bool:
        return (
            self.mentored_only
            or self.assignee is not Assignee.ANYONE
            or bool(self.text.strip())
            or self.label is not None
        )

    def matches(self, issue: Issue) -> bool:
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
