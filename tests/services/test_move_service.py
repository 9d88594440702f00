"""MoveService on the qasync loop against the live sandbox: optimistic moves, failures, undo, overlay,
replay of a left-over outbox; what it reports reaches the reporter."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import httpx
import pytest
from pace import POLICY
from pytestqt.qtbot import QtBot
from reports import Reports
from sandboxkit import Fault, Sandbox

from triageboard import paths
from triageboard.board import Assignment, Board, IssueKey, LabelDiff, Move, preset
from triageboard.clock import ScaledClock
from triageboard.errors import CannotLabel, NotAssignable
from triageboard.github import GitHubClient, fetch_board
from triageboard.moves import MoveEngine
from triageboard.reporting import Doing, NotOnBoard, Reporter, Waiting
from triageboard.services import MoveService, Outcome
from triageboard.store import Outbox
from triageboard.tasks import TaskScope
from triageboard.wording import describe

T = TypeVar("T")
TOKEN = "tb-service-token"
SPEC = preset("rust-async")
REPO = "rust-lang/rust"


def wait(qtbot: QtBot, coro: Coroutine[Any, Any, T], timeout: int = 10_000) -> T:
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@dataclass
class Harness:
    sb: Sandbox
    board: Board
    http: httpx.AsyncClient
    client: GitHubClient
    outbox: Outbox
    qtbot: QtBot
    scope: TaskScope
    reporter: Reporter
    reports: Reports
    token: dict[str, str]

    def service(self, *, start: bool = True) -> MoveService:
        engine = MoveEngine(self.client, self.outbox)
        service = MoveService(self.board, engine, self.reporter, self.scope)
        if start:
            service.start()
        return service

    def uncategorized(self) -> IssueKey:
        return self.board.column_issues(SPEC.column("Uncategorized"))[0].key

    def labels(self, key: IssueKey) -> list[str]:
        return self.sb.issue_labels(key.repo, key.number)


@pytest.fixture
def harness(qloop: asyncio.AbstractEventLoop, qtbot: QtBot) -> Iterator[Harness]:
    with Sandbox(token=TOKEN, seed=1, clock=ScaledClock(0.01)) as sb:
        sb.add_token("tb-read-only", login="watcher", permission="read")
        http = httpx.AsyncClient()
        token = {"value": TOKEN}  # what the signed-in user's credentials hold
        client = GitHubClient(
            http, sb.api_url, lambda: token["value"], policy=POLICY, clock=ScaledClock(0.01)
        )
        spec = SPEC.with_sources(repos=[REPO], api_url=sb.api_url)
        board = Board(spec)
        board.replace_all(wait(qtbot, fetch_board(client, spec)).issues)
        outbox = Outbox(paths.outbox_path())
        reporter, reports = Reporter(), Reports()
        reporter.connect(reports)
        h = Harness(sb, board, http, client, outbox, qtbot, TaskScope(), reporter, reports, token)
        try:
            yield h
        finally:
            wait(qtbot, h.scope.aclose())
            wait(qtbot, http.aclose())
            outbox.close()


def test_move_shows_at_once_then_github_confirms(harness: Harness) -> None:
    service = harness.service()
    key = harness.uncategorized()
    focus = SPEC.column("Focus")
    with harness.qtbot.waitSignal(service.pending_changed, check_params_cb=lambda n: n == 0, timeout=10_000):
        assert service.request_move(key, "Focus") is True
        # Optimistic: the card is in Focus and marked pending before anything was sent.
        assert harness.board.column_of(key) == focus
        assert harness.board.is_pending(key)
        assert "AsyncAwait-Focus" not in harness.labels(key)
    assert "AsyncAwait-Focus" in harness.labels(key)
    assert harness.board.column_of(key) == focus
    assert not harness.board.is_pending(key)
    assert service.pending_count() == 0


@pytest.mark.logs("cannot change labels")
def test_refused_move_returns_the_card_with_the_reason(harness: Harness) -> None:
    harness.token["value"] = "tb-read-only"
    service = harness.service()
    key = harness.uncategorized()
    service.request_move(key, "OnDeck")
    assert harness.board.column_of(key).name == "OnDeck"
    harness.qtbot.waitUntil(lambda: bool(harness.reports.shown), timeout=10_000)
    [report] = harness.reports.shown
    assert isinstance(report.fact, CannotLabel)
    assert report.level == "error"
    assert "cannot change labels in rust-lang/rust" in describe(report)
    harness.qtbot.waitUntil(lambda: not harness.board.is_pending(key))
    assert harness.board.column_of(key).name == "Uncategorized"
    # Known for the session now: the next drop into this repo is refused at once, without a round trip.
    assert service.request_move(key, "Focus") is False
    assert len(harness.reports.shown) == 2
    assert harness.board.column_of(key).name == "Uncategorized"


def test_undo_and_redo_are_moves_too(harness: Harness) -> None:
    service = harness.service()
    key = harness.uncategorized()
    undo_states: list[bool] = []
    service.undo_available.connect(undo_states.append)
    qtbot = harness.qtbot
    service.request_move(key, "Focus")
    qtbot.waitUntil(lambda: "AsyncAwait-Focus" in harness.labels(key) and service.pending_count() == 0)
    service.request_move(key, "Other")
    qtbot.waitUntil(lambda: "AsyncAwait-Other" in harness.labels(key) and service.pending_count() == 0)
    service.undo()
    assert harness.board.column_of(key).name == "Focus"
    qtbot.waitUntil(lambda: "AsyncAwait-Focus" in harness.labels(key) and service.pending_count() == 0)
    assert "AsyncAwait-Other" not in harness.labels(key)
    service.undo()
    qtbot.waitUntil(lambda: service.pending_count() == 0)
    assert not {"AsyncAwait-Focus", "AsyncAwait-Other"} & set(harness.labels(key))
    assert harness.board.column_of(key).name == "Uncategorized"
    assert undo_states[-1] is False
    service.redo()
    qtbot.waitUntil(lambda: "AsyncAwait-Focus" in harness.labels(key) and service.pending_count() == 0)
    assert harness.board.column_of(key).name == "Focus"
    assert service.history.can_redo


@pytest.mark.logs("cannot change labels")
def test_a_refused_undo_keeps_the_step(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    service = harness.service()
    key = harness.uncategorized()
    service.request_move(key, "Focus")
    harness.qtbot.waitUntil(
        lambda: "AsyncAwait-Focus" in harness.labels(key) and service.pending_count() == 0
    )
    refusal = CannotLabel(str(key), "Uncategorized", repo=REPO)
    monkeypatch.setattr(service.engine, "refusal", lambda repo, column, key=None: refusal)
    service.undo()
    assert [r.fact for r in harness.reports.shown] == [refusal]
    assert harness.board.column_of(key).name == "Focus"
    assert service.history.can_undo  # still there to undo later
    assert not service.history.can_redo
    monkeypatch.undo()
    service.undo()
    harness.qtbot.waitUntil(lambda: service.pending_count() == 0)
    assert harness.board.column_of(key).name == "Uncategorized"
    assert "AsyncAwait-Focus" not in harness.labels(key)


def test_refresh_overlay_keeps_a_pending_card_where_it_was_dropped(harness: Harness) -> None:
    harness.sb.inject(Fault(kind="status", status=503, method="POST", count=None))
    service = harness.service()
    key = harness.uncategorized()
    states: list[Waiting] = []
    service.waiting_changed.connect(states.append)
    service.request_move(key, "Focus")
    harness.qtbot.waitUntil(lambda: any(s.count == 1 and s.until is not None for s in states), timeout=10_000)
    assert any("1 move waiting until" in describe(s) for s in states)
    fresh = wait(harness.qtbot, fetch_board(harness.client, harness.board.spec)).issues
    harness.board.replace_all(service.overlay(fresh))
    assert harness.board.column_of(key).name == "Focus"
    assert harness.board.is_pending(key)
    harness.sb.reset_faults()
    service.engine.wake()
    harness.qtbot.waitUntil(lambda: "AsyncAwait-Focus" in harness.labels(key), timeout=10_000)


def test_a_write_settling_while_the_next_move_is_being_saved_leaves_the_card_where_it_was_put(
    harness: Harness,
) -> None:
    """The next move is shown at once and saved after the paint; an earlier move's answer arriving in
    between used to repaint the card from that answer: the card jumped back, and the move after it started
    from the wrong column and was reported as someone else's change."""
    service = harness.service()
    key = harness.uncategorized()
    service.request_move(key, "OnDeck")
    harness.qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=10_000)
    answered = harness.board.get(key)
    assert answered is not None
    held: list[Callable[[], None]] = []
    service.defer = held.append  # the window saves a request once its columns have painted it
    service.request_move(key, "Focus")
    assert harness.board.column_of(key).name == "Focus"
    assert len(held) == 1
    service.engine.events.settled(key, answered.labels)  # the OnDeck write's answer, late
    assert harness.board.column_of(key).name == "Focus"
    assert harness.board.is_pending(key)
    held.pop()()
    harness.qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=10_000)
    assert harness.board.column_of(key).name == "Focus"
    assert "AsyncAwait-Focus" in harness.labels(key)
    assert "AsyncAwait-OnDeck" not in harness.labels(key)
    assert harness.reports.texts == []


