"""SQLite stores: the durable outbox of pending moves and the ETag page cache. No Qt here."""

from .db import StoreError, open_database
from .outbox import MoveState, Outbox, PendingMove
from .pages import SQLitePageCache

__all__ = ["MoveState", "Outbox", "PendingMove", "SQLitePageCache", "StoreError", "open_database"]
