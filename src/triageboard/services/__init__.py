"""QObjects with async slots around the domain, the client and the move engine; they report by signals."""

from . import messages
from .auth_service import AuthService
from .board_service import BoardService, rate_limit_text
from .moves import MoveService

__all__ = ["AuthService", "BoardService", "MoveService", "messages", "rate_limit_text"]
