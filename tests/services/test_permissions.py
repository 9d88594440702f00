"""What a read-only account may do, as the window asks it (MoveService on the qasync loop, the live
sandbox): which targets are refused and why, which moves go through @rustbot, and — whatever is asked of
it, one move or many, undo and redo, assignments — never a label or assignee write."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from pace import POLICY
from pytestqt.qtbot import QtBot
from reports import Reports
from sandboxkit import READER_LOGIN, READER_TOKEN, Sandbox

from triageboard import paths
from triageboard.board import Board, IssueKey, Via, preset
from triageboard.clock import ScaledClock
from triageboard.errors import BotRefused, CannotLabel
from triageboard.github import GitHubClient, fetch_board
from triageboard.moves import MoveEngine
from triageboard.reporting import Level, Reporter, ViaBot
from triageboard.services import MoveService
from triageboard.store import Outbox
from triageboard.tasks import TaskScope
from triageboard.wording import Front, describe

T = TypeVar("T")
SPEC = preset("rust-async")
RUST, WG = "rust-lang/rust", "rust-lang/wg-async"
TRIAGE = {"asyncawait-focus", "asyncawait-ondeck", "asyncawait-other"}


def wait(qtbot: QtBot, coro: Coroutine[Any, Any, T], timeout: int = 10_000) -> T:
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@pytest.fixture
def reader(qloop: asyncio.AbstractEventLoop, qtbot: QtBot) -> Iterator[tuple[Sandbox, MoveService, Reports]]:
    clock = ScaledClock(0.01)
    with Sandbox(seed=1, clock=clock) as sb:
        http = httpx.AsyncClient()
        client = GitHubClient(http, sb.api_url, lambda: READER_TOKEN, policy=POLICY, clock=clock)
        spec = SPEC.with_sources(api_url=sb.api_url)
        board = Board(spec)
        board.replace_all(wait(qtbot, fetch_board(client, spec)).issues)
        outbox = Outbox(paths.outbox_path(), clock=clock)
        reporter, reports = Reporter(), Reports()
        reporter.connect(reports)
        scope = TaskScope()
        service = MoveService(board, MoveEngine(client, outbox), reporter, scope)
        service.start()
        try:
            yield sb, service, reports
        finally:
            wait(qtbot, scope.aclose())
            wait(qtbot, http.aclose())
            outbox.close()


def uncategorized(service: MoveService, repo: str, n: int) -> list[IssueKey]:
    found = [
        issue.key
        for issue in service.board.column_issues(SPEC.column("Uncategorized"))
        if issue.repo == repo and not issue.assignees
    ]
    assert len(found) >= n
    return found[:n]


def label_writes(sb: Sandbox) -> list[tuple[str, str, int]]:
    return [
        (r.method, r.path, r.status)
        for r in sb.request_log
        if r.method in ("POST", "PUT", "PATCH", "DELETE") and ("/labels" in r.path or "/assignees" in r.path)
    ]


@pytest.mark.logs("cannot change labels")
def test_the_window_can_ask_what_is_refused_and_what_goes_through_the_bot(
    reader: tuple[Sandbox, MoveService, Reports], qtbot: QtBot
) -> None:
    _, service, reports = reader
    [rust] = uncategorized(service, RUST, 1)
    [wg] = uncategorized(service, WG, 1)
    assert service.route(rust, "OnDeck").via is Via.GITHUB  # nothing known yet: GitHub decides
    with qtbot.waitSignal(service.permissions_changed, timeout=10_000):
        service.prepare()
    # Said once when the board opens: where nothing can be moved (no bot), per column.
    prepared = [r.fact for r in reports.shown]
    assert prepared
    assert all(isinstance(f, CannotLabel) and f.repo == WG for f in prepared)
    refusals = service.refusals()
    assert set(refusals) == {(repo, c.name) for repo in (RUST, WG) for c in SPEC.columns}
    assert all(isinstance(r, CannotLabel) and r.repo == repo for (repo, _), r in refusals.items())
    assert "cannot change labels in rust-lang/wg-async" in describe(refusals[(WG, "Focus")])

    ondeck = service.route(rust, "OnDeck")
    assert (ondeck.via, ondeck.comment) == (Via.RUSTBOT, "@rustbot label +AsyncAwait-OnDeck")
    fact = service.route_fact(rust, "OnDeck", ondeck)
    assert fact == ViaBot(str(rust), "OnDeck", RUST, "@rustbot label +AsyncAwait-OnDeck")
    assert "is asked of its bot with the comment" in describe(fact, Front.WINDOW)

    focus = service.route(rust, "Focus")
    assert focus.refused
    assert isinstance(focus.refusal, BotRefused)
    assert service.route_fact(rust, "Focus", focus) is focus.refusal
    no_bot = service.route(wg, "OnDeck")
    assert no_bot.refused
    assert isinstance(no_bot.refusal, CannotLabel)
    assert service.route_fact(wg, "OnDeck", no_bot) is no_bot.refusal

    claim = service.assignment_route(rust, READER_LOGIN)
    assert (claim.via, claim.comment) == (Via.RUSTBOT, "@rustbot claim")
    assert service.assignment_route(rust, "async-andy").refused
    assert service.assignment_route(wg, READER_LOGIN).refused  # no bot there
    assert [r.fact for r in reports.shown] == prepared  # asking says nothing; only a request does


@pytest.mark.logs("cannot change labels")
def test_a_read_only_account_never_sends_a_label_or_assignee_write(
    reader: tuple[Sandbox, MoveService, Reports], qtbot: QtBot
) -> None:
    sb, service, reports = reader
    with qtbot.waitSignal(service.permissions_changed, timeout=10_000):
        service.prepare()
    rust = uncategorized(service, RUST, 4)
    wg = uncategorized(service, WG, 2)
    for key in rust[:2]:
        assert not service.request_move(key, "Focus")  # only members: refused, nothing sent
        assert service.request_move(key, "OnDeck")  # through the bot
    for key in wg:  # no bot there: everything refused
        for column in ("Focus", "Other", "OnDeck"):
            assert not service.request_move(key, column)
    service.request_moves([rust[2], wg[0]], "OnDeck")  # a bulk move: one through the bot, one refused
    assert service.request_assignment(rust[3], READER_LOGIN)  # a claim through the bot
    assert not service.request_assignment(rust[3], "async-andy")  # assigning someone else: refused
    assert not service.request_assignment(wg[1], READER_LOGIN)
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=30_000)
    service.undo()  # the claim: the bot holds the issue (GitHub cannot assign the reader): nothing to undo
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=30_000)
    service.undo()  # the bulk move: back to Uncategorized, through the bot
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=30_000)
    assert service.board.column_of(rust[2]).name == "Uncategorized"
    service.redo()
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=30_000)

    assert label_writes(sb) == []
    # What did go out: comments to the bot, and the bot's own changes, as the bot.
    mine = [(r.method, r.path) for r in sb.request_log if r.login == READER_LOGIN and r.method != "GET"]
    assert mine
    assert all(method == "POST" and path.endswith("/comments") for method, path in mine)
    for key in (rust[0], rust[1], rust[2]):
        assert "AsyncAwait-OnDeck" in sb.issue_labels(RUST, key.number)
        assert service.board.column_of(key).name == "OnDeck"
    for key in wg:
        assert service.board.column_of(key).name == "Uncategorized"
        assert not {n.casefold() for n in sb.issue_labels(WG, key.number)} & TRIAGE
    assert [a["login"] for a in sb.issue(RUST, rust[3].number)["assignees"]] == ["rustbot"]
    errors = [r for r in reports.shown if r.level is Level.ERROR]
    assert errors
    assert all(isinstance(r.fact, CannotLabel | BotRefused) for r in errors)
    assert any(isinstance(r.fact, ViaBot) for r in reports.shown)


@pytest.mark.logs("cannot change labels")
def test_a_read_only_accounts_label_fix_goes_through_the_bot_or_is_refused(
    reader: tuple[Sandbox, MoveService, Reports], qtbot: QtBot
) -> None:
    from triageboard.board import LabelDiff, Relabel
    from triageboard.reporting import CardChanged, Change
    from triageboard.services.move_service import Outcome

    sb, service, reports = reader
    with qtbot.waitSignal(service.permissions_changed, timeout=10_000):
        service.prepare()
    issues = [i for i in service.board.issues() if not i.assignees]
    rust = next(i for i in issues if i.repo == RUST)
    wg = next(i for i in issues if i.repo == WG)
    # Labels the sandbox's triagebot.toml lets anyone set ("C-*", "T-*", …) that the issues lack.
    allowed = ("C-", "T-", "E-", "D-", "F-", "I-", "L-", "O-", "S-", "WG-")
    name = next(n for n in sb.label_names(RUST) if n.startswith(allowed) and not rust.has_label(n))
    other = next(n for n in sb.label_names(WG) if not wg.has_label(n))
    add = LabelDiff(add=(name,))
    route = service.relabel_route(rust.key, add)
    assert (route.via, route.comment) == (Via.RUSTBOT, f"@rustbot label +{name}")
    assert service.relabel_route(wg.key, LabelDiff(add=(other,))).refused
    told: list[CardChanged] = []
    service.changed.connect(told.append)
    column = service.board.column_of(rust.key)

    assert service.request(Relabel(wg.key, LabelDiff(add=(other,)))) is Outcome.REFUSED
    assert service.request(Relabel(rust.key, add)) is Outcome.QUEUED
    assert service.board.issue(rust.key).has_label(name)
    assert [(c.change, c.issue, c.labels) for c in told] == [(Change.LABELLED, str(rust.key), (f"+{name}",))]
    qtbot.waitUntil(lambda: name in sb.issue_labels(RUST, rust.number), timeout=30_000)
    qtbot.waitUntil(lambda: service.pending_count() == 0, timeout=30_000)
    assert not service.board.is_pending(rust.key)
    assert service.board.column_of(rust.key) == column  # a label change, not a move
    assert label_writes(sb) == []
    assert other not in sb.issue_labels(WG, wg.number)
    assert any(isinstance(r.fact, CannotLabel) and r.fact.repo == WG for r in reports.shown)
