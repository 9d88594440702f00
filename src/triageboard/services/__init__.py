"""QObjects with async slots around the domain and the GitHub client; they report through signals."""

from . import messages
from .board_service import BoardService, rate_limit_text

__all__ = ["BoardService", "messages", "rate_limit_text"]
