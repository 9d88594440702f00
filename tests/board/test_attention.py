"""Needs attention: which cards, why, and the one-click fixes as requests."""

from __future__ import annotations

from datetime import UTC, datetime

from triageboard.board import (
    Attention,
    Board,
    BoardSpec,
    FailedMove,
    Issue,
    IssueKey,
    Label,
    LabelDiff,
    Move,
    Relabel,
    apply_diff,
    board_cards,
    needs_attention,
    place,
    plan_move,
    preset,
)

ASYNC = preset("rust-async")
ASYNC_2021 = preset("rust-async-2021")
AREA = "A-async-await"
NOW = datetime(2024, 5, 2, tzinfo=UTC)


def issue(number: int, *labels: str) -> Issue:
    return Issue(
        "rust-lang/rust",
        number,
        f"issue {number}",
        labels=tuple(Label(n) for n in labels),
        assignees=("eholk",),
        created_at=datetime(2024, 1, number, tzinfo=UTC),
        updated_at=NOW,
    )


def attention_on(
    spec: BoardSpec, issues: list[Issue], failed: dict[IssueKey, FailedMove] | None = None
) -> tuple[Board, list[Attention]]:
    board = Board(spec)
    board.update(issues)
    return board, needs_attention(spec, board_cards(board, NOW, failed=failed))


def test_calm_board_needs_nothing() -> None:
    _, found = attention_on(ASYNC, [issue(1, AREA, "AsyncAwait-Focus"), issue(2, AREA)])
    assert found == []


def test_each_problem_once_failed_first_then_conflicts_then_lost_area_labels() -> None:
    _, found = attention_on(
        ASYNC,
        [
            issue(1, "AsyncAwait-OnDeck"),  # lost its area label
            issue(2, AREA, "AsyncAwait-Focus", "AsyncAwait-Other"),  # conflict
            issue(3, AREA, "AsyncAwait-Other"),  # its move failed
            issue(4, "AsyncAwait-Focus", "AsyncAwait-OnDeck"),  # both: conflict and lost area
        ],
        failed={IssueKey("rust-lang/rust", 3): FailedMove("Focus", "403")},
    )
    assert [(a.card.issue.number, a.mark.name) for a in found] == [
        (3, "failed"),
        (4, "conflict"),
        (2, "conflict"),
        (4, "lost-area"),
        (1, "lost-area"),
    ]


def test_a_conflict_is_settled_by_a_move_to_one_of_its_columns() -> None:
    board, (found,) = attention_on(ASYNC, [issue(2, AREA, "AsyncAwait-Other", "AsyncAwait-Focus")])
    assert [f.text for f in found.fixes] == ["Move to Focus", "Move to Other"]
    key = IssueKey("rust-lang/rust", 2)
    assert [f.request for f in found.fixes] == [Move(key, "Focus"), Move(key, "Other")]
    # each fix, planned as the board plans any move, leaves no conflict
    it = board.issue(key)
    for fix in found.fixes:
        assert isinstance(fix.request, Move)
        target = ASYNC.column(fix.request.column)
        settled = it.with_labels(apply_diff(it.labels, plan_move(ASYNC, it, target)))
        assert place(ASYNC, settled).column == target
        assert not place(ASYNC, settled).is_conflict


def test_a_lost_area_label_is_added_back() -> None:
    _, (found,) = attention_on(ASYNC_2021, [issue(5, "P-high", "AsyncAwait-Triaged")])
    (fix,) = found.fixes
    assert fix.text == "Add label A-async-await"
    assert fix.request == Relabel(IssueKey("rust-lang/rust", 5), LabelDiff(add=(AREA,)))


def test_a_failed_move_is_tried_again() -> None:
    key = IssueKey("rust-lang/rust", 3)
    _, (found,) = attention_on(
        ASYNC, [issue(3, AREA, "AsyncAwait-Other")], failed={key: FailedMove("OnDeck")}
    )
    assert [(f.text, f.request) for f in found.fixes] == [("Try again: move to OnDeck", Move(key, "OnDeck"))]
