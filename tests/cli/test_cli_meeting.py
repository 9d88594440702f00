"""``triageboard assign``, ``agenda`` and ``minutes`` against the live sandbox over loopback HTTP: the
assignments through the outbox (faults, a kill -9, silent drops), the agenda and the minutes checked against
the sandbox's own state and the journal."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sandboxkit import Fault, Sandbox

from triageboard import cli, paths
from triageboard.board import (
    Board,
    Decision,
    Meeting,
    agenda,
    board_cards,
    label_key,
    minutes,
    open_meeting,
    preset,
)
from triageboard.clock import ScaledClock
from triageboard.github import GitHubClient, fetch_board
from triageboard.store import Journal, Outbox, Place

TOKEN = "tb-cli-meeting-token"
REPO = "rust-lang/rust"
SPEC = preset("rust-async")
COMMAND = (sys.executable, "-m", "triageboard")


@pytest.fixture
def sb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(token=TOKEN, seed=1, clock=ScaledClock(0.01)) as server:
        monkeypatch.setenv("GH_TOKEN", TOKEN)
        monkeypatch.setenv("TRIAGEBOARD_TIME_SCALE", "0.01")
        yield server


def run(sb: Sandbox, *args: str) -> int:
    return cli.main([*args, "--api-url", sb.api_url])


def assignees(sb: Sandbox, number: int) -> list[str]:
    people = sb.issue(REPO, number)["assignees"]
    assert isinstance(people, list)
    return [p["login"] for p in people]


def unassigned(sb: Sandbox) -> int:
    return sb.issue_numbers(REPO, labels=["AsyncAwait-Other"], assigned=False)[0]


def pending(sb: Sandbox) -> int:
    with Outbox(paths.outbox_path()) as outbox:
        return outbox.count(sb.api_url)


# --- assign ----------------------------------------------------------------------------------------------


def test_assign_adds_each_login_on_its_own(sb: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    number = unassigned(sb)
    sb.assign_as("tmandry", REPO, number, "compiler-errors")
    assert run(sb, "assign", f"{REPO}#{number}", "@tmandry", "eholk", "TMANDRY") == 0
    assert assignees(sb, number) == ["compiler-errors", "tmandry", "eholk"]
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [line[:3] for line in lines] == [
        [f"{REPO}#{number}", "assign @tmandry", "done"],
        [f"{REPO}#{number}", "assign @eholk", "done"],
    ]
    assert lines[-1][3] == "assigned: @compiler-errors, @tmandry, @eholk"
    methods = [r.method for r in sb.request_log if r.path.endswith(f"/issues/{number}/assignees")]
    assert methods == ["POST", "POST"]  # one login each; never a PATCH that replaces the set
    assert pending(sb) == 0


def test_assign_remove_takes_away_only_those_named(sb: Sandbox) -> None:
    number = unassigned(sb)
    sb.assign_as("tmandry", REPO, number, "tmandry", "eholk", "ferris")
    assert run(sb, "assign", f"{REPO}#{number}", "eholk", "ferris", "--remove") == 0
    assert assignees(sb, number) == ["tmandry"]


@pytest.mark.logs("did not assign")
def test_a_login_github_drops_silently_fails_the_command_and_says_so(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    number = unassigned(sb)
    assert run(sb, "assign", f"{REPO}#{number}", "tmandry", "crab-lover") == cli.EXIT_FAILED
    captured = capsys.readouterr()
    assert assignees(sb, number) == ["tmandry"]
    failed = [line.split("\t") for line in captured.out.splitlines() if "\tfailed\t" in line]
    assert [f[1] for f in failed] == ["assign @crab-lover"]
    assert f"GitHub did not assign @crab-lover to {REPO}#{number}" in captured.err
    assert "It is assigned to @tmandry." in captured.err
    assert pending(sb) == 0


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["rust-lang/rust#1", "not a login"], "is not a GitHub login"),
        (["rust-lang/rust#1", "tmandry", "a_b"], "is not a GitHub login"),
        (["rust-lang/rust", "tmandry"], "OWNER/REPO#N"),
    ],
)
def test_assign_usage_errors_touch_nothing(
    sb: Sandbox, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    assert run(sb, "assign", *args) == cli.EXIT_USAGE
    assert problem in capsys.readouterr().err
    assert sb.request_log == []
    assert not paths.outbox_path().exists() or pending(sb) == 0


def test_assign_waits_in_the_outbox_through_an_outage_and_sync_sends_it(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    number = unassigned(sb)
    sb.inject(Fault("status", status=503, method="POST", count=None))
    assert run(sb, "assign", f"{REPO}#{number}", "tmandry", "--wait", "0") == cli.EXIT_QUEUED
    captured = capsys.readouterr()
    assert "\tqueued\t" in captured.out
    assert "run 'triageboard sync' later" in captured.err
    assert pending(sb) == 1
    assert assignees(sb, number) == []
    sb.reset_faults()
    assert run(sb, "sync") == 0
    assert f"{REPO}#{number}\tassign @tmandry\tdone" in capsys.readouterr().out
    assert assignees(sb, number) == ["tmandry"]
    assert pending(sb) == 0


def test_an_assignment_survives_a_killed_process(sb: Sandbox, tmp_path: Path) -> None:
    number = unassigned(sb)
    # Every answer to the write is slow: the process is killed while it waits for one.
    sb.inject(Fault("latency", method="POST", path="/assignees", seconds=3000, count=1, apply=True))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log_path = tmp_path / "assign.log"
    with open(log_path, "w") as log_file:
        proc = subprocess.Popen(
            [*COMMAND, "assign", f"{REPO}#{number}", "eholk", "-v", "--api-url", sb.api_url],
            env=env,
            stdout=log_file,
            stderr=log_file,
        )
        deadline = time.monotonic() + 30
        while "queued 1 assignment" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "queued 1 assignment" in log_path.read_text(), log_path.read_text()
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    assert pending(sb) == 1
    assert run(sb, "sync") == 0
    assert assignees(sb, number) == ["eholk"]  # applied once, whether or not the slow write had landed
    assert pending(sb) == 0


# --- agenda ------------------------------------------------------------------------------------------------


def board_now(sb: Sandbox) -> dict[str, list[str]]:
    """The board's columns computed from the sandbox's own state: open issues with the area label or a
    column's label, in the first column whose labels they carry."""
    columns: dict[str, list[str]] = {c.name: [] for c in SPEC.columns}
    wanted = {label_key(n) for n in (*SPEC.area_labels, *SPEC.triage_labels)}
    for repo in SPEC.repos:
        for number in sb.issue_numbers(repo):  # open issues, no pull requests
            keys = {label_key(n) for n in sb.issue_labels(repo, number)}
            if not keys & wanted:
                continue
            column = next(
                (c.name for c in SPEC.columns if c.labels and all(label_key(x) in keys for x in c.labels)),
                "Uncategorized",
            )
            columns[column].append(f"{repo}#{number}")
    return columns


