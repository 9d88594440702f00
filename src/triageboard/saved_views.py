"""Saved views on disk: one JSON file per board, ``paths.config_dir()/views/<board>.json``, in the form of
:func:`triageboard.board.views_to_json` (the window writes it; ``triageboard list --view NAME`` reads it).

A board's views are its saved ones, then its built-in ones (:func:`triageboard.board.builtin_views`) whose
names no saved view took: saving a view under a built-in view's name replaces it on that board.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from . import paths
from .board import BoardSpec, View, ViewError, builtin_views, views_from_json, views_to_json
from .errors import SettingsError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def views_path(board: str) -> Path:
    """Where the saved views of the board called ``board`` live. A name that is not a plain file name
    (spaces, slashes, ...) is made into one, with a short hash so that two such names never share a file."""
    safe = _UNSAFE.sub("_", board).strip(".") or "board"
    if safe != board:
        safe = f"{safe[:60]}-{hashlib.sha256(board.encode()).hexdigest()[:10]}"
    return paths.config_dir() / "views" / f"{safe}.json"


def load_saved_views(spec: BoardSpec) -> tuple[View, ...]:
    """The views saved for ``spec`` (none when nothing was saved). Raises :class:`SettingsError` naming the
    file and what is wrong with it."""
    path = views_path(spec.name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(str(path), f"cannot read the saved views ({exc})") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SettingsError(str(path), f"the saved views are not JSON ({exc})") from None
    try:
        return views_from_json(data, spec.mentor_label)
    except ViewError as exc:
        raise SettingsError(str(path), exc.problem) from None


def save_views(spec: BoardSpec, views: Iterable[View]) -> Path:
    """Write ``views`` as ``spec``'s saved views, whole or not at all (a new file replaces the old one).
    Raises OSError when the disk refuses."""
    path = views_path(spec.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(views_to_json(views), ensure_ascii=False, indent=1) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


def board_views(spec: BoardSpec) -> tuple[View, ...]:
    """Every view of ``spec``: the saved ones, then the built-in ones no saved view replaced."""
    saved = load_saved_views(spec)
    taken = {view.name.casefold() for view in saved}
    return (*saved, *(view for view in builtin_views(spec) if view.name.casefold() not in taken))


def find_view(spec: BoardSpec, name: str) -> View:
    """The view of ``spec`` called ``name`` (any case). Raises KeyError with a sentence naming the views,
    SettingsError when the saved views cannot be read."""
    views = board_views(spec)
    wanted = name.strip().casefold()
    for view in views:
        if view.name.casefold() == wanted:
            return view
    known = ", ".join(repr(view.name) for view in views)
    raise KeyError(f"this board has no view {name!r}; its views are {known}")
