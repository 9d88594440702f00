"""The move engine (plain asyncio, no Qt): outbox replay, retries, rate-limit waits, conflicts, undo."""

from .engine import MoveEngine, MoveEvents, apply_assignees
from .history import AssignChange, Change, History, MoveChange, Step

__all__ = [
    "AssignChange",
    "Change",
    "History",
    "MoveChange",
    "MoveEngine",
    "MoveEvents",
    "Step",
    "apply_assignees",
]
