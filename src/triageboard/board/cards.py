"""Cards: an issue where the board puts it, with its marks and its time in the column.

The shapes the front ends share: ``card_dict`` is one card of ``triageboard list --json`` (and of the
agenda's JSON); ``column_state`` is a column's header in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .board import Board
from .marks import FailedMove, Mark, MarkKind, evaluate_marks
from .model import Column, Issue, IssueKey, Placement


@dataclass(frozen=True, slots=True)
class Card:
    issue: Issue
    placement: Placement
    marks: tuple[Mark, ...] = ()
    # When the issue entered its column (from its timeline); None until the timeline has been read.
    in_column_since: datetime | None = None

    @property
    def key(self) -> IssueKey:
        return self.issue.key

    @property
    def column(self) -> Column:
        return self.placement.column

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(mark.name for mark in self.marks)

    def mark(self, kind: MarkKind) -> Mark | None:
        return next((m for m in self.marks if m.kind is kind), None)


def board_cards(
    board: Board,
    now: datetime,
    since: Mapping[IssueKey, datetime] | None = None,
    failed: Mapping[IssueKey, FailedMove] | None = None,
) -> list[Card]:
    """Every card of ``board`` in board order (column by column, row by row), marked as of ``now``.

    ``since`` holds the in-column times known so far, ``failed`` the moves the caller saw fail.
    """
    since = since or {}
    failed = failed or {}
    cards = []
    for issue in board.issues():
        placement = board.placement(issue.key)
        entered = since.get(issue.key)
        marks = evaluate_marks(
            board.spec,
            issue,
            placement,
            now,
            in_column_since=entered,
            pending=board.is_pending(issue.key),
            failed=failed.get(issue.key),
        )
        cards.append(Card(issue, placement, marks, entered))
    return cards


def card_dict(card: Card) -> dict[str, object]:
    """One card as ``triageboard list --json`` prints it: plain JSON types only."""
    issue = card.issue
    return {
        "column": card.column.name,
        "issue": str(issue.key),
        "repo": issue.repo,
        "number": issue.number,
        "title": issue.title,
        "labels": list(issue.label_names),
        "assignees": list(issue.assignees),
        "url": issue.html_url,
        "updated_at": issue.updated_at.isoformat() if issue.updated_at else None,
        "comments": issue.comments,
        "conflict": [c.name for c in card.placement.conflicting],
        "pending": card.mark(MarkKind.PENDING) is not None,
        "flags": list(card.flags),
        "in_column_since": card.in_column_since.isoformat() if card.in_column_since else None,
    }


def column_state(column: Column, cards: Sequence[Card], shown: int | None = None) -> str:
    """A column's state in words, e.g. ``9 · over 3–5 · 4 need an assignee · 2 stalled``.

    ``cards`` are all the column's cards; ``shown`` is how many a filter lets through (``3/9`` then).
    """
    total = len(cards)
    parts = [f"{shown}/{total}" if shown is not None else str(total)]
    limits = _limit_words(column, total)
    if limits:
        parts.append(limits)
    unassigned = sum(1 for c in cards if c.mark(MarkKind.NEEDS_ASSIGNEE))
    if unassigned:
        parts.append(f"{unassigned} {'needs' if unassigned == 1 else 'need'} an assignee")
    stalled = sum(1 for c in cards if c.mark(MarkKind.STALLED))
    if stalled:
        parts.append(f"{stalled} stalled")
    return " · ".join(parts)


def _limit_words(column: Column, count: int) -> str | None:
    low, high = column.soft_min, column.soft_max
    span = f"{low}–{high}" if low is not None and high is not None else None
    if high is not None and count > high:
        return f"over {span or high}"
    if low is not None and count < low:
        return f"under {span or low}"
    return None
