"""The move engine against a small scripted GitHub (MockTransport): every path a move can take."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fake_github import API, FakeGitHub, fail_times
from fakeclock import FakeClock

from triageboard.board import Issue, IssueKey, Label, LabelDiff, preset
from triageboard.clock import Clock
from triageboard.errors import (
    HalfApplied,
    MissingLabel,
    RateLimited,
    StoreError,
    StoreReason,
    TriageboardError,
    Unavailable,
    UnreadableRecord,
)
from triageboard.github import GitHubClient, Policy
from triageboard.moves import MoveEngine, MoveEvents
from triageboard.reporting import Doing, Waiting
from triageboard.store import AssignOp, MoveState, Outbox
from triageboard.wording import Front, describe

SPEC = preset("rust-async")
FOCUS, ONDECK, OTHER, UNCAT = (SPEC.column(n) for n in ("Focus", "OnDeck", "Other", "Uncategorized"))
REPO = "rust-lang/rust"
KEY = IssueKey(REPO, 1)


class Recorder(MoveEvents):
    """What the engine said, with its facts worded as the window would (tests read both)."""

    def __init__(self) -> None:
        self.settled_: list[tuple[IssueKey, tuple[str, ...]]] = []
        self.failed_: list[tuple[IssueKey, str, tuple[str, ...] | None]] = []
        self.errors: list[TriageboardError] = []
        self.statuses: list[str] = []
        self.notices: list[str] = []
        self.facts: list[object] = []
        self.counts: list[int] = []

    def pending_changed(self, count: int) -> None:
        self.counts.append(count)

    def settled(self, key: IssueKey, labels: tuple[Label, ...]) -> None:
        self.settled_.append((key, tuple(label.name for label in labels)))

    def failed(self, key: IssueKey, error: TriageboardError, labels: tuple[Label, ...] | None) -> None:
        self.errors.append(error)
        self.failed_.append((key, describe(error), None if labels is None else tuple(x.name for x in labels)))

    def waiting(self, state: Waiting) -> None:
        self.statuses.append(describe(state))

    def notice(self, fact: object) -> None:
        self.facts.append(fact)
        self.notices.append(describe(fact))


Body = Callable[[MoveEngine, Recorder], Awaitable[None]]


def run_engine(
    fake: FakeGitHub, tmp_path: Path, body: Body, policy: Policy | None = None, clock: Clock | None = None
) -> Recorder:
    """Run ``body`` with an engine on a fake clock (waits cost no time) unless ``clock`` is given."""
    events = Recorder()

    async def main() -> None:
        async with httpx.AsyncClient(transport=fake.transport()) as http:
            client = GitHubClient(
                http, API, lambda: "t0k", policy=policy or Policy(), clock=clock or FakeClock(time.time())
            )
            with Outbox(tmp_path / "outbox.sqlite3") as outbox:
                await body(MoveEngine(client, outbox, events), events)

    asyncio.run(main())
    return events


def shown(*names: str) -> tuple[Label, ...]:
    return tuple(Label(n) for n in names)


async def drain(engine: MoveEngine) -> None:
    await asyncio.wait_for(engine.run(until_idle=True), 10)


def test_move_adds_then_removes_and_confirms(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await", "AsyncAwait-OnDeck", "T-compiler")
    fake.define(REPO, *SPEC.triage_labels)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        row = await engine.request(
            SPEC, KEY, FOCUS, shown("A-async-await", "AsyncAwait-OnDeck", "T-compiler")
        )
        assert row.diff.add == ("AsyncAwait-Focus",)
        assert row.diff.remove == ("AsyncAwait-OnDeck",)
        assert engine.pending_count() == 1
        await drain(engine)
        assert engine.pending_count() == 0

    events = run_engine(fake, tmp_path, body)
    assert fake.labels[(REPO, 1)] == ["A-async-await", "T-compiler", "AsyncAwait-Focus"]
    assert events.settled_ == [(KEY, ("A-async-await", "T-compiler", "AsyncAwait-Focus"))]
    assert fake.writes() == [
        ("POST", "/api/v3/repos/rust-lang/rust/issues/1/labels"),
        ("DELETE", "/api/v3/repos/rust-lang/rust/issues/1/labels/AsyncAwait-OnDeck"),
    ]
    assert events.counts[0] == 1
    assert events.counts[-1] == 0
    assert not events.failed_
    assert not events.notices


def test_move_is_on_disk_before_the_first_request(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    seen: list[int] = []

    def check(request: httpx.Request) -> None:
        if not seen:  # a second connection sees what the first one committed
            with Outbox(tmp_path / "outbox.sqlite3") as other:
                rows = other.pending(API)
                seen.append(len(rows))
                assert rows[0].target == "Focus"

    fake.scripts.append(lambda r: check(r))

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await drain(engine)

    run_engine(fake, tmp_path, body)
    assert seen == [1]
    assert "AsyncAwait-Focus" in fake.labels[(REPO, 1)]


def test_temporary_failure_keeps_the_move_queued_then_sends_it(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    # One 502 more than the client's own retries (3): the engine must keep the move and try again later.
    fake.scripts.append(fail_times(4, 502, method="POST"))

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
        row = engine.pending_move(KEY)
        assert row is not None
        assert row.state is MoveState.WAITING
        assert row.attempts == 1
        assert isinstance(row.error, Unavailable)
        assert row.error.status == 502
        assert any("1 move waiting until" in s for s in events.statuses)
        await drain(engine)

    # The engine's own backoff (5 s, scaled to 0.25-0.5 s) outlasts the immediate deadline.
    events = run_engine(fake, tmp_path, body, Policy())
    assert fake.labels[(REPO, 1)] == ["A-async-await", "AsyncAwait-Focus"]
    assert len(events.settled_) == 1
    assert not events.failed_


def test_primary_rate_limit_holds_every_move_until_reset(tmp_path: Path) -> None:
    fake = FakeGitHub()
    for n in (1, 2):
        fake.issue(REPO, n, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    reset = str(int(time.time()) + 2)  # GitHub's reset time is obeyed as sent (not scaled): 1-2 s away
    limited = {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-used": "5000",
        "x-ratelimit-reset": reset,
    }
    fake.scripts.append(fail_times(1, 403, method="POST", headers=limited))

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await engine.request(SPEC, IssueKey(REPO, 2), OTHER, shown("A-async-await"))
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
        rows = engine.pending()
        assert len(rows) == 2
        assert all(r.state is MoveState.WAITING and r.not_before > time.time() + 0.3 for r in rows)
        assert any(s.startswith("2 moves waiting until") and "rate limit" in s for s in events.statuses)
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    assert [k for k, _ in events.settled_] == [KEY, IssueKey(REPO, 2)]
    assert events.statuses[-1] == ""


def test_secondary_limit_without_retry_after_waits_the_default(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    fake.scripts.append(fail_times(1, 429, method="POST"))
    clock = FakeClock(time.time())
    started = clock.time()

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await drain(engine)

    events = run_engine(fake, tmp_path, body, clock=clock)
    # GitHub's advice: at least a minute between the refused POST and the next one.
    assert clock.time() - started >= 60 - 1e-6
    assert events.settled_
    assert not events.failed_


@pytest.mark.logs("cannot change labels")
def test_no_permission_is_refused_before_any_write(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    fake.can_label[REPO] = False

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await drain(engine)
        assert engine.pending_count() == 0
        assert engine.refusal(REPO, ONDECK) is not None  # known for the session

    events = run_engine(fake, tmp_path, body)
    assert fake.writes() == []
    [(key, message, labels)] = events.failed_
    assert key == KEY
    assert "cannot change labels in rust-lang/rust" in message
    assert "triage role" in message
    assert labels == ("A-async-await",)  # the card goes back to what it showed


@pytest.mark.logs("does not exist in")
def test_missing_column_label_is_refused_and_never_auto_created(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, "AsyncAwait-OnDeck", "AsyncAwait-Other")  # no AsyncAwait-Focus

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    assert fake.writes() == []
    assert "asyncawait-focus" not in fake.repo_labels[REPO]
    [(_, message, _)] = events.failed_
    assert "The label 'AsyncAwait-Focus' does not exist in rust-lang/rust" in message


def test_conflict_is_applied_on_fresh_state_keeping_other_labels(tmp_path: Path) -> None:
    fake = FakeGitHub()
    # The board showed the issue uncategorized; meanwhile someone moved it to OnDeck and added T-compiler.
    fake.issue(REPO, 1, "A-async-await", "AsyncAwait-OnDeck", "T-compiler")
    fake.define(REPO, *SPEC.triage_labels)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        row = await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        assert row.diff.remove == ()  # planned against what the board showed
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    assert fake.labels[(REPO, 1)] == ["A-async-await", "T-compiler", "AsyncAwait-Focus"]
    [notice] = events.notices
    assert "changed on GitHub by someone else" in notice
    assert "+AsyncAwait-OnDeck" in notice
    assert "+T-compiler" in notice


def test_moves_of_one_issue_coalesce_and_the_last_wins(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await engine.request(SPEC, KEY, ONDECK, shown("A-async-await", "AsyncAwait-Focus"))
        [row] = engine.pending()
        assert row.generation == 2
        assert row.target == "OnDeck"
        assert row.base == ("A-async-await",)  # the first move's base is kept
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    assert fake.labels[(REPO, 1)] == ["A-async-await", "AsyncAwait-OnDeck"]
    assert fake.writes() == [("POST", "/api/v3/repos/rust-lang/rust/issues/1/labels")]
    assert not events.notices  # our own coalesced moves are no conflict


def test_a_newer_move_made_while_sending_wins(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await", "AsyncAwait-Other")
    fake.define(REPO, *SPEC.triage_labels)
    holder: dict[str, MoveEngine] = {}

    def user_moves_again() -> None:
        # The window (or another process) records a newer move of the same issue while this one is sent.
        fake.after_write = None
        engine = holder["engine"]
        engine.outbox.put(API, KEY, SPEC, UNCAT, ["A-async-await", "AsyncAwait-Other"], LabelDiff())

    fake.after_write = user_moves_again

    async def body(engine: MoveEngine, events: Recorder) -> None:
        holder["engine"] = engine
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await", "AsyncAwait-Other"))
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    assert fake.labels[(REPO, 1)] == ["A-async-await"]
    assert events.settled_[-1] == (KEY, ("A-async-await",))


def test_label_already_removed_by_someone_else_counts_as_done(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await", "AsyncAwait-Other")
    fake.define(REPO, *SPEC.triage_labels)

    def someone_removes_other() -> None:
        fake.after_write = None
        fake.labels[(REPO, 1)].remove("AsyncAwait-Other")

    fake.after_write = someone_removes_other

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await", "AsyncAwait-Other"))
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    assert fake.labels[(REPO, 1)] == ["A-async-await", "AsyncAwait-Focus"]
    assert ("DELETE", "/api/v3/repos/rust-lang/rust/issues/1/labels/AsyncAwait-Other") in fake.writes()
    assert len(events.settled_) == 1
    assert not events.failed_


@pytest.mark.logs("did not apply the move")
def test_silently_dropped_change_is_reported_after_bounded_retries(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    ignored = httpx.Response(200, json=[{"name": "A-async-await", "color": "ededed"}])
    fake.scripts.append(lambda r: ignored if r.method == "POST" else None)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    assert len(fake.writes()) == 3  # verify_rounds
    [(_, message, labels)] = events.failed_
    assert "GitHub did not apply the move of rust-lang/rust#1 to Focus" in message
    assert labels == ("A-async-await",)


def test_auth_error_keeps_moves_until_signed_in_again(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    fake.scripts.append(fail_times(1, 401))

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await drain(engine)  # returns: nothing can be sent without a valid token
        assert engine.pending_count() == 1
        assert any("sign in to GitHub again" in s for s in events.statuses)
        engine.resume()
        await drain(engine)
        assert engine.pending_count() == 0

    events = run_engine(fake, tmp_path, body)
    assert any("rejected the token" in n for n in events.notices)
    assert fake.labels[(REPO, 1)] == ["A-async-await", "AsyncAwait-Focus"]


@pytest.mark.logs("was not found on GitHub")
def test_deleted_issue_drops_the_move_with_a_message(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.define(REPO, *SPEC.triage_labels)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, IssueKey(REPO, 404), FOCUS, None)
        await drain(engine)
        assert engine.pending_count() == 0

    events = run_engine(fake, tmp_path, body)
    [(key, message, labels)] = events.failed_
    assert key == IssueKey(REPO, 404)
    assert "was not found on GitHub" in message
    assert labels is None


def test_outbox_is_replayed_by_a_new_engine(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.issue(REPO, 2, "A-async-await", "AsyncAwait-Focus")
    fake.define(REPO, *SPEC.triage_labels)

    async def first(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await engine.request(SPEC, IssueKey(REPO, 2), UNCAT, shown("A-async-await", "AsyncAwait-Focus"))
        # the session ends before anything is sent

    async def second(engine: MoveEngine, events: Recorder) -> None:
        await engine.load()
        assert engine.pending_count() == 2
        await drain(engine)

    run_engine(fake, tmp_path, first)
    assert fake.writes() == []
    events = run_engine(fake, tmp_path, second)
    assert fake.labels[(REPO, 1)] == ["A-async-await", "AsyncAwait-Focus"]
    assert fake.labels[(REPO, 2)] == ["A-async-await"]
    assert len(events.settled_) == 2


def test_overlay_reapplies_pending_moves_to_fresh_issues(tmp_path: Path) -> None:
    fake = FakeGitHub()

    async def body(engine: MoveEngine, events: Recorder) -> None:
        engine.learn([Label("AsyncAwait-Focus", "ff0000")])
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await", "AsyncAwait-Other"))
        fresh = [
            Issue(REPO, 1, "one", shown("A-async-await", "AsyncAwait-Other", "T-lang")),
            Issue(REPO, 2, "two", shown("A-async-await")),
        ]
        one, two = engine.overlay(fresh)
        assert one.labels == (Label("A-async-await"), Label("T-lang"), Label("AsyncAwait-Focus", "ff0000"))
        assert two is fresh[1]

    run_engine(fake, tmp_path, body)
    assert fake.log == []


@pytest.mark.parametrize("status", [400, 422])
@pytest.mark.logs("GitHub refused the request|could not make sense")
def test_refused_content_is_permanent(tmp_path: Path, status: int) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    fake.scripts.append(fail_times(1, status, method="POST"))

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    # 400 (GitHub could not read the request) and 422 (it refused the content): the same request gets the
    # same answer, so the move is dropped and the user told, never retried
    assert len(events.failed_) == 1
    assert not events.settled_


# --- review: failure paths a triage meeting meets ------------------------------------------------


def test_move_completed_by_another_process_still_settles_here(tmp_path: Path) -> None:
    """The window and 'triageboard sync' send the same row: whichever confirms second must still settle
    the card (else it stays marked pending forever)."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await", "AsyncAwait-Other")
    fake.define(REPO, *SPEC.triage_labels)
    other_events = Recorder()

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await", "AsyncAwait-Other"))
        with Outbox(tmp_path / "outbox.sqlite3") as second_outbox:
            other = MoveEngine(engine.client, second_outbox, other_events)
            await asyncio.gather(drain(engine), drain(other))

    events = run_engine(fake, tmp_path, body)
    assert fake.labels[(REPO, 1)] == ["A-async-await", "AsyncAwait-Focus"]
    assert events.settled_ == [(KEY, ("A-async-await", "AsyncAwait-Focus"))]
    assert other_events.settled_ == [(KEY, ("A-async-await", "AsyncAwait-Focus"))]
    assert not events.failed_
    assert not other_events.failed_


