"""The meeting journal: every triage meeting's records, and the board as the last meeting left it.

One file for every board and account (``Place``: API origin, signed-in login, board name). A meeting is the
record that opened it (``seq`` 0) and one record per decision or undo (``seq`` 1, 2, ...), each committed
(WAL, ``synchronous=FULL``) before the call returns, so the minutes survive a crash or a ``kill -9``. Records
are kept as :func:`board.record_to_dict` gives them; :func:`board.Meeting.resume` rebuilds the meeting.

The class is synchronous and thread-safe (one connection behind a lock); the services and the CLI call it
from a worker thread, so no disk wait ever runs on the UI thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..board import (
    BoardSnapshot,
    JournalError,
    MeetingOpened,
    Record,
    record_from_dict,
    record_to_dict,
)
from ..clock import Clock, SystemClock
from ..errors import StoreError, StoreReason
from .db import failure, open_database

SCHEMA_VERSION = 1
WHAT = "meeting journal"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Place:
    """Whose meetings: one board, seen by one account on one GitHub (logins compare ignoring case)."""

    api_url: str
    account: str
    board: str


@dataclass(frozen=True, slots=True)
class StoredMeeting:
    id: int
    place: Place
    records: tuple[Record, ...]
    closed_at: datetime | None

    @property
    def opened(self) -> MeetingOpened:
        first = self.records[0]
        assert isinstance(first, MeetingOpened)
        return first


_MEETINGS = """
    CREATE TABLE IF NOT EXISTS meetings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        api_url TEXT NOT NULL,
        account TEXT NOT NULL COLLATE NOCASE,
        board TEXT NOT NULL,
        opened_at REAL NOT NULL,
        closed_at REAL
    )
"""
_RECORDS = """
    CREATE TABLE IF NOT EXISTS records (
        meeting INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (meeting, seq)
    )
"""
_SNAPSHOTS = """
    CREATE TABLE IF NOT EXISTS snapshots (
        api_url TEXT NOT NULL,
        account TEXT NOT NULL COLLATE NOCASE,
        board TEXT NOT NULL,
        meeting INTEGER,
        taken_at REAL NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (api_url, account, board)
    )
