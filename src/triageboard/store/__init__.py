"""SQLite stores: the durable outbox of pending changes, the meeting journal and the ETag page cache. No Qt
here."""

from .db import open_database
from .journal import Journal, Place, StoredMeeting
from .outbox import AssignOp, DamagedRow, MoveState, Outbox, Pending, PendingAssignment, PendingMove
from .pages import SQLitePageCache

__all__ = [
    "AssignOp",
    "DamagedRow",
    "Journal",
    "MoveState",
    "Outbox",
    "Pending",
    "PendingAssignment",
    "PendingMove",
    "Place",
    "SQLitePageCache",
    "StoredMeeting",
    "open_database",
]
