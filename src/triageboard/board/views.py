"""Saved views: a named filter and an order within columns; built-in ones per board, and their JSON form."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..errors import DomainError
from .board import sort_key
from .filters import Assignee, Filter
from .marks import MarkKind
from .model import BoardSpec, Issue, label_key


class Sort(StrEnum):
    """How cards are ordered within a column. ``BOARD`` is the board's own order: newest first."""

    BOARD = "board"
    NUMBER = "number"
    UPDATED = "updated"
    TIME_IN_COLUMN = "time-in-column"
    COMMENTS = "comments"


def card_order(
    sort: Sort, issue: Issue, in_column_since: datetime | None = None
) -> tuple[float, float, str, int]:
    """The sort key of a card under ``sort``; ties fall back to the board's order.

    Number: lowest first. Last update: most recent first. Time in column: longest first. Comments: most
    first. A card whose time is unknown goes last.
    """
    if sort is Sort.NUMBER:
        primary = float(issue.number)
    elif sort is Sort.UPDATED:
        primary = -issue.updated_at.timestamp() if issue.updated_at else math.inf
    elif sort is Sort.TIME_IN_COLUMN:
        primary = in_column_since.timestamp() if in_column_since else math.inf
    elif sort is Sort.COMMENTS:
        primary = -float(issue.comments)
    else:
        primary = 0.0
    return (primary, *sort_key(issue))


@dataclass(frozen=True, slots=True)
class View:
    name: str
    filter: Filter
    sort: Sort = Sort.BOARD


def builtin_views(spec: BoardSpec) -> tuple[View, ...]:
    """The views every board offers, from its own columns and rules.

    Mentored without an assignee; the uncategorized column; each column that requires an assignee,
    without one; stalled cards (when a column has a stalled rule); and for boards whose columns are
    levels of triage sharing one label (the 2021 preset's AsyncAwait-Triaged), the first level.
    """
    mentor = spec.mentor_label
    views = [
        View(
            "Mentored, no assignee",
            Filter(mentored_only=True, assignee=Assignee.UNASSIGNED, mentor_label=mentor),
        ),
        View(spec.uncategorized.name, Filter(columns=(spec.uncategorized.name,), mentor_label=mentor)),
    ]
    for column in spec.columns:
        if column.require_assignee:
            views.append(
                View(
                    f"{column.name} without assignee",
                    Filter(columns=(column.name,), assignee=Assignee.UNASSIGNED, mentor_label=mentor),
                )
            )
    if any(c.stalled_after_days is not None for c in spec.columns):
        views.append(
            View("Stalled", Filter(flags=(MarkKind.STALLED.value,), mentor_label=mentor), Sort.TIME_IN_COLUMN)
        )
    levels = [c for c in spec.columns if not c.is_uncategorized]
    shared = (
        set.intersection(*({label_key(n) for n in c.labels} for c in levels)) if len(levels) > 1 else set()
    )
    if shared:
        first = levels[0]
        views.append(View(f"{first.name}, triaged", Filter(columns=(first.name,), mentor_label=mentor)))
    return tuple(views)


def with_view(views: Iterable[View], view: View) -> tuple[View, ...]:
    """``views`` with ``view`` saved: it replaces the view of the same name (any case), else comes last."""
    kept = list(views)
    for n, old in enumerate(kept):
        if old.name.casefold() == view.name.casefold():
            kept[n] = view
            return tuple(kept)
    return (*kept, view)


# --- JSON ---------------------------------------------------------------------------------------------

VIEWS_VERSION = 1
_FILTER_KEYS = ("mentored_only", "assignee", "text", "label", "columns", "flags")


class ViewError(DomainError):
    """Saved views that cannot be read; the message names the view and the key."""


def views_to_json(views: Iterable[View]) -> dict[str, Any]:
    """Saved views as plain JSON data (the board's mentor label is not saved: it comes from the board)."""
    return {"version": VIEWS_VERSION, "views": [_view_dict(v) for v in views]}


