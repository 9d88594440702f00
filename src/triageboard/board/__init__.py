"""The triage domain: pure Python, standard library only (an import-linter contract keeps it so).

Names are imported on first use (PEP 562): a window paints its board with the model, the rules and the
filters, and loads the meeting, the agenda or the views only when they are used.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..errors import BoardFileError
    from .actions import Assignment, Move, Relabel, Request
    from .addresses import is_loopback
    from .agenda import (
        Agenda,
        AgendaItem,
        Reason,
        ReasonKind,
        Step,
        StepKind,
        agenda,
        agenda_json,
        ladder,
        needed_to_fill,
    )
    from .attention import Attention, Fix, needs_attention
    from .board import Board, BoardListener, ColumnCount, sort_key
    from .cards import Card, board_cards, card_dict, column_state
    from .filters import Assignee, Filter
    from .marks import FailedMove, Mark, MarkKind, evaluate_marks
    from .meeting import (
        Decided,
        Decision,
        DecisionKind,
        JournalError,
        Meeting,
        MeetingError,
        MeetingOpened,
        PlannedStep,
        Record,
        Topic,
        Undone,
        open_meeting,
        record_from_dict,
        record_to_dict,
        requests_of,
        reversing_requests,
    )
    from .minutes import markdown_text, minutes
    from .model import BoardSpec, Column, Issue, IssueKey, Label, Placement, label_key
    from .names import REPO_NAME, is_login, is_repo_name
    from .presets import DEFAULT_PRESET, PRESETS, load_board_file, parse_board, preset
    from .routing import (
        BOT_LOGIN,
        Route,
        Via,
        bot_error,
        claimed_by,
        refusal_concerns,
        route_assignment,
        route_move,
    )
    from .rules import LabelDiff, apply_diff, in_scope, place, plan_move, satisfies
    from .rustbot import (
        Triagebot,
        TriagebotError,
        assignment_comment,
        diff_allowed,
        label_allowed,
        label_comment,
        parse_triagebot,
    )
    from .since import BoardSnapshot, Change, ChangeKind, SinceSnapshot, SnapshotCard, changes_since
    from .timeline import EventKind, TimelineEvent, in_column_since, time_in_column_text
    from .views import (
        Sort,
        View,
        ViewError,
        builtin_views,
        card_order,
        views_from_json,
        views_to_json,
        with_view,
    )

# name -> the module (relative to this package) that defines it
_WHERE = {
    "BoardFileError": "..errors",
    "Assignment": ".actions",
    "Move": ".actions",
    "Relabel": ".actions",
    "Request": ".actions",
    "is_loopback": ".addresses",
    "Agenda": ".agenda",
    "AgendaItem": ".agenda",
    "Reason": ".agenda",
    "ReasonKind": ".agenda",
    "Step": ".agenda",
    "StepKind": ".agenda",
    "agenda": ".agenda",
    "agenda_json": ".agenda",
    "ladder": ".agenda",
    "needed_to_fill": ".agenda",
    "Attention": ".attention",
    "Fix": ".attention",
    "needs_attention": ".attention",
    "Board": ".board",
    "BoardListener": ".board",
    "ColumnCount": ".board",
    "sort_key": ".board",
    "Card": ".cards",
    "board_cards": ".cards",
    "card_dict": ".cards",
    "column_state": ".cards",
    "Assignee": ".filters",
    "Filter": ".filters",
    "FailedMove": ".marks",
    "Mark": ".marks",
    "MarkKind": ".marks",
    "evaluate_marks": ".marks",
    "Decided": ".meeting",
    "Decision": ".meeting",
    "DecisionKind": ".meeting",
    "JournalError": ".meeting",
    "Meeting": ".meeting",
    "MeetingError": ".meeting",
    "MeetingOpened": ".meeting",
    "PlannedStep": ".meeting",
    "Record": ".meeting",
    "Topic": ".meeting",
    "Undone": ".meeting",
    "open_meeting": ".meeting",
    "record_from_dict": ".meeting",
    "record_to_dict": ".meeting",
    "requests_of": ".meeting",
    "reversing_requests": ".meeting",
    "markdown_text": ".minutes",
    "minutes": ".minutes",
    "BoardSpec": ".model",
    "Column": ".model",
    "Issue": ".model",
    "IssueKey": ".model",
    "Label": ".model",
    "Placement": ".model",
    "label_key": ".model",
    "REPO_NAME": ".names",
    "is_login": ".names",
    "is_repo_name": ".names",
    "DEFAULT_PRESET": ".presets",
    "PRESETS": ".presets",
    "load_board_file": ".presets",
    "parse_board": ".presets",
    "preset": ".presets",
    "BOT_LOGIN": ".routing",
    "Route": ".routing",
    "Via": ".routing",
    "bot_error": ".routing",
    "claimed_by": ".routing",
    "refusal_concerns": ".routing",
    "route_assignment": ".routing",
    "route_move": ".routing",
    "LabelDiff": ".rules",
    "apply_diff": ".rules",
    "in_scope": ".rules",
    "place": ".rules",
    "plan_move": ".rules",
    "satisfies": ".rules",
    "Triagebot": ".rustbot",
    "TriagebotError": ".rustbot",
    "assignment_comment": ".rustbot",
    "diff_allowed": ".rustbot",
    "label_allowed": ".rustbot",
    "label_comment": ".rustbot",
    "parse_triagebot": ".rustbot",
    "BoardSnapshot": ".since",
    "Change": ".since",
    "ChangeKind": ".since",
    "SinceSnapshot": ".since",
    "SnapshotCard": ".since",
    "changes_since": ".since",
    "EventKind": ".timeline",
    "TimelineEvent": ".timeline",
    "in_column_since": ".timeline",
    "time_in_column_text": ".timeline",
    "Sort": ".views",
    "View": ".views",
    "ViewError": ".views",
    "builtin_views": ".views",
    "card_order": ".views",
    "views_from_json": ".views",
    "views_to_json": ".views",
    "with_view": ".views",
}

__all__ = [
    "BOT_LOGIN",
    "DEFAULT_PRESET",
    "PRESETS",
    "REPO_NAME",
    "Agenda",
    "AgendaItem",
    "Assignee",
    "Assignment",
    "Attention",
    "Board",
    "BoardFileError",
    "BoardListener",
    "BoardSnapshot",
    "BoardSpec",
    "Card",
    "Change",
    "ChangeKind",
    "Column",
    "ColumnCount",
    "Decided",
    "Decision",
    "DecisionKind",
    "EventKind",
    "FailedMove",
    "Filter",
    "Fix",
    "Issue",
    "IssueKey",
    "JournalError",
    "Label",
    "LabelDiff",
    "Mark",
    "MarkKind",
    "Meeting",
    "MeetingError",
    "MeetingOpened",
    "Move",
    "Placement",
    "PlannedStep",
    "Reason",
    "ReasonKind",
    "Record",
    "Relabel",
    "Request",
    "Route",
    "SinceSnapshot",
    "SnapshotCard",
    "Sort",
    "Step",
    "StepKind",
    "TimelineEvent",
    "Topic",
    "Triagebot",
    "TriagebotError",
    "Undone",
    "Via",
    "View",
    "ViewError",
    "agenda",
    "agenda_json",
    "apply_diff",
    "assignment_comment",
    "board_cards",
    "bot_error",
    "builtin_views",
    "card_dict",
    "card_order",
    "changes_since",
    "claimed_by",
    "column_state",
    "diff_allowed",
    "evaluate_marks",
    "in_column_since",
    "in_scope",
    "is_login",
    "is_loopback",
    "is_repo_name",
    "label_allowed",
    "label_comment",
    "label_key",
    "ladder",
    "load_board_file",
    "markdown_text",
    "minutes",
    "needed_to_fill",
    "needs_attention",
    "open_meeting",
    "parse_board",
    "parse_triagebot",
    "place",
    "plan_move",
    "preset",
    "record_from_dict",
    "record_to_dict",
    "refusal_concerns",
    "requests_of",
    "reversing_requests",
    "route_assignment",
    "route_move",
    "satisfies",
    "sort_key",
    "time_in_column_text",
    "views_from_json",
    "views_to_json",
    "with_view",
]


class _Package(types.ModuleType):
    """Importing a submodule sets it as an attribute of the package; where the package exports a function
    of the same name (``agenda``, ``minutes``), the function keeps the name, as with eager imports."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _WHERE.get(name) == f".{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
