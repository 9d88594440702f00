"""The durable outbox: the changes GitHub has not confirmed yet — one row per issue with a move, and one per
(issue, login) with an assignment.

A row is committed (WAL, ``synchronous=FULL``) before any request for it is sent, and deleted only once
GitHub's answer shows the intended labels (or assignees). Several moves of one issue coalesce into its row
(the last target wins; ``generation`` counts them so a sender never deletes a newer intent it did not send);
so do several assignment requests for one login.

Rows are self-contained: they carry the board's columns, so a replay does not depend on which board is open.
Why a row waits is kept as facts (``errors.to_record``), never as a sentence.

Version 3: a row says how it is sent (``via``: the account's own writes, or a comment asking the repository's
triagebot), and for a bot row when asking began (``asked_at``, committed before the comment is posted, so
that after a kill the comment is looked for instead of posted again) and which comment asked
(``comment_id``, ``posted_at``: GitHub's time of it).

The class is synchronous and thread-safe (one connection behind a lock). ``submit`` runs a call on the
outbox's own worker thread, one at a time in the order they were asked for (the last wish for a row must
win), so that no disk wait ever runs on the UI thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import ParamSpec, TypeVar

from ..board import BoardSpec, Column, IssueKey, LabelDiff, Via, label_key
from ..clock import Clock, SystemClock
from ..errors import (
    AwaitingBot,
    StoreError,
    StoreReason,
    TriageboardError,
    UnreadableRecord,
    from_record,
    to_record,
)
from .db import failure, open_database

SCHEMA_VERSION = 3
WHAT = "outbox"
P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger(__name__)


class MoveState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    WAITING = "waiting"  # until ``not_before``: a temporary failure or a rate limit


class AssignOp(StrEnum):
    ADD = "add"
    REMOVE = "remove"


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
    error: TriageboardError | None
    created_at: float
    generation: int
    batch: int | None = None
    via: Via = Via.GITHUB
    asked_at: float | None = None
    posted_at: float | None = None
    comment_id: int | None = None

    @property
    def spec(self) -> BoardSpec:
        return BoardSpec(name=self.board, columns=self.columns)

    @property
    def column(self) -> Column:
        return self.spec.column(self.target)


@dataclass(frozen=True, slots=True)
class PendingAssignment:
    id: int
    key: IssueKey
    api_url: str
    login: str
    op: AssignOp
    state: MoveState
    not_before: float
    attempts: int
    error: TriageboardError | None
    created_at: float
    generation: int
    batch: int | None = None
    via: Via = Via.GITHUB
    asked_at: float | None = None
    posted_at: float | None = None
    comment_id: int | None = None

    @property
    def target(self) -> str:
        return f"{'assign' if self.op is AssignOp.ADD else 'unassign'} @{self.login}"


Pending = PendingMove | PendingAssignment
# Plans a move's label change against the base its row keeps (None: unknown, a scripted move).
Planner = Callable[[tuple[str, ...] | None], LabelDiff]


@dataclass(frozen=True, slots=True)
class DamagedRow:
    """A row that could not be read, now set aside: ``key`` and ``login`` as far as they could be read."""

    table: str
    key: IssueKey | None
    login: str | None
    error: UnreadableRecord


# What decoding a damaged row raises (json.JSONDecodeError is a ValueError).
_DECODING = (ValueError, TypeError, KeyError, IndexError, AttributeError)
_DAMAGED = """
    CREATE TABLE IF NOT EXISTS damaged_rows (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        data TEXT NOT NULL,
        problem TEXT NOT NULL,
        found_at REAL NOT NULL
    )
"""


_MOVES = """
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
        batch INTEGER,
        via TEXT NOT NULL DEFAULT 'github',
        asked_at REAL,
        posted_at REAL,
        comment_id INTEGER,
        UNIQUE (api_url, repo, number)
    )