def test_outbox_failing_after_github_confirmed_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Disk full when the confirmed row is deleted: the window's sender goes on (the row is confirmed
    again later), with a message, instead of dying with an unexpected error."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    real_complete = Outbox.complete
    failures = [1]

    def flaky_complete(self: Outbox, move: object) -> bool:
        if failures[0]:
            failures[0] -= 1
            raise StoreError(
                "outbox", "o.sqlite3", StoreReason.DISK, doing="update", detail="database or disk is full"
            )
        return real_complete(self, move)  # type: ignore[arg-type]

    monkeypatch.setattr(Outbox, "complete", flaky_complete)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        task = asyncio.ensure_future(engine.run())  # the window's way: forever
        for _ in range(400):
            await asyncio.sleep(0.01)
            if engine.pending_count() == 0 or task.done():
                break
        assert not task.done(), task.exception()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert engine.pending_count() == 0

    events = run_engine(fake, tmp_path, body, Policy())
    assert any("disk is full" in n for n in events.notices)
    assert [k for k, _ in events.settled_] == [KEY]


def test_outbox_failing_stops_a_run_until_idle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's run (until idle) must end with the store's message, not spin until killed."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)

    def broken(self: Outbox, move: object) -> bool:
        raise StoreError("outbox", "o.sqlite3", StoreReason.DISK, doing="update", detail="disk I/O error")

    monkeypatch.setattr(Outbox, "complete", broken)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        with pytest.raises(StoreError, match="disk I/O error"):  # its facts carry SQLite's words
            await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time() + 30), 5)
        assert engine.pending_count() == 1  # kept: the next run confirms it

    run_engine(fake, tmp_path, body, Policy())


