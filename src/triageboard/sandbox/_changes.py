"""Changes to issues, as GitHub records them: every label, assignee and state change appends its events
and bumps ``updated_at``; a comment bumps ``updated_at`` and is shown to the world's watchers (the bot).

Called with the world's lock held, by the REST API, the triagebot and test-side admin calls alike.
``at`` (World.time() seconds) dates a change that fell due earlier (the bot's); None is now.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._model import Comment, Event, EventKind, Issue, Label, Repo, label_key
from ._world import World

AUTO_LABEL_COLOR = "ededed"
MAX_ASSIGNEES = 10


def resolve_label(world: World, repo: Repo, name: str) -> Label:
    """The repository's label called ``name`` (any case), created with GitHub's grey if missing."""
    label = repo.label(name)
    if label is None:
        label = world.data.new_label(repo, name, AUTO_LABEL_COLOR)
    return label


def add_labels(
    world: World, repo: Repo, issue: Issue, names: Iterable[str], actor: str, at: float | None = None
) -> bool:
    added = []
    for name in names:
        label = resolve_label(world, repo, name)
        if not issue.has_label(label.name):
            issue.labels.append(label)
            added.append(label)
    if added:
        stamp = _touch(world, issue, at)
        for label in added:
            _event(world, issue, "labeled", actor, stamp, label=label)
    return bool(added)


def remove_labels(
    world: World, issue: Issue, names: Iterable[str], actor: str, at: float | None = None
) -> bool:
    keys = {label_key(name) for name in names}
    removed = [label for label in issue.labels if label.key in keys]
    if removed:
        issue.labels = [label for label in issue.labels if label.key not in keys]
        stamp = _touch(world, issue, at)
        for label in removed:
            _event(world, issue, "unlabeled", actor, stamp, label=label)
    return bool(removed)


def set_labels(world: World, repo: Repo, issue: Issue, names: Iterable[str], actor: str) -> bool:
    """Replace the whole set (``PUT .../labels``, ``PATCH`` with ``labels``)."""
    wanted: list[Label] = []
    for name in names:
        label = resolve_label(world, repo, name)
        if label not in wanted:
            wanted.append(label)
    if [label.id for label in wanted] == [label.id for label in issue.labels]:
        return False
    removed = [label for label in issue.labels if label not in wanted]
    added = [label for label in wanted if label not in issue.labels]
    issue.labels = wanted
    stamp = _touch(world, issue, None)
    for label in removed:
        _event(world, issue, "unlabeled", actor, stamp, label=label)
    for label in added:
        _event(world, issue, "labeled", actor, stamp, label=label)
    return True


def add_assignees(
    world: World, repo: Repo, issue: Issue, logins: Iterable[str], actor: str, at: float | None = None
) -> list[str]:
    """Add whoever can be assigned, up to ten in all; drop the others silently, as GitHub does."""
    added: list[str] = []
    for login in logins:
        canonical = repo.assignable.get(login.casefold())
        if canonical is None or issue.is_assigned(canonical):
            continue
        if len(issue.assignees) >= MAX_ASSIGNEES:
            break
        issue.assignees.append(canonical)
        added.append(canonical)
    if added:
        stamp = _touch(world, issue, at)
        for login in added:
            _event(world, issue, "assigned", actor, stamp, assignee=login)
    return added


def remove_assignees(
    world: World, issue: Issue, logins: Iterable[str], actor: str, at: float | None = None
) -> list[str]:
    keys = {login.casefold() for login in logins}
    removed = [login for login in issue.assignees if login.casefold() in keys]
    if removed:
        issue.assignees = [login for login in issue.assignees if login.casefold() not in keys]
        stamp = _touch(world, issue, at)
        for login in removed:
            _event(world, issue, "unassigned", actor, stamp, assignee=login)
    return removed


def set_assignees(world: World, repo: Repo, issue: Issue, logins: Iterable[str], actor: str) -> bool:
    """Replace the whole set (``PATCH`` with ``assignees``); unassignable logins are dropped."""
    wanted: list[str] = []
    for login in logins:
        canonical = repo.assignable.get(login.casefold())
        if canonical is not None and canonical not in wanted and len(wanted) < MAX_ASSIGNEES:
            wanted.append(canonical)
    if wanted == issue.assignees:
        return False
    removed = [login for login in issue.assignees if login not in wanted]
    added = [login for login in wanted if login not in issue.assignees]
    issue.assignees = wanted
    stamp = _touch(world, issue, None)
    for login in removed:
        _event(world, issue, "unassigned", actor, stamp, assignee=login)
    for login in added:
        _event(world, issue, "assigned", actor, stamp, assignee=login)
    return True


def set_state(world: World, issue: Issue, state: str, actor: str, reason: str | None = None) -> bool:
    if state == issue.state:
        return False
    stamp = _touch(world, issue, None)
    if state == "closed":
        issue.state, issue.closed_at, issue.state_reason = "closed", stamp, reason or "completed"
        _event(world, issue, "closed", actor, stamp)
    else:
        issue.state, issue.closed_at, issue.state_reason = "open", None, "reopened"
        _event(world, issue, "reopened", actor, stamp)
    return True


def add_comment(
    world: World, repo: Repo, issue: Issue, author: str, body: str, at: float | None = None
) -> Comment:
    world.data.ensure_user(author)
    stamp = _touch(world, issue, at)
    association = "MEMBER" if world.role(author, repo) not in ("none", "read") else "NONE"
    comment = Comment(world.data.new_comment_id(), author, body, stamp, stamp, association)
    issue.comments.append(comment)
    for watcher in list(world.comment_watchers):
        watcher(repo, issue, comment)
    return comment


def _touch(world: World, issue: Issue, at: float | None) -> int:
    stamp = world.stamp(at)
    issue.updated_at = stamp
    return stamp


def _event(
    world: World,
    issue: Issue,
    kind: EventKind,
    actor: str,
    stamp: int,
    *,
    label: Label | None = None,
    assignee: str | None = None,
) -> None:
    world.data.ensure_user(actor)
    issue.events.append(
        Event(
            id=world.data.new_event_id(),
            kind=kind,
            actor=actor,
            created_at=stamp,
            label=None if label is None else (label.name, label.color),
            assignee=assignee,
        )
    )
