"""What changed on GitHub since the last meeting: the board as the meeting left it, compared with now."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .cards import Card
from .model import IssueKey, label_key


@dataclass(frozen=True, slots=True)
class SnapshotCard:
    """What the board showed of one card: where it was and what a person would notice changing."""

    column: str
    title: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    """The board at one moment, e.g. the end of a meeting. ``to_dict``/``from_dict`` for the store."""

    taken_at: datetime
    cards: Mapping[IssueKey, SnapshotCard]

    @classmethod
    def of(cls, cards: Iterable[Card], at: datetime) -> BoardSnapshot:
        return cls(
            at,
            {
                c.key: SnapshotCard(c.column.name, c.issue.title, c.issue.label_names, c.issue.assignees)
                for c in cards
            },
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "taken_at": self.taken_at.isoformat(),
            "cards": {
                str(key): {
                    "column": c.column,
                    "title": c.title,
                    "labels": list(c.labels),
                    "assignees": list(c.assignees),
                }
                for key, c in self.cards.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BoardSnapshot:
        """Raises ValueError (KeyError, TypeError and bad times included) for data it did not write."""
        try:
            cards = {
                IssueKey.parse(key): SnapshotCard(
                    str(c["column"]),
                    str(c["title"]),
                    tuple(str(n) for n in c["labels"]),
                    tuple(str(n) for n in c["assignees"]),
                )
                for key, c in data["cards"].items()
            }
            taken_at = datetime.fromisoformat(data["taken_at"])
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a board snapshot: {exc!r}") from None
        if taken_at.tzinfo is None:
            raise ValueError("not a board snapshot: its time has no UTC offset")
        return cls(taken_at, cards)


class ChangeKind(StrEnum):
    ADDED = "added"
    MOVED = "moved"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class Change:
    """How a card differs from the snapshot; ``text`` is what the card shows."""

    kind: ChangeKind
    text: str
    # Moved: the column the card was in.
    previous_column: str | None = None


@dataclass(frozen=True, slots=True)
class SinceSnapshot:
    changes: Mapping[IssueKey, Change]
    # Cards gone from the board since (closed, relabelled away): nothing left to mark, so they are listed.
    gone: tuple[IssueKey, ...]


def changes_since(snapshot: BoardSnapshot, cards: Iterable[Card]) -> SinceSnapshot:
    """Cards moved, added or changed since ``snapshot``: a new title, labels or assignees, or any update on
    GitHub after it was taken (take it once the meeting's own moves have come back from GitHub)."""
    changes: dict[IssueKey, Change] = {}
    seen = set()
    for card in cards:
        seen.add(card.key)
        before = snapshot.cards.get(card.key)
        issue = card.issue
        if before is None:
            changes[card.key] = Change(ChangeKind.ADDED, "new since the meeting")
        elif before.column != card.column.name:
            changes[card.key] = Change(ChangeKind.MOVED, f"moved from {before.column}", before.column)
        elif (
            before.title != issue.title
            or {label_key(n) for n in before.labels} != {label.key for label in issue.labels}
            or {label_key(a) for a in before.assignees} != {label_key(a) for a in issue.assignees}
            or (issue.updated_at is not None and issue.updated_at > snapshot.taken_at)
        ):
            changes[card.key] = Change(ChangeKind.CHANGED, "changed since the meeting")
    gone = tuple(sorted(key for key in snapshot.cards if key not in seen))
    return SinceSnapshot(changes, gone)