def _limited_row(engine: MoveEngine) -> float:
    row = engine.pending_move(KEY)
    assert row is not None
    assert row.state is MoveState.WAITING
    return row.not_before - engine.clock.time()


def test_repeated_secondary_limits_without_retry_after_back_off_exponentially(tmp_path: Path) -> None:
    """GitHub: with no retry-after wait at least a minute, then back off exponentially while it goes on."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        waits = []
        for _ in range(3):
            await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
            waits.append(_limited_row(engine))
            row = engine.pending_move(KEY)
            assert row is not None
            engine.outbox.mark(row, MoveState.QUEUED)  # due again now (no real waiting in the test)
        # at least a minute, then two, then four
        assert waits[0] == pytest.approx(60, abs=0.5)
        assert waits[1] == pytest.approx(120, abs=0.5)
        assert waits[2] == pytest.approx(240, abs=0.5)
        await drain(engine)
        # After a success the streak starts again from the minute.
        left[0] = 1
        await engine.request(SPEC, KEY, OTHER, shown("AsyncAwait-Focus"))
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
        assert _limited_row(engine) == pytest.approx(60, abs=0.5)

    secondary_body = {"message": "You have exceeded a secondary rate limit."}
    left = [3]

    def script(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and left[0] > 0:
            left[0] -= 1
            return httpx.Response(403, json=secondary_body)
        return None

    fake.scripts.append(script)
    run_engine(fake, tmp_path, body)


def test_primary_limit_with_a_reset_in_the_past_does_not_hammer_github(tmp_path: Path) -> None:
    """Clock skew: GitHub says the limit is used up but its reset time already passed here. The engine
    must still pause between attempts, not loop as fast as the network allows."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    limited = {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-used": "5000",
        "x-ratelimit-reset": str(int(time.time()) - 120),
    }
    fake.scripts.append(fail_times(50, 403, method="POST", headers=limited))

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time() + 2), 10)
        assert _limited_row(engine) > 0

    # A pause of at least 5 s: one POST fits in a run that may wait 2 s.
    run_engine(fake, tmp_path, body)
    assert len([w for w in fake.writes() if w[0] == "POST"]) == 1


