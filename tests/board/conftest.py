"""Fixtures of the board tests: the Rust async board the week of a triage meeting (triage_week.py)."""

from __future__ import annotations

import pytest
from triage_week import ASYNC, NOW, week_issues, week_since

from triageboard.board import Board, Card, board_cards


@pytest.fixture
def week_board() -> Board:
    board = Board(ASYNC)
    board.update(week_issues())
    return board


@pytest.fixture
def week_cards(week_board: Board) -> list[Card]:
    return board_cards(week_board, NOW, since=week_since())
