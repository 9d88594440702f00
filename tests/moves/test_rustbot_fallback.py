"""The @rustbot fallback end to end: the engine against the sandbox's triagebot, on a clock shared with it.

A read-only account moves a card by asking the bot; the move is confirmed only once the bot changed the
labels on GitHub; the comment goes out once, whatever happens to the process or the answer; a label the bot
will not set, a claim it refuses, and a bot that never acts are each reported as a MoveError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fakeclock import FakeClock
from sandboxkit import BOT, BOT_DELAY, READER_LOGIN, READER_TOKEN, Fault, Sandbox

from triageboard.board import BoardSpec, Column, Issue, IssueKey, Label, Via, preset
from triageboard.errors import AwaitingBot, BotRefused, BotSilent, CannotLabel, TriageboardError
from triageboard.github import GitHubClient, Policy
from triageboard.moves import MoveEngine, MoveEvents
from triageboard.store import AssignOp, Outbox
from triageboard.wording import describe

SPEC = preset("rust-async")
REPO = "rust-lang/rust"
ONDECK, FOCUS, OTHER = SPEC.column("OnDeck"), SPEC.column("Focus"), SPEC.column("Other")
TRIAGE = {"asyncawait-focus", "asyncawait-ondeck", "asyncawait-other"}
POLICY = Policy()


class Recorder(MoveEvents):
    def __init__(self) -> None:
        self.settled_: dict[IssueKey, tuple[str, ...]] = {}
        self.failed_: dict[IssueKey, tuple[TriageboardError, tuple[str, ...] | None]] = {}
        self.assigned_: dict[IssueKey, tuple[str, ...]] = {}
        self.assignment_failed_: dict[IssueKey, TriageboardError] = {}
        self.notices: list[object] = []

    def settled(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        self.settled_[key] = tuple(label.name for label in labels)

    def failed(self, key: IssueKey, error: TriageboardError, labels: tuple[Label, ...] | None) -> None:
        self.failed_[key] = (error, None if labels is None else tuple(label.name for label in labels))

    def assigned(self, key: IssueKey, assignees: tuple[str, ...]) -> None:
        self.assigned_[key] = assignees

    def assignment_failed(
        self, key: IssueKey, login: str, error: TriageboardError, assignees: tuple[str, ...] | None
    ) -> None:
        self.assignment_failed_[key] = error

    def notice(self, fact: object) -> None:
        self.notices.append(fact)


@dataclass
class World:
    sb: Sandbox
    clock: FakeClock
    outbox_path: Path
    earlier: dict[IssueKey, int] = field(default_factory=dict)  # comments an issue had before the test

    def uncategorized(self, n: int = 1, repo: str = REPO) -> list[IssueKey]:
        found = []
        for number in self.sb.issue_numbers(repo, labels=["A-async-await"], assigned=False):
            if not {name.casefold() for name in self.sb.issue_labels(repo, number)} & TRIAGE:
                found.append(IssueKey(repo, number))
        for key in found[:n]:
            self.earlier[key] = len(self._comments(key))
        return found[:n]

    def labels(self, key: IssueKey) -> list[str]:
        return self.sb.issue_labels(key.repo, key.number)

    def comments(self, key: IssueKey) -> list[tuple[str, str]]:
        """The comments made on ``key`` during the test: (author, body)."""
        return self._comments(key)[self.earlier[key] :]

    def _comments(self, key: IssueKey) -> list[tuple[str, str]]:
        with httpx.Client() as http:
            reply = http.get(
                f"{self.sb.api_url}/repos/{key.repo}/issues/{key.number}/comments?per_page=100",
                headers={"Authorization": f"Bearer {self.sb.token}"},
            )
        assert reply.status_code == 200
        assert "next" not in reply.links
        return [(c["user"]["login"], c["body"]) for c in reply.json()]

    def writes(self) -> list[tuple[str, str]]:
        """Every label or assignee write the sandbox answered (whatever the answer)."""
        return [
            (r.method, r.path)
            for r in self.sb.request_log
            if r.method in ("POST", "PUT", "PATCH", "DELETE")
            and ("/labels" in r.path or "/assignees" in r.path)
        ]

    def run(
        self,
        body: Callable[[MoveEngine, Recorder], Awaitable[None]],
        *,
        token: str = READER_TOKEN,
        clock: FakeClock | None = None,
    ) -> Recorder:
        """A fresh engine (a new process: only the outbox file is shared) on the shared clock."""
        events = Recorder()

        async def main() -> None:
            async with httpx.AsyncClient() as http:
                client = GitHubClient(
                    http, self.sb.api_url, lambda: token, policy=POLICY, clock=clock or self.clock
                )
                with Outbox(self.outbox_path, clock=clock or self.clock) as outbox:
                    await body(MoveEngine(client, outbox, events), events)

        asyncio.run(main())
        return events


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = FakeClock()
    with Sandbox(seed=1, clock=clock) as sb:
        yield World(sb, clock, tmp_path / "outbox.sqlite3")


async def drain(engine: MoveEngine, deadline: float | None = None) -> None:
    await asyncio.wait_for(engine.run(until_idle=True, deadline=deadline), 30)


async def shown(engine: MoveEngine, key: IssueKey) -> Issue:
    labels = await engine.client.get_issue_labels(key.repo, key.number)
    return Issue(key.repo, key.number, "", labels)


def test_an_allowed_move_goes_through_the_bot_and_is_confirmed_only_when_the_labels_change(
    world: World,
) -> None:
    [key] = world.uncategorized()
    before = world.labels(key)

    async def ask(engine: MoveEngine, events: Recorder) -> None:
        await engine.prepare(SPEC, [REPO])
        issue = await shown(engine, key)
        route = engine.route(SPEC, issue, ONDECK)
        assert (route.via, route.comment) == (Via.RUSTBOT, "@rustbot label +AsyncAwait-OnDeck")
        assert route.via is not None
        await engine.request(SPEC, key, ONDECK, issue.labels, via=route.via)
        # Until the first look after the bot's delay: the comment is out, the move not confirmed.
        await drain(engine, deadline=engine.clock.time() + POLICY.bot_poll / 2)
        assert world.comments(key) == [(READER_LOGIN, "@rustbot label +AsyncAwait-OnDeck")]
        assert engine.pending_count() == 1
        assert events.settled_ == {}

    world.run(ask)
    # The bot has not acted yet: its moment has not come on the shared clock.
    assert world.labels(key) == before

    async def confirm(engine: MoveEngine, events: Recorder) -> None:
        await drain(engine)
        assert engine.pending_count() == 0

    events = world.run(confirm)
    assert world.labels(key) == [*before, "AsyncAwait-OnDeck"]
    assert events.settled_ == {key: (*before, "AsyncAwait-OnDeck")}
    assert events.failed_ == {}
    # One comment, acted on by the bot; the account never wrote a label.
    assert world.comments(key) == [(READER_LOGIN, "@rustbot label +AsyncAwait-OnDeck")]
    assert world.writes() == []
    assert POLICY.bot_poll > BOT_DELAY  # the first look already finds the bot's change


def test_a_card_waits_for_the_bot_before_it_moves_again(world: World) -> None:
    """Two comments for one card could be acted on in either order: the second waits for the first."""
    [key] = world.uncategorized()

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.prepare(SPEC, [REPO])
        issue = await shown(engine, key)
        await engine.request(SPEC, key, ONDECK, issue.labels, via=Via.RUSTBOT)
        await drain(engine, deadline=engine.clock.time() + POLICY.bot_poll / 2)  # asked; not acted yet
        moved = Issue(key.repo, key.number, "", (*issue.labels, Label("AsyncAwait-OnDeck")))
        route = engine.route(SPEC, moved, OTHER)
        assert route.refused
        assert isinstance(route.refusal, AwaitingBot)
        assert describe(route.refusal).startswith(f"{key} waits for @rustbot to act on an earlier request")
        with pytest.raises(AwaitingBot):
            await engine.request(SPEC, key, OTHER, moved.labels, via=Via.RUSTBOT)
        await drain(engine)
        assert events.settled_[key][-1] == "AsyncAwait-OnDeck"
        again = engine.route(SPEC, await shown(engine, key), OTHER)
        assert (again.via, again.comment) == (
            Via.RUSTBOT,
            "@rustbot label +AsyncAwait-Other -AsyncAwait-OnDeck",
        )

    world.run(body)
    assert world.comments(key) == [(READER_LOGIN, "@rustbot label +AsyncAwait-OnDeck")]


def test_the_comment_is_not_posted_again_when_its_answer_was_lost(tmp_path: Path) -> None:
    """The comment arrives but its answer is lost: the next attempt finds it on the issue. (The sandbox's
    clock is held until then, so the bot cannot have acted and made the question moot.)"""
    held, ours = FakeClock(), FakeClock()
    with Sandbox(seed=1, clock=held) as sb:
        world = World(sb, ours, tmp_path / "outbox.sqlite3")
        [key] = world.uncategorized()
        sb.inject(Fault(kind="reset", method="POST", path=r"/comments$", apply=True, count=1))

        async def lost(engine: MoveEngine, events: Recorder) -> None:
            await engine.prepare(SPEC, [REPO])
            issue = await shown(engine, key)
            via = engine.route(SPEC, issue, ONDECK).via
            assert via is not None
            await engine.request(SPEC, key, ONDECK, issue.labels, via=via)
            await drain(engine, deadline=engine.clock.time() + 4 * POLICY.move_retry_base)
            row = engine.pending_move(key)
            assert row is not None
            assert row.comment_id is not None  # found on the issue, not posted again

        world.run(lost)
        assert world.comments(key) == [(READER_LOGIN, "@rustbot label +AsyncAwait-OnDeck")]
        held.advance(BOT_DELAY)  # the bot's moment comes

        async def confirm(engine: MoveEngine, events: Recorder) -> None:
            await drain(engine)

        events = world.run(confirm)
        assert events.settled_[key][-1] == "AsyncAwait-OnDeck"
        assert world.comments(key) == [(READER_LOGIN, "@rustbot label +AsyncAwait-OnDeck")]
        posts = [r for r in sb.request_log if r.method == "POST" and r.path.endswith("/comments")]
        assert len(posts) == 1  # the lost answer was not taken for a lost comment
        assert world.writes() == []


def test_a_process_killed_while_asking_asks_once(world: World) -> None:
    """Killed right after recording that asking begins: the next run looks before it posts; killed right
    after posting: the next run finds the comment instead of posting it again."""
    first, second = world.uncategorized(2)

    async def killed(engine: MoveEngine, events: Recorder) -> None:
        await engine.prepare(SPEC, [REPO])
        for key in (first, second):
            issue = await shown(engine, key)
            await engine.request(SPEC, key, ONDECK, issue.labels, via=Via.RUSTBOT)
        # The first: asking recorded, and its comment out, but the run died before recording it.
        row = engine.outbox.get(engine.api_url, first)
        assert row is not None
        engine.outbox.asking(row, engine.clock.time())
        await engine.client.post_comment(REPO, first.number, "@rustbot label +AsyncAwait-OnDeck")
        # The second: asking recorded, the comment never sent.
        row = engine.outbox.get(engine.api_url, second)
        assert row is not None
        engine.outbox.asking(row, engine.clock.time())

    world.run(killed)

    async def again(engine: MoveEngine, events: Recorder) -> None:
        await drain(engine)

    events = world.run(again)
    assert set(events.settled_) == {first, second}
    for key in (first, second):
        assert world.comments(key) == [(READER_LOGIN, "@rustbot label +AsyncAwait-OnDeck")]
        assert "AsyncAwait-OnDeck" in world.labels(key)
    assert world.writes() == []


@pytest.mark.logs("@rustbot refused")
def test_a_label_the_bot_does_not_know_is_refused_by_the_bot_and_reported(world: World) -> None:
    """The bot's own refusal: the labels pass triagebot.toml (``A-*``), but the repository has no such
    label. The card goes back, the bot's words are reported."""
    spec = BoardSpec(
        name="made-up",
        columns=(Column("Made up", ("A-made-up-area",)), Column("Rest", ())),
        area_labels=("A-async-await",),
        repos=(REPO,),
    )
    [key] = world.uncategorized()
    before = world.labels(key)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        issue = await shown(engine, key)
        route = await engine.plan_route(spec, key, spec.column("Made up"))
        assert route.via is Via.RUSTBOT
        await engine.request(spec, key, spec.column("Made up"), issue.labels, via=route.via)
        await drain(engine)

    events = world.run(body)
    error, labels = events.failed_[key]
    assert isinstance(error, BotRefused)
    assert error.said == "Unknown labels: A-made-up-area"
    assert labels == tuple(before)
    assert world.labels(key) == before
    text = describe(error)
    assert text.startswith("@rustbot refused the change (Made up) on rust-lang/rust#")
    assert "“Unknown labels: A-made-up-area”" in text
    [(_, ours), (bot, said)] = world.comments(key)
    assert (ours, bot) == ("@rustbot label +A-made-up-area", BOT)
    assert "Unknown labels: A-made-up-area" in said
    assert world.writes() == []