@pytest.mark.logs("does not exist in")
def test_label_created_after_a_refusal_is_found_on_the_next_move(tmp_path: Path) -> None:
    """The message says 'create it there'; once the user has, the next move must not be refused from a
    stale memory of the label being missing."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, "AsyncAwait-OnDeck", "AsyncAwait-Other")

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await drain(engine)
        assert len(events.failed_) == 1
        fake.define(REPO, "AsyncAwait-Focus")  # the user follows the advice
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    assert fake.labels[(REPO, 1)] == ["A-async-await", "AsyncAwait-Focus"]
    assert [k for k, _ in events.settled_] == [KEY]


def test_up_front_refusal_is_not_kept_forever(tmp_path: Path) -> None:
    """A board opened with a missing column label: the drop is refused at once, but once the label exists
    a later drop gets through (the engine asks GitHub again)."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, "AsyncAwait-OnDeck", "AsyncAwait-Other")
    clock = FakeClock(time.time())

    async def body(engine: MoveEngine, events: Recorder) -> None:
        problems = await engine.prepare(SPEC, [REPO])
        assert any(isinstance(p, MissingLabel) and p.label == "AsyncAwait-Focus" for p in problems)
        assert engine.refusal(REPO, FOCUS) is not None
        fake.define(REPO, "AsyncAwait-Focus")
        clock.advance(120)  # a while later
        assert engine.refusal(REPO, FOCUS) is None

    run_engine(fake, tmp_path, body, clock=clock)