def test_a_refresh_fetched_before_a_write_settled_does_not_take_the_card_back(harness: Harness) -> None:
    service = harness.service()
    key = harness.uncategorized()
    mark = service.mark()  # a refresh begins
    fetched = wait(harness.qtbot, fetch_board(harness.client, harness.board.spec)).issues
    service.request_move(key, "Focus")
    harness.qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=10_000)
    # Its pages arrive after the move went through: they still show the card uncategorized.
    harness.board.replace_all(service.overlay(fetched, mark))
    assert harness.board.column_of(key).name == "Focus"
    # A refresh that began after the write shows what it fetched.
    later = service.mark()
    harness.board.replace_all(service.overlay(fetched, later))
    assert harness.board.column_of(key).name == "Uncategorized"


def test_outbox_left_by_a_previous_session_is_replayed_at_start(harness: Harness) -> None:
    key = harness.uncategorized()
    harness.outbox.put(
        harness.sb.api_url, key, SPEC, SPEC.column("Other"), None, LabelDiff(add=("AsyncAwait-Other",))
    )
    counts: list[int] = []
    service = harness.service(start=False)  # building it starts nothing
    service.pending_changed.connect(counts.append)
    assert harness.scope.running == 0
    service.start()
    harness.qtbot.waitUntil(lambda: "AsyncAwait-Other" in harness.labels(key), timeout=10_000)
    harness.qtbot.waitUntil(lambda: counts[-1:] == [0])
    assert counts[0] == 1


