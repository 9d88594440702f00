"""What the details pane shows beyond the card: an issue's comments (read when a card is selected, kept for
the last few issues) and its fresh state once a move of it has settled (GitHub's "updated" time changes,
which a label write's answer does not carry)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from ..board import Issue, IssueKey
from ..errors import GitHubError
from ..github import Comment, GitHubClient
from ..tasks import TaskScope

# Issues whose comments are kept (the pane's recent selections), and comments kept per issue (the latest).
CACHED_ISSUES = 64
KEPT_COMMENTS = 200


@dataclass(frozen=True, slots=True)
class Comments:
    """An issue's latest comments (at most ``KEPT_COMMENTS``), oldest first; ``total``: how many it has."""

    key: IssueKey
    comments: tuple[Comment, ...]
    total: int
    updated_at: datetime | None  # the issue's "updated" time they were read at


class DetailsService(QObject):
    """Signals: ``comments_loaded(Comments)``, ``comments_failed(IssueKey, GitHubError)``,
    ``issue_loaded(Issue)`` (an issue's fresh state, read after a move of it settled)."""

    comments_loaded = Signal(object)
    comments_failed = Signal(object, object)
    issue_loaded = Signal(object)

    def __init__(
        self,
        client: GitHubClient,
        scope: TaskScope,
        *,
        cache_size: int = CACHED_ISSUES,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.scope = scope
        self.cache_size = cache_size
        self._cache: OrderedDict[IssueKey, Comments] = OrderedDict()
        self._loading: dict[IssueKey, asyncio.Task[None]] = {}

    def cached(self, key: IssueKey) -> Comments | None:
        return self._cache.get(key)

    def load_comments(self, issue: Issue) -> asyncio.Task[None] | None:
        """The comments of ``issue``: from the cache when read at its current "updated" time (a new comment
        changes it), else from GitHub. None when answered at once."""
        found = self._cache.get(issue.key)
        if found is not None and found.updated_at == issue.updated_at:
            self._cache.move_to_end(issue.key)
            self.comments_loaded.emit(found)
            return None
        return self._read(issue.key, issue.updated_at)

    def refresh(self, key: IssueKey) -> asyncio.Task[None]:
        """Read ``key``'s issue again (``issue_loaded``), then its comments when it changed since."""
        return self.scope.spawn(self._refresh(key), name=f"details {key}")

    async def _refresh(self, key: IssueKey) -> None:
        try:
            issue = await self.client.get_issue(key.repo, key.number)
        except GitHubError:
            return  # the card keeps what the board knows; the next refresh brings the rest
        self.issue_loaded.emit(issue)
        found = self._cache.get(key)
        if found is None or found.updated_at != issue.updated_at:
            await self._read(key, issue.updated_at)

    def _read(self, key: IssueKey, updated_at: datetime | None) -> asyncio.Task[None]:
        task = self._loading.get(key)
        if task is None or task.done():
            task = self.scope.spawn(self._fetch(key, updated_at), name=f"comments {key}")
            self._loading[key] = task
        return task

    async def _fetch(self, key: IssueKey, updated_at: datetime | None) -> None:
        try:
            comments = await self.client.comments(key.repo, key.number)
        except GitHubError as exc:
            self.comments_failed.emit(key, exc)
            return
        finally:
            self._loading.pop(key, None)
        found = Comments(key, tuple(comments[-KEPT_COMMENTS:]), len(comments), updated_at)
        self._cache[key] = found
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        self.comments_loaded.emit(found)
