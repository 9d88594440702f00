"""Card filters: E-mentor, assignee, text or #number, label, columns, marks. Combinable; all must match."""

from __future__ import annotations

from collections.abc import Callable, Collection
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


# --- the same filter, fast, for 10,000 cards --------------------------------------------------------------


def search_text(issue: Issue) -> str:
    """What free text is matched against, computed once per issue: the title and the repository, folded."""
    return f"{issue.title.casefold()}\n{label_key(issue.repo)}"


Matcher = Callable[[Issue, str], bool]


def matcher(flt: Filter) -> Matcher:
    """``flt.matches`` for cards without column or mark filters, as a function of the issue and its
    :func:`search_text`: the text is split once, and each card costs a few comparisons."""
    mentor = label_key(flt.mentor_label) if flt.mentored_only else None
    label = label_key(flt.label) if flt.label is not None else None
    unassigned = flt.assignee is Assignee.UNASSIGNED
    login = flt.assignee.casefold() if isinstance(flt.assignee, str) else None
    plain: list[str] = []
    numbers: list[tuple[int, bool, str]] = []  # (number, written with '#', the word as typed)
    for word in flt.text.casefold().split():
        digits = word.removeprefix("#")
        if digits.isdecimal():
            numbers.append((int(digits), word.startswith("#"), word))
        else:
            plain.append(word)

    def accept(issue: Issue, text: str) -> bool:
        if mentor is not None or label is not None:
            keys = [lb.key for lb in issue.labels]
            if mentor is not None and mentor not in keys:
                return False
            if label is not None and label not in keys:
                return False
        if unassigned:
            if issue.assignees:
                return False
        elif login is not None and not any(a.casefold() == login for a in issue.assignees):
            return False
        for word in plain:
            if word not in text:
                return False
        for number, hashed, word in numbers:
            if number == issue.number:
                continue
            if hashed or word not in text:
                return False
        return True

    return accept


def narrows(old: Filter, new: Filter) -> bool:
    """Whether every card ``new`` shows is among those ``old`` shows (so ``new`` may filter only those):
    the same choices, and more typed text — each word typed before is still part of some word, and no
    word is a number (a number matches an issue's own number, which longer text does not narrow)."""
    if (old.mentored_only, old.assignee, old.label, old.mentor_label, old.columns, old.flags) != (
        new.mentored_only,
        new.assignee,
        new.label,
        new.mentor_label,
        new.columns,
        new.flags,
    ):
        return False
    before, after = old.text.casefold().split(), new.text.casefold().split()
    if any(w.removeprefix("#").isdecimal() for w in (*before, *after)):
        return False
    return all(any(w in v for v in after) for w in before)
