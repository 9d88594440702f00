"""The meeting service on the qasync loop against the live sandbox: a meeting opened on the board, each
decision journaled and sent as the same move or assignment a drag makes, taken back, resumed by a new
session, ended with minutes and a snapshot, and cards changed on GitHub since then marked."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pace import POLICY
from pytestqt.qtbot import QtBot
from reports import Reports
from sandboxkit import Sandbox

from triageboard.board import (
    Board,
    ChangeKind,
    Decision,
    DecisionKind,
    IssueKey,
    Meeting,
    StepKind,
    Undone,
    minutes,
    preset,
)
from triageboard.clock import ScaledClock
from triageboard.errors import StoreError
from triageboard.github import GitHubClient, fetch_board
from triageboard.moves import MoveEngine
from triageboard.reporting import (
    MeetingNotReady,
    MeetingNotResumed,
    MeetingWait,
    NoMeeting,
    NotOnBoard,
    Reporter,
)
from triageboard.services import MeetingService, MoveService
from triageboard.store import Journal, Outbox, Place
from triageboard.tasks import TaskScope

T = TypeVar("T")
TOKEN = "tb-meeting-token"
SPEC = preset("rust-async")


def wait(qtbot: QtBot, work: Coroutine[Any, Any, T] | asyncio.Task[T], timeout: int = 15_000) -> T:
    task = asyncio.ensure_future(work)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@dataclass
class Room:
    """One board session's worth of parts, with the meeting service under test."""

    sb: Sandbox
    qtbot: QtBot
    http: httpx.AsyncClient
    tmp: Path
    clock: ScaledClock
    reports: Reports = field(default_factory=Reports)
    scopes: list[TaskScope] = field(default_factory=list)
    closers: list[Any] = field(default_factory=list)

    def session(self, account: str = "ferris") -> tuple[MeetingService, MoveService, Board]:
        """A fresh session (as after a restart): its own board, outbox handle, journal handle, services."""
        spec = SPEC.with_sources(api_url=self.sb.api_url)
        client = GitHubClient(self.http, self.sb.api_url, lambda: TOKEN, policy=POLICY, clock=self.clock)
        board = Board(spec)
        board.replace_all(wait(self.qtbot, fetch_board(client, spec)).issues)
        reporter = Reporter()
        reporter.connect(self.reports)
        scope = TaskScope()
        outbox = Outbox(self.tmp / "outbox.sqlite3", clock=self.clock)
        journal = Journal(self.tmp / "meetings.sqlite3", clock=self.clock)
        self.closers += [outbox, journal]
        self.scopes.append(scope)
        moves = MoveService(board, MoveEngine(client, outbox), reporter, scope)
        moves.start()
        meetings = MeetingService(board, moves, journal, reporter, scope, self.clock, api_url=self.sb.api_url)
        meetings.set_account(account)
        return meetings, moves, board

    def labels(self, key: IssueKey) -> set[str]:
        return {n.casefold() for n in self.sb.issue_labels(key.repo, key.number)}

    def assignees(self, key: IssueKey) -> list[str]:
        people = self.sb.issue(key.repo, key.number)["assignees"]
        assert isinstance(people, list)
        return [p["login"] for p in people]

    def settle(self, moves: MoveService) -> None:
        self.qtbot.waitUntil(lambda: moves.pending_count() == 0, timeout=15_000)


@pytest.fixture
def room(qloop: asyncio.AbstractEventLoop, qtbot: QtBot, tmp_path: Path) -> Iterator[Room]:
    clock = ScaledClock(0.01)
    with Sandbox(token=TOKEN, seed=1, clock=clock) as sb:
        http = httpx.AsyncClient(timeout=10.0)
        r = Room(sb, qtbot, http, tmp_path, clock)
        try:
            yield r
        finally:
            for scope in r.scopes:
                wait(qtbot, scope.aclose())
            wait(qtbot, http.aclose())
            for closer in r.closers:
                closer.close()


def opened(room: Room, meetings: MeetingService) -> Meeting:
    meeting = wait(room.qtbot, meetings.open())
    assert meeting is not None
    return meeting


def test_a_meeting_opens_on_the_board_as_it_stands(room: Room) -> None:
    meetings, _, board = room.session()
    shown: list[object] = []
    meetings.meeting_changed.connect(shown.append)
    meeting = opened(room, meetings)
    assert shown == [meeting]
    assert [s.kind for s in meeting.steps] == [
        StepKind.UNCATEGORIZED,
        StepKind.REVIEW,
        StepKind.PROMOTE,
        StepKind.PROMOTE,
    ]
    assert meeting.counts_before == {c.name: board.column_size(c) for c in SPEC.columns}
    assert {t.key for t in meeting.steps[0].topics} == {
        i.key for i in board.column_issues(SPEC.column("Uncategorized"))
    }
    assert meeting.progress_text() == "Step 1 of 4 · 1 of 60"
    # Opening again is the same meeting, not a new one.
    assert wait(room.qtbot, meetings.open()) is meeting
    with Journal(room.tmp / "meetings.sqlite3") as journal:
        stored = journal.current(Place(room.sb.api_url, "ferris", "rust-async"))
    assert stored is not None
    assert stored.records == (meeting.opened,)