@pytest.mark.logs("did not apply the move")
def test_add_that_github_did_not_apply_never_removes_the_old_column_label(tmp_path: Path) -> None:
    """If GitHub's answer to the add lacks the target label (a redirect of a transferred issue turning the
    POST into a GET, a silent drop), removing the old column's label would leave the issue half-moved."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await", "AsyncAwait-Other")
    fake.define(REPO, *SPEC.triage_labels)
    ignored = httpx.Response(200, json=[_json_label("A-async-await"), _json_label("AsyncAwait-Other")])
    fake.scripts.append(lambda r: ignored if r.method == "POST" else None)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await", "AsyncAwait-Other"))
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    assert fake.labels[(REPO, 1)] == ["A-async-await", "AsyncAwait-Other"]
    assert [m for m, _ in fake.writes()] == ["POST"] * 3
    [(_, message, labels)] = events.failed_
    assert "did not apply the move" in message
    assert labels == ("A-async-await", "AsyncAwait-Other")


def _json_label(name: str) -> dict[str, object]:
    return {"name": name, "color": "ededed", "description": None}


@pytest.mark.logs("was deleted on GitHub")
def test_deleted_issue_answering_410_gone_is_dropped_not_retried_forever(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.define(REPO, *SPEC.triage_labels)
    gone = httpx.Response(410, json={"message": "This issue was deleted"})
    fake.scripts.append(lambda r: gone if "/issues/7" in r.url.path else None)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, IssueKey(REPO, 7), FOCUS, shown("A-async-await"))
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
        assert engine.pending_count() == 0

    events = run_engine(fake, tmp_path, body)
    [(key, message, _)] = events.failed_
    assert key == IssueKey(REPO, 7)
    assert "deleted" in message


@pytest.mark.logs("only half done")
def test_refused_after_a_partly_sent_move_reports_githubs_labels_not_the_old_base(tmp_path: Path) -> None:
    """Focus was half sent (added, the removal failed for now); then the user moved the card to a column
    whose label is gone. The card must come back showing what GitHub has, not the board's old base."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await", "AsyncAwait-Other")
    fake.define(REPO, "AsyncAwait-Focus", "AsyncAwait-Other")  # no AsyncAwait-OnDeck
    fake.scripts.append(fail_times(4, 502, method="DELETE"))

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await", "AsyncAwait-Other"))
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
        assert fake.labels[(REPO, 1)] == ["A-async-await", "AsyncAwait-Other", "AsyncAwait-Focus"]
        await engine.request(SPEC, KEY, ONDECK, shown("A-async-await", "AsyncAwait-Focus"))
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    [(_, message, labels)] = events.failed_
    # The issue is left in two columns, and the message says so, and why the rest failed.
    [error] = events.errors
    assert isinstance(error, HalfApplied)
    assert error.columns == ("Focus", "Other")
    assert isinstance(error.cause, MissingLabel)
    assert "AsyncAwait-OnDeck" in message
    assert "Focus and Other at once" in message
    assert labels == ("A-async-await", "AsyncAwait-Other", "AsyncAwait-Focus")