@pytest.mark.logs("ChangedMeanwhile")
def test_conflict_notice_reaches_the_reporter(harness: Harness) -> None:
    service = harness.service()
    key = harness.uncategorized()
    # Someone else triages it into OnDeck after our board loaded it.
    harness.sb.edit_labels_as("someone-else", key.repo, key.number, add=["AsyncAwait-OnDeck", "T-lang"])
    service.request_move(key, "Focus")
    harness.qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=10_000)
    labels = harness.labels(key)
    assert "AsyncAwait-Focus" in labels
    assert "AsyncAwait-OnDeck" not in labels
    assert "T-lang" in labels
    [report] = harness.reports.shown
    assert report.level == "warning"
    assert "changed on GitHub by someone else meanwhile (+AsyncAwait-OnDeck +T-lang)" in describe(report)


# --- assignments ------------------------------------------------------------------------------------------


def unassigned(harness: Harness) -> IssueKey:
    return next(i.key for i in harness.board.column_issues(SPEC.column("Other")) if not i.assignees)


def github_assignees(harness: Harness, key: IssueKey) -> list[str]:
    people = harness.sb.issue(key.repo, key.number)["assignees"]
    assert isinstance(people, list)
    return [p["login"] for p in people]


def test_an_assignment_shows_at_once_then_github_confirms(harness: Harness) -> None:
    service = harness.service()
    key = unassigned(harness)
    with harness.qtbot.waitSignal(service.pending_changed, check_params_cb=lambda n: n == 0, timeout=10_000):
        assert service.request_assignment(key, "tmandry") is True
        assert harness.board.issue(key).assignees == ("tmandry",)
        assert harness.board.is_pending(key)
        assert github_assignees(harness, key) == []
    assert github_assignees(harness, key) == ["tmandry"]
    assert harness.board.issue(key).assignees == ("tmandry",)
    assert not harness.board.is_pending(key)
    # Asking for what is already so sends nothing and is no undo step.
    assert service.request_assignment(key, "TMandry") is False
    assert service.history.can_undo
    assert harness.reports.shown == []