@pytest.mark.logs("cannot change labels")
def test_a_label_only_members_may_set_is_refused_before_anything_is_posted(world: World) -> None:
    """A move queued for the bot whose labels the bot sets only for members (a decision taken on another
    card's labels, or before triagebot.toml changed) is refused at send time: nothing posted."""
    [key] = world.uncategorized()

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.prepare(SPEC, [REPO])
        issue = await shown(engine, key)
        route = engine.route(SPEC, issue, FOCUS)
        assert route.refused
        assert isinstance(route.refusal, BotRefused)
        assert route.refusal.labels == ("AsyncAwait-Focus",)
        await engine.request(SPEC, key, FOCUS, issue.labels, via=Via.RUSTBOT)
        await drain(engine)

    events = world.run(body)
    error, _ = events.failed_[key]
    assert isinstance(error, BotRefused)
    assert (error.labels, error.said) == (("AsyncAwait-Focus",), "")
    assert "lets only members set or remove AsyncAwait-Focus" in describe(error)
    assert world.comments(key) == []
    assert world.writes() == []


@pytest.mark.logs("had not acted")
def test_a_bot_that_never_acts_is_reported_after_the_bound(tmp_path: Path) -> None:
    """The sandbox's clock stands still, so the bot's moment never comes; the engine's clock runs on."""
    stopped, ours = FakeClock(), FakeClock()
    with Sandbox(seed=1, clock=stopped) as sb:
        world = World(sb, ours, tmp_path / "outbox.sqlite3")
        [key] = world.uncategorized()
        before = world.labels(key)

        async def body(engine: MoveEngine, events: Recorder) -> None:
            await engine.prepare(SPEC, [REPO])
            issue = await shown(engine, key)
            await engine.request(SPEC, key, ONDECK, issue.labels, via=Via.RUSTBOT)
            asked = engine.clock.time()
            await drain(engine)
            assert engine.clock.time() - asked >= POLICY.bot_wait

        events = world.run(body)
        error, labels = events.failed_[key]
        assert isinstance(error, BotSilent)
        assert error.seconds >= POLICY.bot_wait
        assert labels == tuple(before)
        text = describe(error)
        assert text.startswith(f"@rustbot had not acted on the request (OnDeck) for {key} after 10 minutes")
        assert "The comment stays on the issue" in text
        assert world.comments(key) == [(READER_LOGIN, "@rustbot label +AsyncAwait-OnDeck")]
        assert world.labels(key) == before
        # It looked ever less often, not in a tight loop.
        looks = [r for r in sb.request_log if r.path.endswith(f"/issues/{key.number}/labels")]
        assert 5 <= len(looks) <= 20