def test_each_decision_is_a_move_or_assignment_on_the_board_and_on_github(room: Room) -> None:
    meetings, moves, board = room.session()
    meeting = opened(room, meetings)
    first = meeting.current
    assert first is not None
    assert meetings.decide(Decision.move("2")) is True  # the key 2: OnDeck
    assert board.column_of(first.key).name == "OnDeck"  # at once, before GitHub answers
    assert board.is_pending(first.key)
    assert meetings.decide(Decision.skip()) is True
    second = meeting.steps[0].topics[1]
    assert meeting.current == meeting.steps[0].topics[2]
    assert meetings.decide(Decision.assign("eholk")) is True
    third = meeting.current
    assert third is not None
    assert board.issue(third.key).assignees[-1:] == ("eholk",)
    assert meeting.current == third  # an assignment leaves room for a move
    room.settle(moves)
    assert "asyncawait-ondeck" in room.labels(first.key)
    assert room.assignees(third.key)[-1:] == ["eholk"]
    assert room.labels(second.key) & {"asyncawait-ondeck", "asyncawait-focus", "asyncawait-other"} == set()
    # The board's undo sees the decision too: it is the same request a drag makes.
    assert moves.history.can_undo
    wait(room.qtbot, meetings.flush())
    with Journal(room.tmp / "meetings.sqlite3") as journal:
        stored = journal.current(meetings.place)
    assert stored is not None
    assert [getattr(r, "kind", None) for r in stored.records[1:]] == [
        DecisionKind.MOVE,
        DecisionKind.SKIP,
        DecisionKind.ASSIGN,
    ]


def test_taking_back_a_decision_reverses_its_request(room: Room) -> None:
    meetings, moves, board = room.session()
    meeting = opened(room, meetings)
    first = meeting.current
    assert first is not None
    meetings.decide(Decision.move("1"))
    room.settle(moves)
    assert "asyncawait-focus" in room.labels(first.key)
    assert meetings.undo() is True
    assert meeting.current == first
    assert board.column_of(first.key).name == "Uncategorized"
    room.settle(moves)
    assert "asyncawait-focus" not in room.labels(first.key)
    assert meetings.undo() is False  # nothing left to take back: said, not an error
    assert "no decision to take back" in room.reports.notices[-1]
    meetings.decide(Decision.assign("tmandry"))
    room.settle(moves)
    meetings.undo()
    room.settle(moves)
    assert room.assignees(first.key) == []
    wait(room.qtbot, meetings.flush())
    with Journal(room.tmp / "meetings.sqlite3") as journal:
        stored = journal.current(meetings.place)
    assert stored is not None
    assert sum(isinstance(r, Undone) for r in stored.records) == 2


def test_a_restarted_session_resumes_the_meeting_where_it_stopped(room: Room) -> None:
    meetings, moves, _ = room.session()
    meeting = opened(room, meetings)
    for decision in (Decision.move("3"), Decision.skip(), Decision.move("2")):
        meetings.decide(decision)
    room.settle(moves)
    wait(room.qtbot, meetings.flush())
    again, _, board = room.session()  # the window closed and opened again
    resumed = opened(room, again)
    assert resumed is not meeting
    assert resumed.decisions == meeting.decisions
    assert resumed.progress_text() == "Step 1 of 4 · 4 of 60"
    assert resumed.counts_now() == meeting.counts_now()
    # Others see other meetings: the journal is per account.
    theirs, _, _ = room.session(account="tmandry")
    assert opened(room, theirs).decisions == ()
    assert board.column_of(meeting.steps[0].topics[0].key).name == "Other"


@pytest.mark.logs("NotOnBoard")
def test_a_request_the_board_refuses_takes_the_decision_back(room: Room) -> None:
    meetings, _, board = room.session()
    meeting = opened(room, meetings)
    topic = meeting.current
    assert topic is not None
    board.remove([topic.key])  # closed on GitHub and gone from the board meanwhile
    assert meetings.decide(Decision.move("1")) is False
    assert isinstance(room.reports.shown[-1].fact, NotOnBoard)
    assert meeting.current == topic
    assert meeting.decisions == ()
    assert meetings.decide(Decision.skip()) is True


@pytest.mark.logs("is not a GitHub login|last column")
def test_a_decision_the_meeting_cannot_take_is_said(room: Room) -> None:
    meetings, _, _ = room.session()
    opened(room, meetings)
    assert meetings.decide(Decision.demote()) is False  # Uncategorized is the last rung
    assert "Uncategorized is the last column" in room.reports.notices[-1]
    assert meetings.decide(Decision.assign("not a login")) is False
    assert "is not a GitHub login" in room.reports.notices[-1]


