"""Loading and refreshing the board: the work behind F5, reported through Qt signals and the reporter."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from ..board import Board, Issue
from ..clock import Clock, SystemClock
from ..errors import AuthError, GitHubError, TriageboardError
from ..github import GitHubClient, RateLimit, fetch_board
from ..reporting import Doing, Reporter, Source
from ..tasks import TaskScope

log = logging.getLogger(__name__)

Overlay = Callable[[list[Issue]], list[Issue]]
REFRESH = Source.REFRESH  # the cause a failed refresh's message belongs to; a good refresh takes it down


def _identity(issues: list[Issue]) -> list[Issue]:
    return issues


class BoardService(QObject):
    """Fetches the board's issues into ``board``: pages as they arrive, then the complete set.

    Signals: ``loading_changed(bool)``, ``refreshed(datetime)`` (when the last refresh finished),
    ``user_changed(str)`` (the signed-in login), ``rate_limit_changed(RateLimit)``, ``progress(int)``
    (issues received). Failures go to the reporter (source ``"refresh"``).
    """

    loading_changed = Signal(bool)
    refreshed = Signal(object)
    user_changed = Signal(str)
    rate_limit_changed = Signal(object)
    progress = Signal(int)

    def __init__(
        self,
        board: Board,
        client: GitHubClient,
        reporter: Reporter,
        scope: TaskScope,
        *,
        clock: Clock | None = None,
        overlay: Overlay | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.board = board
        self.client = client
        self.reporter = reporter
        self.scope = scope
        self.clock: Clock = clock or SystemClock()
        self._overlay: Overlay = overlay or _identity
        self._task: asyncio.Task[None] | None = None
        self._user = ""
        self._received = 0
        self.last_error: TriageboardError | None = None
        self.completed = 0  # refreshes that finished without an error

    @property
    def loading(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def user(self) -> str:
        return self._user

    def set_overlay(self, overlay: Overlay | None) -> None:
        """``overlay(issues)`` rewrites fetched issues so that changes still in flight stay visible."""
        self._overlay = overlay or _identity

    def note_rate_limit(self, state: RateLimit) -> None:
        """Called by the client with every response's rate-limit headers."""
        if state.resource in ("core", "search") and (state.resource == "core" or state.remaining < 10):
            self.rate_limit_changed.emit(state)

    def refresh(self) -> asyncio.Task[None] | None:
        """Fetch everything in the background; a refresh already under way is not started twice."""
        if self.loading:
            return None
        self._task = self.scope.spawn(self._refresh_guarded(), name="refresh")
        return self._task

    async def _refresh_guarded(self) -> None:
        self.loading_changed.emit(True)
        try:
            await self._refresh()
        except AuthError as exc:
            self._user = ""
            self.user_changed.emit("")
            self.last_error = exc
            self.reporter.error(exc, doing=Doing.REFRESH, source=REFRESH)
        except GitHubError as exc:
            self.last_error = exc
            self.reporter.error(exc, doing=Doing.REFRESH, source=REFRESH)
        else:
            self.last_error = None
            self.completed += 1
        finally:
            self.loading_changed.emit(False)

    async def _refresh(self) -> None:
        if not self._user:
            user = await self.client.current_user()
            self._user = user.login
            self.user_changed.emit(user.login)
            # GitHub answered who is signed in: "not signed in" or "could not check who" is over.
            self.reporter.resolve(Source.AUTH)
        self._received = 0
        self.progress.emit(0)
        result = await fetch_board(self.client, self.board.spec, on_page=self._take_page)
        self.board.replace_all(self._overlay(result.issues))
        # Take the last failure's message down first: it must not take these notices with it.
        self.reporter.resolve(REFRESH)
        self.refreshed.emit(self.clock.now())
        for fact in result.notices:
            self.reporter.warning(fact, doing=Doing.REFRESH)

    def _take_page(self, issues: list[Issue]) -> None:
        self.board.update(self._overlay(issues))
        self._received += len(issues)
        self.progress.emit(self._received)
