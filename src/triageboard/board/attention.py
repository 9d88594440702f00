"""Cards that need attention (conflicts, lost area labels, failed moves), each with its one-click fixes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .actions import Move, Relabel, Request
from .cards import Card
from .marks import Mark, MarkKind
from .model import BoardSpec
from .rules import LabelDiff

# What needs a person's decision; needs-assignee and stalled are the meeting's business instead.
_ATTENTION = (MarkKind.FAILED, MarkKind.CONFLICT, MarkKind.LOST_AREA)


@dataclass(frozen=True, slots=True)
class Fix:
    """A one-click fix: the button's words and the request the button sends."""

    text: str
    request: Request


@dataclass(frozen=True, slots=True)
class Attention:
    """A card that needs attention, the mark that says why, and the fixes on offer (first: most likely)."""

    card: Card
    mark: Mark
    fixes: tuple[Fix, ...]


def needs_attention(spec: BoardSpec, cards: Iterable[Card]) -> list[Attention]:
    """The cards that need attention: failed moves first, then conflicts, then lost area labels.

    A conflict is settled by a move to one of the columns claiming the card (the one it is shown in
    first); a lost area label by adding it back; a failed move by trying it again.
    """
    found: list[Attention] = []
    for card in cards:
        for mark in card.marks:
            if mark.kind in _ATTENTION:
                found.append(Attention(card, mark, _fixes(spec, card, mark)))
    found.sort(key=lambda a: _ATTENTION.index(a.mark.kind))  # stable: board order within a kind
    return found


def _fixes(spec: BoardSpec, card: Card, mark: Mark) -> tuple[Fix, ...]:
    if mark.kind is MarkKind.CONFLICT:
        claims = (card.column.name, *mark.columns)
        return tuple(Fix(f"Move to {name}", Move(card.key, name)) for name in claims)
    if mark.kind is MarkKind.LOST_AREA:
        return tuple(
            Fix(f"Add label {name}", Relabel(card.key, LabelDiff(add=(name,)))) for name in spec.area_labels
        )
    return tuple(Fix(f"Try again: move to {name}", Move(card.key, name)) for name in mark.columns)