def test_a_reset_a_century_ahead_holds_the_moves_an_hour_at_most(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    clock = FakeClock(time.time())
    century = {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-reset": str(int(clock.time()) + 100 * 365 * 86400),
    }
    fake.scripts.append(fail_times(1, 403, method="POST", headers=century))

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
        row = engine.pending_move(KEY)
        assert row is not None
        assert isinstance(row.error, RateLimited)
        assert row.error.capped
        assert row.not_before - engine.clock.time() == pytest.approx(3600, abs=1)
        await drain(engine)  # an hour later (on the fake clock) it goes out

    events = run_engine(fake, tmp_path, body, clock=clock)
    assert [k for k, _ in events.settled_] == [KEY]
    assert any("longer wait than any of its limits" in s for s in events.statuses)


def test_a_new_run_asks_github_before_trusting_an_old_runs_rate_limit_wait(tmp_path: Path) -> None:
    """An earlier process was told the limit was used up until much later; a new `sync` asks GitHub
    (GET /rate_limit costs nothing) and, with room again, sends at once instead of waiting."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    clock = FakeClock(time.time())
    limited = RateLimited(resume_at=datetime.fromtimestamp(clock.time() + 3000, UTC), secondary=False)

    async def earlier(engine: MoveEngine, events: Recorder) -> None:
        row = await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        engine.outbox.defer_all(API, clock.time() + 3000, limited)
        assert row.key == KEY

    async def later(engine: MoveEngine, events: Recorder) -> None:
        started = engine.clock.time()
        await asyncio.wait_for(engine.run(until_idle=True, deadline=started), 10)
        assert engine.pending_count() == 0
        assert engine.clock.time() - started < 60  # it did not sit out the old wait

    run_engine(fake, tmp_path, earlier, clock=clock)
    events = run_engine(fake, tmp_path, later, clock=clock)
    assert ("GET", "/api/v3/rate_limit") in fake.log
    assert [k for k, _ in events.settled_] == [KEY]


def test_an_old_wait_is_kept_when_github_says_the_limit_is_still_used_up(tmp_path: Path) -> None:
    fake = FakeGitHub(core_remaining=0)
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    clock = FakeClock(time.time())
    limited = RateLimited(resume_at=datetime.fromtimestamp(clock.time() + 3000, UTC), secondary=False)

    async def earlier(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        engine.outbox.defer_all(API, clock.time() + 3000, limited)

    async def later(engine: MoveEngine, events: Recorder) -> None:
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
        assert engine.pending_count() == 1

    run_engine(fake, tmp_path, earlier, clock=clock)
    run_engine(fake, tmp_path, later, clock=clock)
    assert fake.writes() == []


def test_requests_reach_the_outbox_in_the_order_they_were_made(tmp_path: Path) -> None:
    """Assign, then unassign at once: the last wish must be the one written last, whatever the threads do."""
    fake = FakeGitHub()

    async def body(engine: MoveEngine, events: Recorder) -> None:
        wishes = [AssignOp.ADD, AssignOp.REMOVE] * 20
        await asyncio.gather(*(engine.request_assignment(KEY, "alice", op) for op in wishes))
        [row] = engine.outbox.assignments(API)
        assert row.op is AssignOp.REMOVE
        assert row.generation == len(wishes)

    run_engine(fake, tmp_path, body)


# --- answers that cannot be read, half-sent moves, waits that were not GitHub's -------------------------


def test_an_applied_add_whose_answer_cannot_be_read_is_read_back_not_sent_again(tmp_path: Path) -> None:
    """The POST reached GitHub (the label is on the issue) but its answer is of the wrong shape: the engine
    reads the labels back and finds the move done, in the same attempt, instead of retrying it blind."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)

    def applied_but_garbled(request: httpx.Request) -> httpx.Response | None:
        if request.method != "POST":
            return None
        fake.labels[(REPO, 1)].extend(json.loads(request.content)["labels"])
        return httpx.Response(200, json={"labels": "AsyncAwait-Focus"})

    fake.scripts.append(applied_but_garbled)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, None)  # the CLI's way: no labels shown, no planned diff
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)

    events = run_engine(fake, tmp_path, body)
    assert events.settled_ == [(KEY, ("A-async-await", "AsyncAwait-Focus"))]
    assert [m for m, _ in fake.writes()] == ["POST"]
    assert fake.log[-1] == ("GET", "/api/v3/repos/rust-lang/rust/issues/1/labels")


