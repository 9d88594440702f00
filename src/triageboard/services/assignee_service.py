"""Who can be assigned in a repository (``GET /repos/{o}/{r}/assignees``), for the assignee picker."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

from ..clock import Clock
from ..errors import GitHubError
from ..github import GitHubClient
from ..reporting import Doing, Reporter
from ..tasks import TaskScope

# A list read this long ago (clock seconds) is read again when asked for: collaborators change.
FRESH_FOR = 600.0


class AssigneeService(QObject):
    """Signal: ``loaded(str, list)`` (repository, logins) once a list has been read. Failures go to the
    reporter; the picker still takes a login typed by hand (GitHub says whether it can be assigned)."""

    loaded = Signal(str, list)

    def __init__(
        self,
        client: GitHubClient,
        reporter: Reporter,
        scope: TaskScope,
        clock: Clock,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.reporter = reporter
        self.scope = scope
        self.clock = clock
        self._lists: dict[str, tuple[float, list[str]]] = {}
        self._loading: dict[str, asyncio.Task[list[str]]] = {}

    def cached(self, repo: str) -> list[str] | None:
        found = self._lists.get(repo.casefold())
        return list(found[1]) if found is not None else None

    def load(self, repo: str) -> asyncio.Task[list[str]]:
        """Read who can be assigned in ``repo`` (a recent list is answered at once)."""
        key = repo.casefold()
        task = self._loading.get(key)
        if task is None or task.done():
            task = self.scope.spawn(self._load(repo), name=f"assignees {repo}")
            self._loading[key] = task
        return task

    async def _load(self, repo: str) -> list[str]:
        key = repo.casefold()
        found = self._lists.get(key)
        if found is not None and self.clock.monotonic() - found[0] < FRESH_FOR:
            self.loaded.emit(repo, list(found[1]))
            return list(found[1])
        try:
            logins = await self.client.assignable_users(repo)
        except GitHubError as exc:
            self.reporter.warning(exc, doing=Doing.ASSIGN, source=f"assignees:{key}")
            logins = list(found[1]) if found is not None else []
        else:
            self.reporter.resolve(f"assignees:{key}")
            self._lists[key] = (self.clock.monotonic(), logins)
        self.loaded.emit(repo, list(logins))
        return logins