@pytest.mark.logs("did not assign")
def test_a_silent_drop_shows_githubs_truth_and_says_so(harness: Harness) -> None:
    service = harness.service()
    key = unassigned(harness)
    harness.sb.assign_as("tmandry", REPO, key.number, "eholk")  # someone else assigned eholk meanwhile
    service.request_assignment(key, "rustacean-ana")
    assert harness.board.issue(key).assignees == ("rustacean-ana",)
    harness.qtbot.waitUntil(lambda: bool(harness.reports.shown), timeout=10_000)
    [report] = harness.reports.shown
    assert isinstance(report.fact, NotAssignable)
    assert report.doing is Doing.ASSIGN
    assert "GitHub did not assign @rustacean-ana" in describe(report)
    assert "It is assigned to @eholk." in describe(report)
    harness.qtbot.waitUntil(lambda: not harness.board.is_pending(key))
    assert harness.board.issue(key).assignees == ("eholk",)  # what GitHub answered, not what we wished
    assert not service.history.can_undo  # undoing a change GitHub refused would mislead


def test_undo_and_redo_an_assignment(harness: Harness) -> None:
    service = harness.service()
    key = unassigned(harness)
    qtbot = harness.qtbot
    harness.sb.assign_as("tmandry", REPO, key.number, "eholk")
    harness.board.update([replace(harness.board.issue(key), assignees=("eholk",))])
    service.request_assignment(key, "tmandry")
    qtbot.waitUntil(
        lambda: github_assignees(harness, key) == ["eholk", "tmandry"] and not service.pending_count()
    )
    service.request_assignment(key, "eholk", add=False)
    qtbot.waitUntil(lambda: github_assignees(harness, key) == ["tmandry"] and not service.pending_count())
    service.undo()
    assert set(harness.board.issue(key).assignees) == {"tmandry", "eholk"}
    qtbot.waitUntil(
        lambda: github_assignees(harness, key) == ["tmandry", "eholk"] and not service.pending_count()
    )
    service.undo()
    qtbot.waitUntil(lambda: github_assignees(harness, key) == ["eholk"] and not service.pending_count())
    assert harness.board.issue(key).assignees == ("eholk",)
    service.redo()
    qtbot.waitUntil(
        lambda: github_assignees(harness, key) == ["eholk", "tmandry"] and not service.pending_count()
    )


@pytest.mark.logs("NotOnBoard")
def test_a_domain_request_says_what_became_of_it(harness: Harness) -> None:
    service = harness.service()
    key = harness.uncategorized()
    assert service.request(Move(key, "OnDeck")) is Outcome.QUEUED
    harness.qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=10_000)
    assert service.request(Move(key, "OnDeck")) is Outcome.NOTHING
    assert service.request(Assignment(key, "eholk")) is Outcome.QUEUED
    assert service.request(Assignment(key, "eholk")) is Outcome.NOTHING
    gone = IssueKey(REPO, 999_999)
    assert service.request(Assignment(gone, "eholk")) is Outcome.REFUSED
    assert isinstance(harness.reports.shown[-1].fact, NotOnBoard)
    harness.qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=10_000)
    assert "AsyncAwait-OnDeck" in harness.labels(key)
    assert github_assignees(harness, key) == ["eholk"]
    service.undo()
    harness.qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=10_000)
    assert github_assignees(harness, key) == []


def uncategorized_cards(harness: Harness, count: int) -> list[IssueKey]:
    """``count`` cards of Uncategorized that are in no other column (their move is unambiguous)."""
    issues = harness.board.column_issues(SPEC.column("Uncategorized"))
    keys = [i.key for i in issues if not harness.board.placement(i.key).is_conflict][:count]
    assert len(keys) == count
    return keys


def label_writes(harness: Harness) -> list[tuple[str, str]]:
    return [
        (r.method, r.path.removeprefix("/api/v3"))
        for r in harness.sb.request_log
        if r.method in {"POST", "DELETE"}
    ]


