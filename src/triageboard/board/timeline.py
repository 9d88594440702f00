"""Time in a column, read from an issue's timeline (labeled/unlabeled/assigned/unassigned events)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .model import BoardSpec, Column, Issue, Label, label_key
from .rules import in_scope, place


class EventKind(StrEnum):
    LABELED = "labeled"
    UNLABELED = "unlabeled"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One event of ``GET /repos/{o}/{r}/issues/{n}/timeline`` that the board reads, already parsed.

    ``label`` is set for labeled/unlabeled events, ``assignee`` for assigned/unassigned ones.
    """

    kind: EventKind
    created_at: datetime
    actor: str = ""
    label: str | None = None
    assignee: str | None = None


def in_column_since(spec: BoardSpec, issue: Issue, events: Iterable[TimelineEvent]) -> datetime | None:
    """When ``issue`` entered the column it sits in now, from its timeline; None when it is not on the board.

    The label events are replayed backwards from the issue's labels through the board's one mapping
    (``in_scope``/``place``), so the rules follow from it: a column is entered at the last ``labeled``
    event of its label (for a column of several labels, the latest of them); the uncategorized column when
    the issue last lost its triage label, or else got its area label. With no such event, the issue has
    sat there since its creation.
    """
    labels = {label.key: label.name for label in issue.labels}
    current = _column(spec, issue, labels)
    if current is None:
        return None
    changes = [(e.created_at, e.kind, e.label) for e in events if e.kind in _LABEL_KINDS and e.label]
    # Oldest first as GitHub lists them; a stable sort keeps a move's add and remove in their order.
    changes.sort(key=lambda change: change[0])
    for at, kind, name in reversed(changes):
        if kind is EventKind.LABELED:
            labels.pop(label_key(name), None)
        else:
            labels[label_key(name)] = name
        if _column(spec, issue, labels) != current:
            return at
    return issue.created_at


_LABEL_KINDS = (EventKind.LABELED, EventKind.UNLABELED)


def _column(spec: BoardSpec, issue: Issue, labels: dict[str, str]) -> Column | None:
    """The column ``issue`` would sit in with ``labels``, or None when the board would not show it."""
    relabelled = issue.with_labels(Label(name) for name in labels.values())
    return place(spec, relabelled).column if in_scope(spec, relabelled) else None


def days_between(start: datetime, now: datetime) -> int:
    """Whole days from ``start`` to ``now``; never negative (a clock a little behind GitHub's says 0)."""
    return max(0, (now - start).days)


def time_in_column_text(column: Column, since: datetime, now: datetime) -> str:
    """The card's line: ``in Focus 41 d`` (``in Focus < 1 d`` on the first day)."""
    days = days_between(since, now)
    return f"in {column.name} {days} d" if days else f"in {column.name} < 1 d"
