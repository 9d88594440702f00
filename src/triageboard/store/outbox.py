"""The durable outbox: one row per issue with a move GitHub has not confirmed yet.

A row is committed (WAL, ``synchronous=FULL``) before any request for it is sent, and deleted only once
GitHub's answer shows the intended labels. Several moves of one issue coalesce into its row (the last target
wins; ``generation`` counts them so a sender never deletes a newer intent it did not send).

Rows are self-contained: they carry the board's columns, so a replay does not depend on which board is open.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ..board import BoardSpec, Column, IssueKey, LabelDiff, label_key
from .db import StoreError, advice, open_database

SCHEMA_VERSION = 1
log = logging.getLogger(__name__)


class MoveState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    WAITING = "waiting"  # until ``not_before``: a temporary failure or a rate limit


@dataclass(frozen=True, slots=True)
class PendingMove:
    id: int
    key: IssueKey
    api_url: str
    board: str
    columns: tuple[Column, ...]
    target: str
    # The labels the board showed when the move was made; None when unknown (a scripted move).
    base: tuple[str, ...] | None
    diff: LabelDiff
    # Every label some coalesced move of this row meant to add or remove: our own doing, not a conflict.
    touched: tuple[str, ...]
    state: MoveState
    not_before: float
    attempts: int
    last_error: str | None
    created_at: float
    generation: int

    @property
    def spec(self) -> BoardSpec:
        return BoardSpec(name=self.board, columns=self.columns)

    @property
    def column(self) -> Column:
        return self.spec.column(self.target)


def _schema(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            "The outbox was written by a newer triageboard; update triageboard to send its moves."
        )
    conn.execute(
        """
        CREATE TABLE IF NOT EXISTS moves (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            api_url TEXT NOT NULL,
            repo TEXT NOT NULL,
            number INTEGER NOT NULL,
            board TEXT NOT NULL,
            columns TEXT NOT NULL,
            target TEXT NOT NULL,
            base TEXT,
            add_labels TEXT NOT NULL,
            remove_labels TEXT NOT NULL,
            touched TEXT NOT NULL,
            state TEXT NOT NULL,
            not_before REAL NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            generation INTEGER NOT NULL DEFAULT 1,
            UNIQUE (api_url, repo, number)
        )
        """
    )
    if version != SCHEMA_VERSION:  # a write: only when needed, so opening never waits for a writer
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


_COLUMNS = (
    "api_url, repo, number, board, columns, target, base, add_labels, remove_labels, touched, state,"
    " not_before, attempts, last_error, created_at, updated_at, generation"
)
_SALVAGE_READ = "SELECT " + _COLUMNS + " FROM moves NOT INDEXED ORDER BY id"  # noqa: S608 (constants)
_SALVAGE_WRITE = (
    "INSERT OR IGNORE INTO moves (" + _COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"  # noqa: S608
)


def _salvage(damaged: sqlite3.Connection, fresh: sqlite3.Connection) -> int:
    """Copy the moves still readable in a damaged outbox (row by row, up to the first bad page)."""
    rows: list[tuple[object, ...]] = []
    try:
        for row in damaged.execute(_SALVAGE_READ):
            rows.append(tuple(row))
    except sqlite3.DatabaseError as exc:
        log.warning("the damaged outbox could be read only partly (%s)", exc)
    copied = 0
    for row in rows:
        with contextlib.suppress(sqlite3.Error):
            cursor = fresh.execute(_SALVAGE_WRITE, row)
            copied += cursor.rowcount
    return copied


# ``where`` clauses below are constants of this module; values always go through parameters.
_SELECT = (
    "SELECT id, api_url, repo, number, board, columns, target, base, add_labels, remove_labels,"
    " touched, state, not_before, attempts, last_error, created_at, generation FROM moves "
)


def _columns_json(columns: Iterable[Column]) -> str:
    return json.dumps([{"name": c.name, "labels": list(c.labels)} for c in columns])


def _columns_from(text: str) -> tuple[Column, ...]:
    return tuple(Column(str(c["name"]), tuple(str(n) for n in c["labels"])) for c in json.loads(text))


def _names(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(str(n) for n in json.loads(text))


class Outbox:
    """SQLite-backed; safe to share between the window and a ``triageboard sync`` run at the same time."""

    def __init__(self, path: Path) -> None:
        opened = open_database(path, _schema, "the outbox of pending moves", _salvage)
        self.path = path
        self.notice = opened.notice
        self._conn = opened.connection
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ---------------------------------------------------------------------------------

    def get(self, api_url: str, key: IssueKey) -> PendingMove | None:
        rows = self._select("WHERE api_url=? AND repo=? AND number=?", (api_url, key.repo, key.number))
        return rows[0] if rows else None

    def pending(self, api_url: str) -> list[PendingMove]:
        return self._select("WHERE api_url=? ORDER BY id", (api_url,))

    def count(self, api_url: str) -> int:
        with self._lock:
            try:
                row = self._conn.execute("SELECT COUNT(*) FROM moves WHERE api_url=?", (api_url,)).fetchone()
            except sqlite3.Error as exc:
                raise self._read_error(exc) from None
        return int(row[0])

    def origins(self) -> dict[str, int]:
        """How many moves wait for each API URL (a GitHub Enterprise host has its own)."""
        with self._lock:
            try:
                rows = self._conn.execute("SELECT api_url, COUNT(*) FROM moves GROUP BY api_url").fetchall()
            except sqlite3.Error as exc:
                raise self._read_error(exc) from None
        return {str(api_url): int(n) for api_url, n in rows}

    def _select(self, where: str, params: tuple[object, ...]) -> list[PendingMove]:
        with self._lock:
            try:
                rows = self._conn.execute(_SELECT + where, params).fetchall()
            except sqlite3.Error as exc:
                raise self._read_error(exc) from None
        return [self._row(r) for r in rows]

    def _read_error(self, exc: sqlite3.Error) -> StoreError:
        return StoreError(
            f"Could not read the outbox at {self.path} ({exc}); pending moves are kept there. If another "
            "triageboard is busy with it, try again in a moment."
        )

    @staticmethod
    def _row(r: tuple[object, ...]) -> PendingMove:
        return PendingMove(
            id=int(r[0]),  # type: ignore[call-overload]
            api_url=str(r[1]),
            key=IssueKey(str(r[2]), int(r[3])),  # type: ignore[call-overload]
            board=str(r[4]),
            columns=_columns_from(str(r[5])),
            target=str(r[6]),
            base=_names(r[7]),  # type: ignore[arg-type]
            diff=LabelDiff(add=_names(str(r[8])) or (), remove=_names(str(r[9])) or ()),
            touched=_names(str(r[10])) or (),
            state=MoveState(str(r[11])),
            not_before=float(r[12]),  # type: ignore[arg-type]
            attempts=int(r[13]),  # type: ignore[call-overload]
            last_error=None if r[14] is None else str(r[14]),
            created_at=float(r[15]),  # type: ignore[arg-type]
            generation=int(r[16]),  # type: ignore[call-overload]
        )

    # --- writing ---------------------------------------------------------------------------------

    def put(
        self,
        api_url: str,
        key: IssueKey,
        spec: BoardSpec,
        target: Column,
        base: Iterable[str] | None,
        diff: LabelDiff,
    ) -> PendingMove:
        """Record a move (committed to disk when this returns). A queued move of the same issue is
        replaced by this one, keeping its original ``base``; the caller plans ``diff`` against that."""
        now = time.time()
        names = list(diff.add) + list(diff.remove)
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                old = self._conn.execute(
                    "SELECT touched FROM moves WHERE api_url=? AND repo=? AND number=?",
                    (api_url, key.repo, key.number),
                ).fetchone()
                if old is None:
                    self._conn.execute(
                        "INSERT INTO moves (api_url, repo, number, board, columns, target, base, add_labels,"
                        " remove_labels, touched, state, created_at, updated_at)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            api_url,
                            key.repo,
                            key.number,
                            spec.name,
                            _columns_json(spec.columns),
                            target.name,
                            None if base is None else json.dumps(list(base)),
                            json.dumps(list(diff.add)),
                            json.dumps(list(diff.remove)),
                            json.dumps(_union((), names)),
                            MoveState.QUEUED.value,
                            now,
                            now,
                        ),
                    )
                else:
                    touched = _union(json.loads(old[0]), names)
                    self._conn.execute(
                        "UPDATE moves SET board=?, columns=?, target=?, add_labels=?, remove_labels=?,"
                        " touched=?, state=?, attempts=0, last_error=NULL, updated_at=?,"
                        " generation=generation+1 WHERE api_url=? AND repo=? AND number=?",
                        (
                            spec.name,
                            _columns_json(spec.columns),
                            target.name,
                            json.dumps(list(diff.add)),
                            json.dumps(list(diff.remove)),
                            json.dumps(touched),
                            MoveState.QUEUED.value,
                            now,
                            api_url,
                            key.repo,
                            key.number,
                        ),
                    )
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(
                    f"Could not save the move to the outbox ({exc}); it was not sent. "
                    f"{advice(exc, self.path.parent)}"
                ) from None
        result = self.get(api_url, key)
        assert result is not None
        return result

    def mark(
        self,
        move: PendingMove,
        state: MoveState,
        *,
        not_before: float = 0.0,
        attempts: int | None = None,
        last_error: str | None = None,
    ) -> None:
        """Update a row's sending state, unless a newer move of the issue replaced it meanwhile."""
        self._write(
            "UPDATE moves SET state=?, not_before=?, attempts=?, last_error=?, updated_at=?"
            " WHERE id=? AND generation=?",
            (
                state.value,
                not_before,
                move.attempts if attempts is None else attempts,
                last_error,
                time.time(),
                move.id,
                move.generation,
            ),
        )

    def defer_all(self, api_url: str, not_before: float, reason: str) -> None:
        """Every move waits until ``not_before`` (a rate limit is per account, not per issue)."""
        self._write(
            "UPDATE moves SET state=?, not_before=MAX(not_before, ?), last_error=?, updated_at=?"
            " WHERE api_url=?",
            (MoveState.WAITING.value, not_before, reason, time.time(), api_url),
        )

    def complete(self, move: PendingMove) -> bool:
        """Delete a row GitHub confirmed; False when a newer move of the issue replaced it (keep going)."""
        return self._write("DELETE FROM moves WHERE id=? AND generation=?", (move.id, move.generation)) > 0

    def drop(self, move: PendingMove) -> bool:
        """Delete a row that cannot succeed (the caller tells the user why)."""
        return self.complete(move)

    def _write(self, sql: str, params: tuple[object, ...]) -> int:
        with self._lock:
            try:
                cursor = self._conn.execute(sql, params)
            except sqlite3.Error as exc:
                raise StoreError(
                    f"Could not update the outbox ({exc}); pending moves are kept. "
                    f"{advice(exc, self.path.parent)}"
                ) from None
            return cursor.rowcount

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")


def _union(old: Iterable[str], new: Iterable[str]) -> list[str]:
    result: dict[str, str] = {}
    for name in (*old, *new):
        result.setdefault(label_key(name), name)
    return list(result.values())
