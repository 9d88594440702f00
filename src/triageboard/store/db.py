"""Opening a SQLite file safely: WAL, full sync, a schema version, and damaged files moved aside."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError, StoreReason
from ..reporting import StoreRecovered

log = logging.getLogger(__name__)

# How long a write waits for another process (the window and 'triageboard sync' share the outbox).
BUSY_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Opened:
    connection: sqlite3.Connection
    # Set when the file was damaged and moved aside: a fact for the user.
    notice: StoreRecovered | None = None


def _companions(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    for part in _companions(path):
        if part.exists():
            part.rename(target.with_name(target.name + part.name[len(path.name) :]))
    return target


def _connect(path: Path, schema: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        row = conn.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {row[0] if row else 'no answer'}")
        schema(conn)
    except BaseException:
        conn.close()
        raise
    return conn


Salvage = Callable[[sqlite3.Connection, sqlite3.Connection], int]


def open_database(
    path: Path,
    schema: Callable[[sqlite3.Connection], None],
    what: str,
    salvage: Salvage | None = None,
) -> Opened:
    """Open (or create) ``path``; a damaged file is moved aside, reported in ``notice``, and replaced.

    ``what`` names the store for the user ("outbox", "page cache"). ``salvage(damaged, fresh)``
    copies what can still be read from the damaged file (opened read-only) and returns how many records.
    Every failure is a :class:`StoreError` naming ``path`` (a schema's own refusal too: it does not know
    where the file is).
    """
    try:
        return _open(path, schema, what, salvage)
    except StoreError as exc:
        if exc.path:
            raise
        raise StoreError(exc.what, str(path), exc.reason, doing=exc.doing, detail=exc.detail) from None
    except OSError as exc:
        raise failure(what, path, exc, "open") from None


def _open(
    path: Path, schema: Callable[[sqlite3.Connection], None], what: str, salvage: Salvage | None
) -> Opened:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return Opened(_connect(path, schema))
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and not _looks_damaged(exc):
            raise failure(what, path, exc, "open") from None
        log.warning("%s at %s is damaged (%s); moving it aside", what, path, exc)
    try:
        aside = _move_aside(path)
        conn = _connect(path, schema)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(what, str(path), StoreReason.DAMAGED_BEYOND_REPAIR, detail=str(exc)) from None
    recovered = _salvage(aside, conn, salvage) if salvage is not None else None
    return Opened(conn, StoreRecovered(what, str(aside), recovered))


def _salvage(aside: Path, fresh: sqlite3.Connection, salvage: Salvage) -> int:
    try:
        damaged = sqlite3.connect(f"{aside.as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error:
        return 0
    try:
        return salvage(damaged, fresh)
    except sqlite3.Error as exc:
        log.warning("nothing could be recovered from %s (%s)", aside, exc)
        return 0
    finally:
        damaged.close()


def failure(what: str, path: Path, exc: BaseException, doing: str) -> StoreError:
    """``exc`` (from SQLite or the file system) as a :class:`StoreError`: busy (another process holds the
    file) or a disk problem (full, read-only, permissions)."""
    text = str(exc).lower()
    busy = "locked" in text or "busy" in text
    reason = StoreReason.BUSY if busy else StoreReason.DISK
    return StoreError(what, str(path), reason, doing=doing, detail=str(exc))


def _looks_damaged(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("malformed", "not a database", "corrupt", "integrity"))
