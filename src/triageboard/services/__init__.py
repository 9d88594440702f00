"""QObjects around the domain, the client and the move engine: they start work in the session's task
scope and report through signals and the session's reporter."""

from .auth_service import AuthService
from .board_service import BoardService
from .move_service import MoveService, Outcome

__all__ = ["AuthService", "BoardService", "MoveService", "Outcome"]
