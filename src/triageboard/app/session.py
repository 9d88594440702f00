"""One open board: the one place where the client, the board, the services and the window are wired.

Building a :class:`Session` starts nothing; :meth:`Session.start` shows the window and starts the work (in
the session's task scope); :meth:`Session.aclose` stops exactly what the session started and closes its
files. Everything any layer reports goes through the session's reporter, buffered until the window
connects, so nothing said while the session is built is lost.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
from PySide6.QtCore import QObject, QSettings, QTimer

from .. import paths
from ..auth import Credentials
from ..board import Board, BoardSpec
from ..clock import Clock, SystemClock
from ..github import GitHubClient, MemoryPageCache, PageCache, Policy, RateLimit
from ..moves import MoveEngine
from ..reporting import Reporter
from ..services import AuthService, BoardService, MoveService
from ..store import Outbox
from ..tasks import CrashHandler, TaskScope
from ..ui.about import show_about
from ..ui.signin import open_gh_import, open_sign_in
from ..ui.window import MainWindow

log = logging.getLogger(__name__)


def window_settings() -> QSettings:
    """Window geometry and splitter sizes, in the per-user config folder; never a token."""
    return QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)


class Session(QObject):
    """``credentials`` supply the token per request (``credentials.token``), so signing in again rebuilds
    nothing. ``sign_in``: offer the Account menu (not for the demo, whose token comes from its sandbox).
    Raises ``StoreError`` when the outbox cannot be opened (nothing may start without it)."""

    def __init__(
        self,
        spec: BoardSpec,
        http: httpx.AsyncClient,
        credentials: Credentials,
        *,
        outbox_path: Path,
        page_cache: PageCache | None = None,
        sign_in: bool = False,
        client_id: str | None = None,
        gh: str | None = None,
        policy: Policy | None = None,
        clock: Clock | None = None,
        reporter: Reporter | None = None,
        on_crash: CrashHandler | None = None,
        auto_refresh: float = 0.0,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.credentials = credentials
        self.clock: Clock = clock or SystemClock()
        self.reporter = reporter or Reporter()
        self.scope = TaskScope(on_crash) if on_crash is not None else TaskScope()
        self.board = Board(spec)
        self.page_cache = page_cache if page_cache is not None else MemoryPageCache()
        if self.page_cache.notice is not None:  # a damaged cache was set aside: nothing lost, but say so
            self.reporter.warning(self.page_cache.notice)
        self.client = GitHubClient(
            http,
            spec.api_url,
            credentials.token,
            cache=self.page_cache,
            policy=policy,
            clock=self.clock,
            on_rate_limit=self._on_rate_limit,
        )
        self.outbox = Outbox(outbox_path, clock=self.clock)
        if self.outbox.notice is not None:
            self.reporter.warning(self.outbox.notice)
        self.engine = MoveEngine(self.client, self.outbox)
        self.board_service = BoardService(
            self.board, self.client, self.reporter, self.scope, clock=self.clock
        )
        self.move_service = MoveService(self.board, self.engine, self.reporter, self.scope)
        self.board_service.set_overlay(self.move_service.overlay)
        self.auth: AuthService | None = None
        if sign_in:
            self.auth = AuthService(
                credentials,
                http,
                self.reporter,
                self.scope,
                repos=spec.repos,
                client_id=client_id,
                policy=policy,
                clock=self.clock,
                gh=gh,
            )
        self.window = MainWindow(self.board, settings=settings if settings is not None else window_settings())
        self.closed = asyncio.Event()
        self._prepared = False
        # Others triage too: refetch every ``auto_refresh`` seconds (free with ETags: 304s cost nothing).
        self.auto_refresh = QTimer(self)
        self.auto_refresh.setInterval(int(auto_refresh * 1000))
        self.auto_refresh.timeout.connect(self._refresh_now)
        self._disconnect_reports = self.reporter.connect(self.window.reports)
        self._wire()

    # --- wiring: every connection between the parts, in one place ------------------------------------

    def _wire(self) -> None:
        window, boards, moves = self.window, self.board_service, self.move_service
        window.refresh_requested.connect(boards.refresh)
        window.move_requested.connect(moves.request_move)
        window.undo_requested.connect(moves.undo)
        window.redo_requested.connect(moves.redo)
        window.closed.connect(self.closed.set)
        boards.loading_changed.connect(window.on_loading)
        boards.loading_changed.connect(self._on_loading)
        boards.progress.connect(window.on_progress)
        boards.refreshed.connect(window.on_refreshed)
        boards.user_changed.connect(window.set_user)
        boards.rate_limit_changed.connect(window.set_rate_limit)
        moves.pending_changed.connect(window.set_pending)
        moves.waiting_changed.connect(window.set_waiting)
        moves.undo_available.connect(window.undo_action.setEnabled)
        moves.redo_available.connect(window.redo_action.setEnabled)
        window.undo_action.setEnabled(False)
        window.redo_action.setEnabled(False)
        help_menu = window.menuBar().addMenu("&Help")
        help_menu.addAction("&About triageboard", lambda: show_about(window))
        if self.auth is not None:
            self._wire_auth(self.auth)

    def _wire_auth(self, auth: AuthService) -> None:
        window = self.window
        auth.user_changed.connect(window.set_user)
        # Stored pages belong to the account that fetched them; queued changes may go out again.
        auth.user_changed.connect(self._account_changed)
        auth.signed_in.connect(lambda _login: self.board_service.refresh())
        # No usable token at start: the reason is in the message bar; offer the dialog at once.
        auth.sign_in_needed.connect(lambda: open_sign_in(auth, window))
        menu = window.account_menu
        menu.menuAction().setVisible(True)
        menu.addAction("Sign &in…", lambda: open_sign_in(auth, window))
        menu.addAction("Import token from &gh CLI…", lambda: open_gh_import(auth, window))
        sign_out = menu.addAction("Sign &out", auth.sign_out)
        sign_out.setEnabled(False)
        auth.user_changed.connect(lambda login: sign_out.setEnabled(bool(login)))

    def _account_changed(self, login: str) -> None:
        if login:
            self.move_service.resume()
        else:
            # Signed out: the previous account's cards (maybe from private repositories) leave the screen.
            self.board.clear()
        self.scope.spawn(self.page_cache.clear(), name="clear page cache")

    def _on_rate_limit(self, state: RateLimit) -> None:
        self.board_service.note_rate_limit(state)

    def _on_loading(self, loading: bool) -> None:
        if not loading and not self._prepared and len(self.board):
            # Permissions and column labels are read once the repositories on the board are known.
            self._prepared = True
            self.move_service.prepare()

    def _refresh_now(self) -> None:
        """A timed refresh: only when signed in and nothing is loading (a manual F5 may be under way)."""
        signed_in = self.auth is None or bool(self.credentials.token())
        if signed_in and not self.board_service.loading:
            self.board_service.refresh()

    # --- life ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Show the window at once; then sign-in state, and the first fetch (columns fill as it runs)."""
        self.window.show()
        if self.auth is not None:
            await self.auth.start()
        self.move_service.start()
        if self.auth is None or self.credentials.token():
            # Without a token a fetch would only add a bare 401; signing in refreshes (signed_in).
            self.board_service.refresh()
        if self.auto_refresh.interval() > 0:
            self.auto_refresh.start()

    async def aclose(self) -> None:
        """Stop everything this session started; the caller closes the HTTP client afterwards."""
        self.closed.set()
        self.auto_refresh.stop()
        if self.window.isVisible():
            self.window.close()
        await self.scope.aclose()
        self._disconnect_reports()
        self.outbox.close()
