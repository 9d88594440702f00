"""TimelineService on the qasync loop against the live sandbox: time in a column as the sandbox's history
says, read lazily (shown cards and the stalled rule's column only), again only when a card changed,
conditionally, kept across starts; a move never waits behind it; failures said once."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pace import POLICY
from pytestqt.qtbot import QtBot
from reports import Reports
from sandboxkit import Fault, Sandbox

from triageboard.board import Board, IssueKey, MarkKind, board_cards, preset
from triageboard.clock import ScaledClock
from triageboard.errors import Unavailable
from triageboard.github import GitHubClient, fetch_board
from triageboard.moves import MoveEngine
from triageboard.reporting import Doing, Reporter
from triageboard.services import MoveService, TimelineService
from triageboard.store import Outbox, TimelineStore
from triageboard.tasks import TaskScope
from triageboard.wording import describe

T = TypeVar("T")
TOKEN = "tb-timeline-token"
LOGIN = "ferris"
SPEC = preset("rust-async")
REPO = "rust-lang/rust"
# Time runs 100 times faster here: give a request as long as it would have at real time (a loaded machine
# must not turn into timeouts).
TRIAGE = {"asyncawait-focus": "Focus", "asyncawait-ondeck": "OnDeck", "asyncawait-other": "Other"}


def wait(qtbot: QtBot, coro: Coroutine[Any, Any, T], timeout: int = 10_000) -> T:
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@dataclass
class Harness:
    sb: Sandbox
    qtbot: QtBot
    http: httpx.AsyncClient
    board: Board
    scope: TaskScope
    reporter: Reporter
    reports: Reports
    path: Path
    clock: ScaledClock

    def client(self) -> GitHubClient:
        return GitHubClient(self.http, self.sb.api_url, lambda: TOKEN, policy=POLICY, clock=self.clock)

    def service(self, store: TimelineStore | None = None, board: Board | None = None) -> TimelineService:
        pages = store.pages(self.sb.api_url) if store is not None else None
        client = GitHubClient(
            self.http, self.sb.api_url, lambda: TOKEN, cache=pages, policy=POLICY, clock=self.clock
        )
        service = TimelineService(
            board or self.board, client, self.reporter, self.scope, store=store, pages=pages, clock=self.clock
        )
        service.start()
        return service

    def timeline_reads(self) -> list[str]:
        return [r.path for r in self.sb.request_log if r.path.endswith("/timeline")]

    def entered(self, key: IssueKey) -> datetime:
        """When the sandbox's own history says the card entered its triage column: the last ``labeled``
        event of the column's label (read without the board's code)."""
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            url = f"{self.sb.api_url}/repos/{key.repo}/issues/{key.number}/events?per_page=100"
            events = http.get(url).json()
        [label] = [n for n in self.sb.issue_labels(key.repo, key.number) if n.casefold() in TRIAGE]
        last = [e for e in events if e["event"] == "labeled" and e["label"]["name"] == label][-1]
        return datetime.fromisoformat(last["created_at"].replace("Z", "+00:00"))

    def triaged(self, column: str, n: int) -> list[IssueKey]:
        """Cards in ``column`` with exactly one triage label (no conflict)."""
        found = []
        for issue in self.board.column_issues(SPEC.column(column)):
            triage = [label.key for label in issue.labels if label.key in TRIAGE]
            if len(triage) == 1:
                found.append(issue.key)
        assert len(found) >= n
        return found[:n]


@pytest.fixture
def harness(qloop: asyncio.AbstractEventLoop, qtbot: QtBot, tmp_path: Path) -> Iterator[Harness]:
    clock = ScaledClock(0.01)
    with Sandbox(token=TOKEN, seed=1, clock=clock, login=LOGIN) as sb:
        http = httpx.AsyncClient()
        spec = SPEC.with_sources(repos=[REPO], api_url=sb.api_url)
        board = Board(spec)
        client = GitHubClient(http, sb.api_url, lambda: TOKEN, policy=POLICY, clock=clock)
        board.replace_all(wait(qtbot, fetch_board(client, spec)).issues)
        reporter, reports = Reporter(), Reports()
        reporter.connect(reports)
        h = Harness(sb, qtbot, http, board, TaskScope(), reporter, reports, tmp_path / "t.sqlite3", clock)
        sb.clear_request_log()
        try:
            yield h
        finally:
            wait(qtbot, h.scope.aclose())
            wait(qtbot, http.aclose())


def test_shown_cards_and_the_stalled_rule_column_are_read_and_nothing_else(harness: Harness) -> None:
    service = harness.service()
    told: dict[IssueKey, datetime | None] = {}
    service.since_changed.connect(told.update)
    shown = harness.triaged("OnDeck", 3)
    focus = [i.key for i in harness.board.column_issues(SPEC.column("Focus"))]
    service.show(shown)
    assert service.since(shown[0]) is None  # nothing read before an account is known
    service.set_account(LOGIN)
    harness.qtbot.waitUntil(
        lambda: all(service.since(k) is not None for k in [*shown, *focus]), timeout=20_000
    )
    for key in [*shown, *harness.triaged("Focus", 3)]:
        assert service.since(key) == harness.entered(key)
        assert told[key] == harness.entered(key)
    # Lazy: the shown cards first, then the column with a rule; no other column is read.
    reads = harness.timeline_reads()
    expected = [f"/api/v3/repos/{k.repo}/issues/{k.number}/timeline" for k in [*shown, *focus]]
    assert reads == expected
    assert service.known().keys() == {*shown, *focus}
    # Other cards become known when asked for (a sort by time in column, say).
    other = harness.triaged("Other", 2)
    service.want(other)
    harness.qtbot.waitUntil(lambda: all(service.since(k) is not None for k in other), timeout=10_000)
    assert [service.since(k) for k in other] == [harness.entered(k) for k in other]


def test_the_stalled_rule_uses_the_time_in_the_column(harness: Harness) -> None:
    service = harness.service()
    service.set_account(LOGIN)
    focus = harness.triaged("Focus", 3)
    harness.qtbot.waitUntil(lambda: all(service.since(k) is not None for k in focus), timeout=20_000)
    # Judged three weeks after a card last changed, or entered Focus: stalled if both are old enough.
    for key in focus:
        issue = harness.board.issue(key)
        assert issue.updated_at is not None
        quiet = max(issue.updated_at, harness.entered(key))
        for days, stalled in ((13, False), (15, True)):
            cards = {
                c.key: c for c in board_cards(harness.board, quiet + timedelta(days=days), service.known())
            }
            assert (cards[key].mark(MarkKind.STALLED) is not None) is stalled
            assert cards[key].in_column_since == harness.entered(key)


def test_a_moved_card_is_unknown_until_github_has_the_move_then_read_again(harness: Harness) -> None:
    service = harness.service()
    told: list[dict[IssueKey, datetime | None]] = []
    service.since_changed.connect(told.append)
    service.set_account(LOGIN)
    [key] = harness.triaged("OnDeck", 1)
    service.show([key])
    harness.qtbot.waitUntil(lambda: any(batch.get(key) for batch in told), timeout=10_000)
    before = service.since(key)
    with Outbox(harness.path.with_name("outbox.sqlite3")) as outbox:
        moves = MoveService(
            harness.board, MoveEngine(harness.client(), outbox), harness.reporter, harness.scope
        )
        moves.start()
        assert moves.request_move(key, "Focus")
        assert service.since(key) is None  # the card moved: its old time is no longer its time
        # ...and the window is told (with whatever else changed in the same turn of the loop)
        harness.qtbot.waitUntil(lambda: any(key in batch and batch[key] is None for batch in told))
        harness.qtbot.waitUntil(lambda: moves.pending_count() == 0, timeout=10_000)
        harness.qtbot.waitUntil(lambda: service.since(key) is not None, timeout=10_000)
    assert service.since(key) == harness.entered(key)
    assert before is not None
    assert service.since(key) > before  # type: ignore[operator]
    assert harness.board.column_of(key).name == "Focus"


def test_timelines_are_kept_across_starts_and_revalidated_only_when_a_card_changed(harness: Harness) -> None:
    store = TimelineStore(harness.path)
    service = harness.service(store)
    service.set_account(LOGIN)
    focus = harness.triaged("Focus", 3)
    harness.qtbot.waitUntil(lambda: service.up_to_date, timeout=20_000)
    known = service.known()
    assert known.keys() >= set(focus)
    harness.qtbot.waitUntil(lambda: len(store) == len(known))  # on disk (written off the UI thread)
    wait(harness.qtbot, service.aclose())
    store.close()
    # The next start: a new board from GitHub, the same file. Everything is painted with no request.
    harness.sb.clear_request_log()
    board = Board(harness.board.spec)
    board.replace_all(harness.board.issues())
    store = TimelineStore(harness.path)
    again = harness.service(store, board)
    told: dict[IssueKey, datetime | None] = {}
    again.since_changed.connect(told.update)
    again.set_account(LOGIN)
    harness.qtbot.waitUntil(lambda: told.keys() >= known.keys(), timeout=10_000)
    assert {k: again.since(k) for k in known} == known
    harness.qtbot.wait(200)
    assert harness.timeline_reads() == []
    # A card the board shows updated since is asked again, conditionally: its timeline did not change.
    key = focus[0]
    issue = board.issue(key)
    assert issue.updated_at is not None
    board.update([replace(issue, updated_at=issue.updated_at + timedelta(minutes=5))])
    harness.qtbot.waitUntil(lambda: len(harness.timeline_reads()) == 1, timeout=10_000)
    harness.qtbot.waitUntil(lambda: harness.sb.stats()["not_modified"] == 1, timeout=10_000)
    assert again.since(key) == known[key]
    # Another account's stored timelines are its own.
    assert store.load_now(harness.sb.api_url, "someone-else") == {}
    wait(harness.qtbot, again.aclose())
    store.close()


def test_a_move_never_waits_behind_a_slow_timeline(harness: Harness) -> None:
    harness.sb.inject(Fault(kind="latency", path=r"/timeline", seconds=300, count=None))  # 3 s real
    service = harness.service()
    service.set_account(LOGIN)
    [key] = harness.triaged("OnDeck", 1)
    harness.qtbot.waitUntil(lambda: bool(harness.sb.stats()["faults"]), timeout=10_000)  # a read is under way
    with Outbox(harness.path.with_name("outbox.sqlite3")) as outbox:
        moves = MoveService(
            harness.board, MoveEngine(harness.client(), outbox), harness.reporter, harness.scope
        )
        moves.start()
        moves.request_move(key, "Other")
        harness.qtbot.waitUntil(lambda: moves.pending_count() == 0, timeout=10_000)
    assert "AsyncAwait-Other" in harness.sb.issue_labels(REPO, key.number)
    assert service.reads == 0  # the first timeline is still on its way
    harness.sb.reset_faults()


@pytest.mark.logs("is having trouble")
def test_a_failing_read_is_said_once_and_taken_down_when_reading_works_again(harness: Harness) -> None:
    harness.sb.inject(Fault(kind="status", status=502, path=r"/timeline", count=4 * 4))  # past the retries
    service = harness.service()
    service.set_account(LOGIN)
    focus = harness.triaged("Focus", 2)
    harness.qtbot.waitUntil(lambda: bool(harness.reports.shown), timeout=20_000)
    [report] = harness.reports.shown
    assert isinstance(report.fact, Unavailable)
    assert report.doing is Doing.TIMELINE
    assert describe(report).startswith("Reading how long cards have been in their columns failed: GitHub is")
    harness.qtbot.waitUntil(lambda: all(service.since(k) is not None for k in focus), timeout=30_000)
    assert len(harness.reports.shown) == 1
    assert "timelines" in harness.reports.retracted
