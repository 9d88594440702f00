"""The meeting journal: records committed one by one, per board and account, rebuilt after a kill -9,
damaged files moved aside with what could be read, snapshots of the board as the meeting left it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from triageboard.board import (
    Board,
    BoardSnapshot,
    Decision,
    Issue,
    JournalError,
    Label,
    Meeting,
    MeetingOpened,
    agenda,
    board_cards,
    minutes,
    open_meeting,
    preset,
)
from triageboard.errors import StoreError, StoreReason
from triageboard.reporting import StoreRecovered
from triageboard.store import Journal, Place
from triageboard.wording import describe

SPEC = preset("rust-async")
NOW = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
HERE = Place("https://api.github.com", "ferris", "rust-async")


def board() -> Board:
    b = Board(SPEC)
    rows = [
        (1, "Focus work", "AsyncAwait-Focus", ("tmandry",)),
        (2, "Unassigned focus", "AsyncAwait-Focus", ()),
        (3, "On deck", "AsyncAwait-OnDeck", ()),
        (4, "Other thing", "AsyncAwait-Other", ()),
        (5, "New and untriaged", None, ()),
        (6, "Another new one", None, ()),
    ]
    b.update(
        Issue(
            "rust-lang/rust",
            n,
            title,
            labels=tuple(Label(x) for x in ("A-async-await", *([column] if column else []))),
            assignees=who,
            created_at=NOW - timedelta(days=100 + n),
            updated_at=NOW - timedelta(days=n),
            html_url=f"https://github.com/rust-lang/rust/issues/{n}",
        )
        for n, title, column, who in rows
    )
    return b


def opened() -> MeetingOpened:
    b = board()
    return open_meeting(SPEC, agenda(SPEC, board_cards(b, NOW), NOW), NOW)


def test_a_meeting_is_rebuilt_from_its_records_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "meetings.sqlite3"
    first = opened()
    meeting = Meeting(first)
    with Journal(path) as journal:
        mid = journal.start(HERE, first)
        for n, decision in enumerate([Decision.move("2"), Decision.skip(), Decision.assign("eholk")], 1):
            record, _ = meeting.decide(decision, NOW + timedelta(minutes=n))
            journal.append(mid, record)
        undone, _ = meeting.undo(NOW + timedelta(minutes=9))
        journal.append(mid, undone)
    with Journal(path) as journal:
        stored = journal.current(HERE)
        assert stored is not None
        assert stored.id == mid
        assert stored.closed_at is None
        assert stored.opened == first
        again = Meeting.resume(stored.records)
    assert again.decisions == meeting.decisions
    assert again.progress_text() == meeting.progress_text()
    assert minutes(stored.records) == minutes([first, *(r for r in stored.records[1:])])


def test_meetings_are_kept_per_board_and_account(tmp_path: Path) -> None:
    with Journal(tmp_path / "m.sqlite3") as journal:
        mine = journal.start(HERE, opened())
        theirs = journal.start(Place(HERE.api_url, "someone-else", HERE.board), opened())
        enterprise = journal.start(Place("https://ghe.example/api/v3", "ferris", HERE.board), opened())
        assert len({mine, theirs, enterprise}) == 3
        current = journal.current(HERE)
        assert current is not None
        assert current.id == mine
        # GitHub logins ignore case, so the journal does too
        same = journal.current(Place(HERE.api_url, "FERRIS", HERE.board))
        assert same is not None
        assert same.id == mine
        assert journal.current(Place(HERE.api_url, "ferris", "another-board")) is None


def test_closing_a_meeting_keeps_it_for_the_minutes_and_the_next_one_starts_afresh(tmp_path: Path) -> None:
    with Journal(tmp_path / "m.sqlite3") as journal:
        first = journal.start(HERE, opened())
        journal.close_meeting(first)
        assert journal.current(HERE) is None
        last = journal.last(HERE)
        assert last is not None
        assert last.id == first
        assert last.closed_at is not None
        second = journal.start(HERE, opened())
        third = journal.start(HERE, opened())  # starting one closes any still open: one open per place
        assert journal.current(HERE).id == third  # type: ignore[union-attr]
        assert journal.meeting(second).closed_at is not None  # type: ignore[union-attr]


def test_writing_a_record_twice_is_harmless_but_another_under_its_number_is_refused(tmp_path: Path) -> None:
    first = opened()
    meeting = Meeting(first)
    record, _ = meeting.decide(Decision.skip(), NOW)
    with Journal(tmp_path / "m.sqlite3") as journal:
        mid = journal.start(HERE, first)
        journal.append(mid, record)
        journal.append(mid, record)
        other, _ = Meeting(first).decide(Decision.move("1"), NOW)
        with pytest.raises(JournalError, match="record 2"):
            journal.append(mid, other)
        with pytest.raises(ValueError, match="start"):
            journal.append(mid, first)
        stored = journal.meeting(mid)
    assert stored is not None
    assert stored.records == (first, record)


def test_unreadable_or_missing_records_are_named(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    first = opened()
    meeting = Meeting(first)
    with Journal(path) as journal:
        mid = journal.start(HERE, first)
        for _ in range(3):
            journal.append(mid, meeting.decide(Decision.skip(), NOW)[0])
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM records WHERE seq=2")
    with Journal(path) as journal, pytest.raises(JournalError, match="journal record 3: missing"):
        journal.current(HERE)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO records VALUES (?, 2, '{not json')", (mid,))
    with Journal(path) as journal, pytest.raises(JournalError, match="journal record 3: not JSON"):
        journal.current(HERE)
    with sqlite3.connect(path) as conn:
        conn.execute('UPDATE records SET body=\'{"type": "decided"}\' WHERE seq=2')
    with (
        Journal(path) as journal,
        pytest.raises(JournalError, match="journal record 3, key 'decision'") as info,
    ):
        journal.current(HERE)
    assert describe(info.value).startswith("journal record 3")


def test_the_board_snapshot_round_trips_per_place(tmp_path: Path) -> None:
    cards = board_cards(board(), NOW)
    snapshot = BoardSnapshot.of(cards, NOW)
    with Journal(tmp_path / "m.sqlite3") as journal:
        assert journal.snapshot(HERE) is None
        journal.save_snapshot(HERE, snapshot, 1)
        assert journal.snapshot(HERE) == snapshot
        assert journal.snapshot(Place(HERE.api_url, "other", HERE.board)) is None
        later = BoardSnapshot.of(cards[:2], NOW + timedelta(days=7))
        journal.save_snapshot(HERE, later)
        assert journal.snapshot(HERE) == later


@pytest.mark.logs("cannot be read")
def test_a_snapshot_that_cannot_be_read_marks_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    with Journal(path) as journal:
        journal.save_snapshot(HERE, BoardSnapshot.of(board_cards(board(), NOW), NOW))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE snapshots SET body='{\"cards\": 3}'")
    with Journal(path) as journal:
        assert journal.snapshot(HERE) is None


def test_a_committed_record_survives_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    script = textwrap.dedent(
        f"""
        import os, sys
        from datetime import timedelta
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_journal import HERE, NOW, opened
        from triageboard.board import Decision, Meeting
        from triageboard.store import Journal
        journal = Journal(__import__("pathlib").Path({str(path)!r}))
        first = opened()
        meeting = Meeting(first)
        mid = journal.start(HERE, first)
        record, _ = meeting.decide(Decision.move("1"), NOW + timedelta(minutes=1))
        journal.append(mid, record)
        print("written", flush=True)
        os.kill(os.getpid(), 9)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stderr
    assert "written" in done.stdout
    with Journal(path) as journal:
        stored = journal.current(HERE)
    assert stored is not None
    meeting = Meeting.resume(stored.records)
    assert [d.to_column for d in meeting.decisions] == ["Focus"]
    assert meeting.progress_text() == "Step 1 of 4 · 2 of 2"


@pytest.mark.logs("is damaged|read only partly")
def test_a_damaged_journal_is_moved_aside_with_its_readable_meetings(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    first = opened()
    with Journal(path) as journal:
        journal.start(HERE, first)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page's b-tree: the schema is gone
    path.write_bytes(bytes(data))
    with Journal(path) as journal:
        assert isinstance(journal.notice, StoreRecovered)
        assert journal.notice.what == "meeting journal"
        assert Path(journal.notice.aside).exists()
        assert "meeting journal was damaged" in describe(journal.notice)
        journal.start(HERE, first)  # usable again


def test_a_journal_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=99")
    with pytest.raises(StoreError) as info:
        Journal(path)
    assert info.value.reason is StoreReason.NEWER
    assert info.value.path == str(path)
    assert "newer triageboard" in describe(info.value)
