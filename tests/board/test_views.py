"""Saved views: built-in views per board, applied to real cards; orders within a column; the JSON form."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from triageboard.board import (
    Assignee,
    Board,
    BoardSpec,
    Column,
    Filter,
    Issue,
    Label,
    Sort,
    View,
    ViewError,
    board_cards,
    builtin_views,
    card_order,
    parse_board,
    preset,
    views_from_json,
    views_to_json,
    with_view,
)

ASYNC = preset("rust-async")
ASYNC_2021 = preset("rust-async-2021")
AREA = "A-async-await"
NOW = datetime(2024, 5, 2, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def issue(
    number: int,
    *labels: str,
    assignees: tuple[str, ...] = (),
    updated: float = 1,
    comments: int = 0,
    created: float = 300,
) -> Issue:
    return Issue(
        "rust-lang/rust",
        number,
        f"issue {number}",
        labels=tuple(Label(n) for n in (AREA, *labels)),
        assignees=assignees,
        created_at=ago(created),
        updated_at=ago(updated),
        comments=comments,
    )


def shown(spec: BoardSpec, view: View, issues: list[Issue]) -> list[int]:
    board = Board(spec)
    board.update(issues)
    return [
        c.issue.number
        for c in board_cards(board, NOW)
        if view.filter.matches(c.issue, c.column.name, c.flags)
    ]


# --- built-in views -------------------------------------------------------------------------------------

ASYNC_ISSUES = [
    issue(1, "AsyncAwait-Focus", "E-mentor", created=10),
    issue(2, "AsyncAwait-Focus", assignees=("eholk",), updated=30, created=20),
    issue(3, "AsyncAwait-Focus", updated=40, created=30),
    issue(4, "AsyncAwait-OnDeck", "E-mentor", created=40),
    issue(5, "AsyncAwait-OnDeck", "E-mentor", assignees=("tmandry",), created=50),
    issue(6, "E-mentor", created=60),
    issue(7, created=70),
]


def test_rust_async_offers_the_four_views() -> None:
    views = {v.name: v for v in builtin_views(ASYNC)}
    assert list(views) == ["Mentored, no assignee", "Uncategorized", "Focus without assignee", "Stalled"]
    assert shown(ASYNC, views["Mentored, no assignee"], ASYNC_ISSUES) == [1, 4, 6]
    assert shown(ASYNC, views["Uncategorized"], ASYNC_ISSUES) == [6, 7]
    assert shown(ASYNC, views["Focus without assignee"], ASYNC_ISSUES) == [1, 3]
    assert shown(ASYNC, views["Stalled"], ASYNC_ISSUES) == [2, 3]
    assert views["Stalled"].sort is Sort.TIME_IN_COLUMN


def test_the_2021_preset_adds_its_first_triage_level() -> None:
    views = {v.name: v for v in builtin_views(ASYNC_2021)}
    # no column there asks for an assignee or has a stalled rule
    assert list(views) == ["Mentored, no assignee", "Uncategorized", "P-high, triaged"]
    issues = [
        issue(1, "P-high", "AsyncAwait-Triaged"),
        issue(2, "P-high"),  # a priority is not triage
        issue(3, "P-low", "AsyncAwait-Triaged"),
    ]
    assert shown(ASYNC_2021, views["P-high, triaged"], issues) == [1]
    assert shown(ASYNC_2021, views["Uncategorized"], issues) == [2]


def test_board_file_views_follow_its_columns_and_mentor_label() -> None:
    spec = parse_board(
        'repos = ["o/r"]\nmentor_label = "help wanted"\n'
        '[[columns]]\nname = "Now"\nlabels = ["now"]\nrequire_assignee = true\n'
        '[[columns]]\nname = "Later"\nlabels = ["later"]\nstalled_after_days = 30\n'
        '[[columns]]\nname = "Inbox"\n'
    )
    views = builtin_views(spec)
    assert [v.name for v in views] == ["Mentored, no assignee", "Inbox", "Now without assignee", "Stalled"]
    assert all(v.filter.mentor_label == "help wanted" for v in views)
    # columns without a shared label are not levels of triage
    plain = BoardSpec(
        name="p", repos=("o/r",), columns=(Column("A", ("a",)), Column("B", ("b",)), Column("U"))
    )
    assert [v.name for v in builtin_views(plain)] == ["Mentored, no assignee", "U"]


# --- orders within a column ---------------------------------------------------------------------------------


def ordered(sort: Sort, issues: list[Issue], since: dict[int, float] | None = None) -> list[int]:
    since = since or {}
    key = {i.number: card_order(sort, i, ago(since[i.number]) if i.number in since else None) for i in issues}
    return [i.number for i in sorted(issues, key=lambda i: key[i.number])]


COLUMN = [
    issue(12, comments=3, updated=5, created=100),
    issue(7, comments=40, updated=1, created=50),
    issue(30, comments=0, updated=20, created=10),
    issue(9, comments=3, updated=9, created=200),
]


def test_the_board_order_stays_newest_first() -> None:
    assert ordered(Sort.BOARD, COLUMN) == [30, 7, 12, 9]


def test_orders_by_number_update_comments_and_time_in_column() -> None:
    assert ordered(Sort.NUMBER, COLUMN) == [7, 9, 12, 30]
    assert ordered(Sort.UPDATED, COLUMN) == [7, 12, 9, 30]
    assert ordered(Sort.COMMENTS, COLUMN) == [7, 12, 9, 30]  # 12 and 9 tie: newest first
    # longest in the column first; an unknown time goes last
    assert ordered(Sort.TIME_IN_COLUMN, COLUMN, {12: 3, 7: 60, 30: 8}) == [7, 30, 12, 9]


def test_an_issue_without_times_sorts_last_by_time() -> None:
    bare = Issue("rust-lang/rust", 1, "no times", labels=(Label(AREA),))
    assert ordered(Sort.UPDATED, [bare, *COLUMN])[-1] == 1


# --- saving views ------------------------------------------------------------------------------------------


def test_views_round_trip_through_json() -> None:
    views = (
        *builtin_views(ASYNC),
        View("Mine", Filter(assignee="eholk", text="ICE #51751", label="C-bug"), Sort.UPDATED),
        View("Someone called unassigned", Filter(assignee="unassigned")),
    )
    data = json.loads(json.dumps(views_to_json(views)))
    assert data["version"] == 1
    assert data["views"][4] == {
        "name": "Mine",
        "sort": "updated",
        "filter": {
            "mentored_only": False,
            "assignee": "@eholk",
            "text": "ICE #51751",
            "label": "C-bug",
            "columns": [],
            "flags": [],
        },
    }
    assert views_from_json(data) == views
    # the mentor label comes from the board the views are read for
    (mentored, *_) = views_from_json(data, mentor_label="help wanted")
    assert mentored.filter.mentor_label == "help wanted"


def test_missing_filter_keys_take_their_defaults() -> None:
    (view,) = views_from_json(
        {"version": 1, "views": [{"name": " Inbox ", "filter": {"columns": ["Inbox"]}}]}
    )
    assert view == View("Inbox", Filter(columns=("Inbox",)))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], 'an object with a "views" list'),
        ({"version": 1}, 'an object with a "views" list'),
        ({"version": 2, "views": []}, "version 2"),
        ({"views": []}, "version None"),
        ({"version": 1, "views": [5]}, "view 1: expected an object"),
        ({"version": 1, "views": [{"name": ""}]}, "view 1, key 'name'"),
        ({"version": 1, "views": [{"name": "a", "colour": "red"}]}, "unknown key 'colour'"),
        ({"version": 1, "views": [{"name": "a", "sort": "random"}]}, "view 1 ('a'), key 'sort'"),
        ({"version": 1, "views": [{"name": "a", "filter": []}]}, "key 'filter'"),
        ({"version": 1, "views": [{"name": "a", "filter": {"assignee": "alice"}}]}, "filter.assignee"),
        ({"version": 1, "views": [{"name": "a", "filter": {"assignee": "@"}}]}, "filter.assignee"),
        ({"version": 1, "views": [{"name": "a", "filter": {"flags": ["sleepy"]}}]}, "'sleepy' is none of"),
        ({"version": 1, "views": [{"name": "a", "filter": {"columns": "Focus"}}]}, "filter.columns"),
        ({"version": 1, "views": [{"name": "a", "filter": {"mentored_only": 1}}]}, "filter.mentored_only"),
        ({"version": 1, "views": [{"name": "a", "filter": {"text": None}}]}, "filter.text"),
        ({"version": 1, "views": [{"name": "a", "filter": {"label": ""}}]}, "filter.label"),
        ({"version": 1, "views": [{"name": "a", "filter": {"sort": "x"}}]}, "unknown key 'sort'"),
        ({"version": 1, "views": [{"name": "a"}, {"name": "A"}]}, "view 2: a view named 'A' comes twice"),
    ],
)
def test_bad_saved_views_say_which_view_and_key(data: object, message: str) -> None:
    with pytest.raises(ViewError, match=message.replace("(", r"\(").replace(")", r"\)")):
        views_from_json(data)


def test_saving_a_view_replaces_the_one_of_the_same_name() -> None:
    first = View("Mine", Filter(assignee="eholk"))
    other = View("Bugs", Filter(label="C-bug"))
    again = View("mine", Filter(assignee=Assignee.UNASSIGNED))
    assert with_view((first, other), again) == (again, other)
    assert with_view((first,), other) == (first, other)
