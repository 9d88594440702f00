"""The meeting's agenda: the Rust async WG's four steps, ranked promotions, other boards, the JSON form."""

from __future__ import annotations

import json

from triage_week import ASYNC, NOW, rust

from triageboard.board import (
    AgendaItem,
    Board,
    BoardSpec,
    Card,
    Column,
    IssueKey,
    Reason,
    ReasonKind,
    StepKind,
    agenda,
    agenda_json,
    board_cards,
    card_dict,
    ladder,
    needed_to_fill,
    parse_board,
    preset,
)


def numbers(step_items: tuple[AgendaItem, ...]) -> list[int]:
    return [item.card.issue.number for item in step_items]


def test_the_rust_async_agenda_walks_four_steps(week_cards: list[Card]) -> None:
    plan = agenda(ASYNC, week_cards, NOW)
    assert (plan.board, plan.generated_at) == ("rust-async", NOW)
    assert [(s.kind, s.column, s.source) for s in plan.steps] == [
        (StepKind.UNCATEGORIZED, "Uncategorized", None),
        (StepKind.REVIEW, "Focus", None),
        (StepKind.PROMOTE, "Focus", "OnDeck"),
        (StepKind.PROMOTE, "OnDeck", "Other"),
    ]
    assert [s.title for s in plan.steps] == [
        "Give each Uncategorized issue a triage label",
        "Review Focus: is each issue progressing and assigned?",
        "Promote OnDeck → Focus",
        "Promote Other → OnDeck",
    ]
    assert plan.counts == {"Focus": 3, "OnDeck": 5, "Other": 2, "Uncategorized": 3}


def test_uncategorized_issues_come_longest_waiting_first(week_cards: list[Card]) -> None:
    step = agenda(ASYNC, week_cards, NOW).steps[0]
    assert [str(i.card.key) for i in step.items] == [
        "rust-lang/rust#80002",
        "rust-lang/wg-async#12",
        "rust-lang/rust#80001",
    ]
    assert all(i.reason is None for i in step.items)


def test_focus_review_takes_unassigned_then_stalled_then_the_longest_in_it(week_cards: list[Card]) -> None:
    step = agenda(ASYNC, week_cards, NOW).steps[1]
    assert numbers(step.items) == [53000, 52924, 51751]
    assert [i.card.flags for i in step.items] == [("needs-assignee",), ("stalled",), ()]


def test_promotions_are_ranked_with_their_reason_and_the_need(week_cards: list[Card]) -> None:
    _, _, focus, ondeck = agenda(ASYNC, week_cards, NOW).steps
    assert [(i.card.issue.number, i.reason.kind, i.reason.text) for i in focus.items if i.reason] == [
        (60001, ReasonKind.MENTORED, "mentored"),
        (60002, ReasonKind.ASSIGNED, "assigned to @carol"),
        (60004, ReasonKind.MOST_DISCUSSED, "9 comments"),  # as old as 60003, more discussed
        (60003, ReasonKind.OLDEST, "90 d in OnDeck"),
        (60005, ReasonKind.OLDEST, "5 d in OnDeck"),
    ]
    assert focus.needed == 0  # three in Focus: its minimum is met
    assert [(i.card.issue.number, i.reason.kind) for i in ondeck.items if i.reason] == [
        (70001, ReasonKind.MENTORED),
        (70002, ReasonKind.OLDEST),
    ]
    assert ondeck.needed == 20  # about one page: up to 25


def test_without_column_times_the_issue_age_ranks(week_board: Board) -> None:
    cards = board_cards(week_board, NOW)  # no timeline read yet: every issue is 400 days old
    focus = agenda(ASYNC, cards, NOW).steps[2]
    assert numbers(focus.items) == [60001, 60002, 60004, 60003, 60005]  # equal ages: comments decide
    assert [i.reason.kind for i in focus.items if i.reason][2:] == [ReasonKind.MOST_DISCUSSED] * 2 + [
        ReasonKind.OLDEST
    ]
    # Without its timeline a card's time in the column is unknown: the reason says what is known.
    assert focus.items[-1].reason == Reason(ReasonKind.OLDEST, "opened 400 d ago")


def test_needed_to_fill() -> None:
    focus, ondeck, other, _ = ASYNC.columns
    assert [needed_to_fill(focus, n) for n in (0, 2, 3, 6)] == [3, 1, 0, 0]
    assert [needed_to_fill(ondeck, n) for n in (0, 24, 30)] == [25, 1, 0]
    assert needed_to_fill(other, 7) is None


def test_the_2021_board_promotes_by_priority() -> None:
    spec = preset("rust-async-2021")
    plan = agenda(spec, [], NOW)
    assert [(s.kind.value, s.column, s.source) for s in plan.steps] == [
        ("uncategorized", "Uncategorized", None),
        ("review", "P-high", None),
        ("promote", "P-high", "P-medium"),
        ("promote", "P-medium", "P-low"),
    ]
    assert all(not s.items for s in plan.steps)


def test_a_board_file_with_its_inbox_first_still_promotes_leftwards() -> None:
    spec = parse_board(
        'repos = ["o/r"]\n[[columns]]\nname = "Inbox"\n'
        '[[columns]]\nname = "Now"\nlabels = ["now"]\nsoft_min = 1\n'
        '[[columns]]\nname = "Later"\nlabels = ["later"]\n'
    )
    assert [c.name for c in ladder(spec)] == ["Now", "Later", "Inbox"]
    plan = agenda(spec, [], NOW)
    assert [(s.kind.value, s.column, s.source, s.needed) for s in plan.steps] == [
        ("uncategorized", "Inbox", None, None),
        ("review", "Now", None, None),
        ("promote", "Now", "Later", 1),
    ]


def test_boards_with_one_or_no_labelled_column() -> None:
    one = BoardSpec(name="one", repos=("o/r",), columns=(Column("Now", ("now",)), Column("Inbox")))
    assert [s.kind for s in agenda(one, [], NOW).steps] == [StepKind.UNCATEGORIZED, StepKind.REVIEW]
    bare = BoardSpec(name="bare", repos=("o/r",), columns=(Column("Inbox"),))
    assert [s.kind for s in agenda(bare, [], NOW).steps] == [StepKind.UNCATEGORIZED]


def test_agenda_json_is_list_json_cards_per_step(week_cards: list[Card]) -> None:
    data = agenda_json(agenda(ASYNC, week_cards, NOW))
    assert json.loads(json.dumps(data)) == data
    assert data["board"] == "rust-async"
    assert data["generated_at"] == "2024-05-02T15:00:00+00:00"
    assert [(s["step"], s["column"], s["from"], s["needed"]) for s in data["steps"]] == [
        ("uncategorized", "Uncategorized", None, None),
        ("review", "Focus", None, None),
        ("promote", "Focus", "OnDeck", 0),
        ("promote", "OnDeck", "Other", 20),
    ]
    by_key = {c.key: c for c in week_cards}
    review = data["steps"][1]["issues"]
    assert review[0] == card_dict(by_key[rust(53000)])
    promoted = data["steps"][2]["issues"][0]
    assert promoted == {**card_dict(by_key[rust(60001)]), "reason": "mentored", "reason_text": "mentored"}
    assert data["steps"][0]["issues"][1]["issue"] == str(IssueKey("rust-lang/wg-async", 12))