"""
_ASSIGNMENTS = """
    CREATE TABLE IF NOT EXISTS assignments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        api_url TEXT NOT NULL,
        repo TEXT NOT NULL,
        number INTEGER NOT NULL,
        login TEXT NOT NULL,
        op TEXT NOT NULL,
        state TEXT NOT NULL,
        not_before REAL NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        generation INTEGER NOT NULL DEFAULT 1,
        batch INTEGER,
        via TEXT NOT NULL DEFAULT 'github',
        asked_at REAL,
        posted_at REAL,
        comment_id INTEGER,
        UNIQUE (api_url, repo, number, login COLLATE NOCASE)
    )
"""


def _schema(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(WHAT, "", StoreReason.NEWER)
    if version == SCHEMA_VERSION:
        return  # no write: opening never waits for a writer
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(_MOVES)
        if version == 1:
            # Version 1 kept why a move waited as a sentence, version 2 keeps facts (the next try finds out).
            conn.execute("ALTER TABLE moves ADD COLUMN batch INTEGER")
            conn.execute("UPDATE moves SET last_error=NULL")
        # Version 3: how a row is sent; rows from before were all the account's own writes.
        for table in {1: ("moves",), 2: ("moves", "assignments")}.get(version, ()):
            for column in _V3_COLUMNS:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        conn.execute(_ASSIGNMENTS)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


_V3_COLUMNS = ("via TEXT NOT NULL DEFAULT 'github'", "asked_at REAL", "posted_at REAL", "comment_id INTEGER")

_V3_NAMES = ("via", "asked_at", "posted_at", "comment_id")

_MOVE_COLUMNS = (
    "api_url, repo, number, board, columns, target, base, add_labels, remove_labels, touched, state,"
    " not_before, attempts, last_error, created_at, updated_at, generation"
)
_ASSIGN_COLUMNS = (
    "api_url, repo, number, login, op, state, not_before, attempts, created_at, updated_at, generation"
)


def _salvage(damaged: sqlite3.Connection, fresh: sqlite3.Connection) -> int:
    """Copy the moves and assignments still readable in a damaged outbox (row by row, up to the first bad
    page). Why they waited is not copied: the next attempt finds out again."""
    copied = 0
    for table, base in (("moves", _MOVE_COLUMNS), ("assignments", _ASSIGN_COLUMNS)):
        # How a row is sent, and whether its comment went out, where the damaged file (version 3) has it.
        try:
            present = {str(r[1]) for r in damaged.execute(f"PRAGMA table_info({table})")}
        except sqlite3.DatabaseError:
            present = set()
        columns = ", ".join([base, *(c for c in _V3_NAMES if c in present)])
        rows: list[tuple[object, ...]] = []
        try:
            for row in damaged.execute(f"SELECT {columns} FROM {table} NOT INDEXED ORDER BY id"):  # noqa: S608
                rows.append(tuple(row))
        except sqlite3.DatabaseError as exc:
            log.warning("the damaged outbox's %s could be read only partly (%s)", table, exc)
        marks = ",".join("?" * len(columns.split(",")))
        for row in rows:
            with contextlib.suppress(sqlite3.Error):
                if table == "moves":
                    row = (*row[:13], None, *row[14:])  # last_error: an old sentence or facts, dropped
                cursor = fresh.execute(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", row)  # noqa: S608
                copied += cursor.rowcount
    return copied


# ``where`` clauses below are constants of this module; values always go through parameters.
_SELECT_MOVES = (
    "SELECT id, api_url, repo, number, board, columns, target, base, add_labels, remove_labels,"
    " touched, state, not_before, attempts, last_error, created_at, generation, batch, via, asked_at,"
    " posted_at, comment_id FROM moves "
)
_SELECT_ASSIGNMENTS = (
    "SELECT id, api_url, repo, number, login, op, state, not_before, attempts, last_error, created_at,"
    " generation, batch, via, asked_at, posted_at, comment_id FROM assignments "
)


def _selected(select: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in select.removeprefix("SELECT ").partition(" FROM ")[0].split(","))


def _columns_json(columns: Iterable[Column]) -> str:
    return json.dumps([{"name": c.name, "labels": list(c.labels)} for c in columns])


def _columns_from(text: str) -> tuple[Column, ...]:
    return tuple(Column(str(c["name"]), tuple(str(n) for n in c["labels"])) for c in json.loads(text))


def _names(text: object) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = json.loads(str(text))
    if not isinstance(names, list):
        raise TypeError("not a list of names")
    return tuple(str(n) for n in names)


def _state(text: object) -> MoveState:
    """A row's state; an unknown one (a damaged row, another version) is QUEUED: the state only says how
    far sending got, and the engine reads the issue's labels before any write anyway."""
    try:
        return MoveState(str(text))
    except ValueError:
        log.info("an outbox row has the unknown state %r; it is sent as queued", text)
        return MoveState.QUEUED


