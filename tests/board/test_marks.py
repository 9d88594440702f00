"""Marks from column rules, cards, the list --json card shape and a column's state in words."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from triageboard.board import (
    Board,
    BoardSpec,
    Card,
    Column,
    FailedMove,
    Issue,
    IssueKey,
    Label,
    MarkKind,
    board_cards,
    card_dict,
    column_state,
    evaluate_marks,
    place,
    preset,
)

ASYNC = preset("rust-async")
ASYNC_2021 = preset("rust-async-2021")
AREA = "A-async-await"
NOW = datetime(2024, 5, 2, 15, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def issue(number: int, *labels: str, updated: float = 1, **kw: object) -> Issue:
    return Issue(
        "rust-lang/rust",
        number,
        f"issue {number}",
        labels=tuple(Label(n) for n in labels),
        created_at=ago(400 + number),
        updated_at=ago(updated),
        **kw,  # type: ignore[arg-type]
    )


def flags(spec: BoardSpec, it: Issue, **kw: object) -> list[str]:
    return [m.name for m in evaluate_marks(spec, it, place(spec, it), NOW, **kw)]  # type: ignore[arg-type]


# --- rules into marks ------------------------------------------------------------------------------


def test_mark_names_are_the_stable_json_flags() -> None:
    assert [k.value for k in MarkKind] == [
        "failed",
        "pending",
        "conflict",
        "lost-area",
        "needs-assignee",
        "stalled",
    ]


def test_focus_without_an_assignee_needs_one() -> None:
    unassigned = issue(1, AREA, "AsyncAwait-Focus")
    assert flags(ASYNC, unassigned) == ["needs-assignee"]
    (mark,) = evaluate_marks(ASYNC, unassigned, place(ASYNC, unassigned), NOW)
    assert mark.text == "needs an assignee"
    assert flags(ASYNC, issue(2, AREA, "AsyncAwait-Focus", assignees=("eholk",))) == []
    # only Focus asks for one in the preset
    assert flags(ASYNC, issue(3, AREA, "AsyncAwait-OnDeck")) == []


@pytest.mark.parametrize(
    ("updated", "entered", "expected"),
    [
        (41, None, "stalled 41 d"),
        (41, 50, "stalled 41 d"),  # the later of the two counts
        (60, 41.5, "stalled 41 d"),  # moved into Focus after the last update
        (14, None, "stalled 14 d"),  # the rule says after 14 days: the 14th day is stalled
        (13.9, None, None),
        (3, 200, None),
        (200, 3, None),
    ],
)
def test_stalled_counts_from_the_later_of_last_update_and_arrival(
    updated: float, entered: float | None, expected: str | None
) -> None:
    it = issue(1, AREA, "AsyncAwait-Focus", assignees=("eholk",), updated=updated)
    since = ago(entered) if entered is not None else None
    marks = evaluate_marks(ASYNC, it, place(ASYNC, it), NOW, in_column_since=since)
    assert [m.text for m in marks] == ([expected] if expected else [])
    if expected:
        assert marks[0].kind is MarkKind.STALLED
        assert marks[0].days == int(expected.split()[1])


def test_stalled_needs_a_rule_and_a_time() -> None:
    old = issue(1, AREA, "AsyncAwait-OnDeck", updated=300)
    assert flags(ASYNC, old) == []  # OnDeck has no stalled rule
    timeless = Issue(
        "rust-lang/rust", 2, "t", labels=(Label("AsyncAwait-Focus"), Label(AREA)), assignees=("a",)
    )
    assert flags(ASYNC, timeless) == []


def test_conflict_names_the_other_columns() -> None:
    it = issue(1, AREA, "AsyncAwait-Other", "AsyncAwait-OnDeck")
    (mark,) = evaluate_marks(ASYNC, it, place(ASYNC, it), NOW)
    assert (mark.kind, mark.text, mark.columns) == (MarkKind.CONFLICT, "conflict: also in Other", ("Other",))


def test_a_triaged_issue_without_the_area_label_has_lost_it() -> None:
    it = issue(1, "AsyncAwait-OnDeck", "C-bug")
    (mark,) = evaluate_marks(ASYNC, it, place(ASYNC, it), NOW)
    assert (mark.name, mark.text) == ("lost-area", "lost its area label")
    # the 2021 preset: priority and triaged without the area label
    assert flags(ASYNC_2021, issue(2, "P-low", "AsyncAwait-Triaged")) == ["lost-area"]
    # the area label in another case is the area label
    assert flags(ASYNC, issue(3, "a-async-AWAIT", "AsyncAwait-OnDeck")) == []
    # a board without area labels loses nothing
    plain = BoardSpec(name="p", columns=(Column("Now", ("now",)), Column("Inbox")), repos=("o/r",))
    assert flags(plain, issue(4, "now")) == []


def test_pending_and_failed_come_from_the_caller_most_urgent_first() -> None:
    it = issue(1, "AsyncAwait-Focus", "AsyncAwait-Other", updated=30)
    marks = evaluate_marks(
        ASYNC, it, place(ASYNC, it), NOW, pending=True, failed=FailedMove("OnDeck", "403 Forbidden")
    )
    assert [m.name for m in marks] == [
        "failed",
        "pending",
        "conflict",
        "lost-area",
        "needs-assignee",
        "stalled",
    ]
    assert marks[0].text == "move to OnDeck failed"
    assert marks[0].columns == ("OnDeck",)


def test_board_file_rules_mark_their_own_columns() -> None:
    spec = BoardSpec(
        name="embedded",
        repos=("o/r",),
        columns=(
            Column("Now", ("now",), require_assignee=True),
            Column("Soon", ("soon",), stalled_after_days=3),
            Column("Inbox"),
        ),
    )
    assert flags(spec, issue(1, "now", updated=10)) == ["needs-assignee"]
    assert flags(spec, issue(2, "soon", updated=3)) == ["stalled"]
    assert flags(spec, issue(3, "soon", updated=2)) == []


# --- cards and their JSON ----------------------------------------------------------------------------


def focus_board() -> Board:
    board = Board(ASYNC)
    board.update(
        [
            issue(10, AREA, "AsyncAwait-Focus", assignees=("eholk",), updated=2),
            issue(11, AREA, "AsyncAwait-Focus", updated=41),
            issue(12, AREA, "AsyncAwait-Focus", "AsyncAwait-OnDeck", assignees=("tmandry",), comments=7),
            issue(20, AREA, "AsyncAwait-OnDeck"),
            issue(30, AREA, "C-bug"),
        ]
    )
    return board


def test_board_cards_come_in_board_order_with_their_marks() -> None:
    board = focus_board()
    board.set_pending(IssueKey("rust-lang/rust", 20), True)
    key30 = IssueKey("rust-lang/rust", 30)
    cards = board_cards(
        board,
        NOW,
        since={IssueKey("rust-lang/rust", 10): ago(20)},
        failed={key30: FailedMove("Focus")},
    )
    assert [(c.issue.number, c.column.name, c.flags) for c in cards] == [
        (10, "Focus", ()),
        (11, "Focus", ("needs-assignee", "stalled")),
        (12, "Focus", ("conflict",)),
        (20, "OnDeck", ("pending",)),
        (30, "Uncategorized", ("failed",)),
    ]
    assert cards[0].in_column_since == ago(20)
    assert cards[1].in_column_since is None


# What ``triageboard list --json`` printed for each card before flags existed: scripts rely on every key.
LIST_JSON_KEYS = {
    "column", "issue", "repo", "number", "title", "labels", "assignees", "url", "updated_at", "comments",
    "conflict", "pending",
}  # fmt: skip


def test_card_dict_keeps_every_key_list_json_printed_and_adds_flags_and_column_time() -> None:
    board = focus_board()
    board.set_pending(IssueKey("rust-lang/rust", 12), True)
    cards = board_cards(board, NOW, since={IssueKey("rust-lang/rust", 11): ago(50)})
    dicts = [card_dict(c) for c in cards]
    assert json.loads(json.dumps(dicts)) == dicts  # plain JSON types only
    for card, data in zip(cards, dicts, strict=True):
        assert set(data) == LIST_JSON_KEYS | {"flags", "in_column_since"}
        assert data["issue"] == str(card.key)
        assert data["column"] == card.column.name
        assert data["labels"] == list(card.issue.label_names)
        assert data["pending"] == board.is_pending(card.key)
    assert dicts[1]["flags"] == ["needs-assignee", "stalled"]
    assert dicts[1]["in_column_since"] == "2024-03-13T15:00:00+00:00"
    assert dicts[2]["flags"] == ["pending", "conflict"]
    assert dicts[2]["conflict"] == ["OnDeck"]
    assert dicts[0]["in_column_since"] is None


# --- a column's state in words ----------------------------------------------------------------------------


def cards_in(column: str, *specs: tuple[tuple[str, ...], float]) -> list[Card]:
    """Cards for ``column`` of the preset: (assignees, days since the last update) each."""
    board = Board(ASYNC)
    label = ASYNC.column(column).labels
    board.update(
        issue(n, AREA, *label, assignees=who, updated=quiet) for n, (who, quiet) in enumerate(specs, start=1)
    )
    return board_cards(board, NOW)


def test_column_state_over_the_limit_with_rules_broken() -> None:
    focus = ASYNC.column("Focus")
    cards = cards_in(
        "Focus",
        ((), 1),
        ((), 2),
        ((), 20),
        ((), 30),
        (("a",), 15),
        (("b",), 1),
        (("c",), 1),
        (("d",), 1),
        (("e",), 1),
    )
    assert column_state(focus, cards) == "9 · over 3–5 · 4 need an assignee · 3 stalled"
    assert column_state(focus, cards, shown=3) == "3/9 · over 3–5 · 4 need an assignee · 3 stalled"


def test_column_state_under_and_within_the_limit() -> None:
    focus = ASYNC.column("Focus")
    assert (
        column_state(focus, cards_in("Focus", ((), 1), (("a",), 1))) == "2 · under 3–5 · 1 needs an assignee"
    )
    assert column_state(focus, cards_in("Focus", (("a",), 1), (("b",), 1), (("c",), 1))) == "3"
    assert column_state(focus, []) == "0 · under 3–5"


def test_column_state_with_one_sided_limits() -> None:
    ondeck = ASYNC.column("OnDeck")
    assert column_state(ondeck, cards_in("OnDeck", *[((), 1)] * 26)) == "26 · over 25"
    assert column_state(ondeck, cards_in("OnDeck", *[((), 1)] * 25)) == "25"
    floor = Column("Now", ("now",), soft_min=2)
    assert column_state(floor, []) == "0 · under 2"
    assert column_state(ASYNC.column("Other"), [], shown=0) == "0/0"
