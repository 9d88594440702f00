"""Card filters: E-mentor, assignee, text or #number, label; combined; counts shown/total."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triageboard.board import Assignee, Board, ColumnCount, Filter, Issue, Label, preset
from triageboard.board.filters import matcher, narrows, search_text

ASYNC = preset("rust-async")


def issue(
    number: int, title: str, *labels: str, assignees: tuple[str, ...] = (), repo: str = "rust-lang/rust"
) -> Issue:
    return Issue(
        repo,
        number,
        title,
        labels=tuple(Label(n) for n in ("A-async-await", *labels)),
        assignees=assignees,
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


ISSUES = [
    issue(101, "async fn in traits ICE", "AsyncAwait-Focus", "E-mentor", assignees=("alice",)),
    issue(102, "Pin projection docs", "AsyncAwait-Focus"),
    issue(203, "Send bound inference", "AsyncAwait-OnDeck", "e-MENTOR", assignees=("Bob", "alice")),
    issue(304, "Diagnostics for await in closure", "C-bug"),
    issue(12, "Stream trait design", "AsyncAwait-Other", repo="rust-lang/wg-async"),
]


def matching(flt: Filter) -> list[int]:
    return [i.number for i in ISSUES if flt.matches(i)]


def test_empty_filter_matches_all_and_is_inactive() -> None:
    flt = Filter()
    assert not flt.is_active
    assert matching(flt) == [101, 102, 203, 304, 12]
    assert not Filter(text="   ").is_active


def test_mentored_only_is_case_insensitive_and_follows_the_board_mentor_label() -> None:
    assert matching(Filter(mentored_only=True)) == [101, 203]
    assert matching(Filter(mentored_only=True, mentor_label="C-bug")) == [304]
    assert Filter(mentored_only=True).is_active


def test_assignee_login_case_insensitive_and_unassigned() -> None:
    assert matching(Filter(assignee="alice")) == [101, 203]
    assert matching(Filter(assignee="BOB")) == [203]
    assert matching(Filter(assignee="nobody")) == []
    assert matching(Filter(assignee=Assignee.UNASSIGNED)) == [102, 304, 12]
    assert Filter(assignee=Assignee.UNASSIGNED).is_active
    assert not Filter(assignee=Assignee.ANYONE).is_active


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trait", [101, 12]),
        ("TRAIT ice", [101]),  # every word must occur
        ("#203", [203]),
        ("203", [203]),
        ("#20", []),  # a #number matches the number exactly, not a prefix
        ("#12", [12]),
        ("12 stream", [12]),
        ("wg-async", [12]),  # the repository name counts as text
        ("no such words", []),
    ],
)
def test_text_matches_title_words_or_the_number(text: str, expected: list[int]) -> None:
    assert matching(Filter(text=text)) == expected


def test_label_filter_is_case_insensitive() -> None:
    assert matching(Filter(label="asyncawait-focus")) == [101, 102]
    assert matching(Filter(label="C-BUG")) == [304]
    assert matching(Filter(label="absent")) == []


def test_filters_combine_with_and() -> None:
    assert matching(Filter(mentored_only=True, assignee="alice", label="AsyncAwait-OnDeck")) == [203]
    assert matching(Filter(mentored_only=True, text="pin")) == []
    assert matching(Filter(assignee=Assignee.UNASSIGNED, text="#102")) == [102]


def test_counts_shown_and_total_per_column() -> None:
    board = Board(ASYNC)
    board.update(ISSUES)
    assert board.counts() == {
        "Focus": ColumnCount(2, 2),
        "OnDeck": ColumnCount(1, 1),
        "Other": ColumnCount(1, 1),
        "Uncategorized": ColumnCount(1, 1),
    }
    assert board.counts(Filter(mentored_only=True)) == {
        "Focus": ColumnCount(1, 2),
        "OnDeck": ColumnCount(1, 1),
        "Other": ColumnCount(0, 1),
        "Uncategorized": ColumnCount(0, 1),
    }
    assert board.assignees() == ["alice", "Bob"]
    assert "E-mentor" in board.label_names()
    assert len([n for n in board.label_names() if n.casefold() == "e-mentor"]) == 1


# --- columns and marks (what views need) ------------------------------------------------------------------


def test_column_filter_takes_any_named_column_and_needs_the_cards_column() -> None:
    flt = Filter(columns=("focus", "OnDeck"))
    assert flt.is_active
    assert flt.matches(ISSUES[0], "Focus")
    assert flt.matches(ISSUES[2], "OnDeck")
    assert not flt.matches(ISSUES[4], "Other")
    assert not flt.matches(ISSUES[0])  # no column given: a column filter lets nothing through
    assert Filter().matches(ISSUES[0])  # ...while a filter without columns needs none


def test_flag_filter_needs_every_named_mark() -> None:
    flt = Filter(flags=("stalled", "needs-assignee"))
    assert flt.is_active
    assert flt.matches(ISSUES[1], "Focus", {"needs-assignee", "stalled", "conflict"})
    assert not flt.matches(ISSUES[1], "Focus", {"stalled"})
    assert not flt.matches(ISSUES[1], "Focus")


def test_column_and_flag_filters_combine_with_the_others() -> None:
    flt = Filter(columns=("Focus",), flags=("stalled",), assignee=Assignee.UNASSIGNED)
    assert flt.matches(ISSUES[1], "Focus", ("stalled",))
    assert not flt.matches(ISSUES[0], "Focus", ("stalled",))  # assigned to alice


def test_counts_with_column_and_flag_filters() -> None:
    board = Board(ASYNC)
    board.update(ISSUES)
    flags = {ISSUES[1].key: ("needs-assignee",), ISSUES[3].key: ("stalled",)}
    assert board.counts(Filter(columns=("Focus",)), flags) == {
        "Focus": ColumnCount(2, 2),
        "OnDeck": ColumnCount(0, 1),
        "Other": ColumnCount(0, 1),
        "Uncategorized": ColumnCount(0, 1),
    }
    assert board.counts(Filter(flags=("needs-assignee",)), flags)["Focus"] == ColumnCount(1, 2)
    assert board.counts(Filter(flags=("stalled",)), flags)["Uncategorized"] == ColumnCount(1, 1)
    assert board.counts(Filter(flags=("stalled",)))["Uncategorized"] == ColumnCount(0, 1)


# --- the fast form the window uses: one precomputed text per card ----------------------------------------

WORDS = st.sampled_from(
    ["async", "fn", "ICE", "pin", "12", "#12", "123", "#123", "send", "é", "Trait", "rust"]
)
TITLES = st.lists(WORDS, max_size=5).map(" ".join)
TEXTS = st.lists(WORDS, max_size=3).map(" ".join)
LOGINS = st.sampled_from(["alice", "Bob", "carol"])
FILTERS = st.builds(
    Filter,
    mentored_only=st.booleans(),
    assignee=st.one_of(st.just(Assignee.ANYONE), st.just(Assignee.UNASSIGNED), LOGINS),
    text=TEXTS,
    label=st.sampled_from([None, "C-bug", "e-mentor"]),
)
ISSUE_CASES = st.builds(
    lambda n, title, labels, who, repo: issue(n, title, *labels, assignees=tuple(who), repo=repo),
    st.sampled_from([12, 123, 7]),
    TITLES,
    st.lists(st.sampled_from(["E-mentor", "C-bug", "AsyncAwait-Focus"]), max_size=2, unique=True),
    st.lists(LOGINS, max_size=2, unique=True),
    st.sampled_from(["rust-lang/rust", "rust-lang/wg-async", "tokio-rs/tokio"]),
)


@settings(max_examples=400, deadline=None)
@given(flt=FILTERS, case=ISSUE_CASES)
def test_the_fast_matcher_agrees_with_the_filter(flt: Filter, case: Issue) -> None:
    assert matcher(flt)(case, search_text(case)) == flt.matches(case)


@settings(max_examples=400, deadline=None)
@given(old=FILTERS, extra=TEXTS, cases=st.lists(ISSUE_CASES, max_size=8))
def test_narrowing_never_loses_a_card_the_longer_text_shows(
    old: Filter, extra: str, cases: list[Issue]
) -> None:
    for new in (
        Filter(old.mentored_only, old.assignee, old.text + extra, old.label),
        Filter(old.mentored_only, old.assignee, f"{old.text} {extra}", old.label),
    ):
        if narrows(old, new):
            assert {c.key for c in cases if new.matches(c)} <= {c.key for c in cases if old.matches(c)}


def test_narrowing_is_refused_for_numbers_and_other_choices() -> None:
    assert narrows(Filter(text="asy"), Filter(text="async"))
    assert narrows(Filter(text="async"), Filter(text="async fn"))
    assert not narrows(Filter(text="12"), Filter(text="123"))  # #123 matches "123" without "12" in its title
    assert not narrows(Filter(text="async"), Filter(text="asy"))
    assert not narrows(Filter(text="async"), Filter(text="async", mentored_only=True))