def _key(r: tuple[object, ...]) -> IssueKey | None:
    try:
        return IssueKey(str(r[2]), int(r[3]))  # type: ignore[call-overload]
    except _DECODING:
        return None


def _raw_json(table: str, r: tuple[object, ...]) -> str:
    names = _selected(_SELECT_MOVES if table == "moves" else _SELECT_ASSIGNMENTS)
    return json.dumps(
        {
            name: value if value is None or isinstance(value, str | int | float) else repr(value)
            for name, value in zip(names, r, strict=False)
        }
    )


def _via(value: object) -> Via:
    """A ``via`` this version does not know (written by a newer one) reads as the bot: it never turns into
    a label write."""
    try:
        return Via(str(value))
    except ValueError:
        return Via.RUSTBOT


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _error_json(error: TriageboardError | None) -> str | None:
    return None if error is None else json.dumps(to_record(error))


def _error_from(text: object) -> TriageboardError | None:
    if not isinstance(text, str):
        return None
    try:
        return from_record(json.loads(text))
    except ValueError:
        return None


class Outbox:
    """SQLite-backed; safe to share between the window and a ``triageboard sync`` run at the same time."""

    def __init__(self, path: Path, *, clock: Clock | None = None) -> None:
        opened = open_database(path, _schema, WHAT, _salvage)
        self.path = path
        self.notice = opened.notice
        self._clock: Clock = clock or SystemClock()
        self._conn = opened.connection
        self._lock = threading.Lock()
        # Rows found damaged while reading, by (table, id): set aside by set_aside_damaged().
        self._found: dict[tuple[str, int], tuple[tuple[object, ...], Exception]] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")

    def submit(self, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run ``work(*args, **kwargs)`` on the outbox's worker thread, after every call submitted before."""
        return self._worker.submit(work, *args, **kwargs)

    def close(self) -> None:
        self._worker.shutdown(wait=True)  # what was asked for is written before the file closes
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ---------------------------------------------------------------------------------

    def get(self, api_url: str, key: IssueKey) -> PendingMove | None:
        rows = self._moves("WHERE api_url=? AND repo=? AND number=?", (api_url, key.repo, key.number))
        return rows[0] if rows else None

    def pending(self, api_url: str) -> list[PendingMove]:
        return self._moves("WHERE api_url=? ORDER BY id", (api_url,))

    def assignments(self, api_url: str) -> list[PendingAssignment]:
        return self._assignments("WHERE api_url=? ORDER BY id", (api_url,))

    def assignment(self, api_url: str, key: IssueKey, login: str) -> PendingAssignment | None:
        rows = self._assignments(
            "WHERE api_url=? AND repo=? AND number=? AND login=? COLLATE NOCASE",
            (api_url, key.repo, key.number, login),
        )
        return rows[0] if rows else None

    def count(self, api_url: str) -> int:
        return self._scalar(
            "SELECT (SELECT COUNT(*) FROM moves WHERE api_url=?)"
            " + (SELECT COUNT(*) FROM assignments WHERE api_url=?)",
            (api_url, api_url),
        )

    def origins(self) -> dict[str, int]:
        """How many changes wait for each API URL (a GitHub Enterprise host has its own)."""
        with self._lock:
            try:
                rows = self._conn.execute(
                    "SELECT api_url, COUNT(*) FROM (SELECT api_url FROM moves UNION ALL"
                    " SELECT api_url FROM assignments) GROUP BY api_url"
                ).fetchall()
            except sqlite3.Error as exc:
                raise failure(WHAT, self.path, exc, "read") from None
        return {str(api_url): int(n) for api_url, n in rows}

    def _scalar(self, sql: str, params: tuple[object, ...]) -> int:
        with self._lock:
            try:
                row = self._conn.execute(sql, params).fetchone()
            except sqlite3.Error as exc:
                raise failure(WHAT, self.path, exc, "read") from None
        return int(row[0])

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return [tuple(r) for r in self._conn.execute(sql, params).fetchall()]
            except sqlite3.Error as exc:
                raise failure(WHAT, self.path, exc, "read") from None

    def _moves(self, where: str, params: tuple[object, ...]) -> list[PendingMove]:
        rows = []
        for r in self._rows(_SELECT_MOVES + where, params):
            try:
                rows.append(self._move_row(r))
            except _DECODING as exc:
                self._damaged("moves", r, exc)
        return rows

    def _assignments(self, where: str, params: tuple[object, ...]) -> list[PendingAssignment]:
        rows = []
        for r in self._rows(_SELECT_ASSIGNMENTS + where, params):
            try:
                rows.append(self._assignment_row(r))
            except _DECODING as exc:
                self._damaged("assignments", r, exc)
        return rows

    def _damaged(self, table: str, r: tuple[object, ...], exc: Exception) -> None:
        """A row that cannot be read is left out of every answer (and logged), until set aside."""
        with self._lock:
            first = (table, int(r[0])) not in self._found  # type: ignore[call-overload]
            self._found[(table, int(r[0]))] = (r, exc)  # type: ignore[call-overload]
        if first:
            log.info("outbox: %s row %s cannot be read (%s); left out until set aside", table, r[0], exc)

    def set_aside_damaged(self) -> list[DamagedRow]:
        """Move the rows found damaged since the last call out of the queue, into the table
        ``damaged_rows`` of the same file (kept as they were, for a person to look at); returns them as
        facts for the user. A row another process rewrote or set aside meanwhile is left alone."""
        with self._lock:
            found, self._found = self._found, {}
        if not found:
            return []
        aside: list[DamagedRow] = []
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute(_DAMAGED)
                for (table, row_id), (r, exc) in found.items():
                    generation = r[16] if table == "moves" else r[11]
                    deleted = self._conn.execute(
                        f"DELETE FROM {table} WHERE id=? AND generation IS ?",  # noqa: S608
                        (row_id, generation),
                    ).rowcount
                    if not deleted:
                        continue
                    problem = f"{type(exc).__name__}: {exc}"[:200]
                    self._conn.execute(
                        "INSERT INTO damaged_rows (source, data, problem, found_at) VALUES (?,?,?,?)",
                        (table, _raw_json(table, r), problem, self._clock.time()),
                    )
                    aside.append(_damaged_fact(table, r, problem))
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise failure(WHAT, self.path, exc, "save") from None
        return aside

    @staticmethod
    def _move_row(r: tuple[object, ...]) -> PendingMove:
        return PendingMove(
            id=int(r[0]),  # type: ignore[call-overload]
            api_url=str(r[1]),
            key=IssueKey(str(r[2]), int(r[3])),  # type: ignore[call-overload]
            board=str(r[4]),
            columns=_columns_from(str(r[5])),
            target=str(r[6]),
            base=_names(r[7]),
            diff=LabelDiff(add=_names(str(r[8])) or (), remove=_names(str(r[9])) or ()),
            touched=_names(str(r[10])) or (),
            state=_state(r[11]),
            not_before=float(r[12]),  # type: ignore[arg-type]
            attempts=int(r[13]),  # type: ignore[call-overload]
            error=_error_from(r[14]),
            created_at=float(r[15]),  # type: ignore[arg-type]
            generation=int(r[16]),  # type: ignore[call-overload]
            batch=None if r[17] is None else int(r[17]),  # type: ignore[call-overload]
            via=_via(r[18]),
            asked_at=_float(r[19]),
            posted_at=_float(r[20]),
            comment_id=_int(r[21]),
        )

    @staticmethod
    def _assignment_row(r: tuple[object, ...]) -> PendingAssignment:
        return PendingAssignment(
            id=int(r[0]),  # type: ignore[call-overload]
            api_url=str(r[1]),
            key=IssueKey(str(r[2]), int(r[3])),  # type: ignore[call-overload]
            login=str(r[4]),
            op=AssignOp(str(r[5])),
            state=_state(r[6]),
            not_before=float(r[7]),  # type: ignore[arg-type]
            attempts=int(r[8]),  # type: ignore[call-overload]
            error=_error_from(r[9]),
            created_at=float(r[10]),  # type: ignore[arg-type]
            generation=int(r[11]),  # type: ignore[call-overload]
            batch=None if r[12] is None else int(r[12]),  # type: ignore[call-overload]
            via=_via(r[13]),
            asked_at=_float(r[14]),
            posted_at=_float(r[15]),
            comment_id=_int(r[16]),
        )

    # --- writing ---------------------------------------------------------------------------------

    def put(
        self,
        api_url: str,
        key: IssueKey,
        spec: BoardSpec,
        target: Column,
        base: Iterable[str] | None,
        diff: LabelDiff | Planner,
        *,
        batch: int | None = None,
        via: Via = Via.GITHUB,
    ) -> PendingMove:
        """Record a move (committed to disk when this returns). A queued move of the same issue is
        replaced by this one, keeping its original ``base``. ``diff`` is planned against the base the row
        keeps: pass a planner (called with that base, in the same transaction) when the caller cannot know
        which it is, since the move before may settle, and its row go, at any moment. The replaced move's
        comment (a bot move's) is not this one's: the new move asks again if it goes by the bot. A bot move
        whose comment may be out already is not replaced: raises :class:`AwaitingBot` (the bot could act on
        the two comments in either order)."""
        now = self._clock.time()
        base = None if base is None else tuple(base)
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                old = self._conn.execute(
                    "SELECT touched, via, asked_at, base FROM moves WHERE api_url=? AND repo=? AND number=?",
                    (api_url, key.repo, key.number),
                ).fetchone()
                if old is not None and old[1] != Via.GITHUB.value and old[2] is not None:
                    raise AwaitingBot(str(key), target.name, repo=key.repo)
                try:
                    kept = base if old is None else _names(old[3])
                except _DECODING:  # a damaged row is replaced by this move, with this base
                    kept = base
                if callable(diff):
                    diff = diff(kept)
                names = list(diff.add) + list(diff.remove)
                if old is None:
                    self._conn.execute(
                        "INSERT INTO moves (api_url, repo, number, board, columns, target, base, add_labels,"
                        " remove_labels, touched, state, created_at, updated_at, batch, via)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                            batch,
                            via.value,
                        ),
                    )
                else:
                    try:
                        touched = _union(_names(old[0]) or (), names)
                    except _DECODING:  # a damaged row is replaced by this move
                        touched = _union((), names)
                    self._conn.execute(
                        "UPDATE moves SET board=?, columns=?, target=?, base=?, add_labels=?,"
                        " remove_labels=?, touched=?, state=?, attempts=0, last_error=NULL, updated_at=?,"
                        " batch=?, via=?, asked_at=NULL, posted_at=NULL, comment_id=NULL, not_before=0,"
                        " generation=generation+1 WHERE api_url=? AND repo=? AND number=?",
                        (
                            spec.name,
                            _columns_json(spec.columns),
                            target.name,
                            None if kept is None else json.dumps(list(kept)),
                            json.dumps(list(diff.add)),
                            json.dumps(list(diff.remove)),
                            json.dumps(touched),
                            MoveState.QUEUED.value,
                            now,
                            batch,
                            via.value,
                            api_url,
                            key.repo,
                            key.number,
                        ),
                    )
                self._conn.execute("COMMIT")
            except AwaitingBot:
                self._rollback()
                raise
            except sqlite3.Error as exc:
                self._rollback()
                raise failure(WHAT, self.path, exc, "save") from None
        result = self.get(api_url, key)
        assert result is not None
        return result

    def put_assignment(
        self,
        api_url: str,
        key: IssueKey,
        login: str,
        op: AssignOp,
        *,
        batch: int | None = None,
        via: Via = Via.GITHUB,
    ) -> PendingAssignment:
        """Record an assignment change (on disk when this returns); a queued one for the same login is
        replaced (the last wish wins), unless it is a claim the bot was asked for already
        (:class:`AwaitingBot`)."""
        now = self._clock.time()
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                old = self._conn.execute(
                    "SELECT via, asked_at FROM assignments WHERE api_url=? AND repo=? AND number=?"
                    " AND login=? COLLATE NOCASE",
                    (api_url, key.repo, key.number, login),
                ).fetchone()
                if old is not None and old[0] != Via.GITHUB.value and old[1] is not None:
                    raise AwaitingBot(
                        str(key), f"{'assign' if op is AssignOp.ADD else 'unassign'} @{login}", repo=key.repo
                    )
                self._conn.execute(
                    "INSERT INTO assignments (api_url, repo, number, login, op, state, created_at,"
                    " updated_at, batch, via) VALUES (?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (api_url, repo, number, login) DO UPDATE SET"
                    " op=excluded.op, state=excluded.state, attempts=0, last_error=NULL, not_before=0,"
                    " updated_at=excluded.updated_at, batch=excluded.batch, via=excluded.via,"
                    " asked_at=NULL, posted_at=NULL, comment_id=NULL, generation=generation+1",
                    (
                        api_url,
                        key.repo,
                        key.number,
                        login,
                        op.value,
                        MoveState.QUEUED.value,
                        now,
                        now,
                        batch,
                        via.value,
                    ),
                )
                self._conn.execute("COMMIT")
            except AwaitingBot:
                self._rollback()
                raise
            except sqlite3.Error as exc:
                self._rollback()
                raise failure(WHAT, self.path, exc, "save") from None
        result = self.assignment(api_url, key, login)
        assert result is not None
        return result

    def mark(
        self,
        row: Pending,
        state: MoveState,
        *,
        not_before: float = 0.0,
        attempts: int | None = None,
        error: TriageboardError | None = None,
    ) -> None:
        """Update a row's sending state, unless a newer request for it replaced it meanwhile."""
        self._write(
            f"UPDATE {_table(row)} SET state=?, not_before=?, attempts=?, last_error=?, updated_at=?"  # noqa: S608
            " WHERE id=? AND generation=?",
            (
                state.value,
                not_before,
                row.attempts if attempts is None else attempts,
                _error_json(error),
                self._clock.time(),
                row.id,
                row.generation,
            ),
        )

    def asking(self, row: Pending, at: float) -> bool:
        """A bot row is about to post its comment: committed first, so that after a kill the comment is
        looked for on the issue, never posted twice. False when a newer request replaced the row."""
        return (
            self._write(
                f"UPDATE {_table(row)} SET asked_at=?, updated_at=? WHERE id=? AND generation=?",  # noqa: S608
                (at, self._clock.time(), row.id, row.generation),
            )
            > 0
        )

    def asked(self, row: Pending, comment_id: int, posted_at: float) -> bool:
        """A bot row's comment is on the issue (``posted_at``: GitHub's time of it)."""
        return (
            self._write(
                f"UPDATE {_table(row)} SET comment_id=?, posted_at=?, updated_at=?"  # noqa: S608
                " WHERE id=? AND generation=?",
                (comment_id, posted_at, self._clock.time(), row.id, row.generation),
            )
            > 0
        )

    def defer_all(self, api_url: str, not_before: float, error: TriageboardError) -> None:
        """Every change waits until ``not_before`` (a rate limit is per account, not per issue)."""
        for table in ("moves", "assignments"):
            self._write(
                f"UPDATE {table} SET state=?, not_before=MAX(not_before, ?), last_error=?, updated_at=?"  # noqa: S608
                " WHERE api_url=?",
                (MoveState.WAITING.value, not_before, _error_json(error), self._clock.time(), api_url),
            )

    def release(self, api_url: str, before: float) -> int:
        """Bring waits that end after ``before`` forward to it: what a clock jump or a bad server announced
        must not hold the outbox past what GitHub can mean."""
        total = 0
        for table in ("moves", "assignments"):
            total += self._write(
                f"UPDATE {table} SET not_before=? WHERE api_url=? AND not_before>?",  # noqa: S608
                (before, api_url, before),
            )
        return total

    def complete(self, row: Pending) -> bool:
        """Delete a row GitHub confirmed; False when a newer request replaced it (keep going)."""
        return (
            self._write(f"DELETE FROM {_table(row)} WHERE id=? AND generation=?", (row.id, row.generation))  # noqa: S608
            > 0
        )

    def drop(self, row: Pending) -> bool:
        """Delete a row that cannot succeed (the caller tells the user why)."""
        return self.complete(row)

    def cancel_batch(self, api_url: str, batch: int) -> list[Pending]:
        """Take back the rows of ``batch`` not being sent right now; returns them (their cards go back)."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                moves = [
                    self._move_row(tuple(r))
                    for r in self._conn.execute(
                        _SELECT_MOVES + "WHERE api_url=? AND batch=? AND state!=?",
                        (api_url, batch, MoveState.SENDING.value),
                    ).fetchall()
                ]
                assignments = [
                    self._assignment_row(tuple(r))
                    for r in self._conn.execute(
                        _SELECT_ASSIGNMENTS + "WHERE api_url=? AND batch=? AND state!=?",
                        (api_url, batch, MoveState.SENDING.value),
                    ).fetchall()
                ]
                taken: list[Pending] = [*moves, *assignments]
                for row in taken:
                    self._conn.execute(
                        f"DELETE FROM {_table(row)} WHERE id=? AND generation=?",  # noqa: S608
                        (row.id, row.generation),
                    )
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise failure(WHAT, self.path, exc, "save") from None
        return taken

    def _write(self, sql: str, params: tuple[object, ...]) -> int:
        with self._lock:
            try:
                cursor = self._conn.execute(sql, params)
            except sqlite3.Error as exc:
                raise failure(WHAT, self.path, exc, "update") from None
            return cursor.rowcount

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")


def _table(row: Pending) -> str:
    return "moves" if isinstance(row, PendingMove) else "assignments"


def _union(old: Iterable[str], new: Iterable[str]) -> list[str]:
    result: dict[str, str] = {}
    for name in (*old, *new):
        result.setdefault(label_key(name), name)
    return list(result.values())


def _damaged_fact(table: str, r: tuple[object, ...], problem: str) -> DamagedRow:
    key = _key(r)
    issue = str(key) if key is not None else ""
    if table == "moves":
        target = r[6] if isinstance(r[6], str) else ""
        return DamagedRow(table, key, None, UnreadableRecord(issue, target, what="move", detail=problem))
    login = r[4] if isinstance(r[4], str) and r[4] else None
    target = f"assign @{login}" if login else ""
    error = UnreadableRecord(issue, target, what="assignment", detail=problem)
    return DamagedRow(table, key, login, error)
