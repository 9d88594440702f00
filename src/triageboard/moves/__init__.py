"""The move engine (plain asyncio, no Qt): outbox replay, retries, rate-limit waits, conflicts, undo."""

from .engine import EnginePolicy, MoveEngine, MoveEvents, Refused
from .history import History, Step

__all__ = ["EnginePolicy", "History", "MoveEngine", "MoveEvents", "Refused", "Step"]
