"""The corpus's checks can fail: each is shown a run or a folder that breaks it (no triageboard process)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hostile_harness import (
    CLOCK,
    TOKEN,
    Case,
    Context,
    Issues,
    Run,
    Step,
    check_run,
    check_token,
    check_waits,
    clear_of_both_clocks,
)
from hostile_server import HostileServer, Rule, answer
from sandboxkit import Sandbox

pytestmark = pytest.mark.hostile


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Context]:
    case = Case("self-test", "the harness checks itself", (Step(),))
    with (
        Sandbox(token=TOKEN, seed=1, clock=CLOCK) as sandbox,
        HostileServer(sandbox.api_url) as server,
        HostileServer() as sink,
    ):
        yield Context(case, tmp_path, sandbox, server, sink, Issues((1, 2), (3,)))


def run(out: str = "", err: str = "", code: int | None = 0, *, hung: bool = False) -> Run:
    return Run(["list"], code, out, err, 1.0, hung)


def test_a_clean_run_passes(ctx: Context) -> None:
    assert check_run(ctx, Step(say=("done",)), run("x#1\tFocus\tdone\t"), frozenset()) == []


@pytest.mark.parametrize(
    ("step", "the_run", "problem"),
    [
        (Step(), run(err="Traceback (most recent call last):\n"), "traceback"),
        (Step(), run(err="Exception ignored in: <coroutine>\n"), "Exception ignored"),
        (Step(), run(code=1), "exit code 1, expected 0"),
        (Step(bound=3), run(code=None, hung=True), "still running after its bound of 3 s"),
        (Step(say=("queued",)), run(out="done"), "does not say /queued/"),
        (Step(not_say=("network",)), run(err="check your network"), "says /network/ (it must not)"),
        (Step(), run(err="GitHub said \x1b]0;title\x07"), "raw control characters on stderr"),
        (Step(), run(out="evil \u202etitle"), "raw control characters on stdout"),
        (Step(), run(out="evil \x9b31m"), "raw control characters on stdout"),
        (Step(full_board=True), run(out="Focus\trust-lang/rust#1\t-\tt\n"), "not the whole board"),
    ],
)
def test_each_check_catches_what_it_looks_for(ctx: Context, step: Step, the_run: Run, problem: str) -> None:
    baseline = frozenset({"rust-lang/rust#1", "rust-lang/rust#2"})
    problems = check_run(ctx, step, the_run, baseline)
    assert any(problem in p for p in problems), problems


def test_waits_must_be_within_an_hour_and_dated_when_not_today() -> None:
    now = datetime.now().astimezone()
    soon = now + timedelta(minutes=20)
    assert check_waits(f"used up until {soon:%Y-%m-%d %H:%M}") == []
    if soon.date() == now.date():  # undated is right only for today
        assert check_waits(f"used up until {soon:%H:%M}") == []
    later = now + timedelta(seconds=clear_of_both_clocks(now.timestamp()))
    assert check_waits(f"used up until {later:%H:%M}"), "an undated wait hours away"
    assert check_waits(f"used up until {now + timedelta(days=36500):%Y-%m-%d %H:%M}"), "a century ahead"


def test_the_token_is_found_in_output_files_and_requests_to_other_hosts(ctx: Context) -> None:
    assert check_token(ctx, [run(out="listing")]) == []
    (ctx.dirs["XDG_STATE_HOME"] / "app.log").write_text(f"Authorization: Bearer {TOKEN}\n")
    ctx.sink.set_rules([Rule(answer(200, []))])
    request = urllib.request.Request(ctx.sink.origin + "/x", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
    problems = check_token(ctx, [run(err=f"token {TOKEN} rejected")])
    assert any("appears in the output" in p for p in problems), problems
    assert any("written in state/app.log" in p for p in problems), problems
    assert any("sent to another host" in p for p in problems), problems
