"""SQLite stores: the durable outbox of pending changes and the ETag page cache. No Qt here."""

from .db import open_database
from .outbox import AssignOp, DamagedRow, MoveState, Outbox, Pending, PendingAssignment, PendingMove
from .pages import SQLitePageCache

__all__ = [
    "AssignOp",
    "DamagedRow",
    "MoveState",
    "Outbox",
    "Pending",
    "PendingAssignment",
    "PendingMove",
    "SQLitePageCache",
    "open_database",
]
