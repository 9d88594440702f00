"""SQLite stores: the durable outbox of pending changes, the meeting journal, the ETag page cache and the
timeline cache. No Qt here."""

from .db import open_database
from .journal import Journal, Place, StoredMeeting
from .outbox import AssignOp, DamagedRow, MoveState, Outbox, Pending, PendingAssignment, PendingMove
from .pages import SQLitePageCache
from .timelines import StoredTimeline, TimelinePages, TimelineStore

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
    "StoredTimeline",
    "TimelinePages",
    "TimelineStore",
    "open_database",
]