def _view_dict(view: View) -> dict[str, Any]:
    flt = view.filter
    # "@" keeps a login named "unassigned" apart from the choice of that name.
    assignee = flt.assignee.value if isinstance(flt.assignee, Assignee) else "@" + flt.assignee
    return {
        "name": view.name,
        "sort": view.sort.value,
        "filter": {
            "mentored_only": flt.mentored_only,
            "assignee": assignee,
            "text": flt.text,
            "label": flt.label,
            "columns": list(flt.columns),
            "flags": list(flt.flags),
        },
    }


def views_from_json(data: object, mentor_label: str = "E-mentor") -> tuple[View, ...]:
    """Saved views from :func:`views_to_json`'s data; raises :class:`ViewError` saying what is wrong."""
    if not isinstance(data, Mapping) or not isinstance(data.get("views"), list):
        raise ViewError('saved views must be an object with a "views" list')
    version = data.get("version")
    if version != VIEWS_VERSION:
        raise ViewError(f"saved views of version {version!r}; this triageboard reads version {VIEWS_VERSION}")
    views: list[View] = []
    for n, raw in enumerate(data["views"], start=1):
        view = _read_view(raw, n, mentor_label)
        if any(v.name.casefold() == view.name.casefold() for v in views):
            raise ViewError(f"view {n}: a view named {view.name!r} comes twice")
        views.append(view)
    return tuple(views)


def _read_view(raw: object, n: int, mentor_label: str) -> View:
    where = f"view {n}"
    if not isinstance(raw, Mapping):
        raise ViewError(f"{where}: expected an object")
    _known(raw, ("name", "sort", "filter"), where)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ViewError(f"{where}, key 'name': a view needs a name")
    where = f"view {n} ({name.strip()!r})"
    try:
        sort = Sort(raw.get("sort", Sort.BOARD.value))
    except ValueError:
        known = ", ".join(s.value for s in Sort)
        raise ViewError(f"{where}, key 'sort': {raw.get('sort')!r} is none of {known}") from None
    flt = raw.get("filter", {})
    if not isinstance(flt, Mapping):
        raise ViewError(f"{where}, key 'filter': expected an object")
    _known(flt, _FILTER_KEYS, f"{where}, filter")
    return View(name.strip(), _read_filter(flt, where, mentor_label), sort)


def _read_filter(raw: Mapping[str, Any], where: str, mentor_label: str) -> Filter:
    mentored = raw.get("mentored_only", False)
    if not isinstance(mentored, bool):
        raise ViewError(f"{where}, key 'filter.mentored_only': expected true or false")
    text = raw.get("text", "")
    if not isinstance(text, str):
        raise ViewError(f"{where}, key 'filter.text': expected text")
    label = raw.get("label")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise ViewError(f"{where}, key 'filter.label': expected a label name or null")
    columns = _names(raw, "columns", where)
    flags = _names(raw, "flags", where)
    known_flags = {k.value for k in MarkKind}
    for flag in flags:
        if flag not in known_flags:
            raise ViewError(
                f"{where}, key 'filter.flags': {flag!r} is none of {', '.join(sorted(known_flags))}"
            )
    return Filter(
        mentored_only=mentored,
        assignee=_read_assignee(raw.get("assignee", Assignee.ANYONE.value), where),
        text=text,
        label=label,
        mentor_label=mentor_label,
        columns=columns,
        flags=flags,
    )


def _read_assignee(value: object, where: str) -> str | Assignee:
    if isinstance(value, str):
        login = value.removeprefix("@")
        if value.startswith("@") and login and not any(c.isspace() for c in login):
            return login
        if value in {a.value for a in Assignee}:
            return Assignee(value)
    raise ViewError(f'{where}, key \'filter.assignee\': expected "anyone", "unassigned" or "@LOGIN"')


def _names(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ViewError(f"{where}, key 'filter.{key}': expected a list of names")
    return tuple(v.strip() for v in value)


def _known(raw: Mapping[str, Any], keys: tuple[str, ...], where: str) -> None:
    for key in raw:
        if key not in keys:
            raise ViewError(f"{where}: unknown key {key!r}; known keys are {', '.join(keys)}")
