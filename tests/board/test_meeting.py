"""The meeting as it happens: decisions into requests, undo, progress, counts, and rebuilding it from its
journal (through JSON, as the store keeps it)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from triage_week import ASYNC, NOW, rust

from triageboard.board import (
    Assignment,
    Card,
    Decided,
    Decision,
    DecisionKind,
    IssueKey,
    JournalError,
    Meeting,
    MeetingError,
    Move,
    Record,
    Request,
    Undone,
    agenda,
    open_meeting,
    record_from_dict,
    record_to_dict,
)

WG12 = IssueKey("rust-lang/wg-async", 12)
FOCUS = {
    "name": "Focus",
    "labels": ["AsyncAwait-Focus"],
    "soft_min": 3,
    "soft_max": 5,
    "description": "Work now",
    "require_assignee": True,
    "stalled_after_days": 14,
}


class Session:
    """A meeting and its journal, kept the way the app keeps them: every record appended as it is made."""

    def __init__(self, cards: list[Card]) -> None:
        opened = open_meeting(ASYNC, agenda(ASYNC, cards, NOW), NOW)
        self.meeting = Meeting(opened)
        self.journal: list[Record] = [opened]
        self.clock = NOW

    def decide(self, decision: Decision) -> tuple[Request, ...]:
        self.clock += timedelta(minutes=1)
        record, requests = self.meeting.decide(decision, self.clock)
        self.journal.append(record)
        return requests

    def undo(self) -> tuple[Request, ...]:
        self.clock += timedelta(minutes=1)
        record, requests = self.meeting.undo(self.clock)
        self.journal.append(record)
        return requests

    def reread(self) -> Meeting:
        """The meeting rebuilt from its journal after a trip through JSON lines."""
        lines = [json.dumps(record_to_dict(r)) for r in self.journal]
        return Meeting.resume(record_from_dict(json.loads(line), n) for n, line in enumerate(lines, start=1))


def state(meeting: Meeting) -> tuple[object, ...]:
    return (
        meeting.step_index,
        meeting.position,
        meeting.decisions,
        meeting.counts_now(),
        meeting.progress_text(),
    )


def test_a_meeting_opens_on_the_first_issue_of_the_agenda(week_cards: list[Card]) -> None:
    s = Session(week_cards)
    assert s.meeting.current is not None
    assert s.meeting.current.key == rust(80002)
    assert s.meeting.current.column == "Uncategorized"
    assert s.meeting.progress_text() == "Step 1 of 4 · 1 of 3"
    assert not s.meeting.can_undo
    assert s.meeting.counts_before == {"Focus": 3, "OnDeck": 5, "Other": 2, "Uncategorized": 3}
    # the promotion candidates keep their reasons in the journal
    assert [t.reason for t in s.meeting.steps[2].topics][:2] == ["mentored", "assigned to @carol"]


def test_the_weekly_meeting_step_by_step(week_cards: list[Card]) -> None:
    s = Session(week_cards)
    # (1) uncategorized: each gets a triage label (or is skipped)
    assert s.decide(Decision.move("OnDeck")) == (Move(rust(80002), "OnDeck"),)
    assert s.decide(Decision.move("3")) == (Move(WG12, "Other"),)  # a key press: the third column
    assert s.decide(Decision.skip()) == ()
    assert s.meeting.progress_text() == "Step 2 of 4 · 1 of 3"
    # (2) Focus: the unassigned one gets an assignee and stays; the stalled one goes back to OnDeck
    assert s.decide(Decision.assign("@dave")) == (Assignment(rust(53000), "dave"),)
    assert s.meeting.progress_text() == "Step 2 of 4 · 1 of 3"  # an assignment leaves room for a move
    assert s.decide(Decision.keep()) == ()
    assert s.decide(Decision.demote()) == (Move(rust(52924), "OnDeck"),)
    assert s.decide(Decision.move("Focus")) == ()  # "move" to where it is: kept
    assert s.meeting.decisions[-1].kind is DecisionKind.KEEP
    # (3) Focus lost one: it needs one more to reach 3
    assert s.meeting.progress_text() == "Step 3 of 4 · 1 of 5"
    assert s.meeting.needed(2) == 1
    assert s.decide(Decision.promote()) == (Move(rust(60001), "Focus"),)
    assert s.meeting.needed(2) == 0
    assert s.meeting.counts_now() == {"Focus": 3, "OnDeck": 6, "Other": 3, "Uncategorized": 1}
    assert s.meeting.column_of(rust(52924)) == "OnDeck"
    assert s.meeting.assignees_of(rust(53000)) == ("dave",)


def test_undo_takes_back_the_last_decision_and_returns_to_its_issue(week_cards: list[Card]) -> None:
    s = Session(week_cards)
    s.decide(Decision.move("OnDeck"))
    assert s.undo() == (Move(rust(80002), "Uncategorized"),)
    assert s.meeting.current is not None
    assert s.meeting.current.key == rust(80002)
    assert s.meeting.decisions == ()
    assert s.meeting.counts_now() == s.meeting.counts_before
    s.decide(Decision.move("Other"))
    s.decide(Decision.move("OnDeck"))
    s.decide(Decision.skip())
    s.decide(Decision.assign("dave"))
    assert s.undo() == (Assignment(rust(53000), "dave", add=False),)
    assert s.undo() == ()  # the skip: nothing was sent
    assert s.meeting.current is not None
    assert s.meeting.current.key == rust(80001)
    assert s.meeting.progress_text() == "Step 1 of 4 · 3 of 3"


def test_undoing_an_unassignment_assigns_again(week_cards: list[Card]) -> None:
    s = Session(week_cards)
    for _ in range(4):
        s.decide(Decision.skip())  # the three uncategorized issues, then 53000
    assert s.meeting.current is not None
    assert s.meeting.current.key == rust(52924)
    # removed as the issue spells it
    assert s.decide(Decision.unassign("BOB")) == (Assignment(rust(52924), "bob", add=False),)
    assert s.meeting.assignees_of(rust(52924)) == ()
    assert s.undo() == (Assignment(rust(52924), "bob", add=True),)
    assert s.meeting.assignees_of(rust(52924)) == ("bob",)


def test_a_meeting_rebuilt_from_its_journal_is_the_same_meeting(week_cards: list[Card]) -> None:
    s = Session(week_cards)
    script = [Decision.move("OnDeck"), Decision.move("Other"), Decision.skip(), Decision.assign("dave")]
    for n, decision in enumerate(script):
        s.decide(decision)
        if n == 1:
            s.undo()
            s.decide(Decision.move("OnDeck"))
        assert state(s.reread()) == state(s.meeting)
    # resumed, it goes on as the original would
    resumed = s.reread()
    record, requests = resumed.decide(Decision.demote(), NOW + timedelta(hours=1))
    assert requests == (Move(rust(53000), "OnDeck"),)
    assert record.seq == len(s.journal)


def test_a_finished_meeting(week_cards: list[Card]) -> None:
    s = Session(week_cards)
    for _ in range(sum(len(step.topics) for step in s.meeting.steps)):
        s.decide(Decision.keep())
    assert s.meeting.is_finished
    assert s.meeting.current is None
    assert s.meeting.progress_text() == "Done · 13 decisions"
    with pytest.raises(MeetingError, match="had its turn"):
        s.decide(Decision.keep())
    assert state(s.reread()) == state(s.meeting)


@pytest.mark.parametrize(
    ("skips", "decision", "message"),
    [
        (0, Decision.move("Later"), "no column 'Later'; its columns are Focus, OnDeck, Other, Uncategorized"),
        (0, Decision.demote(), "Uncategorized is the last column"),
        (3, Decision.promote(), "Focus is the first column"),
        (0, Decision.assign("not a login!"), "is not a GitHub login"),
        (0, Decision.assign(""), "is not a GitHub login"),
        (5, Decision.assign("alice"), "@alice is already assigned to rust-lang/rust#51751"),
        (3, Decision.unassign("alice"), "@alice is not assigned to rust-lang/rust#53000"),
    ],
)
def test_decisions_the_meeting_refuses_change_nothing(
    week_cards: list[Card], skips: int, decision: Decision, message: str
) -> None:
    s = Session(week_cards)
    for _ in range(skips):
        s.decide(Decision.skip())
    before = state(s.meeting)
    with pytest.raises(MeetingError, match=message):
        s.meeting.decide(decision, NOW)
    assert state(s.meeting) == before


def test_nothing_to_undo(week_cards: list[Card]) -> None:
    with pytest.raises(MeetingError, match="no decision to take back"):
        Session(week_cards).meeting.undo(NOW)


# --- journals that cannot be replayed --------------------------------------------------------------------


def recorded(cards: list[Card]) -> list[dict[str, Any]]:
    s = Session(cards)
    s.decide(Decision.move("OnDeck"))
    s.decide(Decision.assign("dave"))
    return [record_to_dict(r) for r in s.journal]


def replay(dicts: list[dict[str, Any]]) -> Meeting:
    return Meeting.resume(record_from_dict(d, n) for n, d in enumerate(dicts, start=1))


def test_a_journal_starts_with_its_opening(week_cards: list[Card]) -> None:
    dicts = recorded(week_cards)
    with pytest.raises(JournalError, match="starts with the record that opened it"):
        replay(dicts[1:])
    with pytest.raises(JournalError, match="record 1"):
        Meeting.resume([])
    with pytest.raises(JournalError, match="a second opening record"):
        replay([dicts[0], dicts[0]])


def test_records_out_of_order_or_for_another_issue_are_refused(week_cards: list[Card]) -> None:
    dicts = recorded(week_cards)
    with pytest.raises(JournalError, match="record 3: numbered 2, expected 1"):
        replay([dicts[0], dicts[2]])
    wrong = {**dicts[1], "issue": "rust-lang/rust#1"}
    with pytest.raises(JournalError, match="not at that issue"):
        replay([dicts[0], wrong])
    elsewhere = {**dicts[1], "from": "Focus"}
    with pytest.raises(JournalError, match="between columns it cannot be in"):
        replay([dicts[0], elsewhere])
    undo_first = {"type": "undone", "seq": 3, "at": NOW.isoformat(), "undoes": 1}
    with pytest.raises(JournalError, match="takes back decision 1, not the last in effect"):
        replay([*dicts, undo_first])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "vote"}, "key 'type'"),
        ({"at": "yesterday"}, "key 'at': expected an ISO 8601 time"),
        ({"at": "2024-05-02T15:00:00"}, "key 'at': expected a time with its UTC offset"),
        ({"issue": "rust-lang/..#5"}, "key 'issue'.*OWNER/REPO#NUMBER"),
        ({"decision": "veto"}, "key 'decision': expected one of move, keep"),
        ({"seq": -1}, "key 'seq'"),
        ({"step": True}, "key 'step'"),
        ({"to": 3}, "key 'to'"),
    ],
)
def test_damaged_decision_records_name_the_record_and_key(
    week_cards: list[Card],
    change: dict[str, Any],
    message: str,
) -> None:
    dicts = recorded(week_cards)
    with pytest.raises(JournalError, match=f"journal record 2, {message}"):
        record_from_dict({**dicts[1], **change}, 2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": "Focus"}, "key 'columns'"),
        ({"counts": {"Focus": 3}}, "the counts do not name the board's columns"),
        ({"counts": []}, "key 'counts'"),
        ({"steps": [{"step": "brainstorm", "column": "Focus", "issues": []}]}, "key 'step'"),
        ({"columns": [{**FOCUS, "labels": ["f"]}]}, "exactly one"),
        ({"columns": [{**FOCUS, "require_assignee": "yes"}]}, "key 'require_assignee'"),
    ],
)
def test_damaged_opening_records_are_refused(
    week_cards: list[Card],
    change: dict[str, Any],
    message: str,
) -> None:
    dicts = recorded(week_cards)
    with pytest.raises(JournalError, match=message):
        replay([{**dicts[0], **change}])


def test_record_kinds_survive_json(week_cards: list[Card]) -> None:
    s = Session(week_cards)
    s.decide(Decision.move("OnDeck"))
    s.undo()
    for record in s.journal:
        assert record_from_dict(json.loads(json.dumps(record_to_dict(record)))) == record
    assert isinstance(s.journal[1], Decided)
    assert isinstance(s.journal[2], Undone)
    assert s.journal[2].undoes == 1
