"""ETag pages in SQLite: implements :class:`triageboard.github.PageCache`, so unchanged pages cost nothing
(a 304 does not count against GitHub's rate limit) across restarts.

It is only a cache: any SQLite failure disables it for the session (logged) instead of failing a request.
Its async methods do the SQLite work in a worker thread, never on the UI thread.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .db import open_database

if TYPE_CHECKING:
    from ..github import CachedPage

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


def _schema(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        conn.execute("DROP TABLE IF EXISTS pages")  # a cache: rebuild rather than migrate
    conn.execute(
        "CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, etag TEXT NOT NULL, body BLOB NOT NULL,"
        " link TEXT, used REAL NOT NULL)"
    )
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


class SQLitePageCache:
    def __init__(self, path: Path, *, max_pages: int = 2000) -> None:
        opened = open_database(path, _schema, "page cache")
        self.path = path
        self.notice = opened.notice
        self._conn: sqlite3.Connection | None = opened.connection
        self._conn.execute("PRAGMA synchronous=NORMAL")  # a cache need not survive power loss
        self._max_pages = max_pages
        self._puts = 0
        self._lock = threading.Lock()

    # asyncio is imported on first use: the stores open in a worker thread while the window starts.
    async def get(self, url: str) -> CachedPage | None:
        import asyncio

        return await asyncio.to_thread(self.get_now, url)

    async def put(self, url: str, page: CachedPage) -> None:
        import asyncio

        await asyncio.to_thread(self.put_now, url, page)

    async def drop(self, url: str) -> None:
        import asyncio

        await asyncio.to_thread(self._delete, url)

    async def clear(self) -> None:
        import asyncio

        await asyncio.to_thread(self.clear_now)

    def get_now(self, url: str) -> CachedPage | None:
        with self._lock:
            if self._conn is None:
                return None
            try:
                row = self._conn.execute("SELECT etag, body, link FROM pages WHERE url=?", (url,)).fetchone()
                if row is not None:
                    self._conn.execute("UPDATE pages SET used=? WHERE url=?", (time.time(), url))
            except sqlite3.Error as exc:
                self._disable(exc)
                return None
        if row is None:
            return None
        from ..github import CachedPage  # the HTTP stack is loaded by then: the client asks

        return CachedPage(etag=str(row[0]), body=bytes(row[1]), link=None if row[2] is None else str(row[2]))

    def put_now(self, url: str, page: CachedPage) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute(
                    "INSERT OR REPLACE INTO pages (url, etag, body, link, used) VALUES (?,?,?,?,?)",
                    (url, page.etag, page.body, page.link, time.time()),
                )
                self._puts += 1
                if self._puts % 100 == 0:
                    self._prune()
            except sqlite3.Error as exc:
                self._disable(exc)

    def clear_now(self) -> None:
        """Forget every page: another account may see other data behind the same URLs."""
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute("DELETE FROM pages")
            except sqlite3.Error as exc:
                self._disable(exc)

    def _delete(self, url: str) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute("DELETE FROM pages WHERE url=?", (url,))
            except sqlite3.Error as exc:
                self._disable(exc)

    def __len__(self) -> int:
        with self._lock:
            if self._conn is None:
                return 0
            return int(self._conn.execute("SELECT COUNT(*) FROM pages").fetchone()[0])

    def _prune(self) -> None:
        assert self._conn is not None
        self._conn.execute(
            "DELETE FROM pages WHERE url NOT IN (SELECT url FROM pages ORDER BY used DESC LIMIT ?)",
            (self._max_pages,),
        )

    def _disable(self, exc: sqlite3.Error) -> None:
        log.warning("page cache at %s disabled for this session: %s", self.path, exc)
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        self._conn = None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
