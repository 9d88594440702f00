"""The triage domain: pure Python, standard library only (an import-linter contract keeps it so)."""

from .addresses import is_loopback
from .board import Board, BoardListener, ColumnCount, sort_key
from .filters import Assignee, Filter
from .model import BoardSpec, Column, Issue, IssueKey, Label, Placement, label_key
from .names import REPO_NAME, is_repo_name
from .presets import DEFAULT_PRESET, PRESETS, BoardFileError, load_board_file, parse_board, preset
from .rules import LabelDiff, apply_diff, in_scope, place, plan_move, satisfies
from .timeline import EventKind, TimelineEvent, in_column_since, time_in_column_text

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "REPO_NAME",
    "Assignee",
    "Board",
    "BoardFileError",
    "BoardListener",
    "BoardSpec",
    "Column",
    "ColumnCount",
    "EventKind",
    "Filter",
    "Issue",
    "IssueKey",
    "Label",
    "LabelDiff",
    "Placement",
    "TimelineEvent",
    "apply_diff",
    "in_column_since",
    "in_scope",
    "is_loopback",
    "is_repo_name",
    "label_key",
    "load_board_file",
    "parse_board",
    "place",
    "plan_move",
    "preset",
    "satisfies",
    "sort_key",
    "time_in_column_text",
]
