"""``triageboard list`` with the board's signals, against the live sandbox: each flag and rule as the
sandbox's state says (worked out here from its raw JSON, not through the board's code), time in a column as
its history says, views (built in and saved), orders, the timeline cap; ``move`` through @rustbot for a
read-only account."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sandboxkit import DATASET_NOW, READER_LOGIN, READER_TOKEN, Fault, Sandbox

from triageboard import cli
from triageboard.board import Filter, Sort, View, preset
from triageboard.clock import ScaledClock
from triageboard.saved_views import save_views, views_path

TOKEN = "tb-signals-token"
REPO = "rust-lang/rust"
SPEC = preset("rust-async")
AREA = "a-async-await"
COLUMNS = {"asyncawait-focus": "Focus", "asyncawait-ondeck": "OnDeck", "asyncawait-other": "Other"}
SCALE = 0.01
# Twenty days after the dataset's "now" when the test starts (time then runs 100 times faster).
START = DATASET_NOW + 20 * 86400


@pytest.fixture
def sb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    real = time.time()
    anchor = (real / SCALE - START) / (1 / SCALE - 1)  # ScaledClock(SCALE, anchor).time() == START now
    with Sandbox(token=TOKEN, seed=1, clock=ScaledClock(SCALE, anchor)) as server:
        monkeypatch.setenv("GH_TOKEN", TOKEN)
        monkeypatch.setenv("TRIAGEBOARD_TIME_SCALE", f"{SCALE}@{anchor!r}")
        yield server


def run(sb: Sandbox, *args: str) -> int:
    return cli.main([*args, "--api-url", sb.api_url])


def listed(sb: Sandbox, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert run(sb, "list", "--json", *args) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def events(sb: Sandbox, number: int, repo: str = REPO) -> list[dict[str, Any]]:
    with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        return http.get(f"{sb.api_url}/repos/{repo}/issues/{number}/events?per_page=100").json()  # type: ignore[no-any-return]


def column_of(labels: set[str]) -> str | None:
    """The first triage column (board order) whose label the issue carries."""
    return next((COLUMNS[k] for k in COLUMNS if k in labels), None)


def timeline_reads(sb: Sandbox) -> list[str]:
    return [r.path for r in sb.request_log if r.path.endswith("/timeline")]


def test_every_flag_and_time_in_column_is_the_sandboxs_state(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    ondeck = sb.issue_numbers(REPO, labels=["AsyncAwait-OnDeck", "A-async-await"])
    other = sb.issue_numbers(REPO, labels=["AsyncAwait-Other", "A-async-await"])
    sb.edit_labels_as("someone", REPO, ondeck[0], add=["AsyncAwait-Focus"])  # a conflict
    sb.edit_labels_as("someone", REPO, other[0], remove=["A-async-await"])  # lost its area label
    uncategorized = [
        n
        for n in sb.issue_numbers(REPO, labels=["A-async-await"])
        if not {x.casefold() for x in sb.issue_labels(REPO, n)} & COLUMNS.keys()
    ]
    sb.inject(Fault(kind="status", status=502, method="POST", count=None))
    assert run(sb, "move", f"{REPO}#{uncategorized[0]}", "OnDeck", "--wait", "0") == cli.EXIT_QUEUED
    sb.reset_faults()
    capsys.readouterr()

    cards = listed(sb, capsys, "--max-timelines", "1000")
    now = datetime.fromtimestamp(START, UTC)
    seen = set()
    for card in cards:
        data = sb.issue(card["repo"], card["number"])
        labels = {label["name"].casefold() for label in data["labels"]}
        pending = card["number"] == uncategorized[0] and card["repo"] == REPO
        if pending:
            labels.add("asyncawait-ondeck")  # shown where it is going
        triage = [k for k in COLUMNS if k in labels]
        column = column_of(labels) or "Uncategorized"
        assert card["column"] == column
        flags = set(card["flags"])
        assert ("pending" in flags) is pending
        assert ("conflict" in flags) is (len(triage) > 1)
        assert ("lost-area" in flags) is (bool(triage) and AREA not in labels)
        assert ("needs-assignee" in flags) is (column == "Focus" and not data["assignees"])
        since = card["in_column_since"]
        if pending:
            assert since is None  # GitHub has not seen the move yet
        elif triage:
            label = next(k for k in COLUMNS if k in labels)
            entered = max(
                when(e["created_at"])
                for e in events(sb, card["number"], card["repo"])
                if e["event"] == "labeled" and e["label"]["name"].casefold() == label
            )
            assert since is not None
            assert when(since) == entered
            seen.add(column)
        else:
            assert since is not None
            assert when(data["created_at"]) <= when(since) <= now
        if column == "Focus" and since is not None:
            quiet = max(when(data["updated_at"]), when(since))
            days = (now - quiet) / timedelta(days=1)
            if abs(days - 14) > 0.5:  # clear of the boundary, whatever the test's own time costs
                assert ("stalled" in flags) is (days >= 14), (card["issue"], days)
        else:
            assert "stalled" not in flags  # only Focus has the rule
    assert seen == {"Focus", "OnDeck", "Other"}
    flags_seen = {flag for card in cards for flag in card["flags"]}
    assert flags_seen == {"conflict", "lost-area", "needs-assignee", "stalled", "pending"}


@pytest.mark.logs("TimelinesCapped")
def test_timelines_are_read_rule_first_up_to_the_cap_and_kept_for_the_next_run(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(sb, "list", "--json", "--max-timelines", "0") == 0
    captured = capsys.readouterr()
    cards = json.loads(captured.out)
    assert all(card["in_column_since"] is None for card in cards)
    assert captured.err == ""  # none were asked for: nothing to say
    assert timeline_reads(sb) == []

    focus = {
        f"/api/v3/repos/{c['repo']}/issues/{c['number']}/timeline" for c in cards if c["column"] == "Focus"
    }
    assert run(sb, "list", "--json", "--max-timelines", "2") == 0
    captured = capsys.readouterr()
    known = [c for c in json.loads(captured.out) if c["in_column_since"]]
    assert len(known) == 2
    assert f"Time in a column is known for 2 of {len(cards)} cards" in captured.err
    assert "reading timelines stopped after 2 requests" in captured.err
    first = timeline_reads(sb)
    assert len(first) == 2
    assert set(first) <= focus  # the column with a rule first

    sb.clear_request_log()
    cards = listed(sb, capsys, "--max-timelines", "1000")
    assert all(card["in_column_since"] for card in cards)
    assert len(timeline_reads(sb)) == len(cards) - 2  # the two read before cost nothing
    assert not set(timeline_reads(sb)) & set(first)
    sb.clear_request_log()
    again = listed(sb, capsys, "--max-timelines", "1000")
    assert again == cards
    assert timeline_reads(sb) == []  # nothing changed: nothing asked


def test_a_built_in_view_filters_by_flags_and_orders_by_time_in_column(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    every = listed(sb, capsys, "--max-timelines", "1000")
    stalled = listed(sb, capsys, "--view", "stalled")  # any case
    assert stalled
    assert [c["issue"] for c in stalled] == [
        c["issue"]
        for c in sorted(
            (c for c in every if "stalled" in c["flags"]), key=lambda c: (c["in_column_since"], c["issue"])
        )
    ]
    unassigned = listed(sb, capsys, "--view", "Focus without assignee")
    assert {c["issue"] for c in unassigned} == {
        c["issue"] for c in every if c["column"] == "Focus" and not c["assignees"]
    }


def test_a_saved_view_is_read_from_the_boards_views_file(
    sb: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    every = listed(sb, capsys, "--max-timelines", "0")
    login = next(c["assignees"][0] for c in every if c["assignees"])
    spec = SPEC.with_sources(api_url=sb.api_url)
    saved = (
        View("Theirs", Filter(assignee=login), Sort.NUMBER),
        View("Stalled", Filter(columns=("OnDeck",))),  # replaces the built-in view of that name
    )
    path = save_views(spec, saved)
    assert path == views_path("rust-async")
    theirs = listed(sb, capsys, "--view", "theirs", "--max-timelines", "0")
    assert theirs
    assert all(login in c["assignees"] for c in theirs)
    assert {c["issue"] for c in theirs} == {c["issue"] for c in every if login in c["assignees"]}
    for column in {c["column"] for c in theirs}:
        numbers = [c["number"] for c in theirs if c["column"] == column]
        assert numbers == sorted(numbers)
    mine = listed(sb, capsys, "--view", "Stalled", "--max-timelines", "0")
    assert {c["column"] for c in mine} == {"OnDeck"}

    path.write_text('{"version": 1, "views": [{"name": "x", "sort": "sideways"}]}', encoding="utf-8")
    assert run(sb, "list", "--view", "Theirs") == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert str(path) in err
    assert "'sideways' is none of" in err


def test_an_unknown_view_or_order_is_a_usage_error(sb: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(sb, "list", "--view", "Nope") == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "this board has no view 'Nope'" in err
    assert "'Stalled'" in err
    assert "'Mentored, no assignee'" in err
    assert run(sb, "list", "--sort", "sideways") == cli.EXIT_USAGE
    assert "invalid choice: 'sideways'" in capsys.readouterr().err


@pytest.mark.parametrize("sort", ["number", "updated", "comments", "time-in-column", "board"])
def test_cards_are_ordered_within_their_columns(
    sb: Sandbox, capsys: pytest.CaptureFixture[str], sort: str
) -> None:
    cards = listed(sb, capsys, "--sort", sort, "--max-timelines", "1000")
    order = [c["column"] for c in cards]
    assert order == sorted(order, key=[c.name for c in SPEC.columns].index)  # column by column
    for column in SPEC.columns:
        inside = [c for c in cards if c["column"] == column.name]
        keys: dict[str, Callable[[dict[str, Any]], float]] = {
            "number": lambda c: c["number"],
            "updated": lambda c: -when(c["updated_at"]).timestamp(),
            "comments": lambda c: -c["comments"],
            "time-in-column": lambda c: when(c["in_column_since"]).timestamp(),
            "board": lambda c: 0,
        }
        values = [keys[sort](c) for c in inside]
        assert values == sorted(values)


@pytest.mark.logs("cannot change labels")
def test_a_read_only_account_moves_through_the_bot_and_is_told_so(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GH_TOKEN", READER_TOKEN)
    [number, second] = [
        n
        for n in sb.issue_numbers(REPO, labels=["A-async-await"], assigned=False)
        if not {x.casefold() for x in sb.issue_labels(REPO, n)} & COLUMNS.keys()
    ][:2]
    before = sb.issue_labels(REPO, number)
    assert run(sb, "move", f"{REPO}#{number}", "OnDeck") == cli.EXIT_OK
    captured = capsys.readouterr()
    assert (
        f"You cannot change labels in {REPO}, so {REPO}#{number} → OnDeck is asked of its bot with the "
        "comment “@rustbot label +AsyncAwait-OnDeck”" in captured.err
    )
    assert f"{REPO}#{number}\tOnDeck\tdone" in captured.out
    assert sb.issue_labels(REPO, number) == [*before, "AsyncAwait-OnDeck"]

    assert run(sb, "move", f"{REPO}#{second}", "Focus") == cli.EXIT_FAILED
    captured = capsys.readouterr()
    assert f"{REPO}#{second} cannot go to Focus: you cannot change labels in {REPO}" in captured.err
    assert f"{REPO}#{second}\tFocus\tfailed" in captured.out
    assert "AsyncAwait-Focus" not in sb.issue_labels(REPO, second)

    writes = [
        (r.method, r.path)
        for r in sb.request_log
        if r.method in ("POST", "PUT", "PATCH", "DELETE") and r.login == READER_LOGIN
    ]
    assert writes == [("POST", f"/api/v3/repos/{REPO}/issues/{number}/comments")]
