"""The weekly triage meeting's agenda: which issues each step walks, in which order, and why.

The Rust async WG's agenda, generalised to any board's columns: (1) give each uncategorized issue a
triage label; (2) review the first column (is each issue progressing, is it assigned); (3...) promote
from each column into its left neighbour, as many as the neighbour needs to reach its limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from .cards import Card, card_dict
from .marks import MarkKind
from .model import BoardSpec, Column
from .timeline import days_between


class StepKind(StrEnum):
    UNCATEGORIZED = "uncategorized"
    REVIEW = "review"
    PROMOTE = "promote"


class ReasonKind(StrEnum):
    """Why a card is suggested for promotion, in the order the ranking weighs them."""

    MENTORED = "mentored"
    ASSIGNED = "assigned"
    OLDEST = "oldest"
    MOST_DISCUSSED = "most-discussed"


@dataclass(frozen=True, slots=True)
class Reason:
    kind: ReasonKind
    text: str


@dataclass(frozen=True, slots=True)
class AgendaItem:
    card: Card
    # Promote steps only: why the card ranks where it does.
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the agenda. ``column`` is the column reviewed, or the one promoted into from ``source``.

    ``needed``: promote steps only, how many cards the target needs to reach its limit when the agenda was
    made (None: the target has no limit). The first ``needed`` items are the suggestions.
    """

    kind: StepKind
    column: str
    source: str | None
    items: tuple[AgendaItem, ...]
    needed: int | None = None

    @property
    def title(self) -> str:
        return step_title(self.kind, self.column, self.source)


@dataclass(frozen=True, slots=True)
class Agenda:
    board: str
    generated_at: datetime
    steps: tuple[Step, ...]
    # Cards per column when the agenda was made: the meeting's "before".
    counts: dict[str, int]


def step_title(kind: StepKind, column: str, source: str | None) -> str:
    if kind is StepKind.UNCATEGORIZED:
        return f"Give each {column} issue a triage label"
    if kind is StepKind.REVIEW:
        return f"Review {column}: is each issue progressing and assigned?"
    return f"Promote {source} → {column}"


def ladder(spec: BoardSpec) -> tuple[Column, ...]:
    """The columns from the most urgent to the least: the labelled ones in board order, uncategorized last.

    Promoting moves a card one rung up (left), demoting one rung down (right).
    """
    return (*(c for c in spec.columns if not c.is_uncategorized), spec.uncategorized)


def needed_to_fill(column: Column, count: int) -> int | None:
    """How many cards ``column`` needs to reach its limit: up to its minimum, or when it has only a maximum
    (OnDeck: "about one page"), up to that. None when it has no limit."""
    if column.soft_min is not None:
        return max(0, column.soft_min - count)
    if column.soft_max is not None:
        return max(0, column.soft_max - count)
    return None


def agenda(spec: BoardSpec, cards: Iterable[Card], now: datetime) -> Agenda:
    """The meeting's agenda for ``cards`` (every card of the board, as of ``now``)."""
    by_column: dict[str, list[Card]] = {c.name: [] for c in spec.columns}
    for card in cards:
        by_column[card.column.name].append(card)
    counts = {name: len(cards_here) for name, cards_here in by_column.items()}
    rungs = ladder(spec)
    uncategorized = spec.uncategorized.name
    steps = [
        Step(
            StepKind.UNCATEGORIZED,
            uncategorized,
            None,
            tuple(AgendaItem(c) for c in sorted(by_column[uncategorized], key=lambda c: -_age(c, now))),
        )
    ]
    if len(rungs) > 1:
        first = rungs[0]
        steps.append(Step(StepKind.REVIEW, first.name, None, _review_order(by_column[first.name], now)))
    # The uncategorized column promotes nobody: its step hands out triage labels instead.
    for target, source in pairwise(rungs[:-1]):
        steps.append(
            Step(
                StepKind.PROMOTE,
                target.name,
                source.name,
                _ranked(spec, by_column[source.name], source, now),
                needed_to_fill(target, counts[target.name]),
            )
        )
    return Agenda(spec.name, now, tuple(steps), counts)


def _age(card: Card, now: datetime) -> int:
    """Whole days in the column: since it entered, else since the issue was opened; 0 when unknown."""
    since = card.in_column_since or card.issue.created_at
    return days_between(since, now) if since is not None else 0


def _review_order(cards: Sequence[Card], now: datetime) -> tuple[AgendaItem, ...]:
    """Cards without an assignee first (they get one), then stalled ones, then the longest in the column."""

    def key(card: Card) -> tuple[bool, bool, int]:
        return (
            card.mark(MarkKind.NEEDS_ASSIGNEE) is None,
            card.mark(MarkKind.STALLED) is None,
            -_age(card, now),
        )

    return tuple(AgendaItem(c) for c in sorted(cards, key=key))


def _ranked(spec: BoardSpec, cards: Sequence[Card], source: Column, now: datetime) -> tuple[AgendaItem, ...]:
    """Promotion candidates, best first: mentored, then assigned, then the oldest in the column, then the
    most discussed. Each carries the first of these it has (the most discussed among equally old ones)."""

    def key(card: Card) -> tuple[bool, bool, int, int, int]:
        issue = card.issue
        return (
            not issue.has_label(spec.mentor_label),
            not issue.assignees,
            -_age(card, now),
            -issue.comments,
            issue.number,
        )

    ranked = sorted(cards, key=key)
    items = []
    for n, card in enumerate(ranked):
        issue = card.issue
        if issue.has_label(spec.mentor_label):
            reason = Reason(ReasonKind.MENTORED, "mentored")
        elif issue.assignees:
            reason = Reason(ReasonKind.ASSIGNED, "assigned to " + ", ".join(f"@{a}" for a in issue.assignees))
        elif n + 1 < len(ranked) and _ties_on_age(card, ranked[n + 1], now):
            reason = Reason(ReasonKind.MOST_DISCUSSED, f"{issue.comments} comments")
        elif card.in_column_since is not None:
            reason = Reason(ReasonKind.OLDEST, f"{_age(card, now)} d in {source.name}")
        else:  # its timeline is not read: how long it has waited in the column is not known
            reason = Reason(ReasonKind.OLDEST, f"opened {_age(card, now)} d ago")
        items.append(AgendaItem(card, reason))
    return tuple(items)


def _ties_on_age(card: Card, following: Card, now: datetime) -> bool:
    """Whether only the comment count puts ``card`` above the next candidate (ranked no better)."""
    return _age(card, now) == _age(following, now) and card.issue.comments > following.issue.comments


def agenda_json(agenda: Agenda) -> dict[str, Any]:
    """``triageboard agenda --json``: each step's cards as ``list --json`` prints them, with the reason of
    each promotion candidate (``reason``: a ``ReasonKind`` value, ``reason_text``: in words)."""
    return {
        "board": agenda.board,
        "generated_at": agenda.generated_at.isoformat(),
        "steps": [
            {
                "step": step.kind.value,
                "column": step.column,
                "from": step.source,
                "needed": step.needed,
                "issues": [_item_dict(item) for item in step.items],
            }
            for step in agenda.steps
        ],
    }


def _item_dict(item: AgendaItem) -> dict[str, object]:
    card = card_dict(item.card)
    if item.reason is not None:
        card["reason"] = item.reason.kind.value
        card["reason_text"] = item.reason.text
    return card