"""
_LAST_MEETING = (
    "SELECT id, api_url, account, board, closed_at FROM meetings"
    " WHERE api_url=? AND account=? AND board=? ORDER BY id DESC LIMIT 1"
)
_OPEN_MEETING = (
    "SELECT id, api_url, account, board, closed_at FROM meetings"
    " WHERE api_url=? AND account=? AND board=? AND closed_at IS NULL ORDER BY id DESC LIMIT 1"
)
_TABLES = {
    "meetings": "id, api_url, account, board, opened_at, closed_at",
    "records": "meeting, seq, body",
    "snapshots": "api_url, account, board, meeting, taken_at, body",
}


def _schema(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(WHAT, "", StoreReason.NEWER)
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table in (_MEETINGS, _RECORDS, _SNAPSHOTS):
            conn.execute(table)
        conn.execute("CREATE INDEX IF NOT EXISTS meetings_by_place ON meetings (api_url, account, board, id)")
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def _salvage(damaged: sqlite3.Connection, fresh: sqlite3.Connection) -> int:
    """Copy every row still readable in a damaged journal (row by row, up to the first bad page)."""
    copied = 0
    for table, columns in _TABLES.items():
        rows: list[tuple[object, ...]] = []
        try:
            for row in damaged.execute(f"SELECT {columns} FROM {table} NOT INDEXED"):  # noqa: S608
                rows.append(tuple(row))
        except sqlite3.DatabaseError as exc:
            log.warning("the damaged journal's %s could be read only partly (%s)", table, exc)
        marks = ",".join("?" * len(columns.split(",")))
        for row in rows:
            with contextlib.suppress(sqlite3.Error):
                cursor = fresh.execute(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", row)  # noqa: S608
                copied += cursor.rowcount
    return copied


class Journal:
    """SQLite-backed; safe to share between the window and a ``triageboard minutes`` run."""

    def __init__(self, path: Path, *, clock: Clock | None = None) -> None:
        opened = open_database(path, _schema, WHAT, _salvage)
        self.path = path
        self.notice = opened.notice
        self._clock: Clock = clock or SystemClock()
        self._conn = opened.connection
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- meetings ------------------------------------------------------------------------------------

    def start(self, place: Place, opened: MeetingOpened) -> int:
        """A new meeting opened by ``opened`` (committed when this returns); returns its id. A meeting of
        ``place`` still open is closed: there is one open meeting per board and account."""
        body = _dump(opened)
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                now = self._clock.time()
                self._conn.execute(
                    "UPDATE meetings SET closed_at=? WHERE api_url=? AND account=? AND board=?"
                    " AND closed_at IS NULL",
                    (now, place.api_url, place.account, place.board),
                )
                cursor = self._conn.execute(
                    "INSERT INTO meetings (api_url, account, board, opened_at) VALUES (?,?,?,?)",
                    (place.api_url, place.account, place.board, opened.at.timestamp()),
                )
                meeting = int(cursor.lastrowid or 0)
                self._conn.execute(
                    "INSERT INTO records (meeting, seq, body) VALUES (?,?,?)", (meeting, 0, body)
                )
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise failure(WHAT, self.path, exc, "save") from None
        return meeting

    def append(self, meeting: int, record: Record) -> None:
        """Add a decision or undo (numbered by its ``seq``); committed when this returns. Writing the same
        record twice is harmless; a different record under a number already taken is refused."""
        if isinstance(record, MeetingOpened):
            raise ValueError("a meeting is opened with start(), not append()")
        body = _dump(record)
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                row = self._conn.execute(
                    "SELECT body FROM records WHERE meeting=? AND seq=?", (meeting, record.seq)
                ).fetchone()
                if row is None:
                    self._conn.execute(
                        "INSERT INTO records (meeting, seq, body) VALUES (?,?,?)", (meeting, record.seq, body)
                    )
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise failure(WHAT, self.path, exc, "save") from None
        if row is not None and row[0] != body:
            raise JournalError(f"journal record {record.seq + 1}: already written with other content")

    def close_meeting(self, meeting: int) -> None:
        """The meeting is over: the next one starts afresh."""
        self._write(
            "UPDATE meetings SET closed_at=? WHERE id=? AND closed_at IS NULL", (self._clock.time(), meeting)
        )

    def current(self, place: Place) -> StoredMeeting | None:
        """The meeting of ``place`` still open (to resume), or None."""
        return self._one(_OPEN_MEETING, place)

    def current_id(self, place: Place) -> int | None:
        """The id of the meeting of ``place`` still open, without reading its records (to close one that
        cannot be read)."""
        rows = self._rows(_OPEN_MEETING, (place.api_url, place.account, place.board))
        return int(str(rows[0][0])) if rows else None

    def last(self, place: Place) -> StoredMeeting | None:
        """The latest meeting of ``place``, open or closed (for its minutes), or None."""
        return self._one(_LAST_MEETING, place)

    def meeting(self, meeting: int) -> StoredMeeting | None:
        rows = self._rows(
            "SELECT id, api_url, account, board, closed_at FROM meetings WHERE id=?", (meeting,)
        )
        return self._read(rows[0]) if rows else None

    def _one(self, sql: str, place: Place) -> StoredMeeting | None:
        rows = self._rows(sql, (place.api_url, place.account, place.board))
        return self._read(rows[0]) if rows else None

    def _read(self, row: tuple[object, ...]) -> StoredMeeting:
        """The meeting with its records in order. Raises :class:`JournalError` for records that cannot be
        read (or a gap in their numbering)."""
        meeting = int(row[0])  # type: ignore[call-overload]
        place = Place(str(row[1]), str(row[2]), str(row[3]))
        closed = None if row[4] is None else datetime.fromtimestamp(float(row[4]), UTC)  # type: ignore[arg-type]
        records: list[Record] = []
        rows = self._rows("SELECT seq, body FROM records WHERE meeting=? ORDER BY seq", (meeting,))
        for n, (seq, body) in enumerate(rows, start=1):
            if seq != n - 1:
                raise JournalError(
                    f"journal record {n}: missing (the next one kept is record {int(str(seq)) + 1})"
                )
            try:
                data = json.loads(str(body))
            except ValueError:
                raise JournalError(f"journal record {n}: not JSON") from None
            records.append(record_from_dict(data, n))
        if not records:
            raise JournalError("journal record 1: missing")
        return StoredMeeting(meeting, place, tuple(records), closed)

    # --- the board as the last meeting left it ---------------------------------------------------------

    def save_snapshot(self, place: Place, snapshot: BoardSnapshot, meeting: int | None = None) -> None:
        self._write(
            "INSERT INTO snapshots (api_url, account, board, meeting, taken_at, body) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT (api_url, account, board) DO UPDATE SET meeting=excluded.meeting,"
            " taken_at=excluded.taken_at, body=excluded.body",
            (
                place.api_url,
                place.account,
                place.board,
                meeting,
                snapshot.taken_at.timestamp(),
                json.dumps(snapshot.to_dict(), ensure_ascii=False),
            ),
        )

    def snapshot(self, place: Place) -> BoardSnapshot | None:
        """The board as the last meeting of ``place`` left it; None when there is none (or it cannot be
        read: then it is logged, and the board is simply not marked)."""
        rows = self._rows(
            "SELECT body FROM snapshots WHERE api_url=? AND account=? AND board=?",
            (place.api_url, place.account, place.board),
        )
        if not rows:
            return None
        try:
            return BoardSnapshot.from_dict(json.loads(str(rows[0][0])))
        except ValueError as exc:
            log.warning("the last meeting's board snapshot cannot be read: %s", exc)
            return None

    # --- plumbing --------------------------------------------------------------------------------------

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return [tuple(r) for r in self._conn.execute(sql, params).fetchall()]
            except sqlite3.Error as exc:
                raise failure(WHAT, self.path, exc, "read") from None

    def _write(self, sql: str, params: tuple[object, ...]) -> int:
        with self._lock:
            try:
                return self._conn.execute(sql, params).rowcount
            except sqlite3.Error as exc:
                raise failure(WHAT, self.path, exc, "update") from None

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")


def _dump(record: Record) -> str:
    return json.dumps(record_to_dict(record), ensure_ascii=False, sort_keys=True)
