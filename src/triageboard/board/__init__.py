"""The triage domain: pure Python, standard library only (an import-linter contract keeps it so)."""

from .actions import Assignment, Move, Relabel, Request
from .addresses import is_loopback
from .attention import Attention, Fix, needs_attention
from .board import Board, BoardListener, ColumnCount, sort_key
from .cards import Card, board_cards, card_dict, column_state
from .filters import Assignee, Filter
from .marks import FailedMove, Mark, MarkKind, evaluate_marks
from .model import BoardSpec, Column, Issue, IssueKey, Label, Placement, label_key
from .names import REPO_NAME, is_repo_name
from .presets import DEFAULT_PRESET, PRESETS, BoardFileError, load_board_file, parse_board, preset
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
from .timeline import EventKind, TimelineEvent, in_column_since, time_in_column_text
from .views import Sort, View, ViewError, builtin_views, card_order, views_from_json, views_to_json, with_view

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "REPO_NAME",
    "Assignee",
    "Assignment",
    "Attention",
    "Board",
    "BoardFileError",
    "BoardListener",
    "BoardSpec",
    "Card",
    "Column",
    "ColumnCount",
    "EventKind",
    "FailedMove",
    "Filter",
    "Fix",
    "Issue",
    "IssueKey",
    "Label",
    "LabelDiff",
    "Mark",
    "MarkKind",
    "Move",
    "Placement",
    "Relabel",
    "Request",
    "Sort",
    "TimelineEvent",
    "Triagebot",
    "TriagebotError",
    "View",
    "ViewError",
    "apply_diff",
    "assignment_comment",
    "board_cards",
    "builtin_views",
    "card_dict",
    "card_order",
    "column_state",
    "diff_allowed",
    "evaluate_marks",
    "in_column_since",
    "in_scope",
    "is_loopback",
    "is_repo_name",
    "label_allowed",
    "label_comment",
    "label_key",
    "load_board_file",
    "needs_attention",
    "parse_board",
    "parse_triagebot",
    "place",
    "plan_move",
    "preset",
    "satisfies",
    "sort_key",
    "time_in_column_text",
    "views_from_json",
    "views_to_json",
    "with_view",
]
