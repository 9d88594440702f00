"""Time in a column for ``triageboard list``: the timelines of the cards it prints, from the timeline store
the window shares when the card has not changed since, else from GitHub (conditionally: a 304 is free), at
most ``--max-timelines`` requests; the rest stay unknown, and the user is told."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from .. import paths
from ..board import Board, IssueKey, in_column_since
from ..errors import GitHubError, StoreError
from ..reporting import Doing, TimelinesCapped
from ..store import StoredTimeline, TimelineStore
from .run import Run

log = logging.getLogger(__name__)


async def read_since(run: Run, board: Board, keys: Sequence[IssueKey], cap: int) -> dict[IssueKey, datetime]:
    """When each card of ``keys`` (most wanted first) entered its column, for those that could be known.
    A card being moved (pending) has no time yet: its column is not GitHub's yet."""
    wanted = [k for k in keys if k in board and not board.is_pending(k)]
    if not wanted or cap <= 0:
        return {}
    store = _open_store(run)
    try:
        try:
            account = (await run.client().current_user()).login
        except GitHubError as exc:
            run.reporter.warning(exc, doing=Doing.TIMELINE)
            return {}
        api_url = run.spec.api_url
        stored = await store.load(api_url, account) if store is not None else {}
        client = run.client_with(store.pages(api_url, account) if store is not None else None)
        found: dict[IssueKey, datetime] = {}
        requests = 0
        unread = 0
        failed = False
        for key in wanted:
            issue = board.issue(key)
            labels = frozenset(label.key for label in issue.labels)
            timeline = stored.get(key)
            if timeline is None or timeline.labels != labels or timeline.updated_at != issue.updated_at:
                if failed or requests >= cap:
                    unread += 1
                    continue
                requests += 1
                try:
                    events = await client.timeline(key.repo, key.number)
                except GitHubError as exc:  # said once; the listing goes on without the rest
                    run.reporter.warning(exc, doing=Doing.TIMELINE)
                    failed = True
                    unread += 1
                    continue
                timeline = StoredTimeline(events, labels, issue.updated_at, run.clock.time())
                if store is not None:
                    await store.save(api_url, account, key, timeline)
            since = in_column_since(board.spec, issue, timeline.events)
            if since is not None:
                found[key] = since
        log.info("time in a column: %d cards known, %d timelines read from GitHub", len(found), requests)
        if unread and not failed:
            run.reporter.warning(TimelinesCapped(len(found), len(wanted), cap), doing=Doing.TIMELINE)
        return found
    finally:
        if store is not None:
            store.close()


def _open_store(run: Run) -> TimelineStore | None:
    """The timeline store the window uses; without it the listing still reads timelines (none kept)."""
    try:
        store = TimelineStore(paths.timeline_cache_path())
    except (StoreError, OSError) as exc:
        log.warning("timeline cache unavailable: %s", exc)
        return None
    if store.notice is not None:
        run.reporter.warning(store.notice)
    return store
