"""QObjects around the domain, the client and the move engine: they start work in the session's task
scope and report through signals and the session's reporter."""

from .assignee_service import AssigneeService
from .auth_service import AuthService
from .board_service import BoardService
from .details_service import Comments, DetailsService
from .meeting_service import MeetingService
from .move_service import MoveService, Outcome
from .timeline_service import TimelineService

__all__ = [
    "AssigneeService",
    "AuthService",
    "BoardService",
    "Comments",
    "DetailsService",
    "MeetingService",
    "MoveService",
    "Outcome",
    "TimelineService",
]
