"""Bringing a known board up to date: only what changed when the board is complete and its marks are fresh,
else every page again (free where nothing changed, thanks to the stored ETags). The window's board service
and ``triageboard list`` share it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..board import BoardSpec, Issue, IssueKey, in_scope
from .client import GitHubClient
from .loader import OnPage, fetch_board, fetch_changes, sources

log = logging.getLogger(__name__)

# Asking only for changes cannot see issues deleted or transferred meanwhile: walk every page again once
# the last complete load is this old.
FULL_EVERY = 24 * 3600.0


@dataclass
class Synced:
    """The board as GitHub has it now (``issues``, in scope), and how it got there: ``changed`` holds a
    refresh's changes (in scope or not: the board places or drops them), None after a complete load (the
    board holds exactly ``issues``). ``marks`` and ``full_at`` are where the next refresh starts."""

    issues: dict[IssueKey, Issue]
    changed: list[Issue] | None
    marks: dict[str, str]
    full_at: float
    notices: list[object] = field(default_factory=list)


def needs_full(spec: BoardSpec, marks: Mapping[str, str], full_at: float | None, now: float) -> bool:
    """Whether only changes can be asked for: every source has a mark, from a complete load not too old."""
    if full_at is None or now - full_at > FULL_EVERY:
        return True
    return any(source not in marks for source in sources(spec))


async def sync_board(
    client: GitHubClient,
    spec: BoardSpec,
    known: Mapping[IssueKey, Issue] | None,
    marks: Mapping[str, str],
    full_at: float | None,
    *,
    on_page: OnPage | None = None,
) -> Synced:
    """``known`` (None: nothing known) brought up to date. ``on_page`` sees a complete load's pages."""
    now = client.clock.time()
    if known is not None and not needs_full(spec, marks, full_at, now):
        assert full_at is not None
        changes = await fetch_changes(client, spec, marks)
        if not changes.incomplete:
            issues = dict(known)
            for issue in changes.issues:
                if in_scope(spec, issue):
                    issues[issue.key] = issue
                else:
                    issues.pop(issue.key, None)
            return Synced(issues, changes.issues, changes.marks, full_at, changes.notices)
        log.info("too many changes to ask for (%s): loading the board in full", ", ".join(changes.incomplete))
    result = await fetch_board(client, spec, on_page=on_page)
    return Synced({i.key: i for i in result.issues}, None, result.marks, now, result.notices)
