"""Cards moved, added or changed on GitHub since the last meeting: the board at its end compared with now."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from triage_week import ASYNC, NOW, rust, week_issues

from triageboard.board import (
    Board,
    BoardSnapshot,
    Card,
    ChangeKind,
    IssueKey,
    Label,
    board_cards,
    changes_since,
)

END = NOW + timedelta(hours=1)  # the meeting's end, when the snapshot is taken


def cards_after(
    changes: dict[int, dict[str, object]], added: tuple[int, ...] = (), gone: tuple[int, ...] = ()
) -> list[Card]:
    """The week's board a week after the meeting, with ``changes`` made on GitHub meanwhile."""
    issues = {i.number: i for i in week_issues()}
    for number, fields in changes.items():
        issues[number] = replace(issues[number], **fields)  # type: ignore[arg-type]
    for number in added:
        issues[number] = replace(issues[80001], number=number, title=f"new {number}")
    for number in gone:
        del issues[number]
    board = Board(ASYNC)
    board.update(issues.values())
    return board_cards(board, END + timedelta(days=7))


def snapshot() -> BoardSnapshot:
    board = Board(ASYNC)
    board.update(week_issues())
    return BoardSnapshot.of(board_cards(board, END), END)


def test_an_unchanged_board_marks_nothing() -> None:
    since = changes_since(snapshot(), cards_after({}))
    assert since.changes == {}
    assert since.gone == ()


def test_moves_additions_edits_and_departures_are_told_apart() -> None:
    focus = (Label("A-async-await"), Label("AsyncAwait-Focus"))
    later = END + timedelta(days=2)
    since = changes_since(
        snapshot(),
        cards_after(
            {
                60003: {"labels": focus, "updated_at": later},  # promoted by someone on GitHub
                60005: {"title": "await in const fn (design)"},
                70001: {"assignees": ("erin",)},
                70002: {"labels": (*week_issues()[9].labels, Label("I-slow"))},
                51751: {"updated_at": later, "comments": 5},  # a new comment: updated after the snapshot
                52924: {"assignees": ("BOB",)},  # the same login in another case is no change
            },
            added=(90001,),
            gone=(80001,),
        ),
    )
    assert {k.number: (c.kind, c.text) for k, c in since.changes.items()} == {
        60003: (ChangeKind.MOVED, "moved from OnDeck"),
        60005: (ChangeKind.CHANGED, "changed since the meeting"),
        70001: (ChangeKind.CHANGED, "changed since the meeting"),
        70002: (ChangeKind.CHANGED, "changed since the meeting"),
        51751: (ChangeKind.CHANGED, "changed since the meeting"),
        90001: (ChangeKind.ADDED, "new since the meeting"),
    }
    assert since.changes[rust(60003)].previous_column == "OnDeck"
    assert since.gone == (rust(80001),)


def test_a_snapshot_survives_json() -> None:
    taken = snapshot()
    again = BoardSnapshot.from_dict(json.loads(json.dumps(taken.to_dict())))
    assert again == taken
    assert again.cards[IssueKey("rust-lang/wg-async", 12)].column == "Uncategorized"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"taken_at": END.isoformat()},
        {"taken_at": "soon", "cards": {}},
        {"taken_at": "2024-05-02T16:00:00", "cards": {}},
        {"taken_at": END.isoformat(), "cards": {"rust-lang/..#1": {}}},
        {"taken_at": END.isoformat(), "cards": {"a/b#1": {"column": "Focus"}}},
        {"taken_at": END.isoformat(), "cards": []},
    ],
)
def test_a_damaged_snapshot_is_a_value_error(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each shape fails for its own reason
        BoardSnapshot.from_dict(data)
