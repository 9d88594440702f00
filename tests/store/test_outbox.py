"""The outbox: durable rows, coalescing, generations, damaged files moved aside."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triageboard import paths
from triageboard.board import Column, Issue, IssueKey, Label, LabelDiff, plan_move, preset
from triageboard.errors import RateLimited, StoreError, Unavailable
from triageboard.github import CachedPage
from triageboard.store import AssignOp, MoveState, Outbox, SQLitePageCache
from triageboard.store.outbox import Planner
from triageboard.wording import describe

API = "https://api.github.com"
SPEC = preset("rust-async-2021")
KEY = IssueKey("rust-lang/rust", 7)


def test_row_round_trips_with_everything_a_replay_needs(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        diff = LabelDiff(add=("P-high", "AsyncAwait-Triaged"), remove=())
        row = outbox.put(API, KEY, SPEC, SPEC.column("P-high"), ["A-async-await", "🦀 ferris"], diff)
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        [again] = outbox.pending(API)
    assert again == row
    assert again.key == KEY
    assert again.base == ("A-async-await", "🦀 ferris")
    assert again.diff == diff
    assert again.state is MoveState.QUEUED
    # The board's columns travel with the row, so a replay does not depend on which board is open.
    assert [(c.name, c.labels) for c in again.spec.columns] == [(c.name, c.labels) for c in SPEC.columns]
    assert again.column.labels == ("P-high", "AsyncAwait-Triaged")


def test_rows_are_per_api_origin(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        outbox.put(API, KEY, SPEC, SPEC.column("P-low"), None, LabelDiff())
        outbox.put("https://ghe.example/api/v3", KEY, SPEC, SPEC.column("P-low"), None, LabelDiff())
        assert outbox.count(API) == 1
        assert outbox.count("https://ghe.example/api/v3") == 1
        assert outbox.count("http://127.0.0.1:1/api/v3") == 0


def test_second_move_of_an_issue_coalesces_and_bumps_the_generation(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        first = outbox.put(API, KEY, SPEC, SPEC.column("P-high"), ["a"], LabelDiff(add=("P-high",)))
        outbox.mark(first, MoveState.WAITING, not_before=5.0, attempts=2, error=Unavailable(status=502))
        second = outbox.put(API, KEY, SPEC, SPEC.column("P-low"), ["ignored"], LabelDiff(add=("P-low",)))
        assert second.id == first.id
        assert second.generation == first.generation + 1
        assert second.base == ("a",)
        assert second.target == "P-low"
        assert second.attempts == 0
        assert second.state is MoveState.QUEUED
        assert set(second.touched) == {"P-high", "P-low"}
        # A sender that finished the first generation must not delete the newer intent.
        assert outbox.complete(first) is False
        assert outbox.count(API) == 1
        assert outbox.complete(second) is True
        assert outbox.count(API) == 0


def test_a_planned_move_is_planned_against_the_base_its_row_keeps(tmp_path: Path) -> None:
    """Moving a card again as its first move settles: whether the row is replaced (keeping the first
    base) or made anew (with the labels shown now) is known only in the outbox, so the plan is made there.
    Planned against the wrong base, the card's own first move looked like someone else's change."""
    planned: list[tuple[str, ...] | None] = []

    def planner(column: Column) -> Planner:
        def plan(base: tuple[str, ...] | None) -> LabelDiff:
            planned.append(base)
            return plan_move(
                SPEC, Issue(KEY.repo, KEY.number, "", tuple(Label(n) for n in base or ())), column
            )

        return plan

    high, low = SPEC.column("P-high"), SPEC.column("P-low")
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        first = outbox.put(API, KEY, SPEC, high, ["A-async-await"], planner(high))
        assert first.diff == LabelDiff(add=high.labels)
        # Still queued: the row is replaced and keeps the first base; the plan starts from there.
        second = outbox.put(API, KEY, SPEC, low, ["A-async-await", *high.labels], planner(low))
        assert planned[-1] == ("A-async-await",)
        assert (second.base, second.diff) == (("A-async-await",), LabelDiff(add=low.labels))
        assert outbox.complete(second)
        # The move settled before the next one was saved: the new row starts from the labels shown.
        third = outbox.put(API, KEY, SPEC, high, ["A-async-await", *low.labels], planner(high))
        assert third.id != first.id
        assert planned[-1] == third.base == ("A-async-await", *low.labels)
        assert set(third.diff.remove) == set(low.labels) - set(high.labels)


def test_defer_all_holds_every_row(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        for n in (1, 2, 3):
            outbox.put(API, IssueKey("o/r", n), SPEC, SPEC.column("P-low"), None, LabelDiff())
        limit = RateLimited(resume_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC), secondary=False, status=403)
        outbox.defer_all(API, 1000.0, limit)
        rows = outbox.pending(API)
        assert [r.not_before for r in rows] == [1000.0] * 3
        assert {r.state for r in rows} == {MoveState.WAITING}
        # Why they wait is kept as facts, so the next run can say it in its own words.
        for row in rows:
            assert isinstance(row.error, RateLimited)
            assert row.error.resume_at == limit.resume_at
            assert row.error.secondary is False
            assert row.error.status == 403


def test_a_committed_row_survives_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    code = (
        "import os, sys\n"
        "from triageboard.board import IssueKey, LabelDiff, preset\n"
        "from triageboard.store import Outbox\n"
        "spec = preset('rust-async')\n"
        f"box = Outbox(__import__('pathlib').Path({str(path)!r}))\n"
        "box.put('https://api.github.com', IssueKey('o/r', 1), spec, spec.column('Focus'), None,"
        " LabelDiff())\n"
        "os.kill(os.getpid(), 9)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, timeout=60)
    assert result.returncode == -9
    with Outbox(path) as outbox:
        [row] = outbox.pending(API)
    assert row.key == IssueKey("o/r", 1)
    assert row.target == "Focus"


@pytest.mark.logs("is damaged|read only partly")
def test_damaged_outbox_is_moved_aside_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    path.write_bytes(b"this is not a database at all" * 200)
    with Outbox(path) as outbox:
        assert outbox.notice is not None
        assert "was damaged" in describe(outbox.notice)
        assert outbox.count(API) == 0
        outbox.put(API, KEY, SPEC, SPEC.column("P-low"), None, LabelDiff())
    aside = list(tmp_path.glob("o.sqlite3.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"this is not a database")
    assert outbox.notice is not None
    assert str(aside[0]) in describe(outbox.notice)
    with Outbox(path) as again:
        assert again.notice is None
        assert again.count(API) == 1


@pytest.mark.logs("is damaged|read only partly")
def test_truncated_outbox_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    with Outbox(path) as outbox:
        for n in range(200):
            outbox.put(API, IssueKey("o/r", n), SPEC, SPEC.column("P-low"), ["x" * 200], LabelDiff())
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + b"\xff" * 4096)
    with Outbox(path) as outbox:
        assert outbox.notice is not None
        assert outbox.count(API) == 0


def test_outbox_written_by_a_newer_version_is_refused_not_clobbered(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(StoreError) as caught:
        Outbox(path)
    assert "newer triageboard" in describe(caught.value)
    assert caught.value.path == str(path)
    assert path.exists()


@pytest.mark.logs("is damaged")
def test_page_cache_round_trip_and_damage(tmp_path: Path) -> None:
    path = tmp_path / "pages.sqlite3"
    cache = SQLitePageCache(path)
    url = "https://api.github.com/repos/o/r/issues?labels=A&per_page=100"
    assert cache.get_now(url) is None
    asyncio.run(cache.put(url, CachedPage('W/"abc"', b'[{"number": 1}]', '<https://x/?page=2>; rel="next"')))
    cache.close()
    cache = SQLitePageCache(path)
    page = asyncio.run(cache.get(url))
    assert page == CachedPage('W/"abc"', b'[{"number": 1}]', '<https://x/?page=2>; rel="next"')
    asyncio.run(cache.drop(url))
    assert cache.get_now(url) is None
    cache.close()
    path.write_bytes(b"garbage" * 1000)
    cache = SQLitePageCache(path)
    assert cache.notice is not None
    assert "page cache" in describe(cache.notice)
    assert cache.get_now(url) is None
    cache.close()


def test_page_cache_prunes_least_recently_used(tmp_path: Path) -> None:
    cache = SQLitePageCache(tmp_path / "pages.sqlite3", max_pages=10)
    for n in range(200):
        cache.put_now(f"https://api.github.com/p/{n}", CachedPage(f'"{n}"', b"[]"))
    assert len(cache) <= 10 + 100
    assert cache.get_now("https://api.github.com/p/199") is not None
    cache.close()


@pytest.mark.logs("disabled for this session")
def test_page_cache_failure_disables_it_instead_of_failing(tmp_path: Path) -> None:
    cache = SQLitePageCache(tmp_path / "pages.sqlite3")
    assert cache._conn is not None
    cache._conn.close()  # simulate the file going away under us
    cache.put_now("https://api.github.com/x", CachedPage('"e"', b"[]"))
    assert cache.get_now("https://api.github.com/x") is None
    cache.close()


def test_paths_follow_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DATA", "CACHE", "CONFIG"):
        monkeypatch.setenv(f"XDG_{var}_HOME", str(tmp_path / var.lower()))
    assert paths.outbox_path().parent == tmp_path / "data" / "triageboard"
    assert paths.page_cache_path().parent == tmp_path / "cache" / "triageboard"
    assert paths.config_dir() == tmp_path / "config" / "triageboard"
    assert paths.outbox_path().parent.is_dir()


def test_a_failing_read_is_a_store_error_with_advice(tmp_path: Path) -> None:
    """Engine and CLI handle StoreError; a raw sqlite3 error would escape them as a crash."""
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    outbox.close()
    with pytest.raises(StoreError) as caught:
        outbox.pending(API)
    assert "Could not read the outbox" in describe(caught.value)
    with pytest.raises(StoreError) as caught:
        outbox.count(API)
    assert "Pending moves are kept" in describe(caught.value)


def test_outbox_busy_in_another_process_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window and 'triageboard sync' share the file: a writer holding it is not a full disk."""
    from triageboard.store import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT", 0.05)
    path = tmp_path / "outbox.sqlite3"
    Outbox(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        with Outbox(path) as outbox:  # opening needs no write
            assert outbox.pending(API) == []
            with pytest.raises(StoreError) as caught:
                outbox.put(API, KEY, SPEC, SPEC.columns[0], None, LabelDiff())
    finally:
        other.execute("ROLLBACK")
        other.close()
    message = describe(caught.value)
    assert "another program is using it" in message
    assert "The move was not sent" in message
    assert "not full" not in message


@pytest.mark.logs("is damaged")
def test_moves_still_readable_in_a_damaged_outbox_are_recovered(tmp_path: Path) -> None:
    """Never lose a move: a damaged index must not cost the rows of the table."""
    path = tmp_path / "o.sqlite3"
    with Outbox(path) as outbox:
        for n in range(3):
            outbox.put(API, IssueKey("o/r", n), SPEC, SPEC.columns[n], ["x"], LabelDiff(add=("x",)))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    [root] = conn.execute("SELECT rootpage FROM sqlite_master WHERE type='index' AND tbl_name='moves'")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root[0] - 1) * page_size
    data[start : start + page_size] = b"\xa5" * page_size  # the UNIQUE index's page is garbage
    path.write_bytes(bytes(data))
    with Outbox(path) as outbox:
        assert outbox.notice is not None
        assert "3 records could be recovered" in describe(outbox.notice)
        rows = outbox.pending(API)
    assert [(r.key.number, r.target, r.base) for r in rows] == [
        (n, SPEC.columns[n].name, ("x",)) for n in range(3)
    ]