def test_a_bulk_move_is_one_batch_and_one_undo_step(harness: Harness) -> None:
    service = harness.service()
    qtbot = harness.qtbot
    keys = uncategorized_cards(harness, 4)
    progress: list[tuple[int, int, int]] = []
    service.batch_progress.connect(lambda batch, done, total: progress.append((batch, done, total)))
    batch = service.request_moves(keys, "Focus")
    assert batch is not None
    assert service.batch_total(batch) == 4
    assert all(harness.board.column_of(k).name == "Focus" for k in keys)  # shown at once
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=20_000)
    assert all("AsyncAwait-Focus" in harness.labels(k) for k in keys)
    assert progress[0] == (batch, 0, 4)
    assert progress[-1] == (batch, 4, 4)
    assert [done for _b, done, _t in progress] == [0, 1, 2, 3, 4]
    assert service.batch_total(batch) == 0  # over
    harness.sb.clear_request_log()
    progress.clear()
    undo = service.undo()  # one step: every card goes back, as a batch of its own
    assert undo is not None
    assert undo != batch
    assert service.batch_total(undo) == 4
    assert all(harness.board.column_of(k).name == "Uncategorized" for k in keys)
    assert not service.history.can_undo
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=20_000)
    assert progress[0] == (undo, 0, 4)
    assert progress[-1] == (undo, 4, 4)
    assert all("AsyncAwait-Focus" not in harness.labels(k) for k in keys)
    assert sorted(label_writes(harness)) == sorted(
        ("DELETE", f"/repos/{k.repo}/issues/{k.number}/labels/AsyncAwait-Focus") for k in keys
    )
    service.redo()
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=20_000)
    assert all("AsyncAwait-Focus" in harness.labels(k) for k in keys)


def test_a_bulk_move_to_several_columns_is_one_undo_step(harness: Harness) -> None:
    service = harness.service()
    keys = uncategorized_cards(harness, 3)
    batch = service.request_bulk([(keys[0], "Focus"), (keys[1], "OnDeck"), (keys[2], "Other")])
    assert batch is not None
    harness.qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=20_000)
    assert [harness.board.column_of(k).name for k in keys] == ["Focus", "OnDeck", "Other"]
    service.undo()
    harness.qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=20_000)
    assert all(harness.board.column_of(k).name == "Uncategorized" for k in keys)
    for key in keys:
        assert not {"AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other"} & set(harness.labels(key))


def test_cancelling_a_bulk_move_leaves_what_was_not_sent_where_it_was(harness: Harness) -> None:
    service = harness.service()
    qtbot = harness.qtbot
    keys = uncategorized_cards(harness, 8)
    # Each label write takes a while: the cancel comes while most cards wait their turn.
    harness.sb.inject(Fault(kind="latency", seconds=20, method="POST", path=r"/labels", count=None))
    progress: list[int] = []
    service.batch_progress.connect(lambda _batch, done, _total: progress.append(done))
    batch = service.request_moves(keys, "Focus")
    assert batch is not None
    qtbot.waitUntil(lambda: progress[-1] >= 1, timeout=20_000)
    cancel = service.cancel_batch(batch)
    qtbot.waitUntil(cancel.done, timeout=20_000)
    taken = cancel.result()
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=20_000)
    back = {row.key for row in taken}
    assert 1 <= len(back) <= 7
    for key in keys:
        sent = "AsyncAwait-Focus" in harness.labels(key)
        assert sent == (key not in back), key
        # The board shows the truth: what was sent is in Focus, what was not is where it was.
        assert harness.board.column_of(key).name == ("Uncategorized" if key in back else "Focus"), key
        assert not harness.board.is_pending(key)
    service.undo()  # the step holds only what was sent
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=20_000)
    assert all(harness.board.column_of(k).name == "Uncategorized" for k in keys)
    assert all("AsyncAwait-Focus" not in harness.labels(k) for k in keys)


def test_cancelling_the_undo_of_a_bulk_move_leaves_the_rest_moved(harness: Harness) -> None:
    service = harness.service()
    qtbot = harness.qtbot
    keys = uncategorized_cards(harness, 6)
    service.request_moves(keys, "Focus")
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=20_000)
    harness.sb.inject(Fault(kind="latency", seconds=20, method="DELETE", path=r"/labels", count=None))
    progress: list[int] = []
    service.batch_progress.connect(lambda _batch, done, _total: progress.append(done))
    undo = service.undo()
    assert undo is not None
    qtbot.waitUntil(lambda: progress[-1] >= 1, timeout=20_000)
    cancel = service.cancel_batch(undo)
    qtbot.waitUntil(cancel.done, timeout=20_000)
    kept = {row.key for row in cancel.result()}
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=20_000)
    assert 1 <= len(kept) <= 5
    for key in keys:
        # What the undo did not send stays moved, on the board and on GitHub.
        in_focus = "AsyncAwait-Focus" in harness.labels(key)
        assert in_focus == (key in kept), key
        assert harness.board.column_of(key).name == ("Focus" if key in kept else "Uncategorized"), key
    service.redo()  # the redo holds only what the undo sent back
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=20_000)
    assert all(harness.board.column_of(k).name == "Focus" for k in keys)
    assert all("AsyncAwait-Focus" in harness.labels(k) for k in keys)
