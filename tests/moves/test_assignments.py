"""Assignments through the outbox and the engine, against the sandbox over real HTTP: one login added or
removed at a time (never the set replaced), confirmed against GitHub's answer, silent drops said, faults
retried, limits waited out, nothing lost when a run ends early."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fakeclock import FakeClock
from sandboxkit import TRIAGERS, Fault, Sandbox

from triageboard.board import IssueKey, Label
from triageboard.errors import CannotLabel, IssueGone, NotAssignable, TriageboardError
from triageboard.github import GitHubClient, Policy
from triageboard.moves import MoveEngine, MoveEvents, apply_assignees
from triageboard.reporting import Doing, Waiting
from triageboard.store import AssignOp, MoveState, Outbox
from triageboard.wording import Front, describe

TOKEN = "tb-assign-token"
READER = "tb-assign-reader"
REPO = "rust-lang/rust"
ASSIGNEES = "/assignees"


@dataclass
class Heard(MoveEvents):
    assigned_: list[tuple[IssueKey, tuple[str, ...]]] = field(default_factory=list)
    failed_: list[tuple[IssueKey, str, TriageboardError, tuple[str, ...] | None]] = field(
        default_factory=list
    )
    waits: list[Waiting] = field(default_factory=list)
    notices: list[object] = field(default_factory=list)

    def assigned(self, key: IssueKey, assignees: tuple[str, ...]) -> None:
        self.assigned_.append((key, assignees))

    def assignment_failed(
        self, key: IssueKey, login: str, error: TriageboardError, assignees: tuple[str, ...] | None
    ) -> None:
        self.failed_.append((key, login, error, assignees))

    def waiting(self, state: Waiting) -> None:
        self.waits.append(state)

    def notice(self, fact: object) -> None:
        self.notices.append(fact)

    def settled(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        raise AssertionError("no move was asked for")


@dataclass
class World:
    sb: Sandbox
    clock: FakeClock
    outbox_path: Path

    def key(self, *, assigned: bool = False) -> IssueKey:
        return IssueKey(REPO, self.sb.issue_numbers(REPO, labels=["AsyncAwait-Other"], assigned=assigned)[0])

    def assignees(self, key: IssueKey) -> list[str]:
        people = self.sb.issue(key.repo, key.number)["assignees"]
        assert isinstance(people, list)
        return [p["login"] for p in people]

    def posts(self, key: IssueKey) -> list[str]:
        path = f"/repos/{key.repo}/issues/{key.number}/assignees"
        return [r.method for r in self.sb.request_log if r.path.endswith(path) and r.method != "GET"]

    def run(self, body: Callable[[MoveEngine], Awaitable[None]], *, token: str = TOKEN) -> Heard:
        """A fresh engine (a fresh process, as far as the outbox knows) running ``body``."""
        heard = Heard()

        async def main() -> None:
            async with httpx.AsyncClient(timeout=10.0) as http:
                client = GitHubClient(http, self.sb.api_url, lambda: token, policy=Policy(), clock=self.clock)
                with Outbox(self.outbox_path, clock=self.clock) as outbox:
                    engine = MoveEngine(client, outbox, heard)
                    await engine.load()
                    await body(engine)

        asyncio.run(main())
        return heard


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = FakeClock()
    with Sandbox(token=TOKEN, seed=1, clock=clock) as sb:
        sb.add_reader_token(READER, login="watcher")
        yield World(sb, clock, tmp_path / "outbox.sqlite3")


def assign(key: IssueKey, *changes: tuple[str, AssignOp]) -> Callable[[MoveEngine], Awaitable[None]]:
    async def body(engine: MoveEngine) -> None:
        for login, op in changes:
            await engine.request_assignment(key, login, op)
        await engine.run(only=[key], until_idle=True)

    return body


async def send_all(engine: MoveEngine) -> None:
    await engine.run(until_idle=True)


def test_adding_one_login_adds_it_and_keeps_the_others(world: World) -> None:
    key = world.key(assigned=True)
    before = world.assignees(key)
    login = next(t for t in TRIAGERS if t not in before)
    heard = world.run(assign(key, (login, AssignOp.ADD)))
    assert before
    assert world.assignees(key) == [*before, login]
    assert heard.assigned_ == [(key, (*before, login))]
    assert heard.failed_ == []
    assert world.posts(key) == ["POST"]  # one request, one login, never a PATCH of the set
    with Outbox(world.outbox_path) as outbox:
        assert outbox.count(world.sb.api_url) == 0


def test_removing_one_login_removes_only_it(world: World) -> None:
    key = world.key()
    world.sb.assign_as("tmandry", REPO, key.number, "tmandry", "eholk")
    heard = world.run(assign(key, ("EHOLK", AssignOp.REMOVE)))  # logins ignore case, as on GitHub
    assert world.assignees(key) == ["tmandry"]
    assert heard.assigned_ == [(key, ("tmandry",))]
    assert world.posts(key) == ["DELETE"]


@pytest.mark.logs("did not assign")
def test_a_login_github_drops_silently_is_said_with_who_is_assigned(world: World) -> None:
    key = world.key()
    world.sb.assign_as("tmandry", REPO, key.number, "tmandry")
    heard = world.run(assign(key, ("rustacean-ana", AssignOp.ADD)))
    assert world.assignees(key) == ["tmandry"]
    [(failed_key, login, error, assignees)] = heard.failed_
    assert (failed_key, login, assignees) == (key, "rustacean-ana", ("tmandry",))
    assert isinstance(error, NotAssignable)
    assert error.assignees == ("tmandry",)
    text = describe(error, Front.WINDOW, Doing.ASSIGN)
    assert f"GitHub did not assign @rustacean-ana to {key}" in text
    assert "assigned to @tmandry" in text
    with Outbox(world.outbox_path) as outbox:
        assert outbox.count(world.sb.api_url) == 0  # dropped for good: retrying cannot help


def test_the_last_wish_for_a_login_wins_before_it_is_sent(world: World) -> None:
    key = world.key()
    heard = world.run(
        assign(key, ("tmandry", AssignOp.ADD), ("eholk", AssignOp.ADD), ("tmandry", AssignOp.REMOVE))
    )
    assert world.assignees(key) == ["eholk"]
    assert len(heard.failed_) == 0
    # tmandry's row was replaced by its removal (sent as is: removing someone not assigned changes nothing)
    assert sorted(world.posts(key)) == ["DELETE", "POST"]


def test_a_lost_answer_is_confirmed_by_asking_again(world: World) -> None:
    key = world.key()
    world.sb.inject(Fault("status", status=502, method="POST", path=ASSIGNEES, apply=True))
    heard = world.run(assign(key, ("tmandry", AssignOp.ADD)))
    assert world.assignees(key) == ["tmandry"]  # once, though it was asked for twice
    assert world.posts(key) == ["POST", "POST"]
    assert heard.assigned_ == [(key, ("tmandry",))]


@pytest.mark.parametrize("kind", ["reset", "timeout", "secondary", "rate429"])
def test_faults_and_limits_are_waited_out(world: World, kind: str) -> None:
    key = world.key()
    world.sb.inject(Fault(kind, method="POST", path=ASSIGNEES, count=2, seconds=5))  # type: ignore[arg-type]
    heard = world.run(assign(key, ("tmandry", AssignOp.ADD)))
    assert world.assignees(key) == ["tmandry"]
    assert heard.failed_ == []
    assert heard.waits[-1] == Waiting(0)


def test_offline_the_assignment_waits_in_the_outbox_for_the_next_run(world: World) -> None:
    key = world.key()
    world.sb.inject(Fault("reset", path=ASSIGNEES, count=None))

    async def until_deadline(engine: MoveEngine) -> None:
        await engine.request_assignment(key, "tmandry", AssignOp.ADD)
        await engine.run(only=[key], until_idle=True, deadline=world.clock.time() + 60)

    heard = world.run(until_deadline)
    assert world.assignees(key) == []
    assert heard.failed_ == []
    with Outbox(world.outbox_path) as outbox:
        [row] = outbox.assignments(world.sb.api_url)
    assert (row.login, row.op, row.state) == ("tmandry", AssignOp.ADD, MoveState.WAITING)
    assert row.attempts >= 1
    world.sb.reset_faults()
    again = world.run(send_all)  # a new process replays the outbox
    assert world.assignees(key) == ["tmandry"]
    assert again.assigned_ == [(key, ("tmandry",))]


@pytest.mark.logs("cannot change labels")
def test_an_account_that_cannot_triage_is_refused_before_anything_is_sent(world: World) -> None:
    key = world.key()
    heard = world.run(assign(key, ("tmandry", AssignOp.ADD)), token=READER)
    assert world.assignees(key) == []
    assert world.posts(key) == []
    [(_, _, error, _)] = heard.failed_
    assert isinstance(error, CannotLabel)
    text = describe(error, Front.WINDOW, Doing.ASSIGN)
    assert "cannot change assignees in rust-lang/rust" in text
    assert "moved" not in text


@pytest.mark.logs("was not found on GitHub")
def test_an_issue_that_is_gone_drops_the_assignment(world: World) -> None:
    key = IssueKey(REPO, 999_999)
    heard = world.run(assign(key, ("tmandry", AssignOp.REMOVE)))
    [(_, _, error, _)] = heard.failed_
    assert isinstance(error, IssueGone)
    assert "unassign @tmandry" in describe(error, Front.CLI, Doing.ASSIGN)


def test_pending_changes_show_on_fetched_issues() -> None:
    changes = {"Eholk": AssignOp.ADD, "TMANDRY": AssignOp.REMOVE, "new": AssignOp.ADD}
    assert apply_assignees(("tmandry", "eholk", "bob"), changes) == ("eholk", "bob", "new")
    assert apply_assignees((), {"a": AssignOp.REMOVE}) == ()
