"""Classification, conflicts and moves as label diffs, for both presets. No QApplication."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triageboard.board import (
    BoardSpec,
    Column,
    Issue,
    Label,
    LabelDiff,
    apply_diff,
    in_scope,
    place,
    plan_move,
    preset,
    satisfies,
)

ASYNC = preset("rust-async")
ASYNC_2021 = preset("rust-async-2021")
AREA = "A-async-await"


def issue(*labels: str, number: int = 1, **kwargs: object) -> Issue:
    return Issue("rust-lang/rust", number, "title", labels=tuple(Label(n) for n in labels), **kwargs)  # type: ignore[arg-type]


def names(labels: tuple[Label, ...]) -> list[str]:
    return [label.name for label in labels]


# --- classification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "column"),
    [
        ((AREA, "AsyncAwait-Focus"), "Focus"),
        ((AREA, "AsyncAwait-OnDeck"), "OnDeck"),
        ((AREA, "AsyncAwait-Other"), "Other"),
        ((AREA,), "Uncategorized"),
        ((AREA, "E-mentor", "C-bug"), "Uncategorized"),
        ((AREA, "C-bug", "AsyncAwait-OnDeck", "T-compiler"), "OnDeck"),
        # a triage label without the area label still shows, in its column
        (("AsyncAwait-Focus",), "Focus"),
        (("AsyncAwait-Other", "C-bug"), "Other"),
        # GitHub matches label names case-insensitively; so does the board
        (("a-ASYNC-await", "asyncawait-focus"), "Focus"),
    ],
)
def test_rust_async_places_each_issue_in_one_column(labels: tuple[str, ...], column: str) -> None:
    it = issue(*labels)
    assert in_scope(ASYNC, it)
    placement = place(ASYNC, it)
    assert placement.column.name == column
    assert not placement.is_conflict


@pytest.mark.parametrize(
    ("labels", "column"),
    [
        ((AREA, "P-high", "AsyncAwait-Triaged"), "P-high"),
        ((AREA, "P-medium", "AsyncAwait-Triaged"), "P-medium"),
        ((AREA, "P-low", "AsyncAwait-Triaged"), "P-low"),
        # Uncategorized = area label without AsyncAwait-Triaged, whatever the priority says
        ((AREA,), "Uncategorized"),
        ((AREA, "P-high"), "Uncategorized"),
        ((AREA, "P-low", "C-bug"), "Uncategorized"),
        # triaged without the area label still shows in its column
        (("P-medium", "AsyncAwait-Triaged"), "P-medium"),
        ((AREA, "p-HIGH", "asyncawait-triaged"), "P-high"),
    ],
)
def test_rust_async_2021_columns_need_priority_and_triaged(labels: tuple[str, ...], column: str) -> None:
    it = issue(*labels)
    assert in_scope(ASYNC_2021, it)
    placement = place(ASYNC_2021, it)
    assert placement.column.name == column
    assert not placement.is_conflict


def test_rust_async_2021_priority_alone_is_not_in_scope() -> None:
    # P-high is used all over rust-lang/rust; without the area label or AsyncAwait-Triaged the issue is not
    # an async issue, and by the preset's own definition it belongs to no column.
    assert not in_scope(ASYNC_2021, issue("P-high", "T-compiler"))


def test_issue_without_area_or_triage_label_is_out_of_scope() -> None:
    assert not in_scope(ASYNC, issue("C-bug", "E-mentor"))
    assert not in_scope(ASYNC, issue())
    assert not in_scope(ASYNC_2021, issue("C-bug"))


def test_pull_requests_and_closed_issues_are_out_unless_the_board_says_so() -> None:
    pr = issue(AREA, "AsyncAwait-Focus", is_pull_request=True)
    closed = issue(AREA, "AsyncAwait-Focus", state="closed")
    assert not in_scope(ASYNC, pr)
    assert not in_scope(ASYNC, closed)
    wide = BoardSpec(
        name="wide",
        columns=ASYNC.columns,
        area_labels=(AREA,),
        repos=ASYNC.repos,
        include_pull_requests=True,
        include_closed=True,
    )
    assert in_scope(wide, pr)
    assert in_scope(wide, closed)
    # one without the other: still out
    prs_only = BoardSpec(name="p", columns=ASYNC.columns, area_labels=(AREA,), include_pull_requests=True)
    assert in_scope(prs_only, pr)
    assert not in_scope(prs_only, closed)


def test_board_without_area_labels_takes_every_open_issue() -> None:
    spec = BoardSpec(name="all", columns=(Column("Doing", ("doing",)), Column("Inbox")), repos=("o/r",))
    assert in_scope(spec, issue())
    assert place(spec, issue("C-bug")).column.name == "Inbox"
    assert place(spec, issue("Doing")).column.name == "Doing"


# --- conflicts ---------------------------------------------------------------------------------


def test_two_columns_labels_are_a_conflict_in_the_first_claiming_column() -> None:
    it = issue(AREA, "AsyncAwait-Other", "AsyncAwait-Focus")
    assert in_scope(ASYNC, it)
    placement = place(ASYNC, it)
    assert placement.is_conflict
    assert placement.column.name == "Focus"  # board order, not label order
    assert [c.name for c in placement.conflicting] == ["Other"]


def test_three_way_conflict_lists_every_other_claim() -> None:
    placement = place(ASYNC, issue("AsyncAwait-OnDeck", "AsyncAwait-Other", "AsyncAwait-Focus"))
    assert placement.column.name == "Focus"
    assert [c.name for c in placement.conflicting] == ["OnDeck", "Other"]


def test_2021_conflict_needs_two_full_column_label_sets() -> None:
    both = place(ASYNC_2021, issue(AREA, "P-low", "P-high", "AsyncAwait-Triaged"))
    assert both.is_conflict
    assert both.column.name == "P-high"
    assert [c.name for c in both.conflicting] == ["P-low"]


# --- moves as label diffs ------------------------------------------------------------------------


def test_move_adds_target_label_and_removes_the_old_column_label_only() -> None:
    it = issue(AREA, "AsyncAwait-OnDeck", "E-mentor", "C-bug")
    diff = plan_move(ASYNC, it, ASYNC.column("Focus"))
    assert diff == LabelDiff(add=("AsyncAwait-Focus",), remove=("AsyncAwait-OnDeck",))
    after = apply_diff(it.labels, diff)
    assert names(after) == [AREA, "E-mentor", "C-bug", "AsyncAwait-Focus"]
    assert satisfies(ASYNC, after, ASYNC.column("Focus"))


def test_move_to_uncategorized_removes_every_column_label_and_nothing_else() -> None:
    it = issue(AREA, "AsyncAwait-Focus", "AsyncAwait-Other", "T-lang")
    diff = plan_move(ASYNC, it, ASYNC.uncategorized)
    assert diff.add == ()
    assert set(diff.remove) == {"AsyncAwait-Focus", "AsyncAwait-Other"}
    after = apply_diff(it.labels, diff)
    assert names(after) == [AREA, "T-lang"]
    assert satisfies(ASYNC, after, ASYNC.uncategorized)
    assert place(ASYNC, it.with_labels(after)).column.name == "Uncategorized"


def test_move_resolves_a_conflict_toward_the_target() -> None:
    it = issue(AREA, "AsyncAwait-Focus", "AsyncAwait-OnDeck")
    diff = plan_move(ASYNC, it, ASYNC.column("Focus"))
    assert diff == LabelDiff(add=(), remove=("AsyncAwait-OnDeck",))


def test_move_to_the_current_column_is_empty() -> None:
    it = issue(AREA, "AsyncAwait-Other")
    diff = plan_move(ASYNC, it, ASYNC.column("Other"))
    assert diff.is_empty
    assert str(diff) == "no change"


def test_move_removes_labels_spelled_as_the_issue_carries_them() -> None:
    # GitHub deletes case-insensitively, but the name we send should be the one the issue shows.
    it = issue(AREA, "asyncawait-ONDECK")
    diff = plan_move(ASYNC, it, ASYNC.column("focus"))
    assert diff.remove == ("asyncawait-ONDECK",)
    assert diff.add == ("AsyncAwait-Focus",)


def test_move_does_not_add_a_label_the_issue_has_in_another_case() -> None:
    it = issue(AREA, "asyncawait-focus", "AsyncAwait-Other")
    diff = plan_move(ASYNC, it, ASYNC.column("Focus"))
    assert diff == LabelDiff(add=(), remove=("AsyncAwait-Other",))


def test_2021_move_keeps_triaged_between_priority_columns() -> None:
    it = issue(AREA, "P-high", "AsyncAwait-Triaged", "I-crash")
    diff = plan_move(ASYNC_2021, it, ASYNC_2021.column("P-low"))
    assert diff == LabelDiff(add=("P-low",), remove=("P-high",))
    after = apply_diff(it.labels, diff)
    assert satisfies(ASYNC_2021, after, ASYNC_2021.column("P-low"))


def test_2021_move_from_uncategorized_adds_both_labels() -> None:
    it = issue(AREA, "P-medium")
    diff = plan_move(ASYNC_2021, it, ASYNC_2021.column("P-high"))
    assert diff == LabelDiff(add=("P-high", "AsyncAwait-Triaged"), remove=("P-medium",))


def test_2021_move_to_uncategorized_removes_priority_and_triaged() -> None:
    it = issue(AREA, "P-medium", "AsyncAwait-Triaged", "E-mentor")
    diff = plan_move(ASYNC_2021, it, ASYNC_2021.uncategorized)
    assert set(diff.remove) == {"P-medium", "AsyncAwait-Triaged"}
    assert names(apply_diff(it.labels, diff)) == [AREA, "E-mentor"]


def test_label_diff_inverse_and_text() -> None:
    diff = LabelDiff(add=("a",), remove=("b", "c"))
    assert diff.inverse() == LabelDiff(add=("b", "c"), remove=("a",))
    assert diff.inverse().inverse() == diff
    assert str(diff) == "+a -b -c"


# --- apply_diff and satisfies ------------------------------------------------------------------------


def test_apply_diff_uses_known_labels_for_colours_and_keeps_order() -> None:
    known = {"asyncawait-focus": Label("AsyncAwait-Focus", "ff0000", "now")}
    after = apply_diff(
        (Label("b"), Label("AsyncAwait-OnDeck"), Label("a")),
        LabelDiff(("AsyncAwait-Focus",), ("asyncawait-ondeck",)),
        known,
    )
    assert after == (Label("b"), Label("a"), Label("AsyncAwait-Focus", "ff0000", "now"))


def test_apply_diff_never_duplicates_a_label_in_another_case() -> None:
    after = apply_diff((Label("Foo"),), LabelDiff(add=("foo", "FOO", "bar")))
    assert names(after) == ["Foo", "bar"]


def test_apply_diff_removing_an_absent_label_is_harmless() -> None:
    assert apply_diff((Label("x"),), LabelDiff(remove=("y",))) == (Label("x"),)


def test_satisfies_rejects_missing_or_extra_column_labels() -> None:
    focus = ASYNC.column("Focus")
    assert satisfies(ASYNC, (Label("AsyncAwait-Focus"), Label("C-bug")), focus)
    assert not satisfies(ASYNC, (Label("C-bug"),), focus)
    assert not satisfies(ASYNC, (Label("AsyncAwait-Focus"), Label("AsyncAwait-Other")), focus)
    assert satisfies(ASYNC, (Label(AREA),), ASYNC.uncategorized)
    assert not satisfies(ASYNC, (Label(AREA), Label("AsyncAwait-Other")), ASYNC.uncategorized)
    p_high = ASYNC_2021.column("P-high")
    assert not satisfies(ASYNC_2021, (Label("P-high"),), p_high)  # Triaged missing
    assert satisfies(ASYNC_2021, (Label("p-high"), Label("asyncawait-triaged")), p_high)


# --- properties --------------------------------------------------------------------------------------

_OTHER = st.sampled_from(
    ["C-bug", "E-mentor", "T-lang", "needs triage/async", "🦀 ferris", "100% done", "p-HIGHER"]
)


def _label_sets(spec: BoardSpec) -> st.SearchStrategy[list[str]]:
    board = [*spec.area_labels, *spec.triage_labels]
    spelled = st.sampled_from(board).flatmap(lambda n: st.sampled_from([n, n.lower(), n.upper()]))
    return st.lists(st.one_of(spelled, _OTHER), max_size=8).map(_dedupe)


def _dedupe(labels: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in labels:
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


@pytest.mark.parametrize("spec", [ASYNC, ASYNC_2021], ids=lambda s: s.name)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_move_lands_in_target_and_leaves_other_labels_alone(spec: BoardSpec, data: st.DataObject) -> None:
    labels = data.draw(_label_sets(spec))
    target = data.draw(st.sampled_from(spec.columns))
    it = issue(*labels)
    diff = plan_move(spec, it, target)
    after = apply_diff(it.labels, diff)
    assert satisfies(spec, after, target)
    moved = it.with_labels(after)
    if target.is_uncategorized and not in_scope(spec, moved):
        pass  # an issue without the area label leaves the board when it leaves every column
    else:
        assert place(spec, moved).column == target
        assert not place(spec, moved).is_conflict
    triage = {n.casefold() for n in spec.triage_labels}
    untouched_before = [n for n in labels if n.casefold() not in triage]
    untouched_after = [label.name for label in after if label.key not in triage]
    assert untouched_after == untouched_before
    # the diff only names board labels, and only what actually changes
    assert all(n.casefold() in triage for n in (*diff.add, *diff.remove))
    assert not {n.casefold() for n in diff.add} & {n.casefold() for n in diff.remove}
    # a second plan from the result is empty: moves are idempotent
    assert plan_move(spec, moved, target).is_empty


@pytest.mark.parametrize("spec", [ASYNC, ASYNC_2021], ids=lambda s: s.name)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_in_scope_issue_sits_in_exactly_one_column(spec: BoardSpec, data: st.DataObject) -> None:
    it = issue(*data.draw(_label_sets(spec)))
    if not in_scope(spec, it):
        return
    placement = place(spec, it)
    claimed = [c for c in spec.columns if satisfies(spec, it.labels, c)]
    # satisfies is strict (no other column's labels), so a non-conflict is claimed by exactly its column
    if not placement.is_conflict:
        assert claimed == [placement.column] or (placement.column.is_uncategorized and not claimed)
    else:
        assert placement.column not in placement.conflicting
        assert claimed == []
