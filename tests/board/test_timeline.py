"""Time in a column from an issue's timeline: each rule of the board, and a forward replay as the oracle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triageboard.board import (
    BoardSpec,
    EventKind,
    Issue,
    Label,
    TimelineEvent,
    in_column_since,
    in_scope,
    place,
    preset,
    time_in_column_text,
)

ASYNC = preset("rust-async")
ASYNC_2021 = preset("rust-async-2021")
AREA = "A-async-await"
CREATED = datetime(2021, 3, 1, 9, 30, tzinfo=UTC)


def day(n: int, hour: int = 12) -> datetime:
    return CREATED + timedelta(days=n, hours=hour - 9, minutes=-30)


def issue(*labels: str, **kw: object) -> Issue:
    return Issue(
        "rust-lang/rust",
        51751,
        "async fn in trait ICE",
        labels=tuple(Label(n) for n in labels),
        created_at=CREATED,
        **kw,  # type: ignore[arg-type]
    )


def labeled(name: str, when: datetime, actor: str = "tmandry") -> TimelineEvent:
    return TimelineEvent(EventKind.LABELED, when, actor, label=name)


def unlabeled(name: str, when: datetime, actor: str = "tmandry") -> TimelineEvent:
    return TimelineEvent(EventKind.UNLABELED, when, actor, label=name)


def test_a_column_is_entered_at_the_last_labeled_event_of_its_label() -> None:
    events = [
        labeled(AREA, day(0, 9)),
        labeled("AsyncAwait-Focus", day(3)),
        unlabeled("AsyncAwait-Focus", day(10)),  # sent back to the uncategorized column for a while
        labeled("AsyncAwait-Focus", day(20)),
        TimelineEvent(EventKind.ASSIGNED, day(25), "nikomatsakis", assignee="eholk"),
        labeled("C-bug", day(30)),  # other labels do not move the card
    ]
    it = issue(AREA, "AsyncAwait-Focus", "C-bug")
    assert in_column_since(ASYNC, it, events) == day(20)


def test_a_move_by_add_then_remove_counts_from_the_add() -> None:
    # The move engine adds the target label first, then removes the old one: a moment of conflict.
    events = [
        labeled(AREA, day(0)),
        labeled("AsyncAwait-OnDeck", day(2)),
        labeled("AsyncAwait-Focus", day(9)),
        unlabeled("AsyncAwait-OnDeck", day(9)),
    ]
    assert in_column_since(ASYNC, issue(AREA, "AsyncAwait-Focus"), events) == day(9)


def test_leaving_a_conflict_for_the_later_column_counts_from_the_removal() -> None:
    # Focus + OnDeck sits in Focus (board order); it reaches OnDeck only when Focus goes.
    events = [
        labeled("AsyncAwait-Focus", day(1)),
        labeled("AsyncAwait-OnDeck", day(5)),
        unlabeled("AsyncAwait-Focus", day(8)),
    ]
    assert in_column_since(ASYNC, issue(AREA, "AsyncAwait-OnDeck"), events) == day(8)


def test_several_labels_count_from_the_latest_of_them() -> None:
    events = [
        labeled(AREA, day(0)),
        labeled("AsyncAwait-Triaged", day(4)),
        labeled("P-medium", day(6)),
        unlabeled("P-medium", day(15)),
        labeled("P-high", day(15)),
    ]
    it = issue(AREA, "AsyncAwait-Triaged", "P-high")
    assert in_column_since(ASYNC_2021, it, events) == day(15)
    # priority first, triaged later: the column is entered when the last of its labels arrives
    late_triage = [labeled("P-high", day(2)), labeled("AsyncAwait-Triaged", day(7))]
    assert in_column_since(ASYNC_2021, it, late_triage) == day(7)


def test_a_column_label_without_any_event_came_with_the_issue() -> None:
    assert in_column_since(ASYNC, issue(AREA, "AsyncAwait-Other"), []) == CREATED
    # only one of two labels has an event: the column is entered with it
    events = [labeled("P-low", day(3))]
    assert in_column_since(ASYNC_2021, issue(AREA, "P-low", "AsyncAwait-Triaged"), events) == day(3)


def test_uncategorized_counts_from_losing_the_triage_label() -> None:
    events = [
        labeled(AREA, day(0)),
        labeled("AsyncAwait-OnDeck", day(2)),
        unlabeled("AsyncAwait-OnDeck", day(12)),
    ]
    assert in_column_since(ASYNC, issue(AREA), events) == day(12)


def test_uncategorized_counts_from_getting_the_area_label_when_never_triaged() -> None:
    events = [labeled("C-bug", day(0)), labeled(AREA, day(5)), labeled("T-compiler", day(6))]
    assert in_column_since(ASYNC, issue(AREA, "C-bug", "T-compiler"), events) == day(5)


def test_uncategorized_since_creation_when_the_area_label_came_with_it() -> None:
    assert in_column_since(ASYNC, issue(AREA, "C-bug"), [labeled("C-bug", day(1))]) == CREATED


def test_2021_uncategorized_is_entered_when_triaged_goes_even_if_the_priority_stays() -> None:
    events = [
        labeled(AREA, day(0)),
        labeled("P-low", day(1)),
        labeled("AsyncAwait-Triaged", day(1)),
        unlabeled("AsyncAwait-Triaged", day(40)),
    ]
    assert in_column_since(ASYNC_2021, issue(AREA, "P-low"), events) == day(40)


def test_label_names_match_case_insensitively() -> None:
    events = [labeled("asyncawait-focus", day(4)), labeled("ASYNCAWAIT-FOCUS", day(6))]
    assert in_column_since(ASYNC, issue(AREA, "AsyncAwait-Focus"), events) == day(6)


def test_events_out_of_order_are_read_by_time() -> None:
    events = [
        labeled("AsyncAwait-Focus", day(20)),
        unlabeled("AsyncAwait-Focus", day(10)),
        labeled(AREA, day(0)),
    ]
    events.insert(0, labeled("AsyncAwait-Focus", day(3)))
    assert in_column_since(ASYNC, issue(AREA, "AsyncAwait-Focus"), events) == day(20)


def test_an_issue_off_the_board_has_no_column_time() -> None:
    assert in_column_since(ASYNC, issue("C-bug"), [labeled("C-bug", day(1))]) is None
    assert in_column_since(ASYNC, issue(AREA, state="closed"), []) is None


def test_an_issue_without_creation_time_or_events_has_none() -> None:
    it = Issue("rust-lang/rust", 1, "t", labels=(Label(AREA),))
    assert in_column_since(ASYNC, it, []) is None


def test_card_text() -> None:
    focus = ASYNC.column("Focus")
    assert time_in_column_text(focus, day(0), day(41)) == "in Focus 41 d"
    assert time_in_column_text(focus, day(0, 9), day(0, 20)) == "in Focus < 1 d"
    # a local clock a little behind GitHub's never shows a negative time
    assert time_in_column_text(focus, day(3), day(2)) == "in Focus < 1 d"


# --- property: the backward replay agrees with a forward one ---------------------------------------


def _where(spec: BoardSpec, it: Issue, labels: set[str]) -> str | None:
    moved = it.with_labels(Label(n) for n in sorted(labels))
    return place(spec, moved).column.name if in_scope(spec, moved) else None


@pytest.mark.parametrize("spec", [ASYNC, ASYNC_2021], ids=lambda s: s.name)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_backward_replay_matches_a_forward_walk(spec: BoardSpec, data: st.DataObject) -> None:
    names = [*spec.area_labels, *spec.triage_labels, "C-bug"]
    start = set(data.draw(st.lists(st.sampled_from(names), unique=True, max_size=4)))
    flips = data.draw(st.lists(st.sampled_from(names), max_size=12))
    labels, events, entered = set(start), [], CREATED
    base = Issue("o/r", 1, "t", created_at=CREATED)
    where = _where(spec, base, labels)
    for n, name in enumerate(flips):
        when = day(n + 1)
        kind = EventKind.UNLABELED if name in labels else EventKind.LABELED
        labels ^= {name}
        events.append(TimelineEvent(kind, when, "someone", label=name))
        now_where = _where(spec, base, labels)
        if now_where != where:
            entered, where = when, now_where
    final = base.with_labels(Label(n) for n in sorted(labels))
    assert in_column_since(spec, final, events) == (entered if where is not None else None)
