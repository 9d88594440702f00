"""The packages that export their names on first use (PEP 562) export every name they list."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "package", ["triageboard.board", "triageboard.auth", "triageboard.github", "triageboard.store"]
)
def test_every_listed_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert sorted(dir(module)) == sorted(module.__all__)


def test_a_function_named_like_its_module_stays_the_function() -> None:
    """``board.agenda`` and ``board.minutes`` are functions, even once their modules are imported."""
    importlib.import_module("triageboard.board.agenda")
    importlib.import_module("triageboard.board.minutes")
    board = importlib.import_module("triageboard.board")
    assert callable(board.agenda)
    assert not isinstance(board.agenda, type(board))
    assert callable(board.minutes)
    assert not isinstance(board.minutes, type(board))