@pytest.mark.logs("TimelinesCapped")
def test_agenda_json_follows_the_sandbox(sb: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(sb, "agenda", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["board"] == "rust-async"
    assert data["generated_at"].endswith("+00:00")
    steps = data["steps"]
    assert [(s["step"], s["column"], s["from"]) for s in steps] == [
        ("uncategorized", "Uncategorized", None),
        ("review", "Focus", None),
        ("promote", "Focus", "OnDeck"),
        ("promote", "OnDeck", "Other"),
    ]
    columns = board_now(sb)
    assert sorted(i["issue"] for i in steps[0]["issues"]) == sorted(columns["Uncategorized"])
    assert len(steps[0]["issues"]) == 60
    # Conflicts sit in their first column; they are on the board once.
    focus = {i["issue"] for i in steps[1]["issues"]}
    assert focus <= set(columns["Focus"])
    assert len(focus) == 6
    assert {i["issue"] for i in steps[2]["issues"]} <= set(columns["OnDeck"])
    for step in steps[2:]:
        assert all(
            i["reason"] in ("mentored", "assigned", "oldest", "most-discussed") for i in step["issues"]
        )
        assert all(i["reason_text"] for i in step["issues"])
    for step in steps:
        for card in step["issues"]:
            assert card["column"] in (step["from"] or step["column"], step["column"]) or card["conflict"]
            since = card["in_column_since"]  # from the issue's timeline, where the run read it
            if card["column"] == "Focus":
                assert since is not None  # the stalled-rule column is read first
            if since is not None:
                assert datetime.fromisoformat(since) <= sb.clock.now()
            labels = {label_key(n) for n in sb.issue_labels(card["repo"], card["number"])}
            assert {label_key(n) for n in card["labels"]} == labels
            assert card["assignees"] == assignees_of(sb, card["repo"], card["number"])
    # The review step puts the unassigned Focus issues first.
    review = steps[1]["issues"]
    unassigned_first = [not c["assignees"] for c in review]
    assert unassigned_first == sorted(unassigned_first, reverse=True)
    assert "needs-assignee" in review[0]["flags"]
    # Focus has 6 of at most 5: it needs nobody; OnDeck's page is over-full too.
    assert steps[2]["needed"] == 0


def assignees_of(sb: Sandbox, repo: str, number: int) -> list[str]:
    people = sb.issue(repo, number)["assignees"]
    assert isinstance(people, list)
    return [p["login"] for p in people]


@pytest.mark.logs("TimelinesCapped")
def test_agenda_shows_a_pending_move_where_it_is_going(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    number = sb.issue_numbers(REPO, labels=["AsyncAwait-OnDeck"])[0]
    sb.inject(Fault("status", status=503, method="POST", count=None))
    assert run(sb, "move", f"{REPO}#{number}", "Focus", "--wait", "0") == cli.EXIT_QUEUED
    capsys.readouterr()
    assert run(sb, "agenda", "--json") == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    review = {c["issue"]: c for c in steps[1]["issues"]}
    assert review[f"{REPO}#{number}"]["pending"] is True


@pytest.mark.logs("TimelinesCapped")
def test_agenda_as_text(sb: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(sb, "agenda") == 0
    lines = capsys.readouterr().out.splitlines()
    headers = [line for line in lines if not line.startswith("\t")]
    assert headers == [
        "1. Give each Uncategorized issue a triage label (60 issues)",
        "2. Review Focus: is each issue progressing and assigned? (6 issues)",
        "3. Promote OnDeck → Focus (30 candidates; Focus needs 0 to reach its limit)",
        "4. Promote Other → OnDeck (100 candidates; OnDeck needs 0 to reach its limit)",
    ]
    assert all(len(line.split("\t")) == 4 for line in lines if line.startswith("\t"))


# --- minutes -----------------------------------------------------------------------------------------------


def test_minutes_of_the_last_meeting_from_the_journal(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(sb, "minutes") == cli.EXIT_FAILED
    assert "No triage meeting of the board rust-async by ferris" in capsys.readouterr().err
    board = Board(SPEC)

    async def fetch() -> None:
        async with httpx.AsyncClient() as http:
            client = GitHubClient(http, sb.api_url, lambda: TOKEN)
            board.update((await fetch_board(client, SPEC.with_sources(api_url=sb.api_url))).issues)

    asyncio.run(fetch())
    # The meeting as the window keeps it: the agenda of the sandbox's board, each decision journaled.
    now = ScaledClock(0.01).now()
    opened = open_meeting(SPEC, agenda(SPEC, board_cards(board, now), now), now)
    meeting = Meeting(opened)
    with Journal(paths.journal_path()) as journal:
        mid = journal.start(Place(sb.api_url, "ferris", "rust-async"), opened)
        for n, decision in enumerate([Decision.move("2"), Decision.skip(), Decision.move("3")], 1):
            journal.append(mid, meeting.decide(decision, now + timedelta(minutes=n))[0])
        stored = journal.last(Place(sb.api_url, "ferris", "rust-async"))
        # someone else's meeting of the same board is not ours
        journal.start(Place(sb.api_url, "tmandry", "rust-async"), opened)
    assert stored is not None
    assert run(sb, "minutes") == 0
    printed = capsys.readouterr().out
    assert printed == minutes(stored.records)
    assert printed.startswith("# Triage meeting: ")
    first = opened.steps[0].topics[0]
    assert f"[{first.key}]({first.url})" in printed
    assert "Uncategorized → OnDeck" in printed
    assert "| Uncategorized | 60 | 58 |" in printed


@pytest.mark.logs("Cannot reach|MinutesOffline")
def test_minutes_offline_are_those_of_the_last_account_seen(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """The minutes live on this computer: a network that is down does not keep them away; who they belong
    to is the last account seen on that host (a list or the window records it), and stderr says so."""
    now = ScaledClock(0.01).now()
    opened = open_meeting(SPEC, agenda(SPEC, [], now), now)
    with Journal(paths.journal_path()) as journal:
        journal.start(Place(sb.api_url, "ferris", "rust-async"), opened)
        stored = journal.last(Place(sb.api_url, "ferris", "rust-async"))
    assert stored is not None
    sb.inject(Fault(kind="reset", count=None))
    # Never signed in on this host from here: nothing says whose minutes to show.
    assert run(sb, "minutes") != 0
    assert "Cannot reach" in capsys.readouterr().err
    sb.reset_faults()
    assert run(sb, "list", "--max-timelines", "0") == 0
    capsys.readouterr()
    sb.inject(Fault(kind="reset", count=None))
    assert run(sb, "minutes") == 0
    out, err = capsys.readouterr()
    assert out == minutes(stored.records)
    assert "these are the minutes of the last meeting by ferris" in err
