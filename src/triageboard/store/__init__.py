"""SQLite stores: the durable outbox of pending changes, the meeting journal, the ETag page cache, the
timeline cache and the board snapshots. No Qt here. Names are imported on first use (PEP 562): the first
paint reads a snapshot without the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports
from .db import open_database

if TYPE_CHECKING:
    from .journal import Journal, Place, StoredMeeting
    from .outbox import AssignOp, DamagedRow, MoveState, Outbox, Pending, PendingAssignment, PendingMove
    from .pages import SQLitePageCache
    from .snapshots import Account, SavedBoard, SnapshotStore, SyncMarks, board_key
    from .timelines import StoredTimeline, TimelinePages, TimelineStore

_WHERE = {
    **dict.fromkeys(
        ("AssignOp", "DamagedRow", "MoveState", "Outbox", "Pending", "PendingAssignment", "PendingMove"),
        "outbox",
    ),
    "SQLitePageCache": "pages",
    **dict.fromkeys(("Journal", "Place", "StoredMeeting"), "journal"),
    **dict.fromkeys(("StoredTimeline", "TimelinePages", "TimelineStore"), "timelines"),
    **dict.fromkeys(("Account", "SavedBoard", "SnapshotStore", "SyncMarks", "board_key"), "snapshots"),
}

__all__ = [
    "Account",
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
    "SavedBoard",
    "SnapshotStore",
    "StoredMeeting",
    "StoredTimeline",
    "SyncMarks",
    "TimelinePages",
    "TimelineStore",
    "board_key",
    "open_database",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
