"""Loading and refreshing the board: the async work behind F5, reported through Qt signals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Signal
from qasync import asyncSlot

from ..board import Board, Issue
from ..github import AuthError, GitHubClient, GitHubError, RateLimit, RateLimited, fetch_board

log = logging.getLogger(__name__)

Overlay = Callable[[list[Issue]], list[Issue]]


def _identity(issues: list[Issue]) -> list[Issue]:
    return issues


def rate_limit_text(state: RateLimit) -> str:
    reset = state.reset_at.astimezone().strftime("%H:%M")
    return f"API {state.resource}: {state.remaining:,}/{state.limit:,} left, resets {reset}"


class BoardService(QObject):
    """Fetches the board's issues into ``board``: pages as they arrive, then the complete set.

    Signals: ``loading_changed(bool)``, ``refreshed(str)`` (local time of the refresh), ``error(str)``,
    ``notice(str)``, ``user_changed(str)`` (the signed-in login), ``rate_limit_changed(str)``.
    """

    loading_changed = Signal(bool)
    refreshed = Signal(str)
    error = Signal(str)
    notice = Signal(str)
    user_changed = Signal(str)
    rate_limit_changed = Signal(str)
    progress = Signal(int)

    def __init__(
        self,
        board: Board,
        client: GitHubClient,
        overlay: Overlay | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.board = board
        self.client = client
        self._overlay: Overlay = overlay or _identity
        self._loading = False
        self._user = ""
        self._received = 0
        self.last_error: str | None = None
        self.completed = 0  # refreshes that finished without an error

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def user(self) -> str:
        return self._user

    def set_overlay(self, overlay: Overlay | None) -> None:
        """``overlay(issues)`` rewrites fetched issues so that moves still in flight stay visible."""
        self._overlay = overlay or _identity

    def note_rate_limit(self, state: RateLimit) -> None:
        """Called by the client with every response's rate-limit headers."""
        if state.resource in ("core", "search") and (state.resource == "core" or state.remaining < 10):
            self.rate_limit_changed.emit(rate_limit_text(state))

    @asyncSlot()  # type: ignore[untyped-decorator]  # qasync ships no types
    async def refresh(self) -> None:
        """Fetch everything; a refresh already under way is not started twice."""
        if self._loading:
            return
        self._set_loading(True)
        try:
            await self._refresh()
        except AuthError as exc:
            self.user_changed.emit("")
            self._user = ""
            self.last_error = str(exc)
            self.error.emit(str(exc))
        except GitHubError as exc:
            self.last_error = self._failure_text(exc)
            self.error.emit(self.last_error)
        else:
            self.last_error = None
            self.completed += 1
        finally:
            self._set_loading(False)

    async def _refresh(self) -> None:
        if not self._user:
            user = await self.client.current_user()
            self._user = user.login
            self.user_changed.emit(user.login)
        self._received = 0
        self.progress.emit(0)
        result = await fetch_board(self.client, self.board.spec, on_page=self._take_page)
        self.board.replace_all(self._overlay(result.issues))
        # "refreshed" first: it retracts an earlier failure's message, and must not retract these notices.
        self.refreshed.emit(datetime.now().strftime("%H:%M:%S"))
        for text in result.notices:
            self.notice.emit(text)

    def _failure_text(self, exc: GitHubError) -> str:
        """What a failed refresh means for the board on screen, and what to do."""
        kept = " The board still shows the issues loaded before." if len(self.board) else ""
        if isinstance(exc, RateLimited):
            until = exc.resume_at.astimezone().strftime("%H:%M")
            kind = "secondary (abuse) rate limit" if exc.secondary else "rate limit"
            return (
                f"Could not refresh the board: GitHub's {kind} is used up until {until}.{kept} "
                f"Press F5 after {until} to load the issues."
            )
        retry = " Press F5 to try again." if exc.temporary else ""
        return f"Refreshing the board failed: {exc}{kept}{retry}"

    def _take_page(self, issues: list[Issue]) -> None:
        self.board.update(self._overlay(issues))
        self._received += len(issues)
        self.progress.emit(self._received)

    def _set_loading(self, loading: bool) -> None:
        self._loading = loading
        self.loading_changed.emit(loading)
