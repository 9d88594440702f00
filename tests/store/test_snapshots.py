"""The board snapshots: the last board per board and account, its marks, who last used a host, and a
damaged file set aside."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from triageboard.board import BoardSpec, Column, Issue, Label, preset
from triageboard.reporting import StoreRecovered
from triageboard.store import Account, SavedBoard, SnapshotStore, SyncMarks, board_key
from triageboard.wording import describe

SPEC = preset("rust-async")
KEY = board_key(SPEC)
AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def issue(number: int, *labels: str, **extra: object) -> Issue:
    return Issue(
        repo="rust-lang/rust",
        number=number,
        title=f"issue {number}: <b>not markup</b> 🦀",
        labels=tuple(Label(n, "d73a4a", "a description" if n == "C-bug" else None) for n in labels),
        created_at=AT - timedelta(days=number),
        updated_at=AT - timedelta(hours=number),
        **extra,  # type: ignore[arg-type]
    )


ISSUES = [
    issue(1, "A-async-await", "AsyncAwait-Focus", assignees=("alice",), comments=3, html_url="https://x/1"),
    issue(2, "A-async-await", "C-bug", state="closed", closed_at=AT, body="line 1\nline 2"),
    issue(3, "AsyncAwait-Other", is_pull_request=True, author="bob"),
]
MARKS = SyncMarks(AT.timestamp(), {"repo:rust-lang/rust": "2026-11-02T09:29:00Z"})


def test_a_saved_board_comes_back_as_it_was(tmp_path: Path) -> None:
    with_store = SnapshotStore(tmp_path / "boards.sqlite3")
    with_store.save_now(SavedBoard(KEY, "ferris", AT, ISSUES, MARKS))
    with_store.close()
    store = SnapshotStore(tmp_path / "boards.sqlite3")
    saved = store.load_now(KEY, "ferris")
    assert saved is not None
    assert saved.issues == ISSUES
    assert saved.saved_at == AT
    assert saved.marks == MARKS
    assert saved.account == "ferris"
    # equal labels are one object: 10,000 cards carry few distinct labels
    again = store.load_now(KEY, "ferris")
    assert again is not None
    assert again.issues[0].labels[0] is again.issues[1].labels[0]
    store.close()


def test_boards_and_accounts_do_not_see_each_others_snapshots(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "boards.sqlite3")
    store.save_now(SavedBoard(KEY, "ferris", AT, ISSUES, MARKS))
    assert store.load_now(KEY, "someone-else") is None
    other_board = board_key(preset("rust-async-2021"))
    assert other_board != KEY
    assert store.load_now(other_board, "ferris") is None
    store.close()


def test_a_board_is_the_same_board_whatever_its_columns_are_called() -> None:
    renamed = BoardSpec(
        name=SPEC.name,
        columns=tuple(Column(c.name.upper(), c.labels, soft_max=99) for c in SPEC.columns),
        area_labels=SPEC.area_labels,
        repos=tuple(reversed(SPEC.repos)),
        api_url=SPEC.api_url,
    )
    assert board_key(renamed) == KEY
    assert board_key(SPEC.with_sources(repos=["rust-lang/rust"])) != KEY
    assert board_key(SPEC.with_sources(api_url="http://127.0.0.1:1/api/v3")) != KEY


def test_unchanged_means_only_its_time_and_marks_move(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "boards.sqlite3")
    store.save_now(SavedBoard(KEY, "ferris", AT, ISSUES, MARKS))
    later = AT + timedelta(minutes=5)
    moved = SyncMarks(MARKS.full_at, {"repo:rust-lang/rust": "2026-11-02T09:34:00Z"})
    store.touch_now(KEY, "ferris", later, moved)
    saved = store.load_now(KEY, "ferris")
    assert saved is not None
    assert (saved.saved_at, saved.marks, saved.issues) == (later, moved, ISSUES)
    store.close()


def test_who_last_used_a_host_and_whether_they_signed_out(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "boards.sqlite3")
    assert store.account_now("api.github.com") is None
    store.set_account_now("api.github.com", Account("ferris"), AT.timestamp())
    assert store.account_now("api.github.com") == Account("ferris", signed_in=True)
    store.set_account_now("api.github.com", Account("ferris", signed_in=False), AT.timestamp())
    assert store.account_now("api.github.com") == Account("ferris", signed_in=False)
    assert store.account_now("ghe.example.com") is None
    store.close()


def test_the_async_calls_work_off_the_event_loop_thread(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "boards.sqlite3")

    async def roundtrip() -> SavedBoard | None:
        await store.save(SavedBoard(KEY, "ferris", AT, ISSUES, MARKS))
        return await store.load(KEY, "ferris")

    saved = asyncio.run(roundtrip())
    assert saved is not None
    assert saved.issues == ISSUES
    store.close()


@pytest.mark.logs("is damaged")
def test_a_damaged_file_is_set_aside_and_said_and_a_fresh_one_works(tmp_path: Path) -> None:
    path = tmp_path / "boards.sqlite3"
    path.write_bytes(b"not a database at all" * 200)
    store = SnapshotStore(path)
    assert isinstance(store.notice, StoreRecovered)
    assert "board snapshots" in describe(store.notice)
    assert len(list(tmp_path.glob("boards.sqlite3.corrupt-*"))) == 1
    store.save_now(SavedBoard(KEY, "ferris", AT, ISSUES, MARKS))
    assert store.load_now(KEY, "ferris") is not None
    store.close()


@pytest.mark.logs("is unreadable")
def test_an_unreadable_snapshot_is_ignored_not_painted(tmp_path: Path) -> None:
    path = tmp_path / "boards.sqlite3"
    store = SnapshotStore(path)
    store.save_now(SavedBoard(KEY, "ferris", AT, ISSUES, MARKS))
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE boards SET issues=?", (b"\x78\x9cgarbage",))
    conn.close()
    store = SnapshotStore(path)
    assert store.load_now(KEY, "ferris") is None
    store.close()
