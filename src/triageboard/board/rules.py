"""The one place that maps labels to columns and a move to a label diff."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import BoardSpec, Column, Issue, Label, Placement, label_key


def in_scope(spec: BoardSpec, issue: Issue) -> bool:
    """Whether the board shows ``issue`` at all: it carries an area label, or some column claims it.

    An issue with a column's labels but no area label still shows: org-wide searches include it, and
    hiding it would hide a triage decision.
    """
    if issue.is_pull_request and not spec.include_pull_requests:
        return False
    if issue.state != "open" and not spec.include_closed:
        return False
    if not spec.area_labels:
        return True
    if any(issue.has_label(name) for name in spec.area_labels):
        return True
    return any(not c.is_uncategorized and _carries_all(issue, c.labels) for c in spec.columns)


def _carries_all(issue: Issue, names: Iterable[str]) -> bool:
    keys = {label.key for label in issue.labels}
    return all(label_key(name) in keys for name in names)


def place(spec: BoardSpec, issue: Issue) -> Placement:
    """The column for an in-scope issue.

    A column claims an issue carrying all its labels. Two claims make a *conflict*: the issue stays in
    the first claiming column (board order) and is flagged, never silently resolved.
    """
    claims = [c for c in spec.columns if not c.is_uncategorized and _carries_all(issue, c.labels)]
    if not claims:
        return Placement(spec.uncategorized)
    return Placement(claims[0], tuple(claims[1:]))


@dataclass(frozen=True, slots=True)
class LabelDiff:
    """Labels to add and to remove, by name. Every other label of the issue stays as it is."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.add and not self.remove

    def inverse(self) -> LabelDiff:
        return LabelDiff(add=self.remove, remove=self.add)

    def __str__(self) -> str:
        parts = [f"+{name}" for name in self.add] + [f"-{name}" for name in self.remove]
        return " ".join(parts) or "no change"


def plan_move(spec: BoardSpec, issue: Issue, target: Column) -> LabelDiff:
    """The label diff that moves ``issue`` into ``target``.

    Adds the target's labels the issue lacks; removes the other columns' labels the issue carries
    (all of them for the uncategorized column). Labels outside the board are never touched.
    """
    target_keys = {label_key(name) for name in target.labels}
    add = tuple(name for name in target.labels if not issue.has_label(name))
    remove = tuple(
        label.name
        for label in issue.labels
        if label.key in {label_key(n) for n in spec.triage_labels} and label.key not in target_keys
    )
    return LabelDiff(add=add, remove=remove)


def apply_diff(
    labels: Iterable[Label], diff: LabelDiff, known: dict[str, Label] | None = None
) -> tuple[Label, ...]:
    """``labels`` after ``diff``: what the board shows optimistically before GitHub answers.

    ``known`` maps label keys to full labels (with colours) for the labels being added.
    """
    removing = {label_key(name) for name in diff.remove}
    result = [label for label in labels if label.key not in removing]
    present = {label.key for label in result}
    for name in diff.add:
        key = label_key(name)
        if key not in present:
            result.append((known or {}).get(key, Label(name)))
            present.add(key)
    return tuple(result)


def satisfies(spec: BoardSpec, labels: Iterable[Label], target: Column) -> bool:
    """Whether an issue with ``labels`` sits in ``target`` and nowhere else: the check a move ends with."""
    keys = {label.key for label in labels}
    if not all(label_key(name) in keys for name in target.labels):
        return False
    target_keys = {label_key(name) for name in target.labels}
    return not any(
        label_key(name) in keys for name in spec.triage_labels if label_key(name) not in target_keys
    )