@pytest.mark.logs("only half done")
def test_a_move_refused_after_its_add_says_the_issue_is_in_two_columns(tmp_path: Path) -> None:
    """Without a base (the CLI), what the engine itself added tells a half-sent move from an old
    conflict."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await", "AsyncAwait-Focus")
    fake.define(REPO, *SPEC.triage_labels)
    refused = httpx.Response(403, json={"message": "Resource not accessible by personal access token"})
    fake.scripts.append(lambda r: refused if r.method == "DELETE" else None)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, ONDECK, None)
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    [error] = events.errors
    assert isinstance(error, HalfApplied)
    assert error.final
    assert error.columns == ("Focus", "OnDeck")
    assert "in both Focus and OnDeck at once" in describe(error)
    [(_, _, labels)] = events.failed_
    assert labels == ("A-async-await", "AsyncAwait-Focus", "AsyncAwait-OnDeck")


@pytest.mark.logs("cannot change labels")
def test_an_old_conflict_refused_before_any_write_is_not_called_half_done(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await", "AsyncAwait-Focus", "AsyncAwait-OnDeck")
    fake.define(REPO, *SPEC.triage_labels)
    refused = httpx.Response(403, json={"message": "Resource not accessible by personal access token"})
    fake.scripts.append(lambda r: refused if r.method == "DELETE" else None)

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, ONDECK, None)
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    [error] = events.errors
    assert not isinstance(error, HalfApplied)  # the engine added nothing: the conflict was there before


def test_a_half_sent_move_that_waits_says_where_the_issue_is_meanwhile(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await", "AsyncAwait-Focus")
    fake.define(REPO, *SPEC.triage_labels)
    fake.scripts.append(fail_times(4, 503, method="DELETE"))  # the quick retries, and then some

    async def body(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, ONDECK, None)
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
        row = engine.pending_move(KEY)
        assert row is not None
        assert isinstance(row.error, HalfApplied)  # as kept in the outbox, for the next run to say
        assert not row.error.final
        assert isinstance(row.error.cause, Unavailable)
        text = describe(row.error, Front.CLI, Doing.SEND)
        assert "in both Focus and OnDeck at once" in text
        assert "triageboard sync" in text
        await drain(engine)

    events = run_engine(fake, tmp_path, body)
    assert events.settled_ == [(KEY, ("A-async-await", "AsyncAwait-OnDeck"))]


def test_a_new_run_tries_again_after_a_secondary_wait_that_was_cut_to_an_hour(tmp_path: Path) -> None:
    """retry-after: 999999999 is no instruction GitHub can mean: the hour it was cut to is triageboard's
    guess, so a new run (the user's sync) tries once instead of sitting it out."""
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    clock = FakeClock(time.time())
    absurd = {"retry-after": "999999999"}
    fake.scripts.append(fail_times(1, 403, method="POST", headers=absurd))

    async def earlier(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
        row = engine.pending_move(KEY)
        assert row is not None
        assert isinstance(row.error, RateLimited)
        assert row.error.secondary
        assert row.error.capped

    async def later(engine: MoveEngine, events: Recorder) -> None:
        started = engine.clock.time()
        await asyncio.wait_for(engine.run(until_idle=True, deadline=started), 10)
        assert engine.pending_count() == 0
        assert engine.clock.time() - started < 60  # it did not sit out the hour

    run_engine(fake, tmp_path, earlier, clock=clock)
    events = run_engine(fake, tmp_path, later, clock=clock)
    assert [k for k, _ in events.settled_] == [KEY]


def test_a_secondary_wait_github_meant_is_kept_by_a_new_run(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    clock = FakeClock(time.time())
    fake.scripts.append(fail_times(1, 403, method="POST", headers={"retry-after": "600"}))

    async def earlier(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, shown("A-async-await"))
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)

    async def later(engine: MoveEngine, events: Recorder) -> None:
        await asyncio.wait_for(engine.run(until_idle=True, deadline=engine.clock.time()), 10)
        assert engine.pending_count() == 1

    run_engine(fake, tmp_path, earlier, clock=clock)
    run_engine(fake, tmp_path, later, clock=clock)
    assert [m for m, _ in fake.writes()] == ["POST"]


def test_a_damaged_outbox_row_is_reported_failed_once_and_the_others_are_sent(tmp_path: Path) -> None:
    fake = FakeGitHub()
    fake.issue(REPO, 1, "A-async-await")
    fake.issue(REPO, 2, "A-async-await")
    fake.define(REPO, *SPEC.triage_labels)
    other = IssueKey(REPO, 2)

    async def queue(engine: MoveEngine, events: Recorder) -> None:
        await engine.request(SPEC, KEY, FOCUS, None)
        await engine.request(SPEC, other, FOCUS, None)
        with contextlib.closing(sqlite3.connect(engine.outbox.path)) as conn:
            conn.execute("UPDATE moves SET columns = '{not json' WHERE number = 1")
            conn.commit()

    async def send(engine: MoveEngine, events: Recorder) -> None:
        await drain(engine)
        await engine.load()  # a later read finds nothing more to say

    run_engine(fake, tmp_path, queue)
    events = run_engine(fake, tmp_path, send)
    [error] = events.errors
    assert isinstance(error, UnreadableRecord)
    assert [key for key, _, _ in events.failed_] == [KEY]
    assert [key for key, _ in events.settled_] == [other]
    assert fake.labels[(REPO, 1)] == ["A-async-await"]  # nothing was sent for the damaged one
