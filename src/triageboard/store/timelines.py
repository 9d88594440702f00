"""Issues' timelines in SQLite, per API URL and account: how long each card has been in its column, kept
across starts, and the ETags that make asking again free.

Two tables. ``pages``: each timeline page's ETag and link, with the page reduced to the events the board
reads (a small fraction of it) — the page cache of the client that reads timelines, so a 304 replays it.
``timelines``: per issue, its events and what they explained when read (the issue's labels and last
update): what the board paints at start before anything is asked, and how the timeline service tells a
timeline that may be stale (the issue changed since) from one that cannot be.

Only a cache: any SQLite failure disables it for the session (logged), never a request. The async methods
do the SQLite work in a worker thread, never on the UI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from ..board import EventKind, IssueKey, TimelineEvent
from ..github import CachedPage
from ..github.parse import timeline_essentials
from .db import open_database

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
WHAT = "timeline cache"
T = TypeVar("T")


def _schema(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        # A cache: rebuilt rather than migrated.
        conn.execute("DROP TABLE IF EXISTS pages")
        conn.execute("DROP TABLE IF EXISTS timelines")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS pages (api_url TEXT NOT NULL, account TEXT NOT NULL, url TEXT NOT NULL,"
        " etag TEXT NOT NULL, body BLOB NOT NULL, link TEXT, used REAL NOT NULL,"
        " PRIMARY KEY (api_url, account, url))"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS timelines (api_url TEXT NOT NULL, account TEXT NOT NULL,"
        " repo TEXT NOT NULL, number INTEGER NOT NULL, events TEXT NOT NULL, labels TEXT NOT NULL,"
        " updated_at TEXT, checked REAL NOT NULL, PRIMARY KEY (api_url, account, repo, number))"
    )
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


@dataclass(frozen=True, slots=True)
class StoredTimeline:
    """An issue's label and assignee events, and what they explained when read: the issue's ``labels``
    (label keys) and ``updated_at`` then; ``checked``: when (clock seconds) GitHub was last asked."""

    events: tuple[TimelineEvent, ...]
    labels: frozenset[str]
    updated_at: datetime | None
    checked: float


def _events_json(events: Iterable[TimelineEvent]) -> str:
    rows = [[e.kind.value, e.created_at.isoformat(), e.actor, e.label, e.assignee] for e in events]
    return json.dumps(rows)


def _events_from(text: str) -> tuple[TimelineEvent, ...]:
    return tuple(
        TimelineEvent(EventKind(kind), datetime.fromisoformat(at), actor, label=label, assignee=assignee)
        for kind, at, actor, label, assignee in json.loads(text)
    )


class TimelineStore:
    """One SQLite file shared by the window and the CLI; ``pages(api_url)`` is the timeline client's page
    cache, ``load``/``save`` the timelines read so far."""

    def __init__(self, path: Path, *, max_rows: int = 20_000) -> None:
        opened = open_database(path, _schema, WHAT)
        self.path = path
        self.notice = opened.notice
        self._conn: sqlite3.Connection | None = opened.connection
        self._conn.execute("PRAGMA synchronous=NORMAL")  # a cache need not survive power loss
        self._max_rows = max_rows
        self._writes = 0
        self._lock = threading.Lock()

    def pages(self, api_url: str, account: str = "") -> TimelinePages:
        """The page cache for timelines read from ``api_url`` by ``account`` (set it once known)."""
        return TimelinePages(self, api_url, account)

    # --- timelines -----------------------------------------------------------------------------------

    async def load(self, api_url: str, account: str) -> dict[IssueKey, StoredTimeline]:
        """Every timeline stored for ``account`` on ``api_url`` (empty without an account)."""
        return await asyncio.to_thread(self.load_now, api_url, account)

    async def save(self, api_url: str, account: str, key: IssueKey, timeline: StoredTimeline) -> None:
        await asyncio.to_thread(self.save_now, api_url, account, key, timeline)

    def load_now(self, api_url: str, account: str) -> dict[IssueKey, StoredTimeline]:
        if not account:
            return {}
        rows: list[tuple[object, ...]] = self._run(
            lambda conn: conn.execute(
                "SELECT repo, number, events, labels, updated_at, checked FROM timelines"
                " WHERE api_url=? AND account=?",
                (api_url, account),
            ).fetchall(),
            [],
        )
        found: dict[IssueKey, StoredTimeline] = {}
        for repo, number, events, labels, updated_at, checked in rows:
            try:
                found[IssueKey(str(repo), int(str(number)))] = StoredTimeline(
                    _events_from(str(events)),
                    frozenset(str(n) for n in json.loads(str(labels))),
                    None if updated_at is None else datetime.fromisoformat(str(updated_at)),
                    float(str(checked)),
                )
            except (ValueError, TypeError, KeyError):
                log.info("a stored timeline of %s#%s could not be read; it is read again", repo, number)
        return found

    def save_now(self, api_url: str, account: str, key: IssueKey, timeline: StoredTimeline) -> None:
        if not account:
            return
        self._run(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO timelines (api_url, account, repo, number, events, labels,"
                " updated_at, checked) VALUES (?,?,?,?,?,?,?,?)",
                (
                    api_url,
                    account,
                    key.repo,
                    key.number,
                    _events_json(timeline.events),
                    json.dumps(sorted(timeline.labels)),
                    None if timeline.updated_at is None else timeline.updated_at.isoformat(),
                    timeline.checked,
                ),
            ),
            None,
            write=True,
        )

    # --- pages (through TimelinePages) ---------------------------------------------------------------

    def get_page(self, api_url: str, account: str, url: str) -> CachedPage | None:
        if not account:
            return None
        row = self._run(
            lambda conn: conn.execute(
                "SELECT etag, body, link FROM pages WHERE api_url=? AND account=? AND url=?",
                (api_url, account, url),
            ).fetchone(),
            None,
        )
        if row is None:
            return None
        return CachedPage(etag=str(row[0]), body=bytes(row[1]), link=None if row[2] is None else str(row[2]))

    def put_page(self, api_url: str, account: str, url: str, page: CachedPage) -> None:
        """Keep a timeline page reduced to the events the board reads; a page that does not parse as a
        timeline is not kept (it would only be replayed to fail again)."""
        if not account:
            return
        try:
            essentials = timeline_essentials(json.loads(page.body))
        except (ValueError, UnicodeDecodeError, RecursionError):
            essentials = None
        if essentials is None:
            self.drop_page(api_url, account, url)
            return
        body = json.dumps(essentials, separators=(",", ":")).encode()
        self._run(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO pages (api_url, account, url, etag, body, link, used)"
                " VALUES (?,?,?,?,?,?,julianday('now'))",
                (api_url, account, url, page.etag, body, page.link),
            ),
            None,
            write=True,
        )

    def drop_page(self, api_url: str, account: str, url: str) -> None:
        self._run(
            lambda conn: conn.execute(
                "DELETE FROM pages WHERE api_url=? AND account=? AND url=?", (api_url, account, url)
            ),
            None,
        )

    def clear_now(self, api_url: str, account: str) -> None:
        """Forget what ``account`` read from ``api_url`` (pages and timelines)."""

        def clear(conn: sqlite3.Connection) -> None:
            for table in ("pages", "timelines"):
                conn.execute(f"DELETE FROM {table} WHERE api_url=? AND account=?", (api_url, account))  # noqa: S608

        self._run(clear, None)

    def __len__(self) -> int:
        return int(self._run(lambda conn: conn.execute("SELECT COUNT(*) FROM timelines").fetchone()[0], 0))

    # --- plumbing ----------------------------------------------------------------------------------------

    def _run(self, work: Callable[[sqlite3.Connection], T], failed: T, *, write: bool = False) -> T:
        with self._lock:
            if self._conn is None:
                return failed
            try:
                result = work(self._conn)
                if write:
                    self._writes += 1
                    if self._writes % 200 == 0:
                        self._prune()
                return result
            except sqlite3.Error as exc:
                self._disable(exc)
                return failed

    def _prune(self) -> None:
        assert self._conn is not None
        self._conn.execute(
            "DELETE FROM pages WHERE rowid NOT IN (SELECT rowid FROM pages ORDER BY used DESC LIMIT ?)",
            (self._max_rows,),
        )
        self._conn.execute(
            "DELETE FROM timelines WHERE rowid NOT IN"
            " (SELECT rowid FROM timelines ORDER BY checked DESC LIMIT ?)",
            (self._max_rows,),
        )

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


class TimelinePages:
    """:class:`triageboard.github.PageCache` for the timelines one account reads from one API URL.

    ``account`` is set when the signed-in login is known; until then nothing is stored or replayed.
    """

    def __init__(self, store: TimelineStore, api_url: str, account: str = "") -> None:
        self.store = store
        self.api_url = api_url
        self.account = account

    @property
    def notice(self) -> object | None:
        return self.store.notice

    async def get(self, url: str) -> CachedPage | None:
        return await asyncio.to_thread(self.store.get_page, self.api_url, self.account, url)

    async def put(self, url: str, page: CachedPage) -> None:
        await asyncio.to_thread(self.store.put_page, self.api_url, self.account, url, page)

    async def drop(self, url: str) -> None:
        await asyncio.to_thread(self.store.drop_page, self.api_url, self.account, url)

    async def clear(self) -> None:
        await asyncio.to_thread(self.store.clear_now, self.api_url, self.account)