# --- version 2: assignments, batches, waits released, the move from version 1 -----------------------------


def test_an_assignment_is_one_login_and_a_second_wish_for_it_replaces_the_first(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        first = outbox.put_assignment(API, KEY, "alice", AssignOp.ADD)
        other = outbox.put_assignment(API, KEY, "bob", AssignOp.ADD)
        again = outbox.put_assignment(API, KEY, "ALICE", AssignOp.REMOVE)  # logins match case-insensitively
        rows = outbox.assignments(API)
        assert [(r.login, r.op) for r in rows] == [("alice", AssignOp.REMOVE), ("bob", AssignOp.ADD)]
        assert again.id == first.id
        assert again.generation == first.generation + 1
        assert again.target == "unassign @alice"
        assert outbox.count(API) == 2
        assert outbox.complete(first) is False  # an older generation never deletes the newer wish
        assert outbox.complete(again) is True
        assert outbox.complete(other) is True
        assert outbox.count(API) == 0


def test_a_batch_is_taken_back_except_what_is_being_sent(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        rows = [
            outbox.put(API, IssueKey("o/r", n), SPEC, SPEC.column("P-low"), ["x"], LabelDiff(), batch=7)
            for n in (1, 2, 3)
        ]
        outbox.put(API, IssueKey("o/r", 4), SPEC, SPEC.column("P-low"), None, LabelDiff())  # not in the batch
        outbox.mark(rows[0], MoveState.SENDING)
        taken = outbox.cancel_batch(API, 7)
        assert sorted(r.key.number for r in taken) == [2, 3]
        assert sorted(r.key.number for r in outbox.pending(API)) == [1, 4]


def test_waits_beyond_a_bound_are_brought_forward(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        outbox.put(API, KEY, SPEC, SPEC.column("P-low"), None, LabelDiff())
        outbox.put_assignment(API, KEY, "alice", AssignOp.ADD)
        century = RateLimited(resume_at=datetime(2126, 1, 1, tzinfo=UTC), secondary=False)
        outbox.defer_all(API, 4_900_000_000.0, century)
        assert outbox.release(API, 2_000.0) == 2
        assert [r.not_before for r in outbox.pending(API)] == [2_000.0]
        assert [r.not_before for r in outbox.assignments(API)] == [2_000.0]
        assert outbox.release(API, 2_000.0) == 0


def test_an_outbox_of_version_1_is_moved_to_version_2_keeping_its_moves(tmp_path: Path) -> None:
    """A user updating with moves still queued: they are kept; why they waited (a sentence then) is not."""
    path = tmp_path / "o.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE moves (
            id INTEGER PRIMARY KEY AUTOINCREMENT, api_url TEXT NOT NULL, repo TEXT NOT NULL,
            number INTEGER NOT NULL, board TEXT NOT NULL, columns TEXT NOT NULL, target TEXT NOT NULL,
            base TEXT, add_labels TEXT NOT NULL, remove_labels TEXT NOT NULL, touched TEXT NOT NULL,
            state TEXT NOT NULL, not_before REAL NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL,
            generation INTEGER NOT NULL DEFAULT 1, UNIQUE (api_url, repo, number)
        );
        PRAGMA user_version=1;
        """
    )
    columns = json.dumps([{"name": c.name, "labels": list(c.labels)} for c in SPEC.columns])
    conn.execute(
        "INSERT INTO moves (api_url, repo, number, board, columns, target, base, add_labels, remove_labels,"
        " touched, state, last_error, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (API, "o/r", 5, SPEC.name, columns, "P-low", '["x"]', '["P-low"]', "[]", '["P-low"]', "waiting",
         "GitHub's rate limit is used up until 14:05.", 1.0, 1.0),
    )  # fmt: skip
    conn.commit()
    conn.close()
    with Outbox(path) as outbox:
        [row] = outbox.pending(API)
        assert (row.key, row.target, row.base, row.error) == (IssueKey("o/r", 5), "P-low", ("x",), None)
        assert outbox.assignments(API) == []
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == 3  # and on to version 3
    check.close()


def _damage(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_a_damaged_row_is_left_out_set_aside_and_said_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    other = IssueKey("rust-lang/rust", 8)
    with Outbox(path) as outbox:
        outbox.put(API, KEY, SPEC, SPEC.column("P-high"), None, LabelDiff(add=("P-high",)))
        outbox.put(API, other, SPEC, SPEC.column("P-low"), None, LabelDiff(add=("P-low",)))
    _damage(path, "UPDATE moves SET columns = '{not json' WHERE number = 7")
    with Outbox(path) as outbox:
        assert [row.key for row in outbox.pending(API)] == [other]  # the readable one is not held up
        assert outbox.get(API, KEY) is None
        [aside] = outbox.set_aside_damaged()
        assert outbox.set_aside_damaged() == []  # once
        assert outbox.count(API) == 1
    assert aside.key == KEY
    assert aside.error.issue == str(KEY)
    assert aside.error.target == "P-high"
    text = describe(aside.error)
    assert "damaged" in text
    assert str(KEY) in text
    # Nothing is lost: the row is kept, as it was, in the same file.
    conn = sqlite3.connect(path)
    [(source, data, problem)] = conn.execute("SELECT source, data, problem FROM damaged_rows").fetchall()
    conn.close()
    assert source == "moves"
    assert json.loads(data)["columns"] == "{not json"
    assert json.loads(data)["number"] == 7
    assert "JSONDecodeError" in problem


def test_an_unknown_state_is_read_as_queued(tmp_path: Path) -> None:
    """The state says only how far sending got; the engine reads the labels before any write anyway."""
    path = tmp_path / "o.sqlite3"
    with Outbox(path) as outbox:
        outbox.put(API, KEY, SPEC, SPEC.column("P-high"), None, LabelDiff(add=("P-high",)))
    _damage(path, "UPDATE moves SET state = 'flying'")
    with Outbox(path) as outbox:
        [row] = outbox.pending(API)
        assert row.state is MoveState.QUEUED
        assert outbox.set_aside_damaged() == []


def test_a_new_move_replaces_a_damaged_row_of_its_issue(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    with Outbox(path) as outbox:
        outbox.put(API, KEY, SPEC, SPEC.column("P-high"), None, LabelDiff(add=("P-high",)))
    _damage(path, "UPDATE moves SET columns = 'x', touched = 'y'")
    with Outbox(path) as outbox:
        row = outbox.put(API, KEY, SPEC, SPEC.column("P-low"), None, LabelDiff(add=("P-low",)))
        assert row.target == "P-low"
        assert outbox.pending(API) == [row]


def test_a_damaged_assignment_is_set_aside_with_its_login(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    with Outbox(path) as outbox:
        outbox.put_assignment(API, KEY, "alice", AssignOp.ADD)
    _damage(path, "UPDATE assignments SET op = 'juggle'")
    with Outbox(path) as outbox:
        assert outbox.assignments(API) == []
        [aside] = outbox.set_aside_damaged()
    assert (aside.key, aside.login) == (KEY, "alice")
    assert "assignment of rust-lang/rust#7 (assign @alice)" in describe(aside.error)
