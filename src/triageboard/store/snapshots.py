"""The last board, per board and account, in SQLite: what the window paints before any network traffic, what
``triageboard list`` prints offline, and where the next refresh starts from (its sync marks).

A snapshot is only a cache of what GitHub said: a damaged file is set aside (``open_database``) and any
SQLite failure later disables the store for the session (logged) instead of failing a start. The store also
remembers which account last used each host, so that a start knows whose board to paint before GitHub has
said who the token belongs to. Nothing secret is stored: issues, logins and times.

The methods ending in ``_now`` block; the window calls the async ones (a worker thread) or calls ``_now``
before its event loop runs. Standard library only, plus the domain's types.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from ..board.model import BoardSpec, Issue, Label
from .db import open_database

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

SCHEMA_VERSION = 1
WHAT = "board snapshots"


def board_key(spec: BoardSpec) -> str:
    """What makes two boards the same board for a snapshot: where issues come from and what is in scope.

    Column names, limits and rules only change how cards are shown, so they are not part of it.
    """
    parts = {
        "api": spec.api_url.rstrip("/").casefold(),
        "repos": sorted(r.casefold() for r in spec.repos),
        "query": spec.query or "",
        "area": sorted(n.casefold() for n in spec.area_labels),
        "columns": sorted(sorted(n.casefold() for n in c.labels) for c in spec.columns if c.labels),
        "pulls": spec.include_pull_requests,
        "closed": spec.include_closed,
    }
    text = json.dumps(parts, sort_keys=True).encode()
    return f"{spec.name}:{zlib.crc32(text):08x}{zlib.adler32(text):08x}"


@dataclass(frozen=True, slots=True)
class SyncMarks:
    """Where the next refresh starts: ``full_at`` (epoch seconds, the client's clock) when the last complete
    load walked every page; ``since`` per source (a repository, or ``search:<query>``) the server's time
    (ISO 8601, UTC) from which a refresh asks for what changed."""

    full_at: float | None = None
    since: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"full_at": self.full_at, "since": dict(self.since)}

    @classmethod
    def from_json(cls, data: object) -> SyncMarks:
        if not isinstance(data, dict):
            return cls()
        full_at = data.get("full_at")
        since = data.get("since")
        return cls(
            float(full_at) if isinstance(full_at, int | float) else None,
            {str(k): str(v) for k, v in since.items() if isinstance(v, str)}
            if isinstance(since, dict)
            else {},
        )


@dataclass(frozen=True, slots=True)
class SavedBoard:
    """A board as it was last known complete: ``saved_at`` is when GitHub last confirmed it."""

    board: str
    account: str
    saved_at: datetime
    issues: list[Issue]
    marks: SyncMarks = field(default_factory=SyncMarks)


@dataclass(frozen=True, slots=True)
class Account:
    """The login that last used a host; ``signed_in`` False after a sign-out (its board is not painted)."""

    login: str
    signed_in: bool = True


# --- issues as compact JSON rows -------------------------------------------------------------------------


def _stamp(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _moment(value: object) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else None


def issue_row(issue: Issue) -> list[Any]:
    return [
        issue.repo,
        issue.number,
        issue.title,
        [[label.name, label.color, label.description] for label in issue.labels],
        list(issue.assignees),
        issue.author,
        issue.state,
        issue.is_pull_request,
        issue.comments,
        _stamp(issue.created_at),
        _stamp(issue.updated_at),
        _stamp(issue.closed_at),
        issue.html_url,
        issue.body,
    ]


def row_issue(row: list[Any], labels: dict[tuple[str, str, str | None], Label]) -> Issue:
    """One row back into an :class:`Issue`; equal labels are shared (10,000 cards carry few distinct ones)."""
    shared = []
    for name, color, description in row[3]:
        key = (name, color, description)
        label = labels.get(key)
        if label is None:
            label = labels[key] = Label(name, color, description)
        shared.append(label)
    return Issue(
        repo=row[0],
        number=row[1],
        title=row[2],
        labels=tuple(shared),
        assignees=tuple(row[4]),
        author=row[5],
        state=row[6],
        is_pull_request=bool(row[7]),
        comments=row[8],
        created_at=_moment(row[9]),
        updated_at=_moment(row[10]),
        closed_at=_moment(row[11]),
        html_url=row[12],
        body=row[13],
    )


def encode_issues(issues: Iterable[Issue]) -> bytes:
    text = json.dumps([issue_row(i) for i in issues], ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 1)


def decode_issues(blob: bytes) -> list[Issue]:
    """Raises ValueError for anything this module did not write."""
    try:
        rows = json.loads(zlib.decompress(blob).decode("utf-8"))
        labels: dict[tuple[str, str, str | None], Label] = {}
        return [row_issue(row, labels) for row in rows]
    except (zlib.error, UnicodeDecodeError, TypeError, IndexError, KeyError, OverflowError, OSError) as exc:
        raise ValueError(f"unreadable snapshot: {exc}") from None


# --- the store ---------------------------------------------------------------------------------------------


def _schema(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        # A cache: rebuild rather than migrate.
        conn.execute("DROP TABLE IF EXISTS boards")
        conn.execute("DROP TABLE IF EXISTS accounts")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS boards (board TEXT NOT NULL, account TEXT NOT NULL,"
        " saved_at REAL NOT NULL, marks TEXT NOT NULL, issues BLOB NOT NULL, PRIMARY KEY (board, account))"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS accounts (host TEXT PRIMARY KEY, login TEXT NOT NULL,"
        " signed_in INTEGER NOT NULL, seen REAL NOT NULL)"
    )
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


class SnapshotStore:
    """Raises ``StoreError`` only when the file cannot be opened at all (a damaged one is set aside and
    reported in ``notice``)."""

    def __init__(self, path: Path) -> None:
        opened = open_database(path, _schema, WHAT)
        self.path = path
        self.notice = opened.notice
        self._conn: sqlite3.Connection | None = opened.connection
        self._conn.execute("PRAGMA synchronous=NORMAL")  # a cache need not survive power loss
        self._lock = threading.Lock()

    @property
    def usable(self) -> bool:
        return self._conn is not None

    # --- blocking calls (a worker thread, or before the event loop runs) --------------------------------

    def load_now(self, board: str, account: str) -> SavedBoard | None:
        with self._lock:
            if self._conn is None:
                return None
            try:
                row = self._conn.execute(
                    "SELECT saved_at, marks, issues FROM boards WHERE board=? AND account=?", (board, account)
                ).fetchone()
            except sqlite3.Error as exc:
                self._disable(exc)
                return None
        if row is None:
            return None
        try:
            issues = decode_issues(bytes(row[2]))
            marks = SyncMarks.from_json(json.loads(row[1]))
        except ValueError as exc:
            log.warning("the snapshot of %s is unreadable (%s); it is ignored", board, exc)
            return None
        return SavedBoard(board, account, datetime.fromtimestamp(float(row[0]), UTC), issues, marks)

    def save_now(self, saved: SavedBoard) -> None:
        blob = encode_issues(saved.issues)
        marks = json.dumps(saved.marks.to_json())
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute(
                    "INSERT OR REPLACE INTO boards (board, account, saved_at, marks, issues)"
                    " VALUES (?,?,?,?,?)",
                    (saved.board, saved.account, saved.saved_at.timestamp(), marks, blob),
                )
            except sqlite3.Error as exc:
                self._disable(exc)

    def touch_now(self, board: str, account: str, saved_at: datetime, marks: SyncMarks) -> None:
        """GitHub confirmed the saved board unchanged: only its time and marks move (no issues rewritten)."""
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute(
                    "UPDATE boards SET saved_at=?, marks=? WHERE board=? AND account=?",
                    (saved_at.timestamp(), json.dumps(marks.to_json()), board, account),
                )
            except sqlite3.Error as exc:
                self._disable(exc)

    def account_now(self, host: str) -> Account | None:
        """Who last used ``host``: whose ETags are stored, and whose board to paint before GitHub says whose
        the token is (not after a sign-out)."""
        with self._lock:
            if self._conn is None:
                return None
            try:
                row = self._conn.execute(
                    "SELECT login, signed_in FROM accounts WHERE host=?", (host,)
                ).fetchone()
            except sqlite3.Error as exc:
                self._disable(exc)
                return None
        return None if row is None else Account(str(row[0]), bool(row[1]))

    def set_account_now(self, host: str, account: Account, when: float) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute(
                    "INSERT OR REPLACE INTO accounts (host, login, signed_in, seen) VALUES (?,?,?,?)",
                    (host, account.login, int(account.signed_in), when),
                )
            except sqlite3.Error as exc:
                self._disable(exc)

    def forget_now(self, board: str, account: str) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute("DELETE FROM boards WHERE board=? AND account=?", (board, account))
            except sqlite3.Error as exc:
                self._disable(exc)

    # --- the same off the event loop's thread ------------------------------------------------------------

    async def load(self, board: str, account: str) -> SavedBoard | None:
        return await _thread(self.load_now, board, account)

    async def save(self, saved: SavedBoard) -> None:
        await _thread(self.save_now, saved)

    async def touch(self, board: str, account: str, saved_at: datetime, marks: SyncMarks) -> None:
        await _thread(self.touch_now, board, account, saved_at, marks)

    async def account(self, host: str) -> Account | None:
        return await _thread(self.account_now, host)

    async def set_account(self, host: str, account: Account, when: float) -> None:
        await _thread(self.set_account_now, host, account, when)

    async def forget(self, board: str, account: str) -> None:
        await _thread(self.forget_now, board, account)

    def _disable(self, exc: sqlite3.Error) -> None:
        log.warning("%s at %s disabled for this session: %s", WHAT, self.path, exc)
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        self._conn = None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


async def _thread(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    import asyncio  # only once an event loop runs: the first paint does not need asyncio

    return await asyncio.to_thread(work, *args, **kwargs)
