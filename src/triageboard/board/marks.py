"""The one place that evaluates a column's rules into marks on a card; views paint what they are given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .model import BoardSpec, Issue, Placement
from .timeline import days_between


class MarkKind(StrEnum):
    """A mark's stable machine name: ``triageboard list --json`` prints these as ``"flags"``."""

    FAILED = "failed"
    PENDING = "pending"
    CONFLICT = "conflict"
    LOST_AREA = "lost-area"
    NEEDS_ASSIGNEE = "needs-assignee"
    STALLED = "stalled"


@dataclass(frozen=True, slots=True)
class FailedMove:
    """A move the caller saw fail for good: the column it meant to reach and why, in words."""

    column: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Mark:
    """A mark on a card: its kind, the short text the card shows, and the facts behind the text.

    ``days``: how long a stalled card has been quiet. ``columns``: the other columns claiming a card in
    conflict, or the column a failed move meant to reach.
    """

    kind: MarkKind
    text: str
    days: int | None = None
    columns: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.kind.value


def evaluate_marks(
    spec: BoardSpec,
    issue: Issue,
    placement: Placement,
    now: datetime,
    *,
    in_column_since: datetime | None = None,
    pending: bool = False,
    failed: FailedMove | None = None,
) -> tuple[Mark, ...]:
    """The marks of ``issue`` sitting where ``placement`` puts it, most urgent first.

    A card is *stalled* when neither its last update nor its arrival in the column (``in_column_since``,
    when known) is more recent than the column's ``stalled_after_days``.
    """
    column = placement.column
    marks: list[Mark] = []
    if failed is not None:
        marks.append(Mark(MarkKind.FAILED, f"move to {failed.column} failed", columns=(failed.column,)))
    if pending:
        marks.append(Mark(MarkKind.PENDING, "being moved"))
    if placement.is_conflict:
        others = tuple(c.name for c in placement.conflicting)
        marks.append(Mark(MarkKind.CONFLICT, f"conflict: also in {', '.join(others)}", columns=others))
    if _lost_area(spec, issue, placement):
        marks.append(Mark(MarkKind.LOST_AREA, "lost its area label"))
    if column.require_assignee and not issue.assignees:
        marks.append(Mark(MarkKind.NEEDS_ASSIGNEE, "needs an assignee"))
    quiet_since = max((t for t in (issue.updated_at, in_column_since) if t is not None), default=None)
    if column.stalled_after_days is not None and quiet_since is not None:
        days = days_between(quiet_since, now)
        if days >= column.stalled_after_days:
            marks.append(Mark(MarkKind.STALLED, f"stalled {days} d", days=days))
    return tuple(marks)


def _lost_area(spec: BoardSpec, issue: Issue, placement: Placement) -> bool:
    """A triaged issue without the board's area label: the board keeps it, but searches by area miss it."""
    if not spec.area_labels or placement.column.is_uncategorized:
        return False
    return not any(issue.has_label(name) for name in spec.area_labels)
