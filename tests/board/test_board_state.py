"""``Board`` state and the listener protocol a ``QAbstractListModel`` relies on. No QApplication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triageboard.board import Board, Column, Issue, IssueKey, Label, preset
from triageboard.board.board import RESET_THRESHOLD

ASYNC = preset("rust-async")
AREA = "A-async-await"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def issue(
    number: int, *labels: str, day: int | None = None, repo: str = "rust-lang/rust", **kw: object
) -> Issue:
    created = T0 + timedelta(days=number if day is None else day)
    return Issue(
        repo,
        number,
        f"issue {number}",
        labels=tuple(Label(n) for n in (AREA, *labels)),
        created_at=created,
        **kw,  # type: ignore[arg-type]
    )


class Recorder:
    """Records events, and checks each one the way Qt would: begin/end paired, rows in range."""

    def __init__(self, board: Board) -> None:
        self.board = board
        self.events: list[tuple[str, str, int | None]] = []
        self.open: dict[str, str] = {}
        # The mirror is what a QAbstractListModel would believe each column holds.
        self.mirror: dict[str, list[IssueKey]] = {
            c.name: [i.key for i in board.column_issues(c)] for c in board.spec.columns
        }
        self.row: dict[str, int] = {}
        board.subscribe(self)

    def _begin(self, kind: str, column: Column, row: int | None) -> None:
        assert column.name not in self.open, f"{kind} inside {self.open[column.name]}"
        self.open[column.name] = kind
        self.events.append((kind, column.name, row))

    def _end(self, kind: str, column: Column) -> None:
        assert self.open.pop(column.name) == kind.replace("end", "begin")
        self.events.append((kind, column.name, None))
        assert self.mirror[column.name] == [i.key for i in self.board.column_issues(column)]

    def begin_insert(self, column: Column, row: int) -> None:
        assert 0 <= row <= len(self.mirror[column.name])
        self.row[column.name] = row
        self._begin("begin_insert", column, row)

    def end_insert(self, column: Column) -> None:
        row = self.row.pop(column.name)
        self.mirror[column.name].insert(row, self.board.issue_at(column, row).key)
        self._end("end_insert", column)

    def begin_remove(self, column: Column, row: int) -> None:
        assert 0 <= row < len(self.mirror[column.name])
        self.row[column.name] = row
        self._begin("begin_remove", column, row)

    def end_remove(self, column: Column) -> None:
        del self.mirror[column.name][self.row.pop(column.name)]
        self._end("end_remove", column)

    def row_changed(self, column: Column, row: int) -> None:
        assert column.name not in self.open or self.open[column.name] == "begin_reset"
        self.events.append(("row_changed", column.name, row))
        if column.name not in self.open:
            assert self.mirror[column.name][row] == self.board.issue_at(column, row).key

    def begin_reset(self, column: Column) -> None:
        self._begin("begin_reset", column, None)

    def end_reset(self, column: Column) -> None:
        self.mirror[column.name] = [i.key for i in self.board.column_issues(column)]
        self._end("end_reset", column)

    def take(self) -> list[tuple[str, str, int | None]]:
        events, self.events = self.events, []
        assert not self.open
        return events


def keys(board: Board, column: str) -> list[int]:
    return [i.number for i in board.column_issues(ASYNC.column(column))]


def test_empty_board_queries() -> None:
    board = Board(ASYNC)
    assert len(board) == 0
    assert board.get(IssueKey("rust-lang/rust", 1)) is None
    with pytest.raises(KeyError):
        board.issue(IssueKey("rust-lang/rust", 1))
    assert all(board.column_size(c) == 0 for c in ASYNC.columns)


def test_update_places_and_sorts_newest_first() -> None:
    board = Board(ASYNC)
    rec = Recorder(board)
    board.update(
        [issue(1, "AsyncAwait-Focus"), issue(3, "AsyncAwait-Focus"), issue(2), issue(4, "AsyncAwait-Focus")]
    )
    assert keys(board, "Focus") == [4, 3, 1]
    assert keys(board, "Uncategorized") == [2]
    assert board.column_of(IssueKey("rust-lang/rust", 2)).name == "Uncategorized"
    assert board.row_of(IssueKey("rust-lang/rust", 3)) == 1
    assert board.issue_at(ASYNC.column("Focus"), 0).number == 4
    assert rec.take() == [
        ("begin_insert", "Focus", 0),
        ("end_insert", "Focus", None),
        ("begin_insert", "Focus", 0),
        ("end_insert", "Focus", None),
        ("begin_insert", "Uncategorized", 0),
        ("end_insert", "Uncategorized", None),
        ("begin_insert", "Focus", 0),
        ("end_insert", "Focus", None),
    ]


def test_sort_ties_and_missing_dates() -> None:
    board = Board(ASYNC)
    same = [issue(5, day=1), issue(2, day=1, repo="rust-lang/wg-async"), issue(1, day=1)]
    undated = Issue("rust-lang/rust", 9, "undated", labels=(Label(AREA),))
    board.update([*same, undated])
    got = [(i.repo, i.number) for i in board.column_issues(ASYNC.uncategorized)]
    assert got == [
        ("rust-lang/rust", 1),
        ("rust-lang/rust", 5),
        ("rust-lang/wg-async", 2),
        ("rust-lang/rust", 9),
    ]


def test_relabel_moves_between_columns_remove_then_insert() -> None:
    board = Board(ASYNC)
    board.update([issue(1, "AsyncAwait-Focus"), issue(2, "AsyncAwait-Focus")])
    rec = Recorder(board)
    board.update([issue(2, "AsyncAwait-OnDeck")])
    assert rec.take() == [
        ("begin_remove", "Focus", 0),
        ("end_remove", "Focus", None),
        ("begin_insert", "OnDeck", 0),
        ("end_insert", "OnDeck", None),
    ]
    assert keys(board, "Focus") == [1]
    assert keys(board, "OnDeck") == [2]


def test_unchanged_column_and_order_is_a_row_change() -> None:
    board = Board(ASYNC)
    board.update([issue(1, "AsyncAwait-Focus"), issue(2, "AsyncAwait-Focus")])
    rec = Recorder(board)
    retitled = issue(1, "AsyncAwait-Focus", "E-mentor")
    board.update([retitled])
    assert rec.take() == [("row_changed", "Focus", 1)]
    assert board.issue(retitled.key) == retitled


def test_issue_leaving_scope_leaves_the_board() -> None:
    board = Board(ASYNC)
    board.update([issue(1, "AsyncAwait-Other"), issue(2)])
    rec = Recorder(board)
    closed = issue(1, "AsyncAwait-Other", state="closed")
    board.update([closed, Issue("rust-lang/rust", 2, "t", labels=(Label("C-bug"),), created_at=T0)])
    assert rec.take() == [
        ("begin_remove", "Other", 0),
        ("end_remove", "Other", None),
        ("begin_remove", "Uncategorized", 0),
        ("end_remove", "Uncategorized", None),
    ]
    assert len(board) == 0
    # a pull request never enters
    board.update([issue(3, is_pull_request=True)])
    assert len(board) == 0


def test_conflicts_are_listed_and_stay_visible() -> None:
    board = Board(ASYNC)
    board.update([issue(1, "AsyncAwait-OnDeck", "AsyncAwait-Focus"), issue(2, "AsyncAwait-Other")])
    assert [i.number for i in board.conflicts()] == [1]
    assert keys(board, "Focus") == [1]
    placement = board.placement(IssueKey("rust-lang/rust", 1))
    assert [c.name for c in placement.conflicting] == ["OnDeck"]


def test_replace_all_removes_vanished_issues_and_updates_the_rest() -> None:
    board = Board(ASYNC)
    board.update([issue(1, "AsyncAwait-Focus"), issue(2, "AsyncAwait-OnDeck"), issue(3)])
    rec = Recorder(board)
    board.replace_all([issue(2, "AsyncAwait-Focus"), issue(4)])
    events = rec.take()
    assert sorted(i.number for i in board.issues()) == [2, 4]
    assert keys(board, "Focus") == [2]
    assert keys(board, "Uncategorized") == [4]
    assert keys(board, "OnDeck") == []
    # removals are announced before the fresh issues arrive
    first_insert = next(n for n, e in enumerate(events) if e[0] == "begin_insert")
    removed_rows = [e for e in events[:first_insert] if e[0] == "begin_remove"]
    assert {e[1] for e in removed_rows} >= {"Focus", "Uncategorized"}


def test_remove_ignores_unknown_keys() -> None:
    board = Board(ASYNC)
    board.update([issue(1), issue(2)])
    rec = Recorder(board)
    board.remove([IssueKey("rust-lang/rust", 1), IssueKey("rust-lang/rust", 99)])
    assert rec.take() == [("begin_remove", "Uncategorized", 1), ("end_remove", "Uncategorized", None)]
    assert [i.number for i in board.issues()] == [2]


def test_pending_marks_rows_and_is_dropped_when_the_issue_leaves() -> None:
    board = Board(ASYNC)
    key = IssueKey("rust-lang/rust", 1)
    board.update([issue(1, "AsyncAwait-Focus"), issue(2, "AsyncAwait-Focus")])
    rec = Recorder(board)
    board.set_pending(key, True)
    board.set_pending(key, True)  # no change, no event
    assert board.is_pending(key)
    assert rec.take() == [("row_changed", "Focus", 1)]
    # a pending card that moves column stays pending
    board.update([issue(1, "AsyncAwait-OnDeck")])
    assert board.is_pending(key)
    rec.take()
    board.set_pending(key, False)
    assert rec.take() == [("row_changed", "OnDeck", 0)]
    board.set_pending(key, True)
    board.remove([key])
    assert not board.is_pending(key)
    board.set_pending(IssueKey("rust-lang/rust", 404), True)  # unknown: ignored
    assert not board.is_pending(IssueKey("rust-lang/rust", 404))


def test_large_change_becomes_one_reset_per_column() -> None:
    board = Board(ASYNC)
    rec = Recorder(board)
    many = [issue(n) for n in range(RESET_THRESHOLD + 5)]
    board.update([*many, issue(1000, "AsyncAwait-Focus")])
    events = rec.take()
    uncategorized = [e for e in events if e[1] == "Uncategorized"]
    assert uncategorized == [("begin_reset", "Uncategorized", None), ("end_reset", "Uncategorized", None)]
    assert [e[0] for e in events if e[1] == "Focus"] == ["begin_insert", "end_insert"]
    assert board.column_size(ASYNC.uncategorized) == RESET_THRESHOLD + 5


def test_clear_resets_every_column() -> None:
    board = Board(ASYNC)
    board.update([issue(1, "AsyncAwait-Focus")])
    rec = Recorder(board)
    board.clear()
    assert len(board) == 0
    assert [e[0] for e in rec.take()] == ["begin_reset"] * 4 + ["end_reset"] * 4


def test_unsubscribed_listener_hears_nothing() -> None:
    board = Board(ASYNC)
    rec = Recorder(board)
    board.unsubscribe(rec)
    board.update([issue(1)])
    assert rec.take() == []


# --- property: any sequence of changes keeps a model-like mirror exact ------------------------------

_LABELS = st.sampled_from(
    [
        (),
        ("AsyncAwait-Focus",),
        ("AsyncAwait-OnDeck",),
        ("AsyncAwait-Other",),
        ("AsyncAwait-Focus", "AsyncAwait-Other"),
    ]
)


def _issue_of(n: int, labels: tuple[str, ...], day: int, closed: bool, title: str) -> Issue:
    return Issue(
        "rust-lang/rust",
        n,
        title,
        labels=tuple(Label(x) for x in (AREA, *labels)),
        created_at=T0 + timedelta(days=day),
        state="closed" if closed else "open",
    )


_ISSUE = st.builds(
    _issue_of, st.integers(1, 30), _LABELS, st.integers(0, 5), st.booleans(), st.sampled_from(["a", "b"])
)
_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("update"), st.lists(_ISSUE, max_size=12)),
        st.tuples(st.just("replace_all"), st.lists(_ISSUE, max_size=12)),
        st.tuples(st.just("remove"), st.lists(st.integers(1, 30), max_size=5)),
        st.tuples(st.just("pending"), st.lists(st.integers(1, 30), max_size=3)),
    ),
    max_size=12,
)


@settings(max_examples=120, deadline=None)
@given(ops=_OPS)
def test_listener_mirror_always_matches_the_board(ops: list[tuple[str, list[object]]]) -> None:
    board = Board(ASYNC)
    rec = Recorder(board)
    expected: dict[IssueKey, Issue] = {}
    for op, arg in ops:
        if op == "update":
            for it in arg:
                assert isinstance(it, Issue)
                if it.state == "open":
                    expected[it.key] = it
                else:
                    expected.pop(it.key, None)
            board.update(arg)  # type: ignore[arg-type]
        elif op == "replace_all":
            expected = {}
            for it in arg:
                assert isinstance(it, Issue)
                if it.state == "open":
                    expected[it.key] = it
                else:
                    expected.pop(it.key, None)
            board.replace_all(arg)  # type: ignore[arg-type]
        elif op == "remove":
            ks = [IssueKey("rust-lang/rust", n) for n in arg]  # type: ignore[arg-type]
            for k in ks:
                expected.pop(k, None)
            board.remove(ks)
        else:
            for n in arg:
                board.set_pending(IssueKey("rust-lang/rust", n), True)  # type: ignore[arg-type]
        rec.take()
        assert {i.key: i for i in board.issues()} == expected
        for column in ASYNC.columns:
            column_issues = board.column_issues(column)
            assert all(i.created_at is not None for i in column_issues)
            assert column_issues == sorted(
                column_issues,
                key=lambda i: (-i.created_at.timestamp() if i.created_at else 0.0, i.repo, i.number),
            )
            for row, it in enumerate(column_issues):
                assert board.row_of(it.key) == row
                assert board.column_of(it.key) == column
