"""Saved views on disk: one file per board (a name that is no file name made into one), written whole,
read back with the board's mentor label; a saved view replaces the built-in one of its name."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from triageboard import paths
from triageboard.board import Assignee, Filter, Sort, View, builtin_views, preset
from triageboard.errors import SettingsError
from triageboard.saved_views import board_views, find_view, load_saved_views, save_views, views_path
from triageboard.wording import describe

SPEC = preset("rust-async")


def test_a_boards_views_live_in_the_config_folder_under_its_name() -> None:
    assert views_path("rust-async") == paths.config_dir() / "views" / "rust-async.json"
    odd = views_path("../my board/ä")
    assert odd.parent == paths.config_dir() / "views"
    assert odd.name.startswith("_my_board__-")
    assert odd != views_path("../my board/ö")  # made-up names never share a file
    assert views_path("..").name != ".json"


def test_saved_views_round_trip_and_replace_the_built_in_ones_of_their_name() -> None:
    assert load_saved_views(SPEC) == ()
    assert board_views(SPEC) == builtin_views(SPEC)
    mine = View("Mine", Filter(assignee="eholk", text="ICE"), Sort.UPDATED)
    stalled = View("stalled", Filter(columns=("OnDeck",)))
    path = save_views(SPEC, [mine, stalled])
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind
    assert load_saved_views(SPEC) == (mine, stalled)
    views = board_views(SPEC)
    assert views[:2] == (mine, stalled)
    assert [v.name for v in views].count("Stalled") == 0  # the built-in one gave way
    assert find_view(SPEC, "MINE") == mine
    assert find_view(SPEC, "Mentored, no assignee").filter.assignee is Assignee.UNASSIGNED
    with pytest.raises(KeyError, match="no view 'Theirs'; its views are 'Mine', 'stalled'"):
        find_view(SPEC, "Theirs")


def test_the_mentor_label_comes_from_the_board() -> None:
    other = replace(SPEC, mentor_label="E-mentored")
    save_views(SPEC, [View("Mentored", Filter(mentored_only=True))])
    [view] = load_saved_views(other)
    assert view.filter.mentor_label == "E-mentored"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "the saved views are not JSON"),
        ('{"version": 2, "views": []}', "saved views of version 2"),
        ('{"version": 1, "views": [{"name": "a", "filter": {"flags": ["rotten"]}}]}', "'rotten' is none of"),
    ],
)
def test_a_file_that_cannot_be_used_is_said_with_its_path(text: str, problem: str) -> None:
    path = views_path(SPEC.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_saved_views(SPEC)
    assert caught.value.path == str(path)
    assert problem in caught.value.problem
    assert describe(caught.value).startswith(f"{path}: ")


def test_a_file_that_is_not_text_is_said() -> None:
    path = views_path(SPEC.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SettingsError, match="cannot read the saved views"):
        load_saved_views(SPEC)