def test_claiming_an_issue_goes_through_the_bot(world: World) -> None:
    """The reader cannot be assigned on GitHub: the bot holds the issue for them and says so in its body."""
    [key] = world.uncategorized()

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.prepare(SPEC, [REPO])
        route = engine.route_assignment(key, READER_LOGIN)
        assert (route.via, route.comment) == (Via.RUSTBOT, "@rustbot claim")
        assert engine.route_assignment(key, "someone-else").refused
        assert route.via is not None
        await engine.request_assignment(key, READER_LOGIN, AssignOp.ADD, via=route.via)
        await drain(engine)

    events = world.run(body)
    assert events.assigned_ == {key: (BOT,)}
    assert events.assignment_failed_ == {}
    assert world.comments(key) == [(READER_LOGIN, "@rustbot claim")]
    assert world.writes() == []


@pytest.mark.logs("@rustbot refused")
def test_a_claim_the_bot_refuses_is_reported(world: World) -> None:
    [key] = world.uncategorized()
    world.sb.assign_as("other-user", REPO, key.number, "async-andy")

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.prepare(SPEC, [REPO])
        await engine.request_assignment(key, READER_LOGIN, AssignOp.ADD, via=Via.RUSTBOT)
        await drain(engine)

    events = world.run(body)
    error = events.assignment_failed_[key]
    assert isinstance(error, BotRefused)
    assert error.said == "This issue is already assigned to @async-andy."
    assert world.sb.issue(REPO, key.number)["assignees"][0]["login"] == "async-andy"
    assert world.writes() == []


@pytest.mark.logs("cannot change labels")
def test_without_a_bot_the_refusal_stands_and_nothing_is_written(world: World) -> None:
    """rust-lang/wg-async keeps no triagebot.toml: the read-only account's moves there are refused."""
    [key] = world.uncategorized(repo="rust-lang/wg-async")

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.prepare(SPEC, ["rust-lang/wg-async"])
        route = engine.route(SPEC, await shown(engine, key), ONDECK)
        assert route.refused
        assert isinstance(route.refusal, CannotLabel)
        # Queued anyway (by a script): refused at send time, nothing written.
        await engine.request(SPEC, key, OTHER, None)
        await drain(engine)

    events = world.run(body)
    assert isinstance(events.failed_[key][0], CannotLabel)
    assert world.writes() == []