def test_a_meeting_waits_for_the_account_and_the_board(room: Room) -> None:
    meetings, _, board = room.session(account="")
    assert wait(room.qtbot, meetings.open()) is None
    assert room.reports.shown[-1].fact == MeetingNotReady(MeetingWait.ACCOUNT)
    meetings.set_account("ferris")
    board.clear()
    assert wait(room.qtbot, meetings.open()) is None
    assert room.reports.shown[-1].fact == MeetingNotReady(MeetingWait.LOADING)


def test_the_end_gives_the_minutes_then_keeps_the_board_and_marks_what_changed_since(room: Room) -> None:
    meetings, moves, board = room.session()
    meeting = opened(room, meetings)
    moved = meeting.current
    assert moved is not None
    meetings.decide(Decision.move("2"))
    texts: list[str] = []
    meetings.minutes_ready.connect(texts.append)
    text = wait(room.qtbot, meetings.end())
    assert text is not None
    assert texts == [text]
    assert meetings.meeting is None
    assert f"[{moved.key}]({moved.url})" in text
    assert "Uncategorized → OnDeck" in text
    assert "| OnDeck | 30 | 31 |" in text
    # The board is kept once GitHub confirmed the meeting's requests.
    room.qtbot.waitUntil(lambda: meetings.snapshot is not None, timeout=15_000)
    assert moved.key in meetings.snapshot.cards  # type: ignore[union-attr]
    assert meetings.snapshot.cards[moved.key].column == "OnDeck"  # type: ignore[union-attr]
    assert meetings.since.changes == {}
    assert moves.pending_count() == 0
    # A week later: someone moved one card on GitHub, someone opened a new issue.
    other = next(i.key for i in board.column_issues(SPEC.column("Other")))
    room.sb.edit_labels_as(
        "tmandry", other.repo, other.number, add=["AsyncAwait-OnDeck"], remove=["AsyncAwait-Other"]
    )
    new = room.sb.create_issue("rust-lang/rust", "A new async bug", labels=["A-async-await"])
    client = GitHubClient(room.http, room.sb.api_url, lambda: TOKEN, policy=POLICY, clock=room.clock)
    board.replace_all(wait(room.qtbot, fetch_board(client, board.spec)).issues)
    meetings.board_refreshed()
    since = meetings.since.changes
    assert since[other].kind is ChangeKind.MOVED
    assert since[other].text == "moved from Other"
    assert since[IssueKey("rust-lang/rust", new)].kind is ChangeKind.ADDED
    assert moved.key not in since  # the meeting's own move is not someone else's change
    # The next session knows it too, from the journal.
    later, _, _ = room.session()
    room.qtbot.waitUntil(lambda: later.since.changes.keys() == since.keys(), timeout=15_000)
    # The ended meeting's minutes stay available; the next meeting starts afresh.
    assert wait(room.qtbot, later.request_minutes()) == text
    assert opened(room, later).decisions == ()


def test_no_minutes_before_any_meeting(room: Room) -> None:
    meetings, _, _ = room.session()
    assert wait(room.qtbot, meetings.request_minutes()) is None
    assert room.reports.shown[-1].fact == NoMeeting("rust-async", "ferris")


@pytest.mark.logs("Could not save the meeting journal")
def test_records_the_disk_refused_are_written_once_it_works_again(room: Room) -> None:
    meetings, _, _ = room.session()
    meeting = opened(room, meetings)
    assert meetings.journal is not None
    meetings.journal.close()  # the disk is gone
    meetings.decide(Decision.skip())
    meetings.decide(Decision.move("3"))
    room.qtbot.waitUntil(lambda: bool(room.reports.errors), timeout=15_000)
    assert isinstance(room.reports.shown[-1].fact, StoreError)
    assert "meeting journal" in room.reports.errors[-1]
    # The minutes still show every decision, from the records the meeting made.
    text = wait(room.qtbot, meetings.request_minutes())
    assert text == minutes([meeting.opened, *_records(meeting)])
    meetings.journal = Journal(room.tmp / "meetings.sqlite3", clock=room.clock)
    room.closers.append(meetings.journal)
    assert wait(room.qtbot, meetings.flush()) is True
    stored = meetings.journal.current(meetings.place)
    assert stored is not None
    assert Meeting.resume(stored.records).decisions == meeting.decisions
    assert "journal" in room.reports.retracted


def _records(meeting: Meeting) -> list[Any]:
    return list(meeting.decisions)


@pytest.mark.logs("MeetingNotResumed")
def test_an_unreadable_open_meeting_is_set_aside_and_a_new_one_starts(room: Room) -> None:
    meetings, _, _ = room.session()
    first = opened(room, meetings)
    meetings.decide(Decision.skip())
    wait(room.qtbot, meetings.flush())
    with sqlite3.connect(room.tmp / "meetings.sqlite3") as conn:
        conn.execute("UPDATE records SET body='{}' WHERE seq=1")
    again, _, _ = room.session()
    fresh = opened(room, again)
    assert fresh.decisions == ()
    assert fresh is not first
    assert isinstance(room.reports.shown[-1].fact, MeetingNotResumed)
    assert "could not be resumed" in room.reports.notices[-1]
